"""Charts drawn as inline SVG: no plotting library, every label escaped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ingest.text import shorten
from ui.views.text import html_text


@dataclass(frozen=True, slots=True)
class Interval:
    """One row of a forest plot: an estimate with its confidence interval (fractions)."""

    label: str
    value: float | None
    low: float | None
    high: float | None
    note: str = ""


def _points(value: float) -> str:
    return f"{value * 100:+.0f}"


def forest_svg(rows: Sequence[Interval], title: str = "", width: int = 760) -> str:
    """A forest plot of estimates with intervals around a zero line, as SVG markup.

    Values are fractions (0.12 is drawn as +12 points); rows without a value say so.

    Example:
        >>> "<svg" in forest_svg([Interval("Payback", 0.12, -0.05, 0.3)])
        True
    """
    if not rows:
        return '<p class="cm-empty">No talk tracks to chart.</p>'
    left, right, top, row_h = 240, 150, 34 if title else 16, 34
    plot_w = width - left - right
    bounds = [v for r in rows for v in (r.low, r.high, r.value) if v is not None]
    lo = min([-0.25, *bounds])
    hi = max([0.25, *bounds])
    pad = (hi - lo) * 0.05
    lo, hi = max(-1.0, lo - pad), min(1.0, hi + pad)

    def x(v: float) -> float:
        return left + (min(max(v, lo), hi) - lo) / (hi - lo) * plot_w

    height = top + row_h * len(rows) + 34
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="cm-forest" viewBox="0 0 {width} {height}"'
        f' width="100%" role="img" aria-label="{html_text(title or "forest plot")}">',
        '<style>.cm-forest text{font:13px sans-serif;fill:currentColor}'
        '.cm-forest .axis{stroke:#888;stroke-width:1}.cm-forest .zero{stroke:#888;'
        'stroke-dasharray:4 3}.cm-forest .ci{stroke:#3b6fd8;stroke-width:3}'
        '.cm-forest .pos{fill:#1a8f4a}.cm-forest .neg{fill:#c2410c}'
        '.cm-forest .muted{fill:#888}</style>',
    ]
    if title:
        parts.append(f'<text x="{left}" y="18" font-weight="bold">{html_text(title)}</text>')
    bottom = top + row_h * len(rows)
    parts.append(f'<line class="zero" x1="{x(0):.1f}" y1="{top - 6}" x2="{x(0):.1f}"'
                 f' y2="{bottom}"/>')
    for i, r in enumerate(rows):
        cy = top + row_h * i + row_h / 2
        parts.append(f'<text x="{left - 10}" y="{cy + 4:.1f}" text-anchor="end">'
                     f'{html_text(shorten(r.label, 32))}<title>{html_text(r.label)}</title></text>')
        if r.value is None:
            parts.append(f'<text class="muted" x="{left + 6}" y="{cy + 4:.1f}">'
                         f'{html_text(r.note or "not enough calls")}</text>')
            continue
        if r.low is not None and r.high is not None:
            parts.append(f'<line class="ci" x1="{x(r.low):.1f}" y1="{cy:.1f}" x2="{x(r.high):.1f}"'
                         f' y2="{cy:.1f}"/>')
            interval = f" [{_points(r.low)}, {_points(r.high)}]"
        else:
            interval = ""
        kind = "pos" if r.value >= 0 else "neg"
        parts.append(f'<circle class="{kind}" cx="{x(r.value):.1f}" cy="{cy:.1f}" r="6"/>')
        parts.append(f'<text x="{width - right + 10}" y="{cy + 4:.1f}">'
                     f'{_points(r.value)} pts{html_text(interval)}</text>')
    parts.append(f'<line class="axis" x1="{left}" y1="{bottom + 4}" x2="{left + plot_w}"'
                 f' y2="{bottom + 4}"/>')
    for v in _ticks(lo, hi):
        parts.append(f'<line class="axis" x1="{x(v):.1f}" y1="{bottom + 4}" x2="{x(v):.1f}"'
                     f' y2="{bottom + 9}"/><text class="muted" x="{x(v):.1f}" y="{bottom + 24}"'
                     f' text-anchor="middle">{_points(v)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _ticks(lo: float, hi: float) -> list[float]:
    step = 0.1 if hi - lo <= 0.8 else 0.25
    first = int(lo / step) * step
    ticks, v = [], first
    while v <= hi + 1e-9:
        if v >= lo - 1e-9:
            ticks.append(round(v, 2))
        v += step
    return ticks


def trend_legend(frame) -> list[str]:
    """The themes a trend frame (``objections.trend_frame``) shows, in legend order.

    Example:
        >>> import pandas as pd
        >>> trend_legend(pd.DataFrame({"theme": ["Price", "Timing", "Price"]}))
        ['Price', 'Timing']
    """
    if frame is None or "theme" not in getattr(frame, "columns", ()):
        return []
    return sorted(set(frame["theme"]))


def trend_plot(frame):
    """A ``gr.BarPlot`` update with ``frame`` whose legend lists only the themes in it (the
    plot otherwise keeps the series of an earlier, larger frame in its legend)."""
    import gradio as gr

    return gr.BarPlot(value=frame, colors_in_legend=trend_legend(frame))
