"""The Gradio app through its API (gradio_client): every view's endpoint, escaping, errors, auth.

One app is started per module on a free loopback port, on the small workspace that the
``served`` fixture (tests/ui/conftest.py) builds from a few transcripts, documents, a recording
(tests/data/audio/stereo.mp3) and demo/messaging.yaml.
"""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ingest.errors import InputError
from ui.app import check_binding, parse_auth

REPO = Path(__file__).resolve().parents[2]


def data(table: dict) -> list[list]:
    """The rows of a Dataframe output."""
    return table["data"] if table else []


def choices(update: dict) -> list[tuple[str, str]]:
    return [tuple(c) for c in update["choices"]]


NO_FILTER = ([], [], [], [], "", "", "")


# -- security rules that need no app ------------------------------------------------------------


def test_off_loopback_without_auth_is_refused():
    with pytest.raises(InputError, match=r"Refusing to serve on 0\.0\.0\.0 without authentication"):
        check_binding("0.0.0.0", None)
    check_binding("0.0.0.0", ("ann", "secret"))
    check_binding("127.0.0.1", None)
    check_binding("localhost", None)
    check_binding("::1", None)


def test_auth_must_have_user_and_password():
    assert parse_auth("ann:s3:cret") == ("ann", "s3:cret")
    assert parse_auth(None) is None
    with pytest.raises(InputError, match="--auth must be 'user:password'"):
        parse_auth("ann")


def test_warm_up_loads_the_query_encoder_in_the_background_without_torch(tmp_path):
    """The app's start warms what the first question needs, and not sentence-transformers
    (importing torch would hold the first answer back by seconds)."""
    from ingest.embed import Embedder
    from ingest.store import Workspace
    from ui.app import warm_up

    ws = Workspace(tmp_path / "ws", Embedder())
    thread = warm_up(ws)
    assert thread.daemon and thread.name == "callmine-warm-up-models"
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert ws.embedder.encoder == "numpy" and ws.embedder._bert is not None
    assert ws.embedder._model is None
    ws.close()


def test_serve_says_when_the_port_is_in_use(workspace, settings):
    import socket

    from ui.app import serve

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(InputError, match=f"Port {port} on 127.0.0.1 is in use.*--port"):
            serve(workspace, settings, port=port, block=False)


def test_serve_refuses_a_network_address_without_auth(workspace, settings, free_port):
    from ui.app import serve

    with pytest.raises(InputError, match="Refusing to serve on 192.168.1.5"):
        serve(workspace, settings, host="192.168.1.5", port=free_port(), block=False)


@pytest.mark.slow
def test_auth_refuses_a_client_without_the_password(workspace, settings, free_port):
    from gradio_client import Client
    from gradio_client.exceptions import AuthenticationError

    from ui.app import serve

    app, url = serve(workspace, settings, port=free_port(), auth="ann:secret", block=False)
    try:
        with pytest.raises(urllib.error.HTTPError, match="401"):
            urllib.request.urlopen(url.rstrip("/") + "/config")
        with pytest.raises(AuthenticationError, match="credentials were not provided"):
            Client(url, verbose=False)
        with pytest.raises(ValueError, match="Could not login"):
            Client(url, auth=("ann", "wrong"), verbose=False)
        ok = Client(url, auth=("ann", "secret"), verbose=False)
        assert "calls" in ok.predict(api_name="/library")[0]
    finally:
        app.close()


# -- the app ---------------------------------------------------------------------------------------

EXPECTED_ENDPOINTS = {
    "/objections", "/quotes", "/objection_context", "/export_objections",
    "/recommend", "/draft", "/questionnaire",
    "/gaps", "/gap_brief", "/export_gaps",
    "/messages", "/moments", "/export_messages",
    "/digest", "/post_digest",
    "/consistency", "/findings", "/export_consistency",
    "/ingest_calls", "/ingest_content", "/ingest_messaging", "/transcript", "/library",
    "/remove", "/edit_asset",
    "/search", "/call_page",
}


@pytest.mark.slow
def test_every_event_has_an_explicit_api_name(client):
    named = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert named == EXPECTED_ENDPOINTS


@pytest.mark.slow
def test_page_and_config_load(served):
    url = served[0]
    with urllib.request.urlopen(url) as resp:
        assert resp.status == 200 and b"<html" in resp.read().lower()
    with urllib.request.urlopen(url.rstrip("/") + "/config") as resp:
        config = resp.read().decode()
    for title in ("Objections", "Ask", "Gaps", "Messages", "Consistency", "Calls and library"):
        assert f'"{title}"' in config


# -- library ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_library_lists_calls_and_assets(client):
    stats, calls, assets, picker = client.predict(api_name="/library")
    assert "calls" in stats and "assets" in stats
    ids = {row[0] for row in data(calls)}
    assert {"acme-1", "globex-1", "initech-1", "xss-1", "stereo-1"} <= ids
    acme = next(r for r in data(calls) if r[0] == "acme-1")
    assert acme[1:7] == ["2026-01-14", "Dana Reyes", "Acme", "discovery", "won", "mid-market"]
    assert {r[0] for r in data(assets)} >= {"implementation", "security", "payback"}
    assert "acme-1" in [c[1] for c in choices(picker)]


@pytest.mark.slow
def test_transcript_shows_speakers_and_highlights_objections(client):
    html, table = client.predict("acme-1", api_name="/transcript")
    rows = data(table)
    assert rows[1][2:4] == ["Priya Shah", "buyer"]
    assert rows[0][3] == "rep"
    assert "<mark" in html and "Honestly, the price is too high for our budget this year." in html
    assert "Dana Reyes" in html and "00:09" in html


@pytest.mark.slow
def test_transcript_html_is_escaped(client):
    html, table = client.predict("xss-1", api_name="/transcript")
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    # the table keeps the text as text, verbatim
    assert "<script>alert(1)</script>" in data(table)[1][4]


@pytest.mark.slow
def test_unknown_call_is_a_clear_error(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="No call 'nope'"):
        client.predict("nope", api_name="/transcript")


@pytest.mark.slow
def test_ingest_calls_upload_with_manifest_runs_the_analysis(client, tmp_path):
    from gradio_client import handle_file

    call = tmp_path / "umbrella-1.txt"
    call.write_text("[00:00:01] Dana Reyes: Thanks for joining.\n"
                    "[00:00:06] Kim Roe: Honestly the price is far too high for our budget.\n",
                    encoding="utf-8")
    manifest = tmp_path / "calls.csv"
    manifest.write_text("file,call_id,date,rep,outcome\n"
                        "umbrella-1.txt,umbrella-1,2026-04-02,Dana Reyes,lost\n")
    summary, results, stats, calls, _, _ = client.predict(
        [handle_file(str(call))], handle_file(str(manifest)), api_name="/ingest_calls")
    assert summary == "Calls: 1 stored"
    assert data(results) == [["umbrella-1.txt", "stored", "umbrella-1", "2 turns"]]
    assert "umbrella-1" in {r[0] for r in data(calls)}
    html, _ = client.predict("umbrella-1", api_name="/transcript")
    assert "<mark" in html  # the analysis ran after the upload
    summary, results, *_ = client.predict([handle_file(str(call))], None,
                                          api_name="/ingest_calls")
    assert data(results)[0][1] == "unchanged"


@pytest.mark.slow
def test_a_recording_ingests_in_the_background_while_the_page_answers(client, tmp_path):
    from gradio_client import handle_file
    from gradio_client.utils import Status

    recording = tmp_path / "norrvik-voicemail.ogg"
    recording.write_bytes((REPO / "tests" / "data" / "audio" / "mono.ogg").read_bytes())
    job = client.submit([handle_file(str(recording))], None, api_name="/ingest_calls")
    wait_until = time.monotonic() + 60
    while job.status().code not in (Status.PROCESSING, Status.FINISHED) \
            and time.monotonic() < wait_until:
        time.sleep(0.05)
    stats, *_ = client.predict(api_name="/library")  # answered while the ingest runs
    assert "calls" in stats
    summary, results, *_ = job.result(timeout=300)
    assert summary == "Calls: 1 stored"
    assert data(results)[0][:3] == ["norrvik-voicemail.ogg", "stored", "norrvik-voicemail"]
    _, table = client.predict("norrvik-voicemail", api_name="/transcript")
    assert "invoice" in " ".join(r[4] for r in data(table)).lower()


@pytest.mark.slow
def test_uploading_a_spreadsheet_is_a_clear_error(client, tmp_path):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    sheet = tmp_path / "calls.xlsx"
    sheet.write_bytes(b"PK\x03\x04 not really a spreadsheet")
    with pytest.raises(AppError, match=r"Nothing was ingested\. Expected a WAV/MP3.*got 'calls\.xlsx'"):
        client.predict([handle_file(str(sheet))], None, api_name="/ingest_calls")
    with pytest.raises(AppError, match=r"got 'calls\.xlsx'"):
        client.predict([handle_file(str(sheet))], None, api_name="/ingest_content")


@pytest.mark.slow
def test_a_bad_file_does_not_stop_the_batch(client, tmp_path):
    from gradio_client import handle_file

    good = tmp_path / "hooli-2.txt"
    good.write_text("Rep: Hello.\nAda: We already use Paystream.\n", encoding="utf-8")
    sheet = tmp_path / "notes.xlsx"
    sheet.write_bytes(b"PK\x03\x04")
    summary, results, *_ = client.predict([handle_file(str(good)), handle_file(str(sheet))],
                                          None, api_name="/ingest_calls")
    assert summary == "Calls: 1 failed, 1 stored"
    rows = {r[0]: r for r in data(results)}
    assert rows["hooli-2.txt"][1] == "stored"
    assert rows["notes.xlsx"][1] == "failed"
    assert "got 'notes.xlsx'" in rows["notes.xlsx"][3]


@pytest.mark.slow
def test_ingest_without_files_is_a_clear_error(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="Choose one or more call files"):
        client.predict([], None, api_name="/ingest_calls")
    with pytest.raises(AppError, match="Choose a messaging.yaml"):
        client.predict(None, api_name="/ingest_messaging")


@pytest.mark.slow
def test_ingest_content_and_messaging(client, served, tmp_path):
    from gradio_client import handle_file

    doc = tmp_path / "faq.md"
    doc.write_text("# FAQ\n\nDoes Vantora sync with QuickBooks? Yes, both ways, every hour.\n")
    summary, results, *_ = client.predict([handle_file(str(doc))], None,
                                          api_name="/ingest_content")
    assert summary == "Content: 1 stored" and data(results)[0][:3] == ["faq.md", "stored", "faq"]
    ws = served[1]  # the new passage's sentences are indexed right after ingest
    [chunk] = ws.chunks(asset_id="faq")
    row = ws.db.execute("SELECT sentences FROM rag_sentences WHERE chunk_id=?",
                        (chunk.chunk_id,)).fetchone()
    assert row is not None and "every hour" in row["sentences"]
    summary, results = client.predict(handle_file(str(REPO / "demo" / "messaging.yaml")),
                                      api_name="/ingest_messaging")
    assert summary.startswith("Messaging: unchanged")


# -- objections -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_objection_themes_with_counts_by_outcome_and_trend(client):
    summary, themes, update, picker, *_ = client.predict(*NO_FILTER, api_name="/objections")
    # the plot comes as an update: its legend lists only the themes in the data
    trend = update["value"]
    assert update["colors_in_legend"] == sorted({r[1] for r in trend["data"]})
    rows = data(themes)
    price = next(r for r in rows if r[1] == "price")  # labels are keyphrases: "Price · high"
    assert "price" in price[0].lower(), rows
    assert price[2] >= 2 and price[4] >= 1  # won
    assert "objections in" in summary
    assert trend["columns"] == ["month", "theme", "% of calls", "calls with it",
                                "calls that month"] and trend["data"]
    assert all(0 <= share <= 100 and share == round(100 * n / total, 1)
               for _, _, share, n, total in trend["data"])
    assert len(choices(picker)) == len(rows)
    assert all(len(r) == 9 and r[-1] in ("theme", "other mention") for r in rows)  # no ids


@pytest.mark.slow
def test_objection_filters(client):
    _, themes, _, _, *_ = client.predict(["Sam Ortiz"], [], [], ["lost"], "", "", "",
                                     api_name="/objections")
    categories = {r[1] for r in data(themes)}
    assert "security" in categories and "implementation" not in categories
    _, themes, _, _, *_ = client.predict([], [], [], [], "2026-01-01", "2026-01-31", "",
                                     api_name="/objections")
    assert {r[1] for r in data(themes)} <= {"price", "implementation"}
    _, themes, _, _, *_ = client.predict([], ["enterprise"], [], [], "", "", "security",
                                     api_name="/objections")
    assert [r[1] for r in data(themes)] == ["security"]


@pytest.mark.slow
def test_bad_filter_values_mark_the_field_not_every_output(client):
    """A mistyped date is no error on every output: the event returns (the views keep what
    they showed; the field shows the message, see tests/ui/test_filters.py)."""
    out = client.predict([], [], [], [], "14/01/2026", "", "", api_name="/objections")
    assert len(out) == 6


@pytest.mark.slow
def test_drill_down_to_quotes_and_context(client):
    _, themes, _, picker, *_ = client.predict(*NO_FILTER, api_name="/objections")
    price = next(v for label, v in choices(picker) if "price" in label.lower())
    quotes, quote_picker = client.predict(price, *NO_FILTER, api_name="/quotes")
    rows = data(quotes)
    acme = next(r for r in rows if r[0] == "acme-1")
    assert acme[1:4] == ["2026-01-14", "Dana Reyes", "won"]
    assert acme[6] == "Honestly, the price is too high for our budget this year."
    assert len(acme) == 8  # no objection id on screen: the picker carries it, row by row
    html = client.predict(choices(quote_picker)[rows.index(acme)][1],
                          api_name="/objection_context")
    # the quote's turn is marked, with the turns around it
    assert "<mark>Honestly, the price is too high for our budget this year.</mark>" in html
    assert "How do you approve invoices now?" in html
    assert "Customers recover the cost of Vantora" in html
    assert "<audio" not in html  # a transcript has no recording


@pytest.mark.slow
def test_audio_quote_plays_from_the_quote(client, served):
    url = served[0]
    _, _, _, picker, *_ = client.predict(*NO_FILTER, api_name="/objections")
    quotes = []
    for _, theme_id in choices(picker):
        rows, quote_picker = client.predict(theme_id, *NO_FILTER, api_name="/quotes")
        quotes += zip(data(rows), [v for _, v in choices(quote_picker)], strict=True)
    recorded = [oid for row, oid in quotes if row[0] == "stereo-1"]
    assert recorded, "the recording's objection was not found"
    html = client.predict(recorded[0], api_name="/objection_context")
    m = re.search(r'<audio[^>]* src="(gradio_api/file=[^"#]+)#t=([\d.]+),([\d.]+)"', html)
    assert m, html
    start, end = float(m.group(2)), float(m.group(3))
    assert 0 < start < end
    with urllib.request.urlopen(url.rstrip("/") + "/" + m.group(1)) as resp:
        assert resp.status == 200
        assert resp.headers["content-type"].startswith("audio/")
        assert resp.read() == (REPO / "tests" / "data" / "audio" / "stereo.mp3").read_bytes()


@pytest.mark.slow
def test_objection_text_is_escaped_in_context(client):
    _, _, _, picker, *_ = client.predict([], ["smb"], [], [], "", "", "", api_name="/objections")
    _, quote_picker = client.predict(choices(picker)[0][1], [], ["smb"], [], [], "", "", "",
                                     api_name="/quotes")
    html = client.predict(choices(quote_picker)[0][1], api_name="/objection_context")
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# -- messages ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_messages_chart_and_moments(client):
    chart, notes, table, picker, *_ = client.predict(*NO_FILTER[:-1], False,
                                                     api_name="/messages")
    assert "**Lift** = win rate with" in notes
    assert chart.startswith("<svg") and "Payback in six months" in chart
    rows = {r[0]: r for r in data(table)}
    assert set(rows) >= {"Payback in six months", "Live in 30 days"}
    assert rows["Payback in six months"][1] >= 2  # uses
    moments = data(client.predict("payback", *NO_FILTER[:-1], api_name="/moments"))
    assert {m[0] for m in moments} >= {"acme-1", "initech-1"}
    assert all("recover the cost" in m[3] for m in moments)


# -- ask --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_ask_recommends_the_asset_that_answers(client):
    badge, recs = client.predict("Do you have SOC 2? Our security team will ask.", 3, False,
                                 api_name="/recommend")
    assert 'data-covered="true"' in badge and "Covered" in badge
    rows = data(recs)
    assert rows[0][:3] == ["security", "Security at Vantora", "whitepaper"]
    assert "SOC 2 Type II" in rows[0][3] and 0.5 <= rows[0][4] <= 1
    assert len(rows) == 3
    send = {r[0]: r[6] for r in rows}  # the security whitepaper is not public
    assert send["security"] == "internal, do not send" and send["implementation"] == "public"
    draft, citations, notes = client.predict("Do you have SOC 2? Our security team will ask.",
                                             False, api_name="/draft")
    send = {r[0]: r[2] for r in data(citations)}  # the internal whitepaper is listed, marked
    assert send["security"] == "internal, do not send"
    # the draft is built from public assets only: none answers, so it says so and does not
    # quote the internal whitepaper
    assert draft.startswith("No document in our library answers this directly yet")
    assert "SOC 2 Type II" not in draft and "Security at Vantora" in notes


@pytest.mark.slow
def test_ask_says_when_nothing_answers(client):
    badge, recs = client.predict("Can we pay in Bitcoin?", 2, False, api_name="/recommend")
    assert 'data-covered="false"' in badge and "Not covered" in badge
    assert len(data(recs)) == 2
    _, _, notes = client.predict("Can we pay in Bitcoin?", False, api_name="/draft")
    assert notes.startswith("**Not covered:** no asset clearly answers this")


@pytest.mark.slow
def test_ask_public_only_leaves_internal_content_out(client):
    _, recs = client.predict("Do you have SOC 2?", 3, True, api_name="/recommend")
    assert "security" not in {r[0] for r in data(recs)}
    draft, citations, _ = client.predict("Do you have SOC 2?", True, api_name="/draft")
    assert "security" not in {r[0] for r in data(citations)} and "(security" not in draft


@pytest.mark.slow
def test_ask_answers_an_uploaded_questionnaire_and_offers_the_file(client, tmp_path):
    from gradio_client import handle_file
    from openpyxl import load_workbook

    from rag.questionnaire import ANSWER_COLUMNS

    rfp = tmp_path / "rfp.csv"
    rfp.write_text("Question ID,Question,Answer\nS-1,Do you have SOC 2?,\n,,\n"
                   "S-2,How long does implementation take?,\n", encoding="utf-8")
    summary, answers, download = client.predict(handle_file(str(rfp)), "", "xlsx", 1, False,
                                                api_name="/questionnaire")
    assert summary.startswith("**2 question(s)** from rfp\\.csv, column 'Question': ")
    rows = data(answers)
    assert [(r[0], r[1], r[3]) for r in rows] == [
        (2, "Do you have SOC 2?", "security"),
        (4, "How long does implementation take?", "implementation")]
    assert "SOC 2 Type II" in rows[0][2]
    assert Path(download["path"]).name == "rfp-answers.xlsx"
    sheet = load_workbook(download["path"]).active
    assert [c.value for c in sheet[1]] == list(ANSWER_COLUMNS)
    assert [r[1].value for r in sheet.iter_rows(min_row=2)] == [r[1] for r in rows]


def test_draft_notes_say_what_a_rep_should_know_before_sending():
    from dataclasses import dataclass

    from rag.records import Answer
    from ui.views.ask import draft_notes

    assert draft_notes(Answer("q", "a", covered=True)) == ""
    assert draft_notes(Answer("q", "a", covered=True, mode="llm")) == (
        "Drafted by the language model from the cited passages.")
    notes = draft_notes(Answer("q", "a", covered=False, llm_error="timed out"))
    assert notes.startswith("**Not covered:** no asset clearly answers this")
    assert notes.endswith("The language model failed (timed out); the draft is extracted from "
                          "the cited passages.")

    from rag.records import Citation, Omission
    from ui.views.ask import citation_rows

    answer = Answer("q", "No document answers this directly yet.", covered=False,
                    internal=[Citation("battle-card", "Beat Paystream.", "Battle card",
                                       public=False)],
                    omitted=[Omission("deck", "Go live in 6 weeks.",
                                      "the fact book says 'Implementation takes 30 days.'")],
                    nearest=Citation("faq", "FAQ text", "Finance FAQ", url="https://x.example/f"))
    notes = draft_notes(answer).split("\n\n")
    assert notes[1:] == [
        "**Offered instead:** Finance FAQ \\(https://x\\.example/f\\), the nearest public asset.",
        "**Internal, do not send:** Battle card may also answer; they are for you, not the "
        "buyer, and the draft does not quote them.",
        "**Left out of the draft:** \"Go live in 6 weeks\\.\" (deck): the fact book says "
        "'Implementation takes 30 days\\.'"]
    assert citation_rows(answer) == [["battle-card", "Beat Paystream.", "internal, do not send"]]

    @dataclass
    class Later(Answer):  # a field the Answer record may gain: shown as it is
        internal_note: str = ""

    assert draft_notes(Later("q", "a", covered=True, internal_note="<b>do not send</b>")) == (
        "**Internal note:** &lt;b&gt;do not send&lt;/b&gt;")


@pytest.mark.slow
def test_ask_questionnaire_errors_are_clear(client, tmp_path):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="Upload a questionnaire first"):
        client.predict(None, "", "csv", 3, False, api_name="/questionnaire")
    rfp = tmp_path / "rfp.csv"
    rfp.write_text("Ref,Question\nS-1,Is it SOC 2?\n", encoding="utf-8")
    with pytest.raises(AppError, match="no column named 'Prompt'; its columns are: 'Ref', "
                                       "'Question'"):
        client.predict(handle_file(str(rfp)), "Prompt", "csv", 3, False,
                       api_name="/questionnaire")


@pytest.mark.slow
def test_ask_escapes_titles_in_the_badge(client):
    badge, _ = client.predict("How quickly do customers recover the cost?", 1, False,
                              api_name="/recommend")
    assert "<script" not in badge and "<img" not in badge
    assert ("Payback in six months &lt;script&gt;alert(1)&lt;/script&gt;"
            "&lt;img src=x onerror=alert(1)&gt;") in badge


@pytest.mark.slow
def test_empty_question_is_a_clear_error(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="Type what the buyer said"):
        client.predict("   ", 3, False, api_name="/recommend")
    with pytest.raises(AppError, match="Type what the buyer said"):
        client.predict("", False, api_name="/draft")


@pytest.mark.slow
def test_twenty_concurrent_questions_each_get_their_own_answer(client):
    """20 recommend requests in flight at once (the queue runs several at a time): each one
    succeeds, with the answer that question gets alone (no cross-talk between requests)."""
    expected = {
        "Do you have SOC 2? Our security team will ask.": "security",
        "How long does implementation take? We can't run a six month project.":
            "implementation",
        "How quickly do customers recover the cost?": "payback",
        "Can we pay in Bitcoin?": None,  # not covered
    }
    alone = {q: client.predict(q, 3, False, api_name="/recommend") for q in expected}
    for question, asset in expected.items():
        badge, recs = alone[question]
        assert ('data-covered="true"' in badge) == (asset is not None), (question, badge)
        if asset is not None:
            assert data(recs)[0][0] == asset, (question, data(recs))
    questions = [list(expected)[i % len(expected)] for i in range(20)]
    jobs = [client.submit(q, 3, False, api_name="/recommend") for q in questions]
    answers = [job.result(timeout=120) for job in jobs]
    for question, (badge, recs) in zip(questions, answers, strict=True):
        assert badge == alone[question][0]
        assert data(recs) == data(alone[question][1]), question

# -- gaps -------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_gap_report_briefs_and_exports(client):
    (summary, gaps, covered, unused, before_after, picker, brief, explained,
     *_) = client.predict(*NO_FILTER[:-1], False, api_name="/gaps")
    assert "**Priority** = " in explained and "**coverage bar** (50%)" in explained
    assert re.match(r"\*\*\d+\*\* gaps · \*\*\d+\*\* covered themes", summary)
    rows = data(gaps) + data(covered)
    # only themes raised in two or more calls are gaps or covered themes (price: 4 calls); an
    # objection of one call ("Our security team will block anything without SOC 2") is an
    # other mention, counted in the summary
    assert "Price" in {r[0] for r in data(covered)} | {r[1] for r in data(gaps)}
    assert "other mention" in summary
    priorities = [r[0] for r in data(gaps)]
    assert priorities == sorted(priorities, reverse=True)
    assert rows and len(choices(picker)) == len(data(gaps))
    assert brief.startswith("## Content brief:")
    assert {r[0] for r in data(before_after)} <= {
        "Live in 30 days", "Security at Vantora",
        "Payback in six months <script>alert(1)</script><img src=x onerror=alert(1)>"}
    theme_id = choices(picker)[-1][1]
    assert client.predict(theme_id, api_name="/gap_brief").startswith("## Content brief:")
    csv_file, md_file = client.predict(api_name="/export_gaps")
    assert Path(csv_file["path"]).read_text().startswith("status,theme_id,")
    assert Path(md_file["path"]).read_text().startswith("# Content gap report")


# -- consistency ------------------------------------------------------------------------------------


ALL_KINDS = ["conflict", "entity_variant", "drift", "missing_answer", "geo"]
ALL_SEVERITIES = ["high", "medium", "low"]


@pytest.mark.slow
def test_consistency_score_sources_and_findings(client):
    score, findings, sources = client.predict(False, ALL_KINDS, ALL_SEVERITIES,
                                              api_name="/consistency")
    value = int(re.search(r'<span class="cm-score">(\d+)</span>', score).group(1))
    assert 0 <= value < 100
    rows = data(findings)
    uptime = next(r for r in rows if r[1] == "Conflict with the fact book" and "99.5%" in r[4])
    assert not any("_" in r[1] for r in rows)  # kinds read as words on screen
    assert uptime[0] in ("high", "medium") and "99.9%" in uptime[3]
    assert uptime[5] == "Security at Vantora"  # sources by title on screen (ids in exports)
    assert "99.5% uptime" in uptime[7] and uptime[6]
    by_source = {r[0]: r for r in data(sources)}
    security = by_source["Security at Vantora"]
    assert security[4] < 100 and security[3] >= 1
    assert "computed on every finding of the whole check" in score
    severities = [r[0] for r in rows]
    assert severities == sorted(severities, key=ALL_SEVERITIES.index)
    assert "<script" not in score


@pytest.mark.slow
def test_consistency_findings_filter_by_kind_and_severity(client):
    client.predict(False, ALL_KINDS, ALL_SEVERITIES, api_name="/consistency")
    only = data(client.predict(["conflict"], ["high", "medium"], api_name="/findings"))
    assert only and all(r[1] == "Conflict with the fact book" and r[0] != "low" for r in only)
    geo_low = data(client.predict(["geo"], ["low"], api_name="/findings"))
    assert all(r[1] == "Hard for AI answer engines" and r[0] == "low" for r in geo_low)
    assert data(client.predict(["conflict"], [], api_name="/findings"))  # no severity: all
    md = client.predict(api_name="/export_consistency")
    assert "99.5%" in Path(md["path"]).read_text()


@pytest.mark.slow
def test_public_only_consistency_leaves_internal_assets_out(client):
    _, findings, sources = client.predict(True, ALL_KINDS, ALL_SEVERITIES,
                                          api_name="/consistency")
    assert "Security at Vantora" not in {r[0] for r in data(sources)}


def test_the_answering_sentence_is_shown_in_bold_within_its_passage():
    from ui.views.ask import answer_excerpt

    passage = ("Lumio keeps every workspace in one region. " * 20
               + "Deleted workspaces can be restored for 30 days. "
               + "Invoices stay in the billing history. " * 20)
    shown = answer_excerpt(passage, "Deleted workspaces can be restored for 30 days.", width=200)
    assert "**Deleted workspaces can be restored for 30 days\\.**" in shown
    assert shown.startswith("…") and shown.endswith("…") and len(shown) < 260
    # a passage cannot inject markup; a sentence not found shows the passage's start
    assert answer_excerpt("<b>x</b> [a](b)", "[a](b)") == "&lt;b&gt;x&lt;/b&gt; **\\[a\\]\\(b\\)**"
    assert answer_excerpt("a" * 50, "missing", width=10) == "a" * 10 + "…"
    assert answer_excerpt("", None) == ""


def test_error_messages_are_shown_as_text_not_html():
    import gradio as gr

    from ui.views.errors import require, shows_errors

    @shows_errors
    def fails():
        raise InputError('evil<img src=x onerror=alert(1)>.md: <a href="http://x">click</a>')

    with pytest.raises(gr.Error) as exc:
        fails()
    assert "<img" not in exc.value.message and "&lt;img src=x" in exc.value.message
    with pytest.raises(gr.Error) as exc:
        require(False, "<b>bold</b> & co")
    assert exc.value.message == "&lt;b&gt;bold&lt;/b&gt; &amp; co"


def test_allowed_hosts():
    from ui.app import allowed_hosts

    assert allowed_hosts("127.0.0.1")[:2] == ["127.0.0.1", "localhost"]
    assert allowed_hosts("0.0.0.0") == ["*"]
    assert allowed_hosts("0.0.0.0", "calls.acme.com, ")[0] == "calls.acme.com"
    assert "*" not in allowed_hosts("0.0.0.0", "calls.acme.com")
    assert allowed_hosts("192.168.1.5")[0] == "192.168.1.5"


def test_a_foreign_host_header_is_refused(workspace, settings, free_port):
    """DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends Host: evil.example."""
    import urllib.error
    import urllib.request

    from ui.app import serve

    port = free_port()
    app, url = serve(workspace, settings, port=port, block=False)
    try:
        def get(host):
            req = urllib.request.Request(url, headers={"Host": host})
            try:
                with urllib.request.urlopen(req, timeout=30) as resp:
                    return resp.status
            except urllib.error.HTTPError as exc:
                return exc.code

        assert get(f"127.0.0.1:{port}") == 200 and get(f"localhost:{port}") == 200
        assert get(f"evil.example:{port}") == 400
    finally:
        app.close()


def test_a_cross_site_write_is_refused(workspace, settings, free_port):
    """A page on evil.example posting to the app (an upload, an ingest) is refused; the app's
    own pages and clients without an Origin (gradio_client, curl) are not."""
    import urllib.error
    import urllib.request

    from ui.app import serve

    port = free_port()
    app, url = serve(workspace, settings, port=port, block=False)
    try:
        boundary = "cmboundary"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
                f"filename=\"call.txt\"\r\nContent-Type: text/plain\r\n\r\n"
                f"Rep: hello\r\n--{boundary}--\r\n").encode()

        def post(origin):
            headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
            if origin is not None:
                headers["Origin"] = origin
            req = urllib.request.Request(url.rstrip("/") + "/gradio_api/upload", data=body,
                                         headers=headers, method="POST")
            try:
                with urllib.request.urlopen(req, timeout=30) as resp:
                    return resp.status
            except urllib.error.HTTPError as exc:
                return exc.code

        assert post("https://evil.example") == 403
        assert post("null") == 403
        assert post(f"http://127.0.0.1:{port + 1}") == 403  # another port is another origin
        assert post(f"http://127.0.0.1:{port}") == 200  # its own page
        assert post(None) == 200  # no browser: gradio_client, curl
    finally:
        app.close()


def test_same_host_compares_names_and_ports():
    from ui.app import _same_host

    assert _same_host("http://127.0.0.1:7860", "127.0.0.1:7860")
    assert _same_host("https://calls.acme.com", "calls.acme.com")
    assert not _same_host("http://calls.acme.com", "calls.acme.com:8443")
    assert not _same_host("https://evil.example", "127.0.0.1:7860")
    assert not _same_host("null", "127.0.0.1:7860") and not _same_host("garbage", "x")


def test_recommended_assets_link_to_their_url_and_read_their_type_as_words():
    from rag.records import RecommendedAsset, Recommendation
    from ui.views.ask import recommendation_rows

    public = RecommendedAsset("pricing", "Pricing", "battle_card", "web", "Plans start at $5.",
                              0.91, "answers", url="https://example.com/pricing")
    stored = RecommendedAsset("deck", "Deck [old]", "sales_deck", "deck.pptx", "Old.", 0.4,
                              "closest", url=None)
    rows = recommendation_rows(Recommendation("How much?", True, [public, stored]))
    assert rows[0][1:3] == ["[Pricing](https://example.com/pricing)", "battle card"]
    assert rows[1][1:3] == ["Deck \\[old\\]", "sales deck"]  # no URL: the title, escaped


@pytest.mark.slow
def test_search_looks_in_the_calls_the_filter_bar_lets_through(client):
    """Search reads the page's filter bar (kept across tabs) and adds who said it."""
    _, everyone, *_ = client.predict("price", "Calls", [], [], [], [], "", "", "Both sides",
                                     False, api_name="/search")
    reps = {row[4] for row in data(everyone)}
    assert {"Dana Reyes"} < reps  # more than one rep said something about the price
    _, dana, *_ = client.predict("price", "Calls", ["Dana Reyes"], [], [], [], "", "",
                                 "Both sides", False, api_name="/search")
    assert data(dana) and {row[4] for row in data(dana)} == {"Dana Reyes"}
    _, buyers, *_ = client.predict("price", "Calls", ["Dana Reyes"], [], [], [], "", "",
                                   "Buyer", False, api_name="/search")
    assert data(buyers) and {row[7] for row in data(buyers)} == {"buyer"}
