"""Run every benchmark in ``bench/`` and print one summary table (Markdown).

    .venv/bin/python bench/run_all.py [--quick] [--only NAME ...]      # or: make bench

Each script runs as its own process, one after another (so they do not slow each other down),
with ``--json`` where it has one; the others' printed figures are read from their text output.
A progress line per script goes to stderr; the table goes to stdout, headed by the machine it
was measured on, and is written with every script's raw figures to ``bench/out/summary.md`` and
``bench/out/summary.json``. A script that fails shows as ``failed (exit N)`` with the tail of
its stderr on stderr, and the rest still run; the exit code is 1 when any failed.

Peak RSS per script is the largest resident set of its process tree (``os.wait4``'s rusage:
the script or the largest of the child processes it waited for).

Rough durations on 2 shared cores, [--quick] in brackets: realdata (the scorers of the real
third-party sets; needs ../shared/realdata) 15 min with the content scorer [5 without it],
transcribe 5 min [2], eval_objections
0.5 min, insights 1.5 min [0.5], eval_retrieval 1 min (more the first time: it ingests its
corpora), retrieval tens of minutes the first time (building the 10k and 100k corpora, cached in
bench/out/retrieval-*) then about 10 [3], eval_consistency 2 min, ingest 4 min [1], concurrency
1 min (plus minutes the first time: it builds the demo workspace, transcribing the demo
recordings), long_audio 10 min [2], long_audio_mono 8 min [2], diarize 4 min [2], ui_latency
0.5 min.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ingest.settings import offline_environment  # noqa: E402

OUT = REPO / "bench" / "out"
DEMO_WORKSPACE = OUT / "demo-workspace"
def _store_ef() -> int:
    """``hnsw:search_ef`` of new workspace collections: the HNSW recall the product gets.

    Read from the source, not imported: importing the store (chromadb) would grow this
    process, and a child's peak RSS on Linux starts from its parent's at fork."""
    source = (Path(__file__).resolve().parents[1] / "ingest" / "store.py").read_text()
    return int(re.search(r'"hnsw:search_ef":\s*(\d+)', source).group(1))


STORE_EF = _store_ef()

Row = tuple[str, str, str, str]
"""(area, figure, value, target) of one table line."""


# -- reading each script's figures ------------------------------------------------------------


def json_output(stdout: str) -> dict:
    """The JSON object a script printed (the whole output, or the first object in it when
    the script also prints lines of text around it)."""
    text = stdout.strip()
    try:
        return json.loads(text)
    except ValueError:
        pass
    decoder = json.JSONDecoder()
    for match in re.finditer(r"^\{", text, re.MULTILINE):
        try:
            value, _ = decoder.raw_decode(text, match.start())
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    raise ValueError("no JSON object in the output")


def _search(pattern: str, text: str) -> re.Match:
    match = re.search(pattern, text, re.MULTILINE)
    if match is None:
        raise ValueError(f"no line matching {pattern!r} in the output")
    return match


def transcribe_text(stdout: str) -> dict:
    """The 'overall' rows of bench/transcribe.py: per model and batch, x realtime and WER."""
    overall = stdout.split("\noverall", 1)
    if len(overall) < 2:
        raise ValueError("no 'overall' section in the output")
    runs = []
    for m in re.finditer(r"^\s+(\S+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)x\s+"
                         r"([\d.]+)%\s+([\d.]+)%", overall[1], re.MULTILINE):
        runs.append({"model": m[1], "batch": int(m[2]), "audio_s": float(m[3]),
                     "wall_s": float(m[4]), "cpu_s": float(m[5]), "x_realtime": float(m[6]),
                     "wer": float(m[7]) / 100, "speaker_wer": float(m[8]) / 100})
    if not runs:
        raise ValueError("no rows in the 'overall' section")
    return {"runs": runs, "peak_rss_mb": float(_search(r"^peak RSS ([\d.]+) MB", stdout)[1])}


def insights_text(stdout: str) -> dict:
    head = _search(r"; (\d+) calls x (\d+) turns", stdout)
    return {"calls": int(head[1]), "turns": int(head[2]),
            "wall_s": float(_search(r"^analysis wall time:\s+([\d.]+) s", stdout)[1]),
            "calls_per_s": float(_search(r"^calls/s:\s+([\d.]+)", stdout)[1]),
            "peak_rss_mb": float(_search(r"^peak RSS:\s+([\d.]+) MB", stdout)[1])}


def consistency_text(stdout: str) -> dict:
    m = _search(r"^overall\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s*$", stdout)
    number = lambda s: float(s) if s != "-" else None  # noqa: E731
    return {"labels": int(m[1]), "found": int(m[2]), "recall": number(m[3]),
            "precision": number(m[4])}


def ui_latency_text(stdout: str) -> dict:
    def line(name: str) -> dict:
        m = _search(rf"^{re.escape(name)}\s+median\s+([\d.]+) ms\s+max\s+([\d.]+) ms", stdout)
        return {"median_ms": float(m[1]), "max_ms": float(m[2])}

    return {"page_load": line("page load (/ + /config)"),
            "recommend_warm": line("recommend (warm)"),
            "recommend_first_ms": float(_search(r"^recommend, first call\s+([\d.]+) ms",
                                                stdout)[1])}


# -- table rows of each script ----------------------------------------------------------------


def _pair(a: float, b: float, fmt: str = "{:.3f}") -> str:
    return f"{fmt.format(a)} / {fmt.format(b)}"


def _size(n: int | str) -> str:
    n = int(n)
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def transcribe_rows(d: dict) -> list[Row]:
    rows = []
    for model in dict.fromkeys(r["model"] for r in d["runs"]):
        runs = sorted((r for r in d["runs"] if r["model"] == model), key=lambda r: r["batch"])
        batches = " / ".join(str(r["batch"]) for r in runs)
        rows.append(("transcription", f"{model} x realtime (batch {batches})",
                     " / ".join(f"{r['x_realtime']:.1f}x" for r in runs), "—"))
        rows.append(("transcription", f"{model} WER, demo calls (batch {batches})",
                     " / ".join(f"{r['wer']:.1%}" for r in runs), "—"))
    return rows


def objections_rows(d: dict) -> list[Row]:
    raw, shipped = d["sentence_head"], d["shipped"]
    return [("objections (self-written)", "held-out detection F1 (sentence head / as shipped)",
             _pair(raw["detection"]["f1"], shipped["detection"]["f1"]), "≥ 0.85"),
            ("objections (self-written)", "held-out category accuracy (sentence head / shipped)",
             _pair(raw["category_accuracy"], shipped["category_accuracy"]), "≥ 0.80")]


def realdata_rows(d: dict) -> list[Row]:
    """Figures on real third-party text (bench/realdata.py): held-out chats for objections."""
    if "skipped" in d:
        return [("real data", "status", d["skipped"], "—")]
    rows: list[Row] = []
    targets = {"craigslistbargain": "≥ 0.85", "persuasionforgood": "≥ 0.75"}
    for name, r in d.get("objections", {}).items():
        h = r["held_out"]
        rows += [(f"objections, real chats ({name})",
                  f"held-out F1 (P / R), {h['calls']} chats",
                  f"{h['f1']:.3f} ({h['precision']:.2f} / {h['recall']:.2f})", targets[name]),
                 (f"objections, real chats ({name})",
                  "held-out category accuracy / macro per-category recall",
                  f"{h['category_accuracy'] or 0:.3f} / {h['macro_category_recall'] or 0:.3f}",
                  "≥ 0.80 / ≥ 0.65")]
    for part in ("talk_tracks", "themes", "consistency", "content"):
        r = d.get(part)
        if not isinstance(r, dict):
            continue
        if "error" in r:
            rows.append((f"{part}, real data", "status", r["error"][:120], "—"))
            continue
        figures = r.get("held_out") or r.get("all") or r.get("figures") or {}
        for key, value in figures.items():
            if isinstance(value, int | float):
                rows.append((f"{part}, real data", key, f"{value:.3f}"
                             if isinstance(value, float) else str(value), "—"))
    return rows


def insights_rows(d: dict) -> list[Row]:
    return [("insights", f"calls/s ({d['calls']:,} calls x {d['turns']} turns)",
             f"{d['calls_per_s']:.1f}", "≥ 8.3"),
            ("insights", f"analysis wall time, {d['calls']:,} calls", f"{d['wall_s']:.1f} s",
             "≤ 120 s for 1,000" if d["calls"] != 1000 else "≤ 120 s"),
            ("insights", "peak RSS (reported)", f"{d['peak_rss_mb']:.0f} MB", "≤ 2048 MB")]


def eval_retrieval_rows(d: dict) -> list[Row]:
    held = d["splits"]["held_out"]["all"]
    n = d["sizes"]["held_out"]["queries"]
    return [("retrieval quality", f"held-out hit@1 / hit@3 ({n} queries)",
             _pair(held["hit1"], held["hit3"]), "hit@3 ≥ 0.90"),
            ("retrieval quality", "held-out covered accuracy",
             f"{held['covered_accuracy']:.3f}", "≥ 0.85")]


def retrieval_rows(d: dict) -> list[Row]:
    rows = []
    sizes = sorted(d, key=int)
    for size in sizes:
        r = d[size]
        rows.append(("retrieval at scale",
                     f"recommend p50 / p95, {_size(size)} passages (first asking)",
                     _pair(r["recommend_cold_p50"], r["recommend_cold_p95"], "{:.0f}") + " ms",
                     "p95 ≤ 150 ms at 100k"))
        rows.append(("retrieval at scale", f"recommend p50 / p95, {_size(size)} (asked again)",
                     _pair(r["recommend_warm_p50"], r["recommend_warm_p95"], "{:.0f}") + " ms",
                     "—"))
    recall = []
    for size in sizes:
        by_ef = {int(ef): s["recall"] for ef, s in d[size]["recall"].items()}
        ef = STORE_EF if STORE_EF in by_ef else min(by_ef, key=lambda e: abs(e - STORE_EF))
        recall.append(f"{by_ef[ef]:.3f}" + ("" if ef == STORE_EF else f" (ef {ef})"))
    names = " / ".join(_size(s) for s in sizes)
    rows.append(("retrieval at scale", f"HNSW recall@10, ef {STORE_EF} ({names})",
                 " / ".join(recall), "≥ 0.95"))
    rows.append(("retrieval at scale", f"peak RSS ({names})",
                 " / ".join(f"{d[s]['peak_rss_mb']} MB" for s in sizes), "—"))
    return rows


def consistency_rows(d: dict) -> list[Row]:
    fmt = lambda v: "—" if v is None else f"{v:.3f}"  # noqa: E731
    return [("consistency", f"recall / precision ({d['labels']} labels)",
             f"{fmt(d['recall'])} / {fmt(d['precision'])}", "—")]


def ingest_rows(d: dict) -> list[Row]:
    c, t = d["calls"], d["content"]
    return [("ingest", f"call transcripts: files/s, turns/s ({c['files']} files, no ASR)",
             f"{c['files_per_s']:.0f}, {c['turns_per_s']:.0f}", "—"),
            ("ingest", f"content: files/s, passages/s ({t['files']} files, embedding included)",
             f"{t['files_per_s']:.2f}, {t['passages_per_s']:.1f}", "—"),
            ("ingest", f"index_content ({t['passages']} passages)",
             f"{d['index_content_s']:.1f} s", "—")]


def concurrency_rows(d: dict) -> list[Row]:
    return [("concurrency", f"recommend p50 / p95, {d['requests']} requests at once",
             _pair(d["p50_ms"], d["p95_ms"], "{:.0f}") + " ms", "—"),
            ("concurrency", f"answers right ({d['rounds']} rounds), requests/s",
             f"{d['ok']}/{d['total']}, {d['requests_per_s']}", f"{d['total']}/{d['total']}")]


def long_audio_rows(d: dict) -> list[Row]:
    rows = []
    for run in d["runs"]:
        rows.append(("long audio", f"{run['minutes']:g} min, {d['model']}: x realtime, peak RSS",
                     f"{run['x_realtime']}x, {run['peak_rss_mb']:.0f} MB", "—"))
    if d.get("peak_rss_ratio_last_first") is not None:
        first, last = d["runs"][0]["minutes"], d["runs"][-1]["minutes"]
        rows.append(("long audio", f"peak RSS {last:g} min / {first:g} min",
                     f"{d['peak_rss_ratio_last_first']}", "≈ 1"))
    return rows


def diarize_rows(d: dict) -> list[Row]:
    rows = []
    for r in d["overall"]:
        target = "≤ 10%" if r["synthetic"] else "—"
        rows.append(("diarization", f"{r['name']}: DER / word speaker accuracy "
                     f"({d['model']}, 0.25 s collar)",
                     f"{r['der']:.1%} / {r['word_accuracy']:.1%}", target))
    return rows


def long_audio_mono_rows(d: dict) -> list[Row]:
    rows = [(area.replace("long audio", "long audio, mono"), figure, value, target)
            for area, figure, value, target in long_audio_rows(d)]
    for run in d["runs"]:
        if run.get("diarize_ratio") is not None:
            rows.append(("long audio, mono", f"{run['minutes']:g} min: diarization time / "
                         "transcription time (same run)", f"{run['diarize_ratio']:.0%}",
                         "≤ 30%"))
    return rows


def ui_latency_rows(d: dict) -> list[Row]:
    page, warm = d["page_load"], d["recommend_warm"]
    return [("app", "page load median / max", _pair(page["median_ms"], page["max_ms"], "{:.0f}")
             + " ms", "< 3 s"),
            ("app", "recommend (warm) median / max",
             _pair(warm["median_ms"], warm["max_ms"], "{:.0f}") + " ms", "< 1 s")]


# -- the scripts ------------------------------------------------------------------------------


@dataclass
class Bench:
    name: str
    args: list[str]
    quick: list[str]
    rows: Callable[[dict], list[Row]]
    parse: Callable[[str], dict] = json_output
    """Reads the figures from stdout (``json_output`` for a script run with ``--json``)."""
    json_flag: bool = True
    file: str | None = None
    """The script's name when it differs from ``name`` (one script run two ways)."""

    @property
    def script(self) -> Path:
        return REPO / "bench" / f"{self.file or self.name}.py"

    def command(self, quick: bool) -> list[str]:
        return [sys.executable, str(self.script), *(self.quick if quick else self.args),
                *(["--json"] if self.json_flag else [])]


BENCHES = [
    Bench("transcribe", [], ["--batches", "4"], transcribe_rows, transcribe_text, False),
    Bench("realdata", ["--content"], [], realdata_rows),
    Bench("eval_objections", [], [], objections_rows),
    Bench("insights", [], ["--calls", "200"], insights_rows, insights_text, False),
    Bench("insights_unique", ["--unique"], ["--calls", "200", "--unique"],
          lambda d: [(area, f"{figure}, every sentence distinct", value, target)
                     for area, figure, value, target in insights_rows(d)],
          insights_text, False, "insights"),
    Bench("eval_retrieval", ["--split", "held_out"], ["--split", "held_out"],
          eval_retrieval_rows),
    Bench("retrieval", [], ["--sizes", "1000", "10000", "--queries", "60", "--ef",
                            str(STORE_EF)], retrieval_rows),
    Bench("eval_consistency", [], [], consistency_rows, consistency_text, False),
    Bench("ingest", [], ["--copies", "1"], ingest_rows),
    Bench("concurrency", ["--workspace", str(DEMO_WORKSPACE)],
          ["--workspace", str(DEMO_WORKSPACE), "--rounds", "1"], concurrency_rows),
    Bench("long_audio", [], ["--minutes", "2", "10"], long_audio_rows),
    Bench("long_audio_mono", ["--mono"], ["--mono", "--minutes", "2", "10"],
          long_audio_mono_rows, file="long_audio"),
    Bench("diarize", ["tests/data/diarize/heldout", "tests/data/diarize/heldout-real"], [],
          diarize_rows),
    Bench("ui_latency", ["--workspace", str(DEMO_WORKSPACE)],
          ["--workspace", str(DEMO_WORKSPACE), "--runs", "5"], ui_latency_rows,
          ui_latency_text, False),
]


@dataclass
class Result:
    name: str
    command: list[str]
    exit_code: int = 0
    wall_s: float = 0.0
    peak_rss_mb: float = 0.0
    figures: dict | None = None
    error: str | None = None
    """Why the figures could not be read from the output."""
    stdout: str = field(default="", repr=False)
    stderr: str = field(default="", repr=False)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run_process(command: list[str]) -> tuple[int, str, str, float]:
    """(exit code, stdout, stderr, peak RSS MB of the process tree) of one command."""
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, errors="replace")
    chunks: dict[str, list[str]] = {"out": [], "err": []}
    readers = [threading.Thread(target=lambda s=stream, k=key: chunks[k].append(s.read()))
               for stream, key in ((proc.stdout, "out"), (proc.stderr, "err"))]
    for reader in readers:
        reader.start()
    _, status, usage = os.wait4(proc.pid, 0)  # this child's rusage, with its reaped children
    proc.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join()
    return proc.returncode, "".join(chunks["out"]), "".join(chunks["err"]), \
        usage.ru_maxrss / 1024  # Linux: kilobytes


def prepare(bench: Bench) -> str | None:
    """Build what a script needs and would otherwise get wrong; an error message or None.

    ui_latency serves the workspace it is given as it is (an empty one when it is missing, which
    concurrency would then reuse as it finds it): the demo one is built first."""
    if bench.name != "ui_latency" or (DEMO_WORKSPACE / "callmine.db").is_file():
        return None
    say(f"  building the demo workspace in {DEMO_WORKSPACE} first (transcribes the demo "
        "recordings: minutes)")
    code, _, err, _ = run_process([str(Path(sys.executable).parent / "callmine"), "--workspace",
                                   str(DEMO_WORKSPACE), "demo", "--build-only", "--quiet"])
    return None if code == 0 else f"building the demo workspace failed (exit {code}):\n{err}"


def run_bench(bench: Bench, quick: bool) -> Result:
    command = bench.command(quick)
    result = Result(bench.name, command)
    start = time.perf_counter()
    problem = prepare(bench)
    if problem:
        result.exit_code, result.stderr = -1, problem
    else:
        result.exit_code, result.stdout, result.stderr, result.peak_rss_mb = \
            run_process(command)
    result.wall_s = time.perf_counter() - start
    try:
        result.figures = bench.parse(result.stdout)
    except ValueError as exc:
        result.error = str(exc)
    return result


# -- the report -------------------------------------------------------------------------------


def machine() -> dict:
    """Cores, memory, CPU model, Python version and date of this run."""
    info = {"cores": os.cpu_count(), "python": platform.python_version(),
            "date": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "load_average": round(os.getloadavg()[0], 1)}
    for path, key, pattern in (("/proc/cpuinfo", "cpu", r"^model name\s*:\s*(.+)$"),
                               ("/proc/meminfo", "ram_kb", r"^MemTotal:\s*(\d+) kB")):
        try:
            m = re.search(pattern, Path(path).read_text(), re.MULTILINE)
        except OSError:
            m = None
        info[key] = m[1].strip() if m else None
    info["ram_gib"] = round(int(info.pop("ram_kb")) / 2**20, 1) if info.get("ram_kb") else None
    info["cpu"] = info["cpu"] or platform.processor() or "unknown CPU"
    return info


def table(results: list[Result], benches: dict[str, Bench], info: dict, quick: bool) -> str:
    ram = f"{info['ram_gib']} GiB RAM" if info["ram_gib"] else "RAM unknown"
    lines = [f"Measured on {info['cpu']}, {info['cores']} cores, {ram}, Python {info['python']},"
             f" {info['date']} (load average {info['load_average']} at start)"
             + ("; --quick settings" if quick else ""), "",
             "| area | figure | value | target |", "|---|---|---|---|"]
    memory: list[Row] = []
    for r in results:
        rows: list[Row] = []
        if r.figures is not None:
            try:
                rows = benches[r.name].rows(r.figures)
            except (KeyError, TypeError, ValueError) as exc:
                r.error = f"figures missing from the output ({type(exc).__name__}: {exc})"
        if r.exit_code != 0:
            rows.append((r.name, "status", f"failed (exit {r.exit_code})", "exit 0"))
        elif r.error:
            rows.append((r.name, "status", f"no figures: {r.error}", "—"))
        lines += [f"| {' | '.join(row)} |" for row in rows]
        if r.peak_rss_mb:
            wall = f"{r.wall_s:.0f} s" if r.wall_s < 120 else f"{r.wall_s / 60:.0f} min"
            memory.append(("memory", f"peak RSS, {r.name} ({wall} wall)",
                           f"{r.peak_rss_mb:.0f} MB", "≤ 2048 MB" if r.name.startswith("insights")
                           else "—"))
    lines += [f"| {' | '.join(row)} |" for row in memory]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    names = [b.name for b in BENCHES]
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smaller settings for each script (minutes instead of an hour)")
    parser.add_argument("--only", nargs="+", choices=names, metavar="NAME",
                        help=f"run only these scripts: {', '.join(names)}")
    args = parser.parse_args(argv)
    offline_environment()

    benches = {b.name: b for b in BENCHES}
    selected = [b for b in BENCHES if not args.only or b.name in args.only]
    info = machine()
    results = []
    for i, bench in enumerate(selected, 1):
        shown = [str(bench.script.relative_to(REPO)), *bench.command(args.quick)[2:]]
        say(f"[{i}/{len(selected)}] {bench.name}: {' '.join(shown)}")
        r = run_bench(bench, args.quick)
        results.append(r)
        if r.exit_code == 0:
            say(f"[{i}/{len(selected)}] {bench.name}: done in {r.wall_s:.0f} s, "
                f"peak RSS {r.peak_rss_mb:.0f} MB")
        else:
            say(f"[{i}/{len(selected)}] {bench.name}: failed (exit {r.exit_code}) after "
                f"{r.wall_s:.0f} s; end of its stderr:\n{r.stderr[-3000:].rstrip()}")
        if r.error and r.exit_code == 0:
            say(f"  could not read its figures: {r.error}")

    text = table(results, benches, info, args.quick)
    print(text, end="")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "summary.md").write_text(text, encoding="utf-8")
    raw = {"machine": info, "quick": args.quick,
           "scripts": {r.name: {"command": [str(benches[r.name].script.relative_to(REPO)),
                                            *r.command[2:]],
                                "exit_code": r.exit_code, "wall_s": round(r.wall_s, 1),
                                "peak_rss_mb": round(r.peak_rss_mb), "figures": r.figures,
                                "error": r.error}
                       for r in results}}
    (OUT / "summary.json").write_text(json.dumps(raw, indent=2, default=str) + "\n",
                                      encoding="utf-8")
    say(f"wrote {OUT / 'summary.md'} and {OUT / 'summary.json'}")
    return 1 if any(r.exit_code != 0 for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
