"""Moving between views: open the Call tab on one call, at one moment.

One :class:`Navigator` is made by ``build_blocks`` before the tabs and handed to the views that
link to calls. A view wires ``.select(fn, inputs, nav.call_outputs)`` and returns
``nav.open_call(call_id, seconds)`` from ``fn``; the Call tab listens to ``nav.target``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import gradio as gr  # at module level: the select handler's `gr.SelectData` hint resolves here

__all__ = ["CALL_TAB", "Navigator", "format_target", "on_row", "parse_target"]

CALL_TAB = "call"
"""Tab id of the call page."""


def format_target(call_id: str, seconds: float | None = None, nonce: int | None = None) -> str:
    """``"CALL_ID|SECONDS"`` (``"CALL_ID|"`` without a moment); ``nonce`` is appended as a third
    part so that opening the same call twice is still a change of value.

    >>> format_target("acme-1", 12.5)
    'acme-1|12.5'
    >>> format_target("acme-1")
    'acme-1|'
    """
    moment = "" if seconds is None else f"{max(float(seconds), 0.0):g}"
    text = f"{call_id}|{moment}"
    return text if nonce is None else f"{text}|{nonce}"


def parse_target(target: str | None) -> tuple[str | None, float | None]:
    """``"CALL_ID|SECONDS"`` -> ``(call_id, seconds)``; an empty or malformed moment is None.

    >>> parse_target("acme-1|12.5|3")
    ('acme-1', 12.5)
    >>> parse_target("")
    (None, None)
    """
    if not target:
        return None, None
    call_id, _, rest = target.partition("|")
    moment = rest.partition("|")[0].strip()
    try:
        seconds = float(moment) if moment else None
    except ValueError:
        seconds = None
    return call_id.strip() or None, seconds


class Navigator:
    """The page's way to open a call: a hidden target (``"CALL_ID|SECONDS"``) and the tabs.

    Make it inside ``gr.Blocks`` before the tabs, then set :attr:`tabs` to the ``gr.Tabs``.
    """

    def __init__(self) -> None:
        self.target = gr.Textbox(visible="hidden", elem_id="cm-nav-target")  # in the DOM: fires .change
        self.tabs: Any = None
        self._count = itertools.count(1)

    @property
    def call_outputs(self) -> list[Any]:
        """The outputs an event returning :meth:`open_call` writes: ``[target, tabs]``."""
        if self.tabs is None:
            raise RuntimeError("Navigator.tabs is not set: assign the page's gr.Tabs first.")
        return [self.target, self.tabs]

    def open_call(self, call_id: str, seconds: float | None = None) -> list[Any]:
        """The values for :attr:`call_outputs` that switch to the Call tab showing ``call_id``
        at ``seconds`` (the start without)."""
        return [format_target(call_id, seconds, next(self._count)),
                gr.Tabs(selected=CALL_TAB)]

    def open_rows(self, table: Any,
                  pick: Callable[[Sequence[Any]], tuple[str, float | None] | None]) -> None:
        """Clicking a row of ``table`` (a ``gr.Dataframe``) opens the call that ``pick`` finds
        in the row's values (``(call_id, seconds)``; None: stay)."""

        def open_row(evt: gr.SelectData) -> list[Any]:
            found = pick(evt.row_value) if evt.row_value else None
            if not found or not found[0]:
                return [gr.skip() for _ in self.call_outputs]
            return self.open_call(*found)

        table.select(open_row, None, self.call_outputs, api_name=False)


def on_row(table: Any, fn: Callable[[Any, int, Sequence[Any]], Any], state: Any,
           outputs: Any) -> None:
    """Clicking a row of ``table`` (a ``gr.Dataframe``) calls ``fn(state_value, row_index,
    row_values)`` and writes what it returns to ``outputs`` (``gr.skip()``: nothing).

    The handler lives here because Gradio finds its ``gr.SelectData`` event by the type hint,
    which resolves only where ``gradio`` is imported at module level.
    """

    def picked(value: Any, evt: gr.SelectData) -> Any:
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        return fn(value, int(row), evt.row_value or [])

    table.select(picked, state, outputs, api_name=False)
