"""Transcribing many calls at once: local worker processes, or a Dask cluster.

Transcription is the only heavy step of ingest, and it is a pure function of a file and the
settings, so it runs in workers while the parent process alone writes the workspace (SQLite
has one writer). Locally that is a process pool; across machines it is the same function
submitted to an existing Dask cluster (``CALLMINE_DASK_SCHEDULER=tcp://host:8786``). callmine
has no scheduler of its own.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from ingest.records import Transcript
from ingest.settings import Settings

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=2)
def _transcriber(settings_json: str):
    """One loaded model per worker process and settings (workers are reused across files)."""
    from ingest.transcribe import Transcriber

    transcriber = Transcriber(Settings.model_validate_json(settings_json))
    transcriber.warm_up()
    return transcriber


def transcribe_file(path: str, settings_json: str) -> Transcript:
    """Transcribe one file in a worker; settings travel as JSON so any engine can ship them."""
    from ingest.settings import offline_environment

    offline_environment()
    return _transcriber(settings_json).run(Path(path), progress=False)


class TranscriptionPool:
    """Runs :func:`transcribe_file` on many files in parallel.

    Args:
        settings: Speech settings; each worker gets ``cpu_threads // workers`` threads.
        workers: Local worker processes (ignored when a Dask scheduler is given).
        dask_scheduler: Address of a running Dask scheduler, or ``"local"`` for a
            ``LocalCluster`` on this machine.

    Example:
        >>> calls = [Path("demo/calls/larkspur-property-negotiation.m4a"),
        ...          Path("demo/calls/basalt-creek-energy-demo.mp3")]
        >>> with TranscriptionPool(settings, workers=2) as pool:
        ...     futures = pool.submit_all(calls)
        ...     [(path.name, round(futures[path].result().duration)) for path in calls]
        [('larkspur-property-negotiation.m4a', 80), ('basalt-creek-energy-demo.mp3', 78)]
    """

    def __init__(self, settings: Settings, workers: int = 1,
                 dask_scheduler: str | None = None) -> None:
        self.workers = max(1, workers)
        self.dask_scheduler = dask_scheduler
        threads = max(1, settings.cpu_threads // (1 if dask_scheduler else self.workers))
        self.settings_json = settings.model_copy(update={"cpu_threads": threads}).model_dump_json()
        self._executor = None
        self._client = None
        self._cluster = None

    def __enter__(self) -> TranscriptionPool:
        if self.dask_scheduler:
            try:
                from dask.distributed import Client, LocalCluster
            except ImportError as exc:
                from ingest.errors import InputError

                raise InputError("A Dask scheduler is configured but dask[distributed] is not "
                                 "installed: pip install 'dask[distributed]'.") from exc
            if self.dask_scheduler == "local":
                self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                             processes=True, dashboard_address=None)
                self._client = Client(self._cluster)
            else:
                self._client = Client(self.dask_scheduler)
        else:
            self._executor = ProcessPoolExecutor(self.workers, mp_context=get_context("spawn"))
        return self

    def __exit__(self, *exc) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def submit_all(self, paths: Iterable[Path]) -> dict[Path, Future]:
        """Start every file; returns a future per path (``.result()`` -> Transcript)."""
        paths = list(paths)
        if self._client is not None:
            futures = self._client.map(transcribe_file, [str(p) for p in paths],
                                       settings_json=self.settings_json, pure=False)
            return dict(zip(paths, futures))
        return {p: self._executor.submit(transcribe_file, str(p), self.settings_json)
                for p in paths}
