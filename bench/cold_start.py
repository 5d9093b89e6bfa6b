"""Cold-start latency of the command line: ``callmine recommend`` and ``callmine ask``, timed as
whole processes (interpreter start, imports, model load, the answer, exit).

Each run is a fresh ``python`` process on the workspace (the demo one by default), one of a few
demo questions each time. For each command it prints every run's wall and CPU seconds, then
the median and the max against the target, and which heavy libraries the process imported.

Usage:
    .venv/bin/python bench/cold_start.py [--workspace /tmp/demo-ws] [--runs 5]
        [--commands recommend,ask] [--encoder auto|sentence-transformers] [--code DIR]

``--encoder sentence-transformers`` embeds queries with sentence-transformers (torch) instead of
the NumPy encoder, the path every query took before; ``--code DIR`` times the code of another
checkout on the same workspace (e.g. ``git worktree add /tmp/before HEAD~1``), so before and
after are measured on the same machine, back to back.

Target (issue 15.5): median and max <= 3 s wall on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET = 3.0
QUESTIONS = [
    "How long does implementation take? We can't have a six month project.",
    "Your price is a lot higher than what Paystream quoted us.",
    "Does it sync with NetSuite both ways?",
    "Our security team will ask about SOC 2.",
    "Is our data stored in the EU?",
]
HEAVY = ("torch", "sentence_transformers", "transformers", "gradio", "langchain",
         "langchain_core", "langchain_chroma", "sklearn", "pandas", "chromadb", "scipy")
"""Top-level modules reported when the process imported them (chromadb is expected)."""

BOOT = """
import atexit, sys
if {force_st!r}:
    import ingest.embed as _embed
    _embed.QUERY_TOKENS = 0
def _report():
    heavy = [m for m in {heavy!r} if m in sys.modules]
    sys.stderr.write("HEAVY:" + ",".join(heavy) + "\\n")
atexit.register(_report)
from ui.cli import main
sys.exit(main(sys.argv[1:]))
"""


def run_once(code: Path, argv: list[str], force_st: bool) -> tuple[float, float, list[str], int]:
    """(wall s, CPU s, heavy modules imported, exit code) of one fresh process."""
    env = dict(os.environ, PYTHONPATH=str(code), HF_HUB_OFFLINE="1",
               GRADIO_ANALYTICS_ENABLED="False", ANONYMIZED_TELEMETRY="False",
               TOKENIZERS_PARALLELISM="false")
    boot = BOOT.format(force_st=force_st, heavy=HEAVY)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", boot, *argv], cwd=code, env=env,
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    heavy = []
    for line in proc.stderr.splitlines():
        if line.startswith("HEAVY:"):
            heavy = [m for m in line[6:].split(",") if m]
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-2000:])
    return wall, cpu, heavy, proc.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=Path("/tmp/demo-ws"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--commands", default="recommend,ask")
    parser.add_argument("--encoder", choices=("auto", "sentence-transformers"), default="auto")
    parser.add_argument("--code", type=Path, default=REPO,
                        help="the checkout whose code runs (default: this one)")
    args = parser.parse_args(argv)
    if not (args.workspace / "callmine.db").is_file():
        print(f"No workspace at {args.workspace}: build one with "
              f"callmine --workspace {args.workspace} demo --build-only", file=sys.stderr)
        return 2
    code = args.code.resolve()
    print(f"code {code}, encoder {args.encoder}, workspace {args.workspace}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    failed = False
    for command in args.commands.split(","):
        walls, cpus = [], []
        heavy: set[str] = set()
        for i in range(args.runs):
            argv_ = ["--workspace", str(args.workspace), "--format", "json", "-q", command,
                     QUESTIONS[i % len(QUESTIONS)]]
            wall, cpu, mods, rc = run_once(code, argv_, args.encoder == "sentence-transformers")
            failed |= rc != 0
            walls.append(wall)
            cpus.append(cpu)
            heavy.update(mods)
        med, worst = statistics.median(walls), max(walls)
        verdict = "OK" if worst <= TARGET else "SLOW"
        print(f"{command:<10} wall " + " ".join(f"{w:.2f}" for w in walls) + " s; cpu "
              + " ".join(f"{c:.2f}" for c in cpus) + " s")
        print(f"{command:<10} median {med:.2f} s  max {worst:.2f} s  median cpu "
              f"{statistics.median(cpus):.2f} s  (n={len(walls)}, target <= {TARGET:.0f} s: "
              f"{verdict}); imported: {', '.join(sorted(heavy)) or 'none of ' + '/'.join(HEAVY)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
