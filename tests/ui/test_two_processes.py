"""One workspace, two processes: the app keeps answering while `callmine ingest content` adds
20 documents from another process, and then finds every one of them (issue 16). Each process
has its own embedded Chroma; the app's reopens when the content changed elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]

WORDS = ["quasar", "marlin", "juniper", "basalt", "cobalt", "harbor", "saffron", "tundra",
         "zephyr", "lagoon", "meadow", "ember", "glacier", "orchid", "falcon", "prairie",
         "canyon", "willow", "thistle", "aurora"]


def rows(table):
    return table["data"] if isinstance(table, dict) else table


def test_the_app_answers_during_and_finds_everything_after_a_cli_ingest(tmp_path, embedder,
                                                                        free_port):
    from gradio_client import Client

    from ingest.pipeline import ContentIngestor
    from ingest.settings import Settings
    from ingest.store import Workspace
    from ui.app import serve

    first = tmp_path / "first"
    first.mkdir()
    (first / "pricing.md").write_text("# Pricing\n\nVantora costs 40 dollars per user per "
                                      "month, billed yearly.\n")
    settings = Settings(workspace=tmp_path / "ws")
    ws = Workspace(settings.workspace, embedder)
    ContentIngestor(ws).run([first])
    app, url = serve(ws, settings, port=free_port(), block=False)
    try:
        client = Client(url, verbose=False)
        _, recs = client.predict("How much per user?", 3, False, api_name="/recommend")
        assert rows(recs)[0][0] == "pricing"

        more = tmp_path / "more"
        more.mkdir()
        for i, word in enumerate(WORDS):
            (more / f"guide-{word}.md").write_text(
                f"# The {word.title()} connector\n\nThe {word} connector moves invoices into "
                f"the {word} ledger every {i + 2} minutes, with retries.\n")
        env = dict(os.environ, HF_HUB_OFFLINE="1")
        cli = subprocess.Popen([sys.executable, "-m", "ui.cli", "--workspace", str(ws.root),
                                "-q", "ingest", "content", str(more)], cwd=REPO, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        answered = 0
        while cli.poll() is None:  # the app keeps answering meanwhile
            _, recs = client.predict(f"How often does the {WORDS[answered % 20]} connector "
                                     "sync?", 3, False, api_name="/recommend")
            assert rows(recs)
            answered += 1
            time.sleep(0.2)
        out, err = cli.communicate()
        assert cli.returncode == 0, err
        assert answered >= 1
        for word in WORDS:
            _, recs = client.predict(f"How often does the {word} connector sync?", 3, False,
                                     api_name="/recommend")
            assert rows(recs)[0][0] == f"guide-{word}", (word, rows(recs)[:2])
    finally:
        app.close()
