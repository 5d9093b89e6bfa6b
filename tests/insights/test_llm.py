"""The optional LLM extractor, with langchain's fake chat models (only the LLM is faked)."""

from __future__ import annotations

import json
import logging

import pytest
from langchain_core.language_models.fake_chat_models import (
    FakeListChatModel,
    GenericFakeChatModel,
)
from langchain_core.messages import AIMessage

from ingest.errors import LLMError
from insights.llm import LLMObjectionExtractor

LINES = [
    ("Rep", "Pricing starts at fifteen hundred a month."),
    ("Dana", "Thanks. Honestly, that's way more than we budgeted. Also, who else uses it?"),
    ("Rep", "Over a thousand finance teams."),
    ("Dana", "We'd need our CFO to sign off."),
]


@pytest.fixture()
def call(build_call):
    return build_call("c1", LINES)


def _answer(*items):
    keys = ("turn", "quote", "category", "confidence")
    return json.dumps({"objections": [dict(zip(keys, i, strict=True))
                                      for i in items]})


def test_extracts_verbatim_spans_and_drops_the_rest(call):
    model = FakeListChatModel(responses=[_answer(
        (1, "Honestly, that's way more than we budgeted.", "price", 0.9),
        (3, "we'd need our cfo to sign off.", "authority", 0.7),   # case differs: located
        (0, "Pricing starts at fifteen hundred a month.", "price", 0.9),  # rep turn: dropped
        (1, "It is too expensive.", "price", 0.9),                  # not in the turn: dropped
    )])
    found = LLMObjectionExtractor(model=model).run(call)
    assert [(o.turn, o.text, o.category, o.source) for o in found] == [
        (1, "Honestly, that's way more than we budgeted.", "price", "llm"),
        (3, "We'd need our CFO to sign off.", "authority", "llm"),
    ]
    turn = call.turns[1].text
    assert turn[found[0].char_start:found[0].char_end] == found[0].text
    assert found[0].confidence == 0.9 and found[0].start == 10.0


def test_json_in_a_code_fence_is_accepted(call):
    model = GenericFakeChatModel(messages=iter([AIMessage(
        content="```json\n" + _answer((3, "We'd need our CFO to sign off.", "authority", 0.8))
        + "\n```")]))
    assert [o.category for o in LLMObjectionExtractor(model=model).run(call)] == ["authority"]


@pytest.mark.parametrize(("reply", "message"), [
    ('{"objections": [{"turn": 1, "quote": "x", "category": "weather"}]}', "off-schema"),
    ("Sure! Here are the objections: none.", "off-schema"),
])
def test_off_schema_answers_raise_llm_error(reply, message, call):
    with pytest.raises(LLMError, match=message):
        LLMObjectionExtractor(model=FakeListChatModel(responses=[reply])).run(call)


def test_model_failure_raises_llm_error(call):
    model = GenericFakeChatModel(messages=iter([]))  # raises when asked
    with pytest.raises(LLMError, match="failed on call c1"):
        LLMObjectionExtractor(model=model).run(call)


def test_unknown_provider_raises_llm_error(call):
    with pytest.raises(LLMError, match="Could not create the chat model 'nosuch:model'"):
        LLMObjectionExtractor("nosuch:model").run(call)


@pytest.mark.slow
def test_analyzer_uses_the_llm_and_falls_back_on_error(workspace, settings, caplog, call,
                                                       build_call):
    from insights import load_objections
    from insights.analysis import Analyzer

    other = build_call("c2", [("Rep", "Any concerns?"),
                              ("Sam", "The price is too high for a team our size.")])
    workspace.save_call(call)
    workspace.save_call(other)
    # one good answer for the first call, then the model fails on the second one
    model = FakeListChatModel(responses=[_answer((3, "We'd need our CFO to sign off.",
                                                  "authority", 0.8)), "not json"])
    with caplog.at_level(logging.WARNING, logger="insights.analysis"):
        result = Analyzer(workspace, settings, chat_model=model).run()
    assert result.llm_fallbacks == 1
    assert "LLM objection extraction failed for call c2" in caplog.text
    assert "falling back to the default detector" in caplog.text
    by_call = {o.call_id: o for o in load_objections(workspace)}
    assert by_call["c1"].source == "llm" and by_call["c1"].category == "authority"
    assert by_call["c2"].source == "model" and by_call["c2"].category == "price"
    # the call the LLM failed on is tried again by the next run; the other one is not
    retry = FakeListChatModel(responses=[_answer((1, "The price is too high for a team our "
                                                  "size.", "price", 0.9))])
    again = Analyzer(workspace, settings, chat_model=retry).run()
    assert (again.analysed, again.llm_fallbacks) == (1, 0)
    assert {o.source for o in load_objections(workspace, call_id="c2")} == {"llm"}


@pytest.mark.slow
def test_unbuildable_llm_warns_once_and_uses_the_detector(workspace, tmp_path, caplog, call):
    from ingest.settings import Settings
    from insights import load_objections
    from insights.analysis import Analyzer

    workspace.save_call(call)
    settings = Settings(workspace=tmp_path / "ws", llm="nosuch:model")
    with caplog.at_level(logging.WARNING, logger="insights.analysis"):
        result = Analyzer(workspace, settings).run()
    assert result.analysed == 1 and result.llm_fallbacks == 0
    assert caplog.text.count("Falling back to the default detector for every call") == 1
    assert {o.source for o in load_objections(workspace)} == {"model"}
