"""Exports and sharing (issue 12, item 5): table exports from the CLI (``--export-csv``,
``--export-md``) and the app's CSV downloads, and ``callmine digest`` posted to a Slack
webhook, here a local HTTP server that records each request, with the URL never shown.

The workspace is the one the ``served`` fixture (tests/ui/conftest.py) builds and serves: a
few dated transcripts, a recording, three documents and demo/messaging.yaml.
"""

from __future__ import annotations

import csv
import json
import logging
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ui.cli import main

pytestmark = pytest.mark.slow

OUTCOMES = {"acme-1": "won", "globex-1": "lost", "initech-1": "open", "xss-1": "lost",
            "stereo-1": "open"}
"""The outcome column of the small workspace's manifest (tests/ui/conftest.py)."""
OBJECTION_COLUMNS = ["objection_id", "call_id", "date", "rep", "account", "outcome", "turn",
                     "time", "start", "end", "speaker", "category", "theme_id", "theme",
                     "confidence", "quote"]
SECRET = "T0000/B0000/s3cr3tT0k3n"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def ws_dir(served) -> str:
    return str(served[1].root)


@pytest.fixture()
def webhook(monkeypatch):
    """A stand-in for a Slack incoming webhook on 127.0.0.1: records every POST (path, JSON
    body) and answers ``hook.status`` with ``hook.answer``."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY",
                 "all_proxy"):
        monkeypatch.delenv(name, raising=False)

    class Hook:
        status, answer, requests, url = 200, b"ok", [], ""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            Hook.requests.append({"path": self.path, "body": json.loads(body),
                                  "content_type": self.headers.get("Content-Type")})
            self.send_response(Hook.status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(Hook.answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Hook.url = f"http://127.0.0.1:{server.server_address[1]}/services/{SECRET}"
    yield Hook
    server.shutdown()
    server.server_close()


# -- CLI exports ------------------------------------------------------------------------------


def test_objections_export_csv_and_markdown_without_changing_the_json(ws_dir, tmp_path, capsys):
    code, plain, _ = run(capsys, "--workspace", ws_dir, "objections", "--format", "json")
    assert code == 0
    table, md = tmp_path / "objections.csv", tmp_path / "objections.md"
    code, out, err = run(capsys, "--workspace", ws_dir, "objections", "--format", "json",
                         "--export-csv", table, "--export-md", md)
    assert code == 0 and out == plain  # stdout is the contract JSON, unchanged
    objections = json.loads(out)["objections"]
    assert f"callmine: wrote {len(objections)} row(s) to {table}" in err

    _, themes_json, _ = run(capsys, "--workspace", ws_dir, "themes", "--format", "json")
    themes = json.loads(themes_json)
    label = {t["id"]: t["label"] for t in themes["themes"] + themes.get("other_mentions", [])}
    rows = read_csv(table)
    assert list(rows[0]) == OBJECTION_COLUMNS
    assert [r["objection_id"] for r in rows] == [o["id"] for o in objections]
    for row, o in zip(rows, objections):
        assert (row["call_id"], row["speaker"], row["category"], row["theme_id"]) == (
            o["call_id"], o["speaker"], o["category"], o["theme_id"] or "")
        assert row["quote"] == o["text"] and row["turn"] == str(o["turn"])
        assert row["outcome"] == OUTCOMES[o["call_id"]]
        assert row["theme"] == label.get(o["theme_id"], "")
        assert float(row["start"]) == pytest.approx(o["start"], abs=1e-4)
        seconds = int(o["start"])
        assert row["time"] == f"{seconds // 60:02d}:{seconds % 60:02d}"
    # the quote with HTML in it is kept verbatim (CSV is data; only formulas are escaped)
    assert any(r["call_id"] == "xss-1" and "<script>alert(1)</script>" in r["quote"]
               for r in rows)

    lines = md.read_text(encoding="utf-8").splitlines()
    assert lines[:3] == ["# Objections", "", f"{len(objections)} row(s)."]
    assert lines[4] == "| " + " | ".join(OBJECTION_COLUMNS) + " |"
    assert len(lines) == 6 + len(objections)


def test_objection_export_follows_the_filters(ws_dir, tmp_path, capsys):
    table = tmp_path / "price.csv"
    code, out, _ = run(capsys, "--workspace", ws_dir, "objections", "--category", "price",
                       "--call", "acme-1", "--export-csv", table, "--format", "json")
    assert code == 0
    expected = json.loads(out)["objections"]
    rows = read_csv(table)
    assert expected and [r["objection_id"] for r in rows] == [o["id"] for o in expected]
    assert {(r["call_id"], r["category"]) for r in rows} == {("acme-1", "price")}


def test_calls_messages_and_themes_export(ws_dir, tmp_path, capsys):
    code, out, _ = run(capsys, "--workspace", ws_dir, "calls", "--export-csv", tmp_path / "c.csv")
    assert code == 0 and out.split()[:3] == ["acme-1", "2026-01-14", "won"]
    calls = read_csv(tmp_path / "c.csv")
    assert {r["call_id"]: r["outcome"] for r in calls} == OUTCOMES
    assert {r["call_id"]: r["kind"] for r in calls}["stereo-1"] == "audio"

    code, out, _ = run(capsys, "--workspace", ws_dir, "messages", "--format", "json",
                       "--export-csv", tmp_path / "m.csv", "--export-md", tmp_path / "m.md")
    assert code == 0
    messages = json.loads(out)["messages"]
    rows = read_csv(tmp_path / "m.csv")
    assert [(r["track_id"], int(r["uses"]), int(r["calls"])) for r in rows] == [
        (m["id"], m["uses"], m["calls"]) for m in messages]
    assert (tmp_path / "m.md").read_text().startswith("# Talk tracks\n")

    code, out, _ = run(capsys, "--workspace", ws_dir, "themes", "--format", "json",
                       "--export-csv", tmp_path / "t.csv")
    data = json.loads(out)
    rows = read_csv(tmp_path / "t.csv")
    assert [r["theme_id"] for r in rows] == [t["id"] for t in data["themes"]
                                             + data.get("other_mentions", [])]


def test_an_export_into_a_missing_folder_exits_2_before_any_work(ws_dir, tmp_path, capsys):
    target = tmp_path / "nope" / "o.csv"
    code, out, err = run(capsys, "--workspace", ws_dir, "objections", "--export-csv", target)
    assert (code, out) == (2, "")
    assert err == (f"callmine: --export-csv {target}: the folder {target.parent} does not "
                   "exist; give a path in an existing folder.\n")


def test_gaps_brief_prints_one_gaps_brief(ws_dir, capsys):
    _, out, _ = run(capsys, "--workspace", ws_dir, "gaps", "--format", "json")
    gaps = json.loads(out)["gaps"]
    if gaps:
        code, out, _ = run(capsys, "--workspace", ws_dir, "gaps", "--brief", gaps[0]["theme_id"])
        assert code == 0 and out == gaps[0]["brief"].rstrip("\n") + "\n"
    code, out, err = run(capsys, "--workspace", ws_dir, "gaps", "--brief", "no-such-theme")
    assert (code, out) == (2, "")
    assert err.startswith("callmine: No gap with theme id 'no-such-theme'; the gaps are: ")


# -- digest -----------------------------------------------------------------------------------


def _in(day: str | None, since: date, until: date) -> bool:
    return day is not None and since <= date.fromisoformat(day) <= until


def test_digest_compares_the_period_with_the_one_before(ws_dir, capsys):
    code, out, _ = run(capsys, "--workspace", ws_dir, "digest", "--until", "2026-03-25",
                       "--format", "json")
    assert code == 0
    digest = json.loads(out)
    assert (digest["since"], digest["until"], digest["calls"], digest["calls_before"]) == (
        "2026-03-19", "2026-03-25", 2, 0)  # xss-1 and stereo-1; nothing 03-12..03-18
    assert digest["posted"] is False
    assert digest["text"].startswith("callmine digest: 2026-03-19 to 2026-03-25 (7 days)\n"
                                     "2 call(s) in this period, 0 in the 7 days before.\n")

    # the same counts, from the contract JSON of the other commands
    calls = json.loads(run(capsys, "--workspace", ws_dir, "calls", "--format", "json")[1])
    day = {c["call_id"]: c["date"] for c in calls["calls"]}
    now = {c for c, d in day.items() if _in(d, date(2026, 3, 19), date(2026, 3, 25))}
    objections = json.loads(run(capsys, "--workspace", ws_dir, "objections",
                                "--format", "json")[1])["objections"]
    themes = json.loads(run(capsys, "--workspace", ws_dir, "themes", "--format", "json")[1])
    rising = sorted((t["id"], len({o["call_id"] for o in objections
                                   if o["theme_id"] == t["id"] and o["call_id"] in now}))
                    for t in themes["themes"])
    assert sorted((m["theme_id"], m["calls"]) for m in digest["themes"]) == [
        r for r in rising if r[1] > 0]
    assert all(m["calls_before"] == 0 for m in digest["themes"])
    gaps = json.loads(run(capsys, "--workspace", ws_dir, "gaps", "--format", "json")[1])["gaps"]
    assert [g["theme_id"] for g in digest["gaps"]] == [g["theme_id"] for g in gaps[:3]]
    assert all(g["command"] == f"callmine gaps --brief {g['theme_id']}" for g in digest["gaps"])
    messages = json.loads(run(capsys, "--workspace", ws_dir, "messages",
                              "--format", "json")[1])["messages"]
    used = {m["id"]: len({o["call_id"] for o in m["occurrences"] if o["call_id"] in now})
            for m in messages}
    assert {m["id"]: m["calls"] for m in digest["tracks"]} == {
        k: v for k, v in used.items() if v > 0}

    code, text, _ = run(capsys, "--workspace", ws_dir, "digest", "--until", "2026-03-25")
    assert code == 0 and text == digest["text"]


def test_digest_of_a_period_without_calls_says_so(ws_dir, capsys):
    code, out, _ = run(capsys, "--workspace", ws_dir, "digest", "--until", "2026-12-31",
                       "--days", "30")
    assert code == 0
    assert ("Note: No calls dated in this period (the latest call is of 2026-03-25: try "
            "--until 2026-03-25).") in out


def test_bad_digest_options_exit_2(ws_dir, capsys):
    for argv, message in (
            (["--days", "0"], "callmine: --days must be between 1 and 366, got 0.\n"),
            (["--until", "31/03/2026"],
             "callmine: --until must be a date such as 2026-03-31, got '31/03/2026'.\n")):
        code, out, err = run(capsys, "--workspace", ws_dir, "digest", *argv)
        assert (code, out, err) == (2, "", message)


def test_digest_is_posted_to_the_slack_webhook_whose_url_is_never_shown(ws_dir, webhook, capsys,
                                                                       caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    code, out, err = run(capsys, "-v", "-v", "--workspace", ws_dir, "digest", "--until",
                         "2026-03-25", "--slack-webhook", webhook.url)
    assert code == 0, err
    assert len(webhook.requests) == 1
    request = webhook.requests[0]
    assert request["path"] == f"/services/{SECRET}"
    assert request["content_type"].startswith("application/json")
    assert request["body"]["text"] == out  # the summary printed is the one posted
    assert "Objection themes on the rise" in request["body"]["text"]
    assert "callmine: posted the digest to the Slack webhook" in err

    # the setting does the same; --no-post only prints
    monkeypatch.setenv("CALLMINE_SLACK_WEBHOOK", webhook.url)
    code, out2, err2 = run(capsys, "--workspace", ws_dir, "digest", "--until", "2026-03-25",
                           "--format", "json")
    assert code == 0 and json.loads(out2)["posted"] is True and len(webhook.requests) == 2
    code, out3, err3 = run(capsys, "--workspace", ws_dir, "digest", "--until", "2026-03-25",
                           "--no-post")
    assert code == 0 and len(webhook.requests) == 2

    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    for shown in (out, err, out2, err2, out3, err3, logged):
        assert SECRET not in shown and webhook.url not in shown


def test_a_500_from_the_webhook_is_a_one_line_error(ws_dir, webhook, capsys, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    webhook.status, webhook.answer = 500, b"internal_error"
    monkeypatch.setenv("CALLMINE_SLACK_WEBHOOK", webhook.url)
    code, out, err = run(capsys, "--workspace", ws_dir, "digest", "--until", "2026-03-25")
    assert (code, out) == (1, "")
    assert err == ("callmine: The Slack webhook failed (HTTP 500: internal_error); try again "
                   "later.\n")
    assert len(webhook.requests) == 1 and SECRET not in caplog.text


def test_a_refused_webhook_exits_2_naming_the_setting(ws_dir, webhook, capsys):
    webhook.status, webhook.answer = 404, b"no_service"
    code, out, err = run(capsys, "--workspace", ws_dir, "digest", "--slack-webhook", webhook.url)
    assert (code, out) == (2, "")
    assert err == ("callmine: The Slack webhook refused the digest (HTTP 404: no_service); "
                   "check CALLMINE_SLACK_WEBHOOK (the webhook may have been revoked).\n")


# -- the app ----------------------------------------------------------------------------------


def test_the_app_downloads_objections_and_talk_tracks_as_csv(client, served):
    from insights import load_objections, message_stats

    ws = served[1]
    everything = client.predict([], [], [], [], "", "", "", api_name="/export_objections")
    rows = read_csv(Path(everything["path"]))
    assert list(rows[0]) == OBJECTION_COLUMNS
    assert sorted(r["objection_id"] for r in rows) == sorted(o.id for o in load_objections(ws))
    assert all(r["outcome"] == OUTCOMES[r["call_id"]] for r in rows)

    lost = client.predict([], [], [], ["lost"], "", "", "price", api_name="/export_objections")
    rows = read_csv(Path(lost["path"]))
    assert rows and {(r["outcome"], r["category"]) for r in rows} == {("lost", "price")}

    tracks = client.predict([], [], [], [], "", "", False, api_name="/export_messages")
    assert [r["track_id"] for r in read_csv(Path(tracks["path"]))] == [
        m.id for m in message_stats(ws)]


def test_the_app_builds_the_digest_and_says_how_to_set_the_webhook(client):
    text = client.predict(7, "2026-03-25", api_name="/digest")
    assert text.startswith("callmine digest: 2026-03-19 to 2026-03-25 (7 days)\n")
    with pytest.raises(Exception, match="No Slack webhook configured. To post it to Slack, set "
                                        "CALLMINE_SLACK_WEBHOOK"):
        client.predict(7, "2026-03-25", api_name="/post_digest")


def test_the_app_posts_the_digest_with_the_configured_webhook(served, webhook, free_port):
    import urllib.request

    from gradio_client import Client
    from pydantic import SecretStr

    from ui.app import serve

    _, ws, settings = served
    settings = settings.model_copy(update={"slack_webhook": SecretStr(webhook.url)})
    app, url = serve(ws, settings, port=free_port(), block=False)
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/config") as resp:
            assert SECRET not in resp.read().decode()  # the page never holds the URL
        text, status = Client(url, verbose=False).predict(7, "2026-03-25",
                                                          api_name="/post_digest")
    finally:
        app.close()
    assert status == "Posted the digest to the Slack webhook."
    assert [r["body"]["text"] for r in webhook.requests] == [text]
