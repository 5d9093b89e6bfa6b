"""Transcription speed (x realtime) and WER of the bundled Whisper models on the demo audio.

Usage:
    .venv/bin/python bench/transcribe.py                       # demo calls, tiny.en + base
    .venv/bin/python bench/transcribe.py --audio A.ogg --reference A.json [--audio ... ]
    .venv/bin/python bench/transcribe.py --models base --batches 1 4 8 --threads 2

References are JSON lists of ``{"speaker", "start", "end", "text"}`` (``demo/reference/``,
``demo/calls/reference/`` or ``tests/data/audio/stereo.json``). Every model runs sequentially
(batch 1) and batched (batch 4) in one run, after one untimed warm-up transcription, so the
ratios compare like with like on this machine.

Columns: ``x rt`` is audio seconds per wall second; ``cpu s`` is this process's CPU time (all
threads), which other work on the machine disturbs less than wall time; ``WER`` is over the
whole call (both channels, in time order); ``spk-WER`` compares each speaker's words with that
speaker's reference only, so words given to the wrong channel count as errors; ``start`` is
the mean distance (s) from each reference turn's start to the nearest start of a segment of
the same speaker.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ingest.audio import AUDIO_EXTENSIONS  # noqa: E402
from ingest.records import Transcript  # noqa: E402
from ingest.settings import Settings, offline_environment  # noqa: E402
from ingest.transcribe import Transcriber  # noqa: E402
from ingest.wer import normalise_words, word_error_rate  # noqa: E402

FIXTURES = REPO / "tests" / "data" / "audio"


@dataclass
class Row:
    model: str
    batch: int
    name: str
    audio_s: float
    wall_s: float
    cpu_s: float
    words: int
    errors: float
    speaker_errors: float
    start_error: float

    @property
    def speed(self) -> float:
        return self.audio_s / self.wall_s

    @property
    def wer(self) -> float:
        return self.errors / self.words

    @property
    def speaker_wer(self) -> float:
        return self.speaker_errors / self.words


def demo_pairs() -> list[tuple[Path, Path]]:
    """Demo calls with a reference, else the stereo test clip."""
    calls = REPO / "demo" / "calls"
    pairs = []
    for audio in sorted(calls.glob("*")) if calls.is_dir() else []:
        if audio.suffix.lower() not in AUDIO_EXTENSIONS:
            continue
        for folder in (calls / "reference", REPO / "demo" / "reference"):
            if (folder / f"{audio.stem}.json").is_file():
                pairs.append((audio, folder / f"{audio.stem}.json"))
                break
    return pairs or [(FIXTURES / "stereo.mp3", FIXTURES / "stereo.json")]


def score(transcript: Transcript, reference: list[dict]) -> tuple[int, float, float, float]:
    """(reference words, word errors, speaker-attributed word errors, mean start error)."""
    reference = sorted(reference, key=lambda r: r["start"])
    ref_text = " ".join(r["text"] for r in reference)
    words = len(normalise_words(ref_text))
    errors = word_error_rate(ref_text, transcript.text) * words
    speaker_errors = 0.0
    for speaker in {r["speaker"] for r in reference} | {s.speaker for s in transcript.segments}:
        ref = " ".join(r["text"] for r in reference if r["speaker"] == speaker)
        hyp = " ".join(s.text for s in transcript.segments if s.speaker == speaker)
        n = len(normalise_words(ref))
        speaker_errors += word_error_rate(ref, hyp) * n if n else len(normalise_words(hyp))
    gaps = []
    for r in reference:
        starts = [s.start for s in transcript.segments if s.speaker == r["speaker"]]
        gaps.append(min((abs(s - r["start"]) for s in starts), default=float("inf")))
    return words, errors, speaker_errors, sum(gaps) / len(gaps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audio", action="append", type=Path, default=[],
                        help="an audio file (repeat; pairs with --reference in order)")
    parser.add_argument("--reference", action="append", type=Path, default=[],
                        help="its reference JSON [{speaker, start, end, text}]")
    parser.add_argument("--models", nargs="+", default=["tiny.en", "base"])
    parser.add_argument("--batches", nargs="+", type=int, default=[1, 4])
    parser.add_argument("--beam", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    if len(args.audio) != len(args.reference):
        parser.error("give one --reference per --audio")
    offline_environment()
    pairs = list(zip(args.audio, args.reference)) if args.audio else demo_pairs()
    print(f"{os.cpu_count()} cores, cpu_threads={args.threads}, beam {args.beam}, int8, VAD on; "
          f"{len(pairs)} file(s): {', '.join(a.name for a, _ in pairs)}")
    rows: list[Row] = []
    for model in args.models:
        for batch in args.batches:
            settings = Settings(whisper_model=model, whisper_batch_size=batch,
                                beam_size=args.beam, cpu_threads=args.threads)
            transcriber = Transcriber(settings)
            start = time.perf_counter()
            transcriber.warm_up()
            load = time.perf_counter() - start
            transcriber.run(FIXTURES / "mono.ogg", progress=False)  # untimed warm-up
            print(f"\n{model} batch {batch} (model load {load:.1f} s)")
            print(f"  {'file':34} {'audio s':>7} {'wall s':>7} {'cpu s':>6} {'x rt':>6} "
                  f"{'WER':>6} {'spk-WER':>7} {'start':>6}")
            for audio, ref in pairs:
                start, cpu = time.perf_counter(), time.process_time()
                transcript = transcriber.run(audio, progress=False)
                wall, cpu = time.perf_counter() - start, time.process_time() - cpu
                row = Row(model, batch, audio.name, transcript.duration, wall, cpu,
                          *score(transcript, json.loads(ref.read_text())))
                rows.append(row)
                print(f"  {row.name:34} {row.audio_s:7.1f} {row.wall_s:7.1f} {row.cpu_s:6.1f} "
                      f"{row.speed:5.1f}x {row.wer:6.1%} {row.speaker_wer:7.1%} "
                      f"{row.start_error:5.2f}s")
    print("\noverall")
    print(f"  {'model':8} {'batch':>5} {'audio s':>7} {'wall s':>7} {'cpu s':>6} {'x rt':>6} "
          f"{'WER':>6} {'spk-WER':>7}")
    for model in args.models:
        for batch in args.batches:
            mine = [r for r in rows if r.model == model and r.batch == batch]
            audio_s, wall_s = sum(r.audio_s for r in mine), sum(r.wall_s for r in mine)
            cpu_s, words = sum(r.cpu_s for r in mine), sum(r.words for r in mine)
            print(f"  {model:8} {batch:>5} {audio_s:7.1f} {wall_s:7.1f} {cpu_s:6.1f} "
                  f"{audio_s / wall_s:5.1f}x "
                  f"{sum(r.errors for r in mine) / words:6.1%} "
                  f"{sum(r.speaker_errors for r in mine) / words:7.1%}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = os.getloadavg()[0]
    print(f"peak RSS {peak:.0f} MB; load average {load:.1f} on {os.cpu_count()} cores at the end "
          "(other work on the machine slows wall time; cpu s is this process's own)")


if __name__ == "__main__":
    main()
