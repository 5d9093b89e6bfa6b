"""Builds (or reuses) the bundled demo workspace from the sample data the project ships."""

from __future__ import annotations

import logging
from importlib.resources import files
from pathlib import Path

from ingest.errors import WorkspaceError
from ingest.settings import Settings
from ingest.store import Workspace
from ui import workflow

log = logging.getLogger(__name__)

BUNDLED_DEMO = Path(str(files("ui") / "demo_data"))
"""The demo's messaging, calls, content and CRM exports, shipped as data of ``ui`` (in a checkout
``ui/demo_data`` is a link to the documented ``demo/`` folder), so an installed wheel finds them."""


def demo_dir(settings: Settings) -> Path:
    folder = settings.demo_dir or BUNDLED_DEMO
    if not (folder / "messaging.yaml").is_file():
        raise WorkspaceError(f"No demo data at {folder} (expected messaging.yaml, calls/, content/).")
    return folder


def build_demo(settings: Settings, progress: bool = True) -> Workspace:
    """Ingest the demo messaging, calls and content, then run the analyses.

    Re-running is cheap: every ingest is idempotent, so an existing demo workspace is reused.
    """
    folder = demo_dir(settings)
    ws = Workspace.from_settings(settings)
    workflow.ingest_messaging(ws, settings, folder / "messaging.yaml", progress=progress)
    calls = workflow.ingest_calls(ws, settings, [folder / "calls"],
                                  folder / "calls" / "calls.csv", progress=progress)
    content = workflow.ingest_content(ws, settings, [folder / "content"],
                                      folder / "content" / "content.csv", progress=progress)
    for batch in (calls, content):
        for failed in batch.failed:
            log.warning("demo: %s", failed.message)
    for export in sorted((folder / "crm").glob("*.csv")):  # deal amounts from the CRM
        workflow.ingest_deals(ws, settings, export, progress=progress)
    return ws
