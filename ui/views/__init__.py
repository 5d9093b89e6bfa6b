"""The app's views, one module each; ``build_blocks`` assembles them into tabs.

Each view module turns library records into display rows and wires events; every event has an
explicit ``api_name``, so everything the page does can be scripted with ``gradio_client``.
"""

from __future__ import annotations

from pathlib import Path

from ingest.settings import Settings
from ingest.store import Workspace

__all__ = ["CSS", "TABS", "build_blocks"]

CSS = (Path(__file__).with_name("style.css")).read_text(encoding="utf-8")
"""The app's stylesheet (pass to ``launch(css=...)``)."""

TABS = {
    "objections": "Objections",
    "ask": "Ask",
    "gaps": "Gaps",
    "messages": "Messages",
    "consistency": "Consistency",
    "library": "Calls and library",
    "call": "Call",
    "digest": "Digest",
    "search": "Search",
}
"""Tab id -> title, in page order."""


def build_blocks(workspace: Workspace, settings: Settings):
    """The callmine ``gr.Blocks``: one tab per view, on one workspace."""
    import gradio as gr

    from ui.views.filters import FilterBar
    from ui.views import (ask, call_page, consistency, digest, gaps, library, messages,
                          objections, search)
    from ui.views.navigate import Navigator

    builders = {
        "objections": lambda page, tab: objections.build(workspace, settings, page, tab, bar,
                                                         nav),
        "ask": lambda page, tab: ask.build(workspace, settings),
        "gaps": lambda page, tab: gaps.build(workspace, settings, tab, bar),
        "messages": lambda page, tab: messages.build(workspace, settings, page, tab, bar),
        "consistency": lambda page, tab: consistency.build(workspace, settings, tab),
        "digest": lambda page, tab: digest.build(workspace, settings),
        "library": lambda page, tab: library.build(workspace, settings, page, nav),
        "call": lambda page, tab: call_page.build(workspace, settings, nav, page, tab),
        "search": lambda page, tab: search.build(workspace, settings, nav, bar),
    }
    with gr.Blocks(title="callmine") as blocks:
        gr.Markdown("# callmine\nWhat buyers say on your calls, and what your content answers.",
                    elem_id="cm-title")
        bar = FilterBar(workspace)  # above the tabs: Objections, Gaps and Messages read it
        nav = Navigator()  # before the tabs: its hidden target opens the Call tab
        with gr.Tabs() as nav.tabs:
            for tab_id, title in TABS.items():
                with gr.Tab(title, id=tab_id, elem_id=f"cm-tab-{tab_id}") as tab:
                    builders[tab_id](blocks, tab)
    return blocks
