"""UI latency on a workspace (the demo one by default): page load, a warm recommendation, and
the first answer after a restart.

Starts the app in-process on a free loopback port, then times:
  * page load: HTTP GET of ``/`` and of ``/config`` (what a browser fetches before rendering);
  * the ``/recommend`` API through ``gradio_client``, after one warm-up call (models warm).

With ``--restarts N`` it instead starts ``callmine ui`` as a fresh process N times and, each
time, waits for the page to answer, connects ``gradio_client`` and times the first
``/recommend`` at once: the first answer a rep gets after a restart, with the models still
warming in the background if they are not ready yet.

Usage:
    .venv/bin/python bench/ui_latency.py [--workspace /tmp/demo-ws] [--runs 10]
    .venv/bin/python bench/ui_latency.py --restarts 5 [--code DIR]

Targets: a recommendation in < 1 s with models warm; the page loads in < 3 s (issue 6); the
first answer after a restart <= 2 s (issue 15.5).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

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
    verdict = "OK" if worst <= target else "SLOW"
    return (f"{name:<28} median {med * 1000:7.1f} ms   max {worst * 1000:7.1f} ms   "
            f"(n={len(times)}, target <= {target:.0f} s: {verdict})")


def wait_for_page(url: str, proc: subprocess.Popen, limit: float = 180.0) -> None:
    """Poll ``url`` until it answers 200 (or the process dies, or ``limit`` seconds pass)."""
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"callmine ui exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {limit:.0f} s")


def restart_runs(workspace: Path, restarts: int, code: Path) -> int:
    """Time the first answer after starting ``callmine ui`` afresh, ``restarts`` times."""
    from gradio_client import Client

    env = dict(os.environ, PYTHONPATH=str(code), HF_HUB_OFFLINE="1",
               GRADIO_ANALYTICS_ENABLED="False", ANONYMIZED_TELEMETRY="False")
    page, connect, first, second = [], [], [], []
    for i in range(restarts):
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "ui.cli", "--workspace", str(workspace),
                                 "-q", "ui", "--port", str(port)], cwd=code, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_page(url, proc)
            page.append(time.perf_counter() - start)
            t = time.perf_counter()
            client = Client(url, verbose=False)
            connect.append(time.perf_counter() - t)
            question = QUESTIONS[i % len(QUESTIONS)]
            t = time.perf_counter()
            client.predict(question, 3, False, api_name="/recommend")
            first.append(time.perf_counter() - t)
            t = time.perf_counter()
            client.predict(QUESTIONS[(i + 1) % len(QUESTIONS)], 3, False, api_name="/recommend")
            second.append(time.perf_counter() - t)
            print(f"restart {i + 1}: page up {page[-1]:.2f} s after start, client "
                  f"{connect[-1]:.2f} s, first recommend {first[-1]:.2f} s, second "
                  f"{second[-1]:.2f} s")
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    print(summary("page up after start", page, 30))
    print(summary("first recommend", first, 2))
    print(summary("second recommend", second, 1))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=Path("/tmp/demo-ws"))
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--restarts", type=int, default=0,
                        help="time the first answer after N fresh starts of callmine ui")
    parser.add_argument("--code", type=Path, default=REPO,
                        help="with --restarts: the checkout whose code runs (default: this one)")
    args = parser.parse_args(argv)

    offline_environment()
    if args.restarts:
        print(f"code {args.code.resolve()}, workspace {args.workspace}, {os.cpu_count()} CPUs, "
              f"load average {os.getloadavg()[0]:.1f}")
        return restart_runs(args.workspace, args.restarts, args.code.resolve())
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
