"""Objection themes: are they few, do they hold the objections, and is each one about one thing?

    .venv/bin/python bench/theme_purity.py [--realdata DIR] [--only demo realdata] [--json]
                                           [--callmine PATH] [--keep]

Two parts, each driving the ``callmine`` CLI in a fresh temporary workspace as a user would:

- **demo**: the demo calls (``demo/calls``; the three recordings come in as their reference
  transcripts in ``demo/reference``, so no speech recognition runs). Prints the themes raised
  in two or more calls (target at most 15), the share of objections they hold (target at least
  80%), the other mentions, where each planted content gap landed (EU data residency, SAP
  S/4HANA, contract lock-in: the theme holding most of the objections that raise it alone) and
  the labels.
- **realdata**: ``objections_dev/{craigslistbargain,persuasionforgood}`` of the realdata folder,
  ingested with their ``calls.csv`` manifests, as ``score_objections.py`` does. An objection is
  matched when its call and turn carry a gold objection (gold category ``other`` left out).
  **Purity** = the share of a theme's matched members whose gold categories include the theme's
  majority gold category, over all themes, weighted by members (target at least 0.85). Other
  mentions are not themes and are not counted. Reported for all chats and for the held-out
  chats (chat number a multiple of 3, as in ``bench/realdata.py``: the theme settings were
  chosen looking at the other chats), where each theme's majority is taken over its held-out
  members only.

The realdata folder is not part of the repository (default ``../shared/realdata`` from the
project root, or ``--realdata DIR``); when it is missing the script says so, skips that part
and exits 0. ``--json`` prints one JSON document (``bench/realdata.py`` reads it).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_REALDATA = REPO.parent / "shared" / "realdata"
SETS = ("craigslistbargain", "persuasionforgood")
PARTS = ("demo", "realdata")
GAPS = {  # planted demo gap: what its objections say
    "EU data residency": r"\bEU\b|European|residency|Frankfurt|GDPR|data (?:has to|must) stay",
    "SAP S/4HANA": r"\bSAP\b|S/4HANA",
    "contract lock-in": r"multi-year|three-year|three years|lock-?in|locked in|termination"
                        r"|month to month|monthly terms|exit clause|ninety days notice",
}
MAX_THEMES, MIN_COVERAGE, MIN_PURITY = 15, 0.80, 0.85


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def held_out(call_id: str) -> bool:
    """Chats kept out of every tuning step: chat number % 3 == 0 (as bench/realdata.py)."""
    m = re.search(r"(\d+)$", call_id)
    return bool(m) and int(m[1]) % 3 == 0


class CLI:
    """Runs ``callmine`` commands against workspaces under one temporary folder."""

    def __init__(self, exe: str, root: Path) -> None:
        self.exe, self.root = exe, root
        self.env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
                    "ANONYMIZED_TELEMETRY": "False"}

    def __call__(self, workspace: str, *args: str) -> str:
        proc = subprocess.run([self.exe, "--workspace", str(self.root / workspace), *args],
                              capture_output=True, text=True, env=self.env, timeout=1800)
        if proc.returncode not in (0, 3):
            raise RuntimeError(f"callmine {' '.join(args[:2])} exited {proc.returncode}: "
                               f"{proc.stderr.strip()[-2000:]}")
        return proc.stdout

    def themes_and_objections(self, workspace: str) -> tuple[dict, list[dict]]:
        themes = json.loads(self(workspace, "themes", "--format", "json"))
        objections = json.loads(self(workspace, "objections", "--format", "json"))["objections"]
        return themes, objections


# -- demo ----------------------------------------------------------------------------------------


def demo_calls(folder: Path) -> Path:
    """The demo calls as transcripts (recordings replaced by their reference transcripts, channel
    0 the rep); returns the manifest."""
    folder.mkdir(parents=True)
    with open(REPO / "demo" / "calls" / "calls.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        source = REPO / "demo" / "calls" / row["file"]
        reference = REPO / "demo" / "reference" / (source.stem + ".json")
        if reference.is_file():
            segments = json.loads(reference.read_text())
            for s in segments:
                s["speaker"] = "Rep" if s["speaker"] == "channel-0" else "Buyer"
            (folder / reference.name).write_text(json.dumps(segments))
            row["file"] = reference.name
        else:
            shutil.copy(source, folder / source.name)
    manifest = folder / "calls.csv"
    with open(manifest, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return manifest


def run_demo(cli: CLI) -> dict:
    manifest = demo_calls(cli.root / "demo-calls")
    cli("demo", "-q", "ingest", "calls", str(manifest.parent), "--manifest", str(manifest))
    data, objections = cli.themes_and_objections("demo")
    themes = [t for t in data["themes"] if t["calls"] >= 2]
    covered = sum(t["count"] for t in themes)
    label = {t["id"]: t["label"] for t in data["themes"]}
    by_id = {o["id"]: o for o in objections}
    gaps = {}
    for gap, pattern in GAPS.items():
        others = [re.compile(p, re.IGNORECASE) for g, p in GAPS.items() if g != gap]
        said = [o for o in by_id.values() if re.search(pattern, o["text"], re.IGNORECASE)
                and not any(p.search(o["text"]) for p in others)]
        where = Counter(label.get(o["theme_id"], "(other mention)") for o in said)
        gaps[gap] = {"objections": len(said), "themes": dict(where.most_common())}
    return {"figures": {
        "objections": len(objections), "themes_2plus_calls": len(themes),
        "coverage": round(covered / len(objections), 3) if objections else 0.0,
        "other_mentions": len(data.get("other_mentions", []))},
        "gaps": gaps, "labels": [(t["label"], t["category"], t["count"], t["calls"])
                                  for t in themes]}


# -- realdata ------------------------------------------------------------------------------------


def gold_categories(path: Path) -> dict[tuple[str, int], set[str]]:
    """(call_id, turn) -> gold categories of the gold objection turns, 'other' left out."""
    gold = json.loads(path.read_text())
    out = {}
    for call_id, call in gold["calls"].items():
        for turn, item in call.get("objections", {}).items():
            categories = {c for c in item["categories"] if c != "other"}
            if categories:
                out[(call_id, int(turn))] = categories
    return out


def purity(members: dict[str, list[set[str]]]) -> tuple[float | None, int]:
    """Member-weighted purity of themes given each theme's matched members' gold categories."""
    total = good = 0
    for golds in members.values():
        if not golds:
            continue
        counts = Counter(c for g in golds for c in g)
        top = min(counts, key=lambda c: (-counts[c], c))
        total += len(golds)
        good += sum(top in g for g in golds)
    return (round(good / total, 3) if total else None), total


def run_set(cli: CLI, realdata: Path, name: str) -> dict:
    folder = realdata / "objections_dev" / name
    cli(name, "-q", "ingest", "calls", str(folder / "calls"), "--manifest",
        str(folder / "calls.csv"))
    data, objections = cli.themes_and_objections(name)
    gold = gold_categories(folder / "gold.json")
    themes = {t["id"] for t in data["themes"] if t["calls"] >= 2}
    out: dict = {"objections": len(objections), "themes": len(themes),
                 "coverage": round(sum(o["theme_id"] in themes for o in objections)
                                   / max(len(objections), 1), 3)}
    for split, keep in (("all", lambda c: True), ("held_out", held_out)):
        members: dict[str, list[set[str]]] = {t: [] for t in themes}
        for o in objections:
            key = (o["call_id"], o["turn"])
            if o["theme_id"] in themes and key in gold and keep(o["call_id"]):
                members[o["theme_id"]].append(gold[key])
        out[f"purity_{split}"], out[f"matched_{split}"] = purity(members)
    return out


# -- report --------------------------------------------------------------------------------------


def text_report(results: dict) -> str:
    lines = []
    demo = results.get("demo")
    if demo and "figures" in demo:
        f = demo["figures"]
        lines += [f"demo: {f['themes_2plus_calls']} themes in 2+ calls (target <= {MAX_THEMES}), "
                  f"covering {f['coverage']:.0%} of {f['objections']} objections (target >= "
                  f"{MIN_COVERAGE:.0%}); {f['other_mentions']} other mentions"]
        for gap, g in demo["gaps"].items():
            lines.append(f"  planted gap {gap!r}: {g['objections']} objections -> "
                         + "; ".join(f"{k} ({v})" for k, v in g["themes"].items()))
        lines.append("  labels: " + " | ".join(f"{lab} [{cat}, {n}/{c} calls]"
                                              for lab, cat, n, c in demo["labels"]))
    elif demo:
        lines.append(f"demo: {demo.get('error') or demo.get('skipped')}")
    real = results.get("realdata", {})
    if "skipped" in real or "error" in real:
        lines.append(f"realdata: {real.get('skipped') or real.get('error')}")
    for name in SETS:
        r = real.get(name)
        if r is None:
            continue
        if "error" in r:
            lines.append(f"themes/{name}: {r['error']}")
            continue
        lines.append(f"themes/{name}: purity={r['purity_all']} (matched {r['matched_all']}) "
                     f"held_out_purity={r['purity_held_out']} (matched {r['matched_held_out']}) "
                     f"themes={r['themes']} coverage={r['coverage']} (target purity >= "
                     f"{MIN_PURITY})")
    return "\n".join(lines) + "\n"


def flat(results: dict) -> dict:
    """Numbers for bench/realdata.py's table: {"all": {...}, "held_out": {...}}."""
    out: dict = {"all": {}, "held_out": {}}
    demo = results.get("demo", {}).get("figures", {})
    for k, v in demo.items():
        out["all"][f"demo_{k}"] = v
    for name in SETS:
        r = results.get("realdata", {}).get(name, {})
        if "purity_all" in r:
            out["all"][f"purity_{name}"] = r["purity_all"]
            out["all"][f"themes_{name}"] = r["themes"]
            out["held_out"][f"purity_{name}"] = r["purity_held_out"]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--realdata", type=Path, default=DEFAULT_REALDATA,
                        help=f"the realdata folder (default {DEFAULT_REALDATA})")
    parser.add_argument("--callmine", default=str(REPO / ".venv" / "bin" / "callmine"))
    parser.add_argument("--only", nargs="+", choices=PARTS, metavar="PART",
                        help=f"run only these parts: {', '.join(PARTS)}")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--keep", action="store_true", help="keep the temporary workspaces")
    args = parser.parse_args(argv)
    parts = args.only or list(PARTS)
    root = Path(tempfile.mkdtemp(prefix="callmine-themes-"))
    cli = CLI(args.callmine, root)
    results: dict = {}
    try:
        if "demo" in parts:
            say("themes: demo ...")
            t0 = time.perf_counter()
            try:
                results["demo"] = run_demo(cli)
            except (RuntimeError, subprocess.TimeoutExpired, OSError, ValueError) as exc:
                results["demo"] = {"error": f"{type(exc).__name__}: {exc}"}
            say(f"themes: demo done in {time.perf_counter() - t0:.0f} s")
        if "realdata" in parts:
            if not (args.realdata / "objections_dev").is_dir():
                note = (f"no realdata folder at {args.realdata} (it is not part of the "
                        "repository; pass --realdata DIR): purity not measured.")
                say(note)
                results["realdata"] = {"skipped": note}
            else:
                results["realdata"] = {}
                for name in SETS:
                    say(f"themes: {name} ...")
                    t0 = time.perf_counter()
                    try:
                        results["realdata"][name] = run_set(cli, args.realdata, name)
                    except (RuntimeError, subprocess.TimeoutExpired, OSError, ValueError) as exc:
                        results["realdata"][name] = {"error": f"{type(exc).__name__}: {exc}"}
                    say(f"themes: {name} done in {time.perf_counter() - t0:.0f} s")
    finally:
        if args.keep:
            say(f"workspaces kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    if args.json:
        print(json.dumps({**flat(results), "details": results}, indent=2, default=str))
    else:
        print(text_report(results), end="")
    failed = "error" in results.get("demo", {}) or any(
        "error" in r for r in results.get("realdata", {}).values() if isinstance(r, dict))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
