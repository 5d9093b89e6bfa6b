"""Transcription speed (x realtime) and WER of the bundled Whisper models on the demo audio.

Usage: python bench/transcribe.py [--audio FILE --reference REF.json ...] [--models tiny.en base]

References are JSON lists of {"speaker", "start", "end", "text"} (demo/calls/reference/).
Both models run sequentially (batch 1) and batched (batch 4) in one run, so the ratios compare
like with like on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ingest.settings import Settings, offline_environment  # noqa: E402
from ingest.transcribe import Transcriber  # noqa: E402
from ingest.wer import word_error_rate  # noqa: E402

AUDIO_SUFFIXES = {".ogg", ".opus", ".mp3", ".m4a", ".flac", ".wav"}


def demo_pairs() -> list[tuple[Path, Path]]:
    calls = REPO / "demo" / "calls"
    refs = calls / "reference"
    pairs = [(p, refs / f"{p.stem}.json") for p in sorted(calls.glob("*"))
             if p.suffix.lower() in AUDIO_SUFFIXES and (refs / f"{p.stem}.json").is_file()]
    if pairs:
        return pairs
    audio = REPO / "tests" / "data" / "audio"
    return [(audio / "stereo.mp3", audio / "stereo.json")]


def reference_text(path: Path) -> str:
    return " ".join(seg["text"] for seg in sorted(json.loads(path.read_text()),
                                                   key=lambda s: s["start"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audio", nargs="*", type=Path)
    parser.add_argument("--reference", nargs="*", type=Path)
    parser.add_argument("--models", nargs="*", default=["tiny.en", "base"])
    parser.add_argument("--batches", nargs="*", type=int, default=[1, 4])
    args = parser.parse_args()
    offline_environment()
    pairs = list(zip(args.audio, args.reference)) if args.audio else demo_pairs()
    print(f"machine: {os.cpu_count()} cores; files: {', '.join(p.name for p, _ in pairs)}")
    rows = []
    for model in args.models:
        for batch in args.batches:
            settings = Settings(whisper_model=model, whisper_batch_size=batch)
            transcriber = Transcriber(settings)
            transcriber.warm_up()
            audio_s = wall_s = 0.0
            errors = words = 0.0
            for audio, ref in pairs:
                t0 = time.perf_counter()
                transcript = transcriber.run(audio, progress=False)
                wall = time.perf_counter() - t0
                reference = reference_text(ref)
                n = len(reference.split())
                wer = word_error_rate(reference, transcript.text)
                print(f"  {model:8} batch {batch}  {audio.name:28} {transcript.duration:6.1f} s audio "
                      f"{wall:6.1f} s wall  {transcript.duration / wall:5.1f}x  WER {wer:6.1%}")
                audio_s += transcript.duration
                wall_s += wall
                errors += wer * n
                words += n
            rows.append((model, batch, audio_s, wall_s, audio_s / wall_s, errors / words))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print()
    print(f"{'model':8} {'batch':>5} {'audio s':>8} {'wall s':>7} {'x realtime':>10} {'WER':>6}")
    for model, batch, audio_s, wall_s, speed, wer in rows:
        print(f"{model:8} {batch:>5} {audio_s:8.1f} {wall_s:7.1f} {speed:10.1f} {wer:6.1%}")
    print(f"peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
