"""The app's views, one module each; ``build_blocks`` assembles them into tabs."""

from __future__ import annotations

from ingest.settings import Settings
from ingest.store import Workspace

__all__ = ["build_blocks"]


def build_blocks(workspace: Workspace, settings: Settings):
    import gradio as gr

    from ui.views import library

    with gr.Blocks(title="callmine") as blocks:
        gr.Markdown("# callmine\nWhat buyers say on your calls, and what your content answers.")
        with gr.Tabs():
            with gr.Tab("Calls and library", id="library"):
                library.build(workspace, settings)
    return blocks
