"""Quality on real third-party text: the realdata scorers, run as a user would.

    .venv/bin/python bench/realdata.py [--realdata DIR] [--only objections talk_tracks ...]
                                       [--content] [--json]

Figures measured on text the team wrote itself proved worthless (objection F1 0.90 on our own
held-out set was 0.44-0.58 on real chats), so the quality figures that count come from
``shared/realdata`` (see its README): real bargaining and persuasion chats with researchers'
labels, a real company's docs with real customer questions, a real fact book with planted
edits. Each part drives the ``callmine`` CLI in a fresh temporary workspace, exactly as the
scorers do:

- **objections** (``objections_dev/{craigslistbargain,persuasionforgood}``): turn-level
  detection P/R/F1, category accuracy over true-positive turns whose gold category is not
  ``other``, macro per-category recall, with the logic of ``score_objections.py``, reported for
  the whole set and for its two halves: **held-out** = chats whose number is a multiple of 3
  (``dev-cb-003``, ``dev-p4g-006``, ...), which no training or tuning of callmine has read, and
  **train** = the rest, which ``python -m training.train`` learns from. Only held-out figures
  are honest estimates.
- **talk_tracks** (``talk_tracks_dev``): ``score_talk_tracks.py`` (all 100 chats), and the
  held-out split from ``bench/talk_tracks_realdata.py`` when present.
- **themes**: ``bench/theme_purity.py`` when present (gold category purity of themes).
- **consistency** (``consistency_dev``): ``score_consistency.py`` (planted edits and controls).
- **content** (``content_dev``, with ``--content``: about 10 minutes and more):
  ``score_content.py`` (hit@k, MRR, covered accuracy; full library and variant B).

The realdata folder is not part of the repository (its chats may not be copied into it); when
it is missing this script says so and exits 0 with no figures. ``--json`` prints one JSON
document (``bench/run_all.py`` reads it); otherwise a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_REALDATA = REPO.parent / "shared" / "realdata"
OBJECTION_SETS = ("craigslistbargain", "persuasionforgood")
PARTS = ("objections", "talk_tracks", "themes", "consistency", "content")


def held_out(call_id: str) -> bool:
    """The split every training and tuning step of callmine keeps out: chat number % 3 == 0."""
    m = re.search(r"(\d+)$", call_id)
    return bool(m) and int(m[1]) % 3 == 0


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
            "ANONYMIZED_TELEMETRY": "False"}


def callmine(exe: str, workspace: Path, *args: str, timeout: int = 1800) -> str:
    """Run one callmine command; its stdout (raises on an exit code other than 0 or 3)."""
    proc = subprocess.run([exe, "--workspace", str(workspace), *args], capture_output=True,
                          text=True, timeout=timeout, env=_env())
    if proc.returncode not in (0, 3):
        raise RuntimeError(f"callmine {' '.join(args[:2])} exited {proc.returncode}: "
                           f"{proc.stderr.strip()[-2000:]}")
    return proc.stdout


# -- objections -------------------------------------------------------------------------------


def objection_figures(gold: dict, predicted: list[dict], keep) -> dict:
    """Turn-level figures over the calls for which ``keep(call_id)`` is true (the scorer's
    rules: a turn with several predictions counts once, its top-confidence category is the one
    judged, gold ``other`` is not scored for category)."""
    calls = {cid: c for cid, c in gold["calls"].items() if keep(cid)}
    gset = {(cid, int(t)): set(o["categories"]) for cid, c in calls.items()
            for t, o in c["objections"].items()}
    pred: dict[tuple[str, int], list[tuple[float, str]]] = defaultdict(list)
    for o in predicted:
        if o["call_id"] in calls:
            pred[(o["call_id"], int(o["turn"]))].append((float(o.get("confidence") or 0.0),
                                                         o["category"]))
    keys = set(pred)
    tp = keys & set(gset)
    fp, fn = len(keys - set(gset)), len(set(gset) - keys)
    precision = len(tp) / (len(tp) + fp) if tp or fp else 0.0
    recall = len(tp) / (len(tp) + fn) if tp or fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    scored = [(gset[k] - {"other"}, max(pred[k])[1]) for k in tp if gset[k] - {"other"}]
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for g, top in scored:
        for c in g:
            per[c][1] += 1
            per[c][0] += top in g
    majority = Counter(c for g, _ in scored for c in g).most_common(1)
    return {
        "calls": len(calls), "gold_turns": len(gset), "tp": len(tp), "fp": fp, "fn": fn,
        "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
        "category_accuracy": round(sum(top in g for g, top in scored) / len(scored), 4)
        if scored else None,
        "majority_baseline": round(majority[0][1] / len(scored), 4) if scored else None,
        "macro_category_recall": round(sum(a / b for a, b in per.values()) / len(per), 4)
        if per else None,
        "per_category": {c: {"gold": b, "right": a} for c, (a, b) in sorted(per.items())},
        "scored_turns": len(scored),
    }


def run_objections(realdata: Path, exe: str, tmp: Path) -> dict:
    out = {}
    for name in OBJECTION_SETS:
        folder = realdata / "objections_dev" / name
        gold = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
        ws = tmp / f"objections-{name}"
        t0 = time.perf_counter()
        callmine(exe, ws, "-q", "ingest", "calls", str(folder / "calls"), "--manifest",
                 str(folder / "calls.csv"))
        predicted = json.loads(callmine(exe, ws, "objections", "--format", "json"))["objections"]
        out[name] = {
            "seconds": round(time.perf_counter() - t0, 1),
            "held_out": objection_figures(gold, predicted, held_out),
            "train": objection_figures(gold, predicted, lambda c: not held_out(c)),
            "all": objection_figures(gold, predicted, lambda c: True),
        }
        h = out[name]["held_out"]
        say(f"  objections/{name}: held-out F1 {h['f1']:.3f} (P {h['precision']:.2f} / R "
            f"{h['recall']:.2f}), category accuracy {h['category_accuracy']}, macro recall "
            f"{h['macro_category_recall']} ({out[name]['seconds']} s)")
    return out


# -- the other scorers -----------------------------------------------------------------------


def _script(path: Path, *args: str, timeout: int = 7200) -> str:
    proc = subprocess.run([sys.executable, str(path), *args], capture_output=True, text=True,
                          cwd=REPO, timeout=timeout, env=_env())
    if proc.returncode != 0:
        raise RuntimeError(f"{path.name} exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")
    return proc.stdout


def _floats(line: str) -> dict[str, float]:
    return {k: float(v) for k, v in re.findall(r"(\w+)=(-?[\d.]+)", line)}


def run_talk_tracks(realdata: Path, exe: str, tmp: Path) -> dict:
    text = _script(realdata / "score_talk_tracks.py", "--callmine", exe,
                   "--workspace-root", str(tmp))
    line = [s for s in text.splitlines() if s.startswith("talk_tracks_dev:")]
    out: dict = {"all": _floats(line[-1]) if line else {}, "text": text[-4000:]}
    for name, key in (("per-turn", "turn"), ("per-chat", "chat")):
        m = re.search(rf"{name}\D*P=?\s*([\d.]+)\D+R=?\s*([\d.]+)\D+F1=?\s*([\d.]+)", text,
                      re.IGNORECASE)
        if m:
            out["all"][f"{key}_f1"] = float(m[3])
    split = REPO / "bench" / "talk_tracks_realdata.py"
    if split.is_file():
        try:
            out["held_out"] = json.loads(_script(split, "--realdata", str(realdata), "--json"))
        except (RuntimeError, ValueError) as exc:
            out["held_out_error"] = str(exc)
    return out


def run_themes(realdata: Path, exe: str, tmp: Path) -> dict:
    script = REPO / "bench" / "theme_purity.py"
    if not script.is_file():
        return {"skipped": "bench/theme_purity.py is not there"}
    return json.loads(_script(script, "--realdata", str(realdata), "--json"))


def run_consistency(realdata: Path, exe: str, tmp: Path) -> dict:
    report = tmp / "consistency.json"
    text = _script(realdata / "score_consistency.py", "--callmine", exe, "--json", str(report))
    return {"figures": _summary(report), "text": text[-3000:]}


def run_content(realdata: Path, exe: str, tmp: Path) -> dict:
    report = tmp / "content.json"
    text = _script(realdata / "score_content.py", "--callmine", exe, "--json", str(report))
    return {"figures": _summary(report), "text": text[-3000:]}


def _summary(path: Path) -> dict:
    """The figures of a scorer's --json report (everything but its per-item rows)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not isinstance(v, list)}


RUNNERS = {"objections": run_objections, "talk_tracks": run_talk_tracks, "themes": run_themes,
           "consistency": run_consistency, "content": run_content}


# -- report -----------------------------------------------------------------------------------


def _f(v) -> str:
    return "—" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)


def table(results: dict) -> str:
    lines = ["| set | split | figure | value | target |", "|---|---|---|---|---|"]
    targets = {"craigslistbargain": ("≥ 0.85", "≥ 0.80", "≥ 0.65"),
               "persuasionforgood": ("≥ 0.75", "≥ 0.80", "≥ 0.65")}
    for name, r in results.get("objections", {}).items():
        for split in ("held_out", "all"):
            d = r[split]
            t = targets[name] if split == "held_out" else ("—",) * 3
            lines += [
                f"| objections/{name} | {split} ({d['calls']} chats) | F1 (P / R) | "
                f"{d['f1']:.3f} ({d['precision']:.2f} / {d['recall']:.2f}) | {t[0]} |",
                f"| objections/{name} | {split} | category accuracy (majority baseline) | "
                f"{_f(d['category_accuracy'])} ({_f(d['majority_baseline'])}) | {t[1]} |",
                f"| objections/{name} | {split} | macro per-category recall | "
                f"{_f(d['macro_category_recall'])} | {t[2]} |"]
    for key, r in results.items():
        if key == "objections" or not isinstance(r, dict):
            continue
        if "error" in r or "skipped" in r:
            lines.append(f"| {key} | | status | {r.get('error') or r.get('skipped')} | |")
            continue
        flat = r.get("all") or r.get("figures") or {k: v for k, v in r.items() if k != "text"}
        for k, v in flat.items():
            if isinstance(v, int | float):
                lines.append(f"| {key} | all | {k} | {_f(v)} | |")
        for k, v in (r.get("held_out") or {}).items():
            if isinstance(v, int | float):
                lines.append(f"| {key} | held_out | {k} | {_f(v)} | |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--realdata", type=Path, default=DEFAULT_REALDATA,
                        help=f"the realdata folder (default {DEFAULT_REALDATA})")
    parser.add_argument("--callmine", default=str(REPO / ".venv" / "bin" / "callmine"))
    parser.add_argument("--only", nargs="+", choices=PARTS, metavar="PART",
                        help=f"run only these parts: {', '.join(PARTS)}")
    parser.add_argument("--content", action="store_true",
                        help="also run the content scorer (slow: ten minutes and more)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    if not (args.realdata / "README.md").is_file():
        note = (f"no realdata folder at {args.realdata} (it is not part of the repository); "
                "pass --realdata DIR. Nothing measured.")
        say(note)
        print(json.dumps({"skipped": note}) if args.json else note)
        return 0
    parts = args.only or [p for p in PARTS if p != "content" or args.content]
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="callmine-realdata-") as tmp:
        for part in parts:
            say(f"realdata: {part} ...")
            t0 = time.perf_counter()
            try:
                results[part] = RUNNERS[part](args.realdata, args.callmine, Path(tmp))
            except (RuntimeError, subprocess.TimeoutExpired, OSError, ValueError) as exc:
                results[part] = {"error": f"{type(exc).__name__}: {exc}"}
            say(f"realdata: {part} done in {time.perf_counter() - t0:.0f} s")
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    else:
        print(table(results), end="")
    return 1 if any(isinstance(r, dict) and "error" in r for r in results.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
