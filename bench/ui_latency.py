"""UI latency on a workspace (the demo one by default): page load and a warm recommendation.

Starts the app in-process on a free loopback port, then times:
  * page load: HTTP GET of ``/`` and of ``/config`` (what a browser fetches before rendering);
  * the ``/recommend`` API through ``gradio_client``, after one warm-up call (models warm).

Usage:
    .venv/bin/python bench/ui_latency.py [--workspace /tmp/demo-ws] [--runs 10]

Targets (issue 6): a recommendation in < 1 s with models warm; the page loads in < 3 s.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.settings import Settings, offline_environment  # noqa: E402

QUESTIONS = [
    "How long does implementation take? We can't have a six month project.",
    "Your price is a lot higher than what Paystream quoted us.",
    "Does it sync with NetSuite both ways?",
    "Our security team will ask about SOC 2.",
    "What happens if a vendor changes their bank details?",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed_get(url: str) -> tuple[float, int]:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as resp:
        size = len(resp.read())
    return time.perf_counter() - start, size


def summary(name: str, times: list[float], target: float) -> str:
    med = statistics.median(times)
    worst = max(times)
    verdict = "OK" if worst < target else "SLOW"
    return (f"{name:<28} median {med * 1000:7.1f} ms   max {worst * 1000:7.1f} ms   "
            f"(n={len(times)}, target < {target:.0f} s: {verdict})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=Path("/tmp/demo-ws"))
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)

    offline_environment()
    from gradio_client import Client

    from ingest.store import Workspace
    from ui.app import serve

    settings = Settings(workspace=args.workspace)
    t0 = time.perf_counter()
    ws = Workspace.from_settings(settings)
    app, url = serve(ws, settings, port=free_port(), block=False)
    print(f"app started in {time.perf_counter() - t0:.2f} s at {url} "
          f"({ws.stats()['calls']} calls, {ws.stats()['assets']} assets)")
    try:
        page, config = [], []
        for _ in range(args.runs):
            page.append(timed_get(url)[0])
            config.append(timed_get(url.rstrip("/") + "/config")[0])
        load = [p + c for p, c in zip(page, config)]
        client = Client(url, verbose=False)
        start = time.perf_counter()
        client.predict(QUESTIONS[0], 3, False, api_name="/recommend")
        cold = time.perf_counter() - start
        for question in QUESTIONS:  # each question once, untimed: models and caches warm
            client.predict(question, 3, False, api_name="/recommend")
        warm = []
        for i in range(args.runs):
            start = time.perf_counter()
            client.predict(QUESTIONS[i % len(QUESTIONS)], 3, False, api_name="/recommend")
            warm.append(time.perf_counter() - start)
        print("recommend (warm), each call: "
              + " ".join(f"{t * 1000:.0f}" for t in warm) + " ms")
        print(summary("GET /", page, 3))
        print(summary("GET /config", config, 3))
        print(summary("page load (/ + /config)", load, 3))
        print(f"{'recommend, first call':<28} {cold * 1000:7.1f} ms")
        print(summary("recommend (warm)", warm, 1))
    finally:
        app.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
