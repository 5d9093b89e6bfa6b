"""Talk-track detection on real persuasion chats, on one split of ``talk_tracks_dev``.

    .venv/bin/python bench/talk_tracks_realdata.py [--realdata DIR] [--split held-out|train|all]
                                                  [--callmine EXE | --library] [--json]
                                                  [--errors FILE]

``talk_tracks_dev`` (see ``shared/realdata/README.md``) holds 100 real PersuasionForGood chats
whose persuader turns carry the researchers' strategy labels; the 7 strategies are the talk
tracks of its ``messaging.yaml`` (a name and one statement each). The talk-track matcher is
trained on part of these chats (``python -m training.train_tracks``), so the honest figures come
from the **held-out** split: chats whose number is a multiple of 3 (``dev-tt-003``,
``dev-tt-006``, ... 33 chats), which no training or tuning read. ``train`` is the other 67.

The chats of the split are ingested into a fresh temporary workspace with the ``callmine`` CLI,
as a user would (messaging first, then the calls with their manifest), and ``callmine messages
--format json`` is scored with the logic of ``score_talk_tracks.py``: usage MRE (mean relative
error of ``calls`` over the tracks, the headline usage figure), uses MRE, per-turn and per-chat
detection P/R/F1 from ``occurrences`` (every use as call id and turn), and the Spearman rho
between callmine's lift and the gold lift of the split's chats. Targets (issue 14): usage MRE
<= 0.25, per-turn F1 >= 0.70. ``--library`` runs only the talk-track matcher
(:class:`insights.talk_tracks.TrackDetector`) over the calls stored by the ingest library,
without the rest of the analysis: the same uses in seconds, for iterating on the matcher.

The realdata folder is not part of the repository; when it is missing this script says so and
exits 0. ``--json`` prints one JSON document of figures (``bench/realdata.py`` reads it).
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
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_REALDATA = REPO.parent / "shared" / "realdata"
SPLITS = ("held-out", "train", "all")


def held_out(call_id: str) -> bool:
    """The split no training or tuning reads: chat number % 3 == 0."""
    m = re.search(r"(\d+)$", call_id)
    return bool(m) and int(m[1]) % 3 == 0


def in_split(call_id: str, split: str) -> bool:
    return split == "all" or held_out(call_id) == (split == "held-out")


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def spearman(a: list[float], b: list[float]) -> float:
    """Spearman rank correlation, average ranks for ties (as the scorer computes it)."""
    def ranks(xs: list[float]) -> list[float]:
        order = sorted(range(len(xs)), key=lambda i: xs[i])
        out = [0.0] * len(xs)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
                j += 1
            for k in range(i, j + 1):
                out[order[k]] = (i + j) / 2
            i = j + 1
        return out
    if len(a) < 2:
        return 0.0
    ra, rb = ranks(a), ranks(b)
    ma, mb = sum(ra) / len(ra), sum(rb) / len(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb, strict=True))
    va = sum((x - ma) ** 2 for x in ra) ** 0.5
    vb = sum((y - mb) ** 2 for y in rb) ** 0.5
    return cov / (va * vb) if va and vb else 0.0


def _win_rate(calls: set[str], outcome: dict[str, str]) -> float | None:
    return sum(outcome[c] == "won" for c in calls) / len(calls) if calls else None


def gold_tracks(gold: dict, calls: list[str]) -> dict[str, dict]:
    """Per track, over ``calls``: the gold (call_id, turn) uses, calls and lift."""
    outcome = {c: gold["calls"][c]["outcome"] for c in calls}
    out = {}
    for track in gold["tracks"]:
        turns = {(c, int(t)) for c in calls
                 for t, labels in gold["calls"][c]["strategies"].items() if track in labels}
        with_ = {c for c, _ in turns}
        w, wo = _win_rate(with_, outcome), _win_rate(set(calls) - with_, outcome)
        out[track] = {"turns": turns, "calls": with_,
                      "lift": None if w is None or wo is None else w - wo}
    return out


def figures(gold: dict, calls: list[str], messages: list[dict]) -> tuple[dict, list[dict]]:
    """The scorer's figures over ``calls``, and one row per track."""
    truth = gold_tracks(gold, calls)
    got = {m["id"]: m for m in messages}
    rows, errs, uerrs, gold_lift, lift = [], [], [], [], []
    t_all = c_all = (0, 0, 0)
    for track, g in truth.items():
        m = got.get(track, {})
        turns = {(o["call_id"], int(o["turn"])) for o in m.get("occurrences", [])}
        chats = {c for c, _ in turns}
        n_calls, n_uses = int(m.get("calls", 0)), int(m.get("uses", 0))
        errs.append(abs(n_calls - len(g["calls"])) / max(len(g["calls"]), 1))
        uerrs.append(abs(n_uses - len(g["turns"])) / max(len(g["turns"]), 1))
        gold_lift.append(g["lift"] or 0.0)
        lift.append(m.get("lift") or 0.0)
        t = (len(turns & g["turns"]), len(turns - g["turns"]), len(g["turns"] - turns))
        c = (len(chats & g["calls"]), len(chats - g["calls"]), len(g["calls"] - chats))
        t_all = tuple(x + y for x, y in zip(t_all, t, strict=True))
        c_all = tuple(x + y for x, y in zip(c_all, c, strict=True))
        rows.append({"track": track, "gold_calls": len(g["calls"]), "calls": n_calls,
                     "gold_uses": len(g["turns"]), "uses": n_uses, "turn_f1": prf(*t)[2],
                     "turn_precision": prf(*t)[0], "turn_recall": prf(*t)[1],
                     "gold_lift": g["lift"], "lift": m.get("lift"),
                     "verdict": m.get("verdict")})
    p, r, f1 = prf(*t_all)
    cp, cr, cf1 = prf(*c_all)
    out = {"chats": len(calls), "usage_mre": sum(errs) / len(errs),
           "uses_mre": sum(uerrs) / len(uerrs), "turn_precision": p, "turn_recall": r,
           "turn_f1": f1, "chat_precision": cp, "chat_recall": cr, "chat_f1": cf1,
           "lift_rho": spearman(gold_lift, lift)}
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}, rows


def errors(gold: dict, calls: list[str], messages: list[dict], folder: Path) -> list[dict]:
    """Every missed and every false (call, turn, track), with the turn's text."""
    truth = gold_tracks(gold, calls)
    lines = {c: (folder / "calls" / f"{c}.txt").read_text(encoding="utf-8").splitlines()
             for c in calls}
    out = []
    for m in messages:
        if m["id"] not in truth:
            continue
        found = {(o["call_id"], int(o["turn"])) for o in m.get("occurrences", [])}
        for kind, keys in (("missed", truth[m["id"]]["turns"] - found),
                           ("false", found - truth[m["id"]]["turns"])):
            for c, t in sorted(keys):
                out.append({"kind": kind, "track": m["id"], "call_id": c, "turn": t,
                            "labels": gold["calls"][c]["strategies"].get(str(t), []),
                            "text": lines[c][t] if t < len(lines[c]) else ""})
    return out


def library_messages(folder: Path, manifest: Path, calls_dir: Path, tmp: Path) -> list[dict]:
    """The messages' use figures from the ingest library and the matcher alone."""
    sys.path.insert(0, str(REPO))
    from ingest.embed import Embedder
    from ingest.messaging import load_messaging
    from ingest.pipeline import CallIngestor
    from ingest.settings import Settings, offline_environment
    from ingest.store import Workspace
    from insights.encoding import SentenceEncoder
    from insights.talk_tracks import TrackDetector

    offline_environment()
    ws = Workspace(tmp / "ws", Embedder())
    CallIngestor(ws, Settings(workspace=tmp / "ws")).run(sorted(calls_dir.iterdir()), manifest)
    tracks = load_messaging(folder / "messaging.yaml").talk_tracks
    detector = TrackDetector(SentenceEncoder(ws.embedder), tracks)
    calls = [ws.call(c.call_id) for c in ws.calls()]
    rep = [(c, t) for c in calls for t in c.turns if t.side == "rep"]
    found = detector.match_texts([t.text for _, t in rep])
    outcome = {c.call_id: c.meta.outcome for c in calls}
    ws.close()
    out = []
    for track in tracks:
        uses = [(c.call_id, t.index) for (c, t), ms in zip(rep, found, strict=True)
                if any(m.track_id == track.id for m in ms)]
        with_ = {c for c, _ in uses}
        w, wo = _win_rate(with_, outcome), _win_rate(set(outcome) - with_, outcome)
        out.append({"id": track.id, "uses": len(uses), "calls": len(with_),
                    "lift": None if w is None or wo is None else round(w - wo, 4),
                    "occurrences": [{"call_id": c, "turn": t} for c, t in uses]})
    return out


def run(realdata: Path, split: str, exe: str | None) -> tuple[dict, list[dict], list[dict]]:
    """Ingest the split's chats in a temporary workspace and score its talk-track uses
    (with the CLI, or with the library when ``exe`` is None)."""
    folder = realdata / "talk_tracks_dev"
    gold = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
    calls = sorted(c for c in gold["calls"] if in_split(c, split))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
           "ANONYMIZED_TELEMETRY": "False"}
    with tempfile.TemporaryDirectory(prefix="callmine-talk-tracks-") as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "calls").mkdir()
        with (folder / "calls.csv").open(newline="", encoding="utf-8") as f:
            manifest = [row for row in csv.DictReader(f) if row["call_id"] in set(calls)]
        for row in manifest:
            shutil.copy(folder / row["file"], tmp_path / "calls" / Path(row["file"]).name)
        with (tmp_path / "calls.csv").open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(manifest[0]))
            writer.writeheader()
            writer.writerows({**row, "file": f"calls/{Path(row['file']).name}"}
                             for row in manifest)
        t0 = time.perf_counter()
        if exe is None:
            messages = library_messages(folder, tmp_path / "calls.csv", tmp_path / "calls",
                                        tmp_path)
            return _scored(gold, calls, messages, folder, time.perf_counter() - t0)
        ws = str(tmp_path / "ws")

        def callmine(*args: str) -> str:
            proc = subprocess.run([exe, "--workspace", ws, *args], capture_output=True,
                                  text=True, env=env, timeout=1800)
            if proc.returncode not in (0, 3):
                raise SystemExit(f"callmine {' '.join(args[:2])} exited {proc.returncode}: "
                                 f"{proc.stderr.strip()[-2000:]}")
            return proc.stdout

        callmine("ingest", "messaging", str(folder / "messaging.yaml"))
        callmine("ingest", "calls", str(tmp_path / "calls"), "--manifest",
                 str(tmp_path / "calls.csv"))
        messages = json.loads(callmine("messages", "--format", "json"))["messages"]
        return _scored(gold, calls, messages, folder, time.perf_counter() - t0)


def _scored(gold: dict, calls: list[str], messages: list[dict], folder: Path,
            seconds: float) -> tuple[dict, list[dict], list[dict]]:
    summary, rows = figures(gold, calls, messages)
    summary["seconds"] = round(seconds, 1)
    return summary, rows, errors(gold, calls, messages, folder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--realdata", type=Path, default=DEFAULT_REALDATA,
                        help="the realdata folder (default ../shared/realdata)")
    parser.add_argument("--split", choices=SPLITS, default="held-out")
    parser.add_argument("--callmine", default=str(REPO / ".venv" / "bin" / "callmine"))
    parser.add_argument("--library", action="store_true",
                        help="run only the talk-track matcher through the library (fast)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--errors", type=Path, help="write every miss and false use (JSONL)")
    args = parser.parse_args(argv)
    if not (args.realdata / "talk_tracks_dev" / "gold.json").is_file():
        note = f"no talk_tracks_dev in {args.realdata}: nothing to score"
        print(json.dumps({"skipped": note}) if args.json else f"note: {note}")
        return 0
    summary, rows, errs = run(args.realdata, args.split,
                              None if args.library else args.callmine)
    if args.errors:
        args.errors.write_text("".join(json.dumps(e) + "\n" for e in errs), encoding="utf-8")
    if args.json:
        print(json.dumps({"split": args.split, **summary}))
        return 0
    how = "library matcher" if args.library else "callmine CLI"
    print(f"talk_tracks_dev, {args.split} split: {summary['chats']} chats, {how} "
          f"({summary['seconds']} s)")
    print(f"{'talk track':22} {'gold calls':>10} {'calls':>6} {'gold uses':>9} {'uses':>5} "
          f"{'turn P':>6} {'turn R':>6} {'turn F1':>7} {'gold lift':>9} {'lift':>6}  verdict")
    for r in rows:
        lift = "-" if r["lift"] is None else f"{r['lift']:+.3f}"
        gold_lift = "-" if r["gold_lift"] is None else f"{r['gold_lift']:+.3f}"
        print(f"{r['track']:22} {r['gold_calls']:10d} {r['calls']:6d} {r['gold_uses']:9d} "
              f"{r['uses']:5d} {r['turn_precision']:6.2f} {r['turn_recall']:6.2f} "
              f"{r['turn_f1']:7.2f} {gold_lift:>9} {lift:>6}  {r['verdict'] or ''}")
    s = summary
    print(f"per-turn detection: P={s['turn_precision']:.2f} R={s['turn_recall']:.2f} "
          f"F1={s['turn_f1']:.3f}; per chat: P={s['chat_precision']:.2f} "
          f"R={s['chat_recall']:.2f} F1={s['chat_f1']:.3f}")
    print(f"talk_tracks_dev ({args.split}): usage_MRE={s['usage_mre']:.3f} "
          f"uses_MRE={s['uses_mre']:.3f} turn_F1={s['turn_f1']:.3f} lift_rho={s['lift_rho']:.3f} "
          f"over {len(rows)} tracks (targets: usage_MRE <= 0.25, turn_F1 >= 0.70)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
