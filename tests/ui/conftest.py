"""Fixtures of the app tests: a small workspace built from generated data, served on loopback.

``served`` (module scope, so each test module gets its own app and workspace) builds a small
workspace from a few transcripts, documents, a recording (tests/data/audio/stereo.mp3) and
demo/messaging.yaml, and serves the app on a free loopback port; ``client`` is a
``gradio_client.Client`` on it. ``free_port`` hands tests the function that finds a free port.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
STEREO = REPO / "tests" / "data" / "audio" / "stereo.mp3"

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"

CALLS = {
    "acme-1.txt": """[00:00:02] Dana Reyes: Thanks for making the time today. How do you approve invoices now?
[00:00:09] Priya Shah: Honestly, the price is too high for our budget this year.
[00:00:16] Dana Reyes: Customers recover the cost of Vantora within six months through lower invoice processing costs.
[00:00:25] Priya Shah: That sounds great, I like that.
[00:00:31] Priya Shah: But how long does implementation take? We can't run a six month project.
[00:00:40] Dana Reyes: A typical customer is live in 30 days with a named implementation manager.
""",
    "globex-1.txt": """[00:00:01] Sam Ortiz: Thanks for joining. Where are you in your evaluation?
[00:00:07] Lee Chen: We are already talking to Paystream and they are cheaper.
[00:00:14] Sam Ortiz: Vantora Connect syncs both ways with NetSuite, Sage Intacct and QuickBooks.
[00:00:22] Lee Chen: Our security team will block anything without SOC 2.
[00:00:30] Lee Chen: I also need my CFO to sign off before we go further.
""",
    "initech-1.txt": """[00:00:03] Dana Reyes: Good to see you again.
[00:00:08] Mo Park: The price is more than we budgeted for.
[00:00:15] Dana Reyes: Customers recover the cost of Vantora within six months through lower invoice processing costs.
[00:00:24] Mo Park: Does it integrate with NetSuite? We can't re-key invoices.
""",
    "xss-1.txt": f"""[00:00:01] Dana Reyes: Hello <b>there</b>.
[00:00:05] Eve Hacker: {XSS_SCRIPT} The price is too expensive for us {XSS_IMG}.
""",
}
CALLS_CSV = """file,call_id,date,rep,account,stage,outcome,segment
acme-1.txt,acme-1,2026-01-14,Dana Reyes,Acme,discovery,won,mid-market
globex-1.txt,globex-1,2026-02-10,Sam Ortiz,Globex,evaluation,lost,enterprise
initech-1.txt,initech-1,2026-03-03,Dana Reyes,Initech,negotiation,open,mid-market
xss-1.txt,xss-1,2026-03-20,Dana Reyes,Evil Corp,discovery,lost,smb
stereo.mp3,stereo-1,2026-03-25,Sam Ortiz,Hooli,discovery,open,enterprise
"""
CONTENT = {
    "implementation.md": """# Live in 30 days

A typical Vantora customer is live in 30 days. Every customer gets a named implementation
manager who runs the project plan, the ERP connection and the training.

## What the project looks like

Week one connects your ERP, week two imports vendors, weeks three and four train approvers.
""",
    "security.md": """# Security at Vantora

Vantora is SOC 2 Type II certified and ISO 27001 certified. Data is encrypted at rest and in
transit. Our security team answers security questionnaires within two business days.

## Availability

Vantora Ledger has a 99.5% uptime SLA.
""",
    "payback.md": f"""# Payback in six months

Customers recover the cost of Vantora within six months through lower invoice processing
costs. {XSS_IMG} Processing cost per invoice falls by 70%.
""",
}
CONTENT_CSV = f"""file,asset_id,title,type,url,audience,stage,public,published
implementation.md,implementation,Live in 30 days,one_pager,https://vantora.example/live,ops,evaluation,true,2026-02-01
security.md,security,Security at Vantora,whitepaper,,it,evaluation,false,2025-11-01
payback.md,payback,Payback in six months {XSS_SCRIPT}{XSS_IMG},case_study,,finance,negotiation,true,2026-01-05
"""


def _free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_small_data(folder: Path) -> tuple[Path, Path]:
    """Write the small calls and content (with their manifests) under ``folder``."""
    import shutil

    calls, content = folder / "calls", folder / "content"
    calls.mkdir(parents=True, exist_ok=True)
    content.mkdir(parents=True, exist_ok=True)
    for name, text in CALLS.items():
        (calls / name).write_text(text, encoding="utf-8")
    shutil.copyfile(STEREO, calls / "stereo.mp3")
    (calls / "calls.csv").write_text(CALLS_CSV, encoding="utf-8")
    for name, text in CONTENT.items():
        (content / name).write_text(text, encoding="utf-8")
    (content / "content.csv").write_text(CONTENT_CSV, encoding="utf-8")
    return calls, content


def build_small_workspace(folder: Path, embedder):
    """A workspace with the small data ingested and analysed; returns (workspace, settings)."""
    from ingest.pipeline import CallIngestor, ContentIngestor, ingest_messaging
    from ingest.settings import Settings
    from ingest.store import Workspace
    from insights.analysis import Analyzer

    calls, content = write_small_data(folder / "data")
    settings = Settings(workspace=folder / "ws", whisper_model="tiny.en", whisper_batch_size=1)
    ws = Workspace(settings.workspace, embedder)
    ingest_messaging(ws, REPO / "demo" / "messaging.yaml")
    for batch in (CallIngestor(ws, settings).run([calls], calls / "calls.csv"),
                  ContentIngestor(ws).run([content], content / "content.csv")):
        assert not batch.failed, batch.failed
    Analyzer(ws, settings).run()
    return ws, settings


@pytest.fixture(scope="module")
def served(tmp_path_factory, embedder):
    """(url, workspace, settings) of the app serving the small workspace."""
    from ui.app import serve

    ws, settings = build_small_workspace(tmp_path_factory.mktemp("ui"), embedder)
    app, url = serve(ws, settings, port=_free_port(), block=False)
    yield url, ws, settings
    app.close()


@pytest.fixture(scope="module")
def client(served):
    """A ``gradio_client.Client`` on the served app."""
    from gradio_client import Client

    return Client(served[0], verbose=False, download_files=False)


@pytest.fixture()
def free_port():
    """The function that finds a free loopback port (call it once per app served)."""
    return _free_port
