"""Concurrent recommend requests through the app's API, on the demo workspace.

Builds the demo workspace in bench/out/demo-workspace the first time (what ``make demo``
builds; later runs reuse it), serves the app on 127.0.0.1 on a free port with ``ui.app.serve``,
warms it up by asking each question once alone, then fires ``--requests`` recommend requests
at once (one ``gradio_client.Client`` per simulated user, released together by a barrier), for
``--rounds`` rounds. A request succeeds when it returns the answer its question gets alone.

Prints the latency of each request as its user sees it (submit to result, queueing included):
p50 / p95 / max, the success count, and the throughput of each round.

Usage:
    .venv/bin/python bench/concurrency.py [--requests 20] [--rounds 3] [--json]
        [--workspace DIR] [--concurrency-limit N]

``--concurrency-limit N`` serves the same app with ``queue(default_concurrency_limit=N)``
instead of ``serve``'s own setting, to compare limits.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.settings import Settings, offline_environment  # noqa: E402
from ui_latency import QUESTIONS, free_port  # noqa: E402  (bench/ is the script's folder)

OUT = Path(__file__).resolve().parent / "out"


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def open_workspace(folder: Path):
    """The demo workspace in ``folder``: built on first use (minutes: it transcribes the
    demo recordings), reused after (each ingest is idempotent)."""
    from ingest.store import Workspace
    from ui.demo import build_demo

    settings = Settings(workspace=folder)
    if not (folder / "callmine.db").is_file():
        say(f"building the demo workspace in {folder} (first run only) ...")
        t0 = time.perf_counter()
        ws = build_demo(settings, progress=False)
        say(f"built in {time.perf_counter() - t0:.0f} s")
        return ws, settings
    return Workspace.from_settings(settings), settings


def start_app(ws, settings: Settings, limit: int | None):
    """(app, url); ``serve``'s own queue settings unless ``limit`` is given."""
    from ui.app import build_app, serve

    port = free_port()
    if limit is None:
        return serve(ws, settings, host="127.0.0.1", port=port, block=False)
    app = build_app(ws, settings)
    app.queue(default_concurrency_limit=limit)
    _, url, _ = app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
                           quiet=True, ssr_mode=False)
    return app, url


def recommend_limit(app) -> int | None:
    """How many /recommend requests the app's queue runs at once (None: no limit)."""
    fn = next(f for f in app.fns.values() if f.api_name == "recommend")
    if fn.concurrency_limit == "default":
        return app._queue.default_concurrency_limit
    return fn.concurrency_limit


def percentile(values: list[float], q: int) -> float:
    """The q-th percentile (linear between the closest ranks)."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def fire(clients: list, questions: list[str], expected: dict) -> tuple[list[dict], float]:
    """One round: every client asks its question at the same moment; (results, wall s)."""
    barrier = threading.Barrier(len(clients) + 1)

    def ask(client, question: str) -> dict:
        barrier.wait()
        start = time.perf_counter()
        try:
            answer = client.predict(question, 3, False, api_name="/recommend")
        except Exception as exc:  # an error is a result here, not the end of the bench
            return {"ok": False, "seconds": time.perf_counter() - start,
                    "error": f"{type(exc).__name__}: {exc}"}
        seconds = time.perf_counter() - start
        right = json.dumps(answer, sort_keys=True) == expected[question]
        return {"ok": right, "seconds": seconds,
                "error": None if right else "a different answer than the question gets alone"}

    with ThreadPoolExecutor(len(clients)) as pool:
        futures = [pool.submit(ask, c, q) for c, q in zip(clients, questions)]
        barrier.wait()
        start = time.perf_counter()
        results = [f.result() for f in futures]
    return results, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=OUT / "demo-workspace",
                        help="demo workspace folder (built there when missing)")
    parser.add_argument("--requests", type=int, default=20, help="requests fired at once")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency-limit", type=int, default=None,
                        help="serve with this queue concurrency limit instead of serve()'s")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.rounds < 1:
        parser.error("--requests and --rounds must be at least 1")

    offline_environment()
    from gradio_client import Client

    ws, settings = open_workspace(args.workspace)
    stats = ws.stats()
    app, url = start_app(ws, settings, args.concurrency_limit)
    limit = recommend_limit(app)
    say(f"serving {url}: {stats['calls']} calls, {stats['assets']} assets, "
        f"{stats['chunks']} passages; /recommend runs {limit or 'any number of'} at a time")
    try:
        clients = [Client(url, verbose=False, download_files=False)
                   for _ in range(args.requests)]
        expected, alone = {}, []
        for question in QUESTIONS:  # warm-up (models, caches) and the expected answers
            clients[0].predict(question, 3, False, api_name="/recommend")
            start = time.perf_counter()
            answer = clients[0].predict(question, 3, False, api_name="/recommend")
            alone.append(time.perf_counter() - start)
            expected[question] = json.dumps(answer, sort_keys=True)
        questions = [QUESTIONS[i % len(QUESTIONS)] for i in range(args.requests)]
        results, walls = [], []
        for n in range(args.rounds):
            round_results, wall = fire(clients, questions, expected)
            results += round_results
            walls.append(wall)
            ok = sum(r["ok"] for r in round_results)
            say(f"round {n + 1}: {ok}/{len(round_results)} ok in {wall:.2f} s "
                f"({len(round_results) / wall:.1f} requests/s)")
    finally:
        with contextlib.redirect_stdout(sys.stderr):  # gradio prints "Closing server ..."
            app.close()

    latencies = [r["seconds"] for r in results]
    errors = sorted({r["error"] for r in results if r["error"]})
    report = {
        "requests": args.requests, "rounds": args.rounds, "concurrency_limit": limit,
        "ok": sum(r["ok"] for r in results), "total": len(results), "errors": errors,
        "p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 95) * 1000, 1),
        "max_ms": round(max(latencies) * 1000, 1),
        "alone_p50_ms": round(statistics.median(alone) * 1000, 1),
        "round_s": [round(w, 2) for w in walls],
        "requests_per_s": round(len(results) / sum(walls), 1),
        "workspace": {k: stats[k] for k in ("calls", "assets", "chunks")},
    }
    if args.json:
        print(json.dumps(report))
    else:
        print(f"{report['ok']}/{report['total']} requests ok "
              f"({args.rounds} rounds of {args.requests} at once; "
              f"/recommend concurrency limit {limit})")
        print(f"latency p50 {report['p50_ms']:.0f} ms   p95 {report['p95_ms']:.0f} ms   "
              f"max {report['max_ms']:.0f} ms   (one request alone: p50 "
              f"{report['alone_p50_ms']:.0f} ms)")
        print(f"throughput {report['requests_per_s']} requests/s")
        for error in errors:
            print(f"error: {error}")
    return 0 if report["ok"] == report["total"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
