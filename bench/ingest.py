"""Ingest throughput on the demo data: call transcripts, content, and the content indexes.

    .venv/bin/python bench/ingest.py [--copies 4] [--json]

Builds a batch in a temporary folder from ``--copies`` renamed copies of the demo call
transcripts (``demo/calls/*.vtt|srt|json|txt``; no audio, so no transcription) and of the demo
content (``demo/content``), each copy with its own file names and ids in rewritten
``calls.csv`` / ``content.csv`` manifests, and bytes that differ from the other copies' (a
trailing newline, a PDF comment, a zip comment) so that ingest's duplicate check stores every
copy instead of skipping it. The batch goes through the real pipeline into a temporary
workspace, as ``ui/demo.py`` builds the demo, and each stage is timed on its own:

* calls: ``CallIngestor.run`` (parse, turns, store): files/s and turns/s;
* content: ``ContentIngestor.run`` (parse, passages, embedding, Chroma): files/s, passages/s;
* indexes: ``rag.index_content`` (FTS5 index and passage sentence vectors): seconds.

The embedding model is loaded before the clock starts (a once-per-process cost, reported
apart). Peak RSS is this process's (``resource.getrusage``).
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import resource
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ingest.settings import Settings, offline_environment  # noqa: E402

DEMO = REPO / "demo"


def _vary(path: Path, copy: int) -> None:
    """Make the bytes of copy ``copy`` (> 0) of a file differ from the original's, keeping it
    a valid file of its type: ingest skips a file whose bytes it has already stored."""
    if copy == 0:
        return
    suffix = path.suffix.lower()
    if suffix in (".docx", ".pptx"):
        with zipfile.ZipFile(path, "a") as package:
            package.comment = f"callmine bench copy {copy}".encode()
    elif suffix == ".pdf":
        with path.open("ab") as fh:
            fh.write(f"\n%callmine bench copy {copy}\n".encode())
    else:  # text formats: trailing blank lines are ignored by every reader
        with path.open("a", encoding="utf-8") as fh:
            fh.write("\n" * copy)


def make_batch(source: Path, dest: Path, id_column: str, extensions: tuple[str, ...],
               copies: int) -> tuple[Path, int]:
    """Copy the manifest rows of ``source/*.csv`` whose files have one of ``extensions``
    ``copies`` times into ``dest``, renamed ``<stem>--c<k><suffix>`` with id ``<id>--c<k>``.
    Returns (the new manifest, the number of files written)."""
    manifest = next(source.glob("*.csv"))
    with manifest.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        columns, rows = reader.fieldnames, list(reader)
    rows = [r for r in rows if Path(r["file"]).suffix.lower() in extensions
            and (source / r["file"]).is_file()]
    dest.mkdir(parents=True)
    out_rows = []
    for k in range(copies):
        for row in rows:
            name = Path(row["file"])
            target = dest / f"{name.stem}--c{k}{name.suffix}"
            shutil.copyfile(source / name, target)
            _vary(target, k)
            out_rows.append({**row, "file": target.name,
                             id_column: f"{row[id_column] or name.stem}--c{k}"})
    out = dest / manifest.name
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(out_rows)
    return out, len(out_rows)


def _rate(n: int, seconds: float) -> float:
    return round(n / seconds, 1) if seconds else 0.0


def run(copies: int) -> dict:
    """Ingest ``copies`` copies of the demo transcripts and content; the figures as a dict."""
    from ingest.content import CONTENT_EXTENSIONS
    from ingest.pipeline import CallIngestor, ContentIngestor, ingest_messaging
    from ingest.store import Workspace
    from ingest.transcripts import TRANSCRIPT_EXTENSIONS
    from rag import index_content

    with tempfile.TemporaryDirectory(prefix="callmine-bench-ingest-") as tmp:
        tmp = Path(tmp)
        calls_csv, n_call_files = make_batch(DEMO / "calls", tmp / "calls", "call_id",
                                             TRANSCRIPT_EXTENSIONS, copies)
        content_csv, n_content_files = make_batch(DEMO / "content", tmp / "content", "asset_id",
                                                  CONTENT_EXTENSIONS, copies)
        settings = Settings(workspace=tmp / "ws")
        ws = Workspace.from_settings(settings)
        t = time.perf_counter()
        ws.embedder.warm_up(bulk=True)
        load_s = time.perf_counter() - t
        ingest_messaging(ws, DEMO / "messaging.yaml")

        t = time.perf_counter()
        calls = CallIngestor(ws, settings).run([tmp / "calls"], calls_csv)
        calls_s = time.perf_counter() - t
        t = time.perf_counter()
        content = ContentIngestor(ws).run([tmp / "content"], content_csv)
        content_s = time.perf_counter() - t
        t = time.perf_counter()
        index_content(ws)
        index_s = time.perf_counter() - t

        stats = ws.stats()
        ws.close()
    failed = [r.message for r in (*calls.failed, *content.failed)]
    return {
        "copies": copies,
        "model_load_s": round(load_s, 2),
        "calls": {"files": n_call_files, "stored": stats["calls"],
                  "turns": stats["turns"], "seconds": round(calls_s, 2),
                  "files_per_s": _rate(n_call_files, calls_s),
                  "turns_per_s": _rate(stats["turns"], calls_s)},
        "content": {"files": n_content_files, "stored": stats["assets"],
                    "passages": stats["chunks"], "seconds": round(content_s, 2),
                    "files_per_s": _rate(n_content_files, content_s),
                    "passages_per_s": _rate(stats["chunks"], content_s)},
        "index_content_s": round(index_s, 2),
        "failed": failed,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=4,
                        help="renamed copies of the demo transcripts and content to ingest")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.copies < 1:
        parser.error(f"--copies must be at least 1, got {args.copies}")
    offline_environment()
    logging.basicConfig(level=logging.WARNING)

    r = run(args.copies)
    if args.json:
        print(json.dumps(r))
        return 1 if r["failed"] else 0
    c, d = r["calls"], r["content"]
    print(f"{args.copies} copies of the demo transcripts and content; embedding model load "
          f"{r['model_load_s']} s (not timed below)")
    print(f"calls:   {c['files']} transcript files, {c['turns']} turns in {c['seconds']} s: "
          f"{c['files_per_s']} files/s, {c['turns_per_s']} turns/s")
    print(f"content: {d['files']} files, {d['passages']} passages in {d['seconds']} s: "
          f"{d['files_per_s']} files/s, {d['passages_per_s']} passages/s (embedding included)")
    print(f"index_content (FTS5 + passage sentence vectors): {r['index_content_s']} s")
    print(f"peak RSS {r['peak_rss_mb']} MB")
    for message in r["failed"]:
        print(f"failed: {message}")
    return 1 if r["failed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
