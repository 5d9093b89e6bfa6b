#!/usr/bin/env python3
"""Render the demo call scripts (demo/tools/src/calls/*.txt) into the transcript formats in
demo/calls/ (Teams/Zoom/plain WebVTT, SRT, JSON, TXT) and add their rows to demo/calls/calls.csv
(other rows already in the manifest are kept).

Dev tool only (stdlib); run from anywhere:  python3 demo/tools/make_transcripts.py
Timings are synthetic: ~2.6 words per second plus a short, seeded random gap between turns.
The three audio calls are made by make_audio.py; their manifest rows are listed here too.
"""
from __future__ import annotations

import csv
import json
import random
import re
import textwrap
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "src" / "calls"
OUT = HERE.parent / "calls"

# source stem -> (output file, call_id, date, rep, account, stage, outcome, segment, format)
CALLS = [
    ("C01-bluestem-logistics", "bluestem-logistics-discovery.vtt", "c01-bluestem", "2026-03-12",
     "Dana Whitfield", "Bluestem Logistics", "discovery", "won", "mid_market", "vtt-teams"),
    ("C02-harlow-medical", "harlow-medical-demo.vtt", "c02-harlow", "2026-03-26",
     "Marcus Oyelaran", "Harlow Medical Group", "demo", "lost", "enterprise", "vtt-zoom"),
    ("C03-juniper-valley-foods", "juniper-valley-foods-proposal.srt", "c03-juniper-valley", "2026-04-09",
     "Priya Raman", "Juniper Valley Foods", "proposal", "won", "mid_market", "srt"),
    ("C04-nordhavn-shipping", "nordhavn-shipping-negotiation.srt", "c04-nordhavn", "2026-04-22",
     "Dana Whitfield", "Nordhavn Shipping", "negotiation", "lost", "enterprise", "srt-wrapped"),
    ("C05-ironbark-construction", "ironbark-construction-discovery.json", "c05-ironbark", "2026-05-06",
     "Marcus Oyelaran", "Ironbark Construction", "discovery", "won", "smb", "json"),
    ("C06-alder-finch-retail", "alder-finch-retail-demo.json", "c06-alder-finch", "2026-05-20",
     "Priya Raman", "Alder & Finch Retail", "demo", "lost", "mid_market", "json"),
    ("C07-lattice-point-software", "lattice-point-negotiation.txt", "c07-lattice-point", "2026-06-03",
     "Dana Whitfield", "Lattice Point Software", "negotiation", "won", "mid_market", "txt"),
    ("C08-solano-hotels", "solano-hotels-proposal.txt", "c08-solano", "2026-06-17",
     "Marcus Oyelaran", "Solano Hotels Group", "proposal", "lost", "enterprise", "txt"),
    ("C09-tidewater-credit-union", "tidewater-credit-union-demo.txt", "c09-tidewater", "2026-07-08",
     "Priya Raman", "Tidewater Credit Union", "demo", "won", "smb", "txt-plain"),
    ("C10-quarry-lane-manufacturing", "quarry-lane-negotiation.vtt", "c10-quarry-lane", "2026-07-22",
     "Dana Whitfield", "Quarry Lane Manufacturing", "negotiation", "lost", "mid_market", "vtt-plain"),
    ("C11-sunbeam-dental", "sunbeam-dental-proposal.srt", "c11-sunbeam", "2026-08-05",
     "Marcus Oyelaran", "Sunbeam Dental Partners", "proposal", "open", "smb", "srt"),
]
AUDIO_ROWS = [  # produced by make_audio.py
    ("norrvik-biotech-discovery.ogg", "c12-norrvik", "2026-08-19", "Priya Raman",
     "Norrvik Biotech", "discovery", "open", "enterprise"),
    ("basalt-creek-energy-demo.mp3", "c13-basalt-creek", "2026-09-09", "Dana Whitfield",
     "Basalt Creek Energy", "demo", "open", "enterprise"),
    ("larkspur-property-negotiation.m4a", "c14-larkspur", "2026-10-07", "Marcus Oyelaran",
     "Larkspur Property Management", "negotiation", "won", "smb"),
]


def read_script(stem: str) -> list[tuple[str, str]]:
    turns = []
    for line in (SRC / f"{stem}.txt").read_text(encoding="utf-8").splitlines():
        if line.strip():
            name, text = line.split(": ", 1)
            turns.append((name.strip(), text.strip()))
    return turns


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.?!])\s+", text) if s]


def chunks(text: str, max_words: int) -> list[str]:
    """Split a long turn into caption-sized pieces at sentence boundaries."""
    out: list[str] = []
    cur: list[str] = []
    for s in sentences(text):
        if cur and len(" ".join(cur + [s]).split()) > max_words:
            out.append(" ".join(cur))
            cur = []
        cur.append(s)
    if cur:
        out.append(" ".join(cur))
    return out


def timed(turns, seed: int, max_words: int | None):
    """Yield (speaker, start, end, text) cues with synthetic timings."""
    rng = random.Random(seed)
    t = rng.uniform(1.5, 4.0)
    for speaker, text in turns:
        pieces = chunks(text, max_words) if max_words else [text]
        for i, piece in enumerate(pieces):
            dur = len(piece.split()) / 2.6 + 0.4
            yield speaker, round(t, 3), round(t + dur, 3), piece
            t += dur + (0.15 if i < len(pieces) - 1 else 0)
        t += rng.uniform(0.3, 1.4)


def ts(sec: float, sep: str = ".") -> str:
    ms = int(round(sec * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def mmss(sec: float) -> str:
    m, s = divmod(int(sec), 60)
    return f"{m:02d}:{s:02d}"


def render(fmt: str, turns, seed: int) -> str:
    if fmt == "vtt-teams":
        rng = random.Random(seed)
        base = uuid.UUID(int=rng.getrandbits(128))
        lines = ["WEBVTT", ""]
        for i, (sp, a, b, text) in enumerate(timed(turns, seed, 30)):
            lines += [f"{base}/{i + 12}-0", f"{ts(a)} --> {ts(b)}", f"<v {sp}>{text}</v>", ""]
        return "\n".join(lines)
    if fmt == "vtt-zoom":
        lines = ["WEBVTT", ""]
        for i, (sp, a, b, text) in enumerate(timed(turns, seed, 35), 1):
            lines += [str(i), f"{ts(a)} --> {ts(b)}", f"{sp}: {text}", ""]
        return "\n".join(lines)
    if fmt == "vtt-plain":
        lines = ["WEBVTT - Quarry Lane / Vantora contract review", "",
                 "NOTE", "Exported from the meeting recorder. Speaker names from the attendee list.", ""]
        for sp, a, b, text in timed(turns, seed, None):
            lines += [f"{ts(a)} --> {ts(b)} align:start", f"<v {sp}>{text}", ""]
        return "\n".join(lines)
    if fmt in ("srt", "srt-wrapped"):
        lines = []
        for i, (sp, a, b, text) in enumerate(timed(turns, seed, 40 if fmt == "srt" else None), 1):
            body = f"{sp}: {text}"
            if fmt == "srt-wrapped":
                body = "\n".join(textwrap.wrap(body, 64))
            lines += [str(i), f"{ts(a, ',')} --> {ts(b, ',')}", body, ""]
        return "\n".join(lines)
    if fmt == "json":
        items = [{"speaker": sp, "start": a, "end": b, "text": text}
                 for sp, a, b, text in timed(turns, seed, None)]
        return json.dumps(items, indent=2, ensure_ascii=False) + "\n"
    if fmt == "txt":
        return "\n".join(f"[{mmss(a)}] {sp}: {text}" for sp, a, b, text in timed(turns, seed, None)) + "\n"
    if fmt == "txt-plain":
        return "\n".join(f"{sp}: {text}" for sp, text in turns) + "\n"
    raise ValueError(fmt)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for n, (stem, out, call_id, date, rep, account, stage, outcome, segment, fmt) in enumerate(CALLS):
        turns = read_script(stem)
        speakers = {sp for sp, _ in turns}
        assert rep in speakers, (stem, rep)
        (OUT / out).write_text(render(fmt, turns, seed=1000 + n), encoding="utf-8")
        rows.append((out, call_id, date, rep, account, stage, outcome, segment))
        print(f"{out:42s} {fmt:12s} {len(turns):3d} lines")
    rows += AUDIO_ROWS
    write_manifest(rows)


def write_manifest(rows: list[tuple[str, ...]]) -> None:
    """Update this script's rows in calls.csv, keeping rows other tools added for other files
    (rows whose file no longer exists are dropped)."""
    manifest = OUT / "calls.csv"
    header = ["file", "call_id", "date", "rep", "account", "stage", "outcome", "segment"]
    mine = {r[1] for r in rows}
    kept: list[list[str]] = []
    if manifest.exists():
        with manifest.open(newline="", encoding="utf-8") as fh:
            for rec in csv.DictReader(fh):
                if rec["call_id"] not in mine and (OUT / rec["file"]).exists():
                    kept.append([rec.get(h, "") for h in header])
    with manifest.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(sorted([list(r) for r in rows] + kept, key=lambda r: (r[2], r[1])))

if __name__ == "__main__":
    main()
