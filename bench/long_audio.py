"""One hour of audio: transcription speed and peak memory, against a 10-minute file.

Writes stereo 16 kHz WAV files of the given lengths in bench/out/ (once; reused after) by
looping the demo recordings (demo/calls/*.mp3, *.m4a, *.ogg: one speaker per channel), then
transcribes each in a child process with the project's ``Transcriber`` (``run``, as ingest
does) and prints, per file: audio duration, wall time, x realtime, segments and the child's
peak RSS (``os.wait4``'s rusage of that child). A child that only loads the model gives the
fixed part of the memory. Memory that does not grow with the length shows as a 60 min / 10 min
peak RSS ratio near 1.

``--mono`` writes one-channel files instead (both sides summed, as a laptop or dialer records a
call) and transcribes them with speaker diarization on: each row then also gives the seconds
spent diarizing and their ratio to the transcription's own time (measured in the same run).

Usage:
    .venv/bin/python bench/long_audio.py                      # tiny.en, 10 and 60 minutes
    .venv/bin/python bench/long_audio.py --mono               # the same, mono and diarized
    .venv/bin/python bench/long_audio.py --model base --minutes 10 60 --json
    .venv/bin/python bench/long_audio.py --decode-only        # decoding alone (seconds)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ingest.audio import SAMPLING_RATE  # noqa: E402
from ingest.settings import Settings, offline_environment  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
SOURCES = sorted(p for p in (REPO / "demo" / "calls").iterdir()
                 if p.suffix in (".mp3", ".m4a", ".ogg"))


def source_audio(mono: bool = False) -> np.ndarray:
    """The demo recordings one after another: (samples, 2) int16 at 16 kHz, the stereo ones
    only; or (samples, 1) with ``mono``: every recording, stereo ones summed to one channel."""
    from ingest.audio import load_channels

    parts = []
    for path in SOURCES:
        channels = load_channels(path)
        if mono:
            parts.append(np.sum(channels, axis=0)[:, None])
        elif len(channels) == 2:
            parts.append(np.stack(channels, axis=1))
    audio = np.concatenate(parts)
    return (np.clip(audio, -1, 1) * 32767).astype("<i2")


def long_wav(minutes: float, mono: bool = False) -> Path:
    """A WAV of ``minutes`` of looped demo calls in bench/out (written once)."""
    path = OUT / f"long-{minutes:g}min{'-mono' if mono else ''}.wav"
    frames = int(minutes * 60 * SAMPLING_RATE)
    if path.is_file():
        with wave.open(str(path), "rb") as wav:
            if wav.getnframes() == frames:
                return path
    OUT.mkdir(parents=True, exist_ok=True)
    loop = source_audio(mono)
    tmp = path.with_suffix(".part")
    with wave.open(str(tmp), "wb") as wav:
        wav.setnchannels(1 if mono else 2)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLING_RATE)
        written = 0
        while written < frames:  # a loop at a time: the writer never holds the hour
            piece = loop[: frames - written]
            wav.writeframes(piece.tobytes())
            written += len(piece)
    tmp.replace(path)
    return path


def child(path: str | None, model: str, batch: int, decode_only: bool,
          mono: bool = False) -> None:
    """Transcribe (or only decode) one file; print one JSON line."""
    offline_environment()
    from ingest.transcribe import Transcriber

    settings = Settings(whisper_model=model, whisper_batch_size=batch, diarize=mono)
    if path is None:  # the fixed part: libraries and the model, no audio
        Transcriber(settings).warm_up()
        print(json.dumps({"duration": 0.0, "wall": 0.0, "segments": 0, "words": 0}))
        return
    start = time.perf_counter()
    if decode_only:
        from ingest.audio import audio_windows

        duration = 0.0
        for window in audio_windows(Path(path)):
            duration = window.start + window.seconds
        print(json.dumps({"duration": duration, "wall": time.perf_counter() - start,
                          "segments": 0, "words": 0}))
        return
    transcriber = Transcriber(settings)
    transcriber.warm_up()
    if mono:  # the speaker model too: loading it is not diarizing
        from ingest.diarize import VoiceEncoder

        VoiceEncoder.shared(settings.speaker_model)
    start = time.perf_counter()
    transcript = transcriber.run(Path(path), progress=False)
    info = transcript.diarization
    print(json.dumps({"duration": transcript.duration, "wall": time.perf_counter() - start,
                      "segments": len(transcript.segments),
                      "words": sum(len(s.words) for s in transcript.segments),
                      "last_end": transcript.segments[-1].end if transcript.segments else None,
                      "diarize_s": info.seconds if info else None,
                      "speakers": info.speakers if info else None,
                      "windows": info.windows if info else None}))


def measure(path: Path | None, args: argparse.Namespace) -> dict:
    """Run a child on ``path``; its JSON line plus its own peak RSS in MB."""
    cmd = [sys.executable, __file__, "--child", str(path) if path else "-",
           "--model", args.model, "--batch", str(args.batch)]
    if args.decode_only:
        cmd.append("--decode-only")
    if args.mono:
        cmd.append("--mono")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)  # this child's rusage alone
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"child failed on {path} (exit {proc.returncode})")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)  # Linux: kilobytes
    result["file"] = str(path) if path else None
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tiny.en", help="tiny.en (default) or base")
    parser.add_argument("--batch", type=int, default=Settings().whisper_batch_size,
                        help="whisper_batch_size (default: the settings' default)")
    parser.add_argument("--minutes", type=float, nargs="+", default=[10, 60])
    parser.add_argument("--decode-only", action="store_true",
                        help="measure decoding alone, no transcription")
    parser.add_argument("--mono", action="store_true",
                        help="one-channel files, transcribed with speaker diarization")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(None if args.child == "-" else args.child, args.model, args.batch,
              args.decode_only, args.mono)
        return 0

    files = [long_wav(m, args.mono) for m in args.minutes]
    what = "decode only" if args.decode_only else f"{args.model}, batch {args.batch}"
    if args.mono:
        what += ", mono + diarization"
    rows = [dict(measure(None, args), minutes=0.0)]
    for minutes, path in zip(args.minutes, files):
        row = measure(path, args)
        row["minutes"] = minutes
        row["x_realtime"] = round(row["duration"] / row["wall"], 1) if row["wall"] else None
        if row.get("diarize_s") is not None:  # diarizing / transcribing, in the same run
            row["diarize_ratio"] = round(row["diarize_s"] / (row["wall"] - row["diarize_s"]), 3)
        rows.append(row)
        if not args.json:
            extra = ""
            if row.get("diarize_ratio") is not None:
                extra = (f", diarization {row['diarize_s']:.1f} s = {row['diarize_ratio']:.0%} "
                         f"of the transcription time ({row['speakers']} speakers, "
                         f"{row['windows']} windows)")
            print(f"{minutes:5g} min  {what}: {row['duration']:7.1f} s of audio in "
                  f"{row['wall']:6.1f} s ({row['x_realtime']}x realtime), "
                  f"{row['segments']} segments, peak RSS {row['peak_rss_mb']:.0f} MB{extra}",
                  flush=True)
    base = rows[0]["peak_rss_mb"]
    ratio = round(rows[-1]["peak_rss_mb"] / rows[1]["peak_rss_mb"], 2) if len(rows) > 2 else None
    if args.json:
        print(json.dumps({"model": args.model, "batch": args.batch,
                          "decode_only": args.decode_only, "model_only_rss_mb": base,
                          "runs": rows[1:], "peak_rss_ratio_last_first": ratio}))
    else:
        print(f"model and libraries alone: peak RSS {base:.0f} MB")
        if ratio is not None:
            print(f"peak RSS {args.minutes[-1]:g} min / {args.minutes[0]:g} min: {ratio}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
