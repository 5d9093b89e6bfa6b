"""Optional redaction of personal data before anything is stored or embedded."""

from __future__ import annotations

import pytest

from ingest.pipeline import CallIngestor
from ingest.records import Segment, Word
from ingest.redact import Redactor


@pytest.mark.parametrize("text, expected", [
    ("mail jo.smith@acme.co.uk today", "mail [EMAIL] today"),
    ("call me on +1 415-555-0100 or (303) 555 0199", "call me on [PHONE] or [PHONE]"),
    ("card 4111 1111 1111 1111, exp 12/28", "card [CARD], exp 12/28"),
    ("we have 1,200 customers since 2017 and 99.9% uptime at $1,500/month",
     "we have 1,200 customers since 2017 and 99.9% uptime at $1,500/month"),
    ("Berlin office: +49 30 901820, my cell 4155550145.",
     "Berlin office: [PHONE], my cell [PHONE]."),
    ("invoice 2026-03-04, order 123456, version 10.2.3, ids 12345678 and 987654321",
     "invoice 2026-03-04, order 123456, version 10.2.3, ids 12345678 and 987654321"),
    ("jo+4155550145@acme.com", "[EMAIL]"),
])
def test_redactor(text, expected):
    assert Redactor().text(text) == expected


def test_segment_words_of_redacted_spans_are_dropped():
    seg = Segment("Buyer", "write to jo@acme.com", 0.0, 2.0,
                  [Word(0.0, 0.5, "write"), Word(0.5, 0.8, "to"), Word(0.8, 2.0, "jo@acme.com")])
    out = Redactor().segment(seg)
    assert out.text == "write to [EMAIL]"
    assert [w.text for w in out.words] == ["write", "to"]


def test_a_number_spoken_as_several_words_loses_every_word_timing():
    text = "my card is 4111 1111 1111 1111 and my phone 415 555 0100 thanks"
    words = [Word(i * 0.3, i * 0.3 + 0.25, f" {w}") for i, w in enumerate(text.split())]
    out = Redactor().segment(Segment("Buyer", text, 0.0, 5.0, words))
    assert out.text == "my card is [CARD] and my phone [PHONE] thanks"
    assert [w.text.strip() for w in out.words] == ["my", "card", "is", "and", "my", "phone",
                                                   "thanks"]
    # a word the text does not hold is kept unless it could carry a number or an address
    odd = Segment("Buyer", "call 415 555 0100", 0.0, 2.0,
                  [Word(0.0, 0.5, "call"), Word(0.5, 1.0, "four-fifteen"), Word(1.0, 2.0, "0100x")])
    assert [w.text for w in Redactor().segment(odd).words] == ["call", "four-fifteen"]


@pytest.mark.slow
def test_redaction_applies_before_storing(workspace, settings, tmp_path):
    (tmp_path / "c.txt").write_text("Rep: What's the best email?\nBuyer: It's ana@globex.com, "
                                    "or call 415-555-0100.\n")
    redacting = settings.model_copy(update={"redact": True})
    CallIngestor(workspace, redacting).run([tmp_path / "c.txt"])
    stored = " ".join(t.text for t in workspace.call("c").turns)
    assert "ana@globex.com" not in stored and "415-555-0100" not in stored
    assert "[EMAIL]" in stored and "[PHONE]" in stored
    assert workspace.call_file("c") is None  # no raw copy of the transcript is kept
    assert not any("ana@globex.com" in p.read_text(errors="ignore")
                   for p in (workspace.root / "files").iterdir())


def test_speaker_names_and_manifest_fields_are_redacted(workspace, settings, tmp_path):
    (tmp_path / "c.txt").write_text("ana@globex.com: Our budget is frozen.\n"
                                    "Rep: Understood, thanks.\n")
    (tmp_path / "calls.csv").write_text("file,call_id,rep,account\n"
                                        "c.txt,c,Rep,Globex (ana@globex.com +49 30 901820)\n")
    redacting = settings.model_copy(update={"redact": True})
    CallIngestor(workspace, redacting).run([tmp_path / "c.txt"], tmp_path / "calls.csv")
    call = workspace.call("c")
    assert [t.speaker for t in call.turns] == ["[EMAIL]", "Rep"]
    assert call.meta.account == "Globex ([EMAIL] [PHONE])" and call.meta.rep == "Rep"
    assert [t.side for t in call.turns] == ["buyer", "rep"]
