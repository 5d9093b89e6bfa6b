#!/usr/bin/env python3
"""Synthesise the demo audio calls and their reference transcripts: three stereo calls (rep on
the LEFT channel 0, buyer on the RIGHT channel 1, silence on the other channel while one side
speaks) and one MONO call (both voices in one channel, as a laptop or dialer records them),
which callmine diarizes by voice.

Dev tool only: needs espeak-ng, flite and ffmpeg on PATH (Debian: apt-get install espeak-ng flite
sox ffmpeg). A voice named ``flite:NAME`` is synthesised by flite, any other by espeak-ng.
Run from anywhere:  python3 demo/tools/make_audio.py
Writes demo/calls/<stem>.{ogg,mp3,m4a} and demo/reference/<stem>.json, where the
reference is [{"speaker": "channel-0"|"channel-1", "start", "end", "text"}] with the exact words
spoken and the times at which they were placed (leading/trailing synthesis silence trimmed).
The scripts avoid digits so that a word error rate against Whisper output stays meaningful.
"""
from __future__ import annotations

import array
import json
import random
import subprocess
import tempfile
import wave
from pathlib import Path

HERE = Path(__file__).resolve().parent
CALLS = HERE.parent / "calls"
# Kept outside calls/: `callmine ingest calls demo/calls` walks folders recursively and would
# take reference JSON files for transcripts.
REFS = HERE.parent / "reference"
RATE = 22050  # espeak-ng's native rate
SPEED = 150

# stem -> (encoder args, rep voice, buyer voice, [(channel, text), ...]); channel 0 = rep.
SCRIPTS: dict[str, tuple[list[str], str, str, list[tuple[int, str]]]] = {
    "norrvik-biotech-discovery.ogg": (
        ["-c:a", "libopus", "-b:a", "32k"], "en-us+f2", "en-gb+m3", [
            (0, "Hi Henrik, thanks for taking my call today. I know you are busy."),
            (1, "Hi Priya. Happy to talk, but I only have a little time today."),
            (0, "Great. How does your team handle supplier invoices today?"),
            (1, "We get thousands of invoices every month. Most of them are keyed in by hand, "
                "and approvals take far too long."),
            (0, "That is very common. With our platform, invoices are coded and approved "
                "automatically, so finance teams close the month four days faster."),
            (1, "That sounds useful. But I have a concern. Our research sites are in Germany and "
                "Sweden. All of our data must stay in the European Union. So where is the data "
                "stored?"),
            (0, "Today our data is hosted in the United States. I will need to check with our "
                "team about Europe."),
            (1, "Please do. Without hosting in the European Union, our legal team will say no."),
            (0, "Understood. I will come back to you on that."),
            (1, "Also, the timing is difficult. We are in the middle of a clinical trial, so we "
                "cannot start a new project before next year."),
            (0, "That makes sense. Can we book a short follow up call in January?"),
            (1, "Yes. Send me an invite, and send me the answer on data storage first."),
            (0, "I will. Thank you, Henrik."),
            (1, "Thank you, Priya. Goodbye."),
        ]),
    "basalt-creek-energy-demo.mp3": (
        ["-c:a", "libmp3lame", "-b:a", "48k"], "en-gb+f4", "en-us+m3", [
            (0, "Thanks for joining the demo, Owen. Can you see my screen?"),
            (1, "Yes, I can see it. Go ahead."),
            (0, "This is the invoice inbox. Every invoice is captured and coded automatically, "
                "and then it goes to the right approver."),
            (1, "Okay. How does it connect to our system? We run SAP for all of our finance work."),
            (0, "We have native connectors for NetSuite, Sage Intacct, Dynamics and QuickBooks. "
                "For SAP, we would use our API."),
            (1, "So there is no native connector for SAP. That is a problem for my team. We do "
                "not want to build and maintain it ourselves."),
            (0, "I understand. I will ask our product team about it."),
            (1, "Also, your contract is three years. We do not sign long contracts anymore. We "
                "want monthly terms, or a way to cancel."),
            (0, "I hear you. Let me check what options we have."),
            (1, "Thank you. The approval workflow looks very good, though."),
            (0, "Every approval is logged, with who approved, when, and why. Your auditors will "
                "like that."),
            (1, "Yes, that makes sense. Send me a summary, and we will talk next week."),
            (0, "Will do. Thanks, Owen."),
        ]),
    "larkspur-property-negotiation.m4a": (
        ["-c:a", "aac", "-b:a", "64k"], "en-us+m3", "en-gb+f2", [
            (0, "Hi Olivia, thanks for making time. Did you get a chance to review the final "
                "proposal?"),
            (1, "I did. Honestly, the price is still higher than I hoped. Another vendor, "
                "Paystream, quoted us a lower price."),
            (0, "I understand. Most of our customers pay back the cost within six months, "
                "because they spend far less on every invoice."),
            (1, "I saw that in the business case. The numbers look right to me."),
            (0, "Great. And the implementation is included. You would be live in about a month, "
                "with a named implementation manager."),
            (1, "We were burned by a vendor before. They promised a fast rollout and it took "
                "them half a year."),
            (0, "I hear that a lot. I can connect you with two property managers who went live "
                "last quarter."),
            (1, "That would help. I would like to speak with one of them this week."),
            (0, "I will set it up tomorrow. Also, our system flags duplicate invoices and changed "
                "bank details before you pay."),
            (1, "That is exactly what we need. We had a fake bank change last spring."),
            (0, "Then let us get you protected. Can we target signing on Friday?"),
            (1, "If the reference call goes well, yes. Friday works."),
            (0, "Perfect. Thank you, Olivia."),
        ]),
}


MONO: dict[str, tuple[list[str], str, str, list[tuple[int, str]]]] = {
    # One channel, two voices: the rep (Dana Whitfield, espeak-ng) and the buyer (flite).
    "saltmarsh-freight-discovery.ogg": (
        ["-c:a", "libopus", "-b:a", "32k"], "en-gb+f4", "flite:awb", [
            (0, "Hi Tomas, this is Dana from Vantora. Thanks for making time for me today."),
            (1, "Hi Dana. No problem. I have about twenty minutes before my next meeting."),
            (0, "Perfect. How does your team handle supplier invoices at the moment?"),
            (1, "Mostly by hand. We get a few thousand freight invoices a month, and two people "
                "type them into our finance system."),
            (0, "That is a lot of typing. With Vantora Ledger, invoices are coded and approved "
                "automatically, so most teams close the month four days faster."),
            (1, "That sounds good, but we tried an automation tool two years ago, and my team "
                "spent months fixing its mistakes. I am worried this will be the same."),
            (0, "I understand. Every invoice the system is unsure about goes to a person first, "
                "so nothing is paid without a check."),
            (1, "Okay. And the price? Our budget for this year is already spent."),
            (0, "Most customers recover the cost within six months, through lower processing "
                "costs. I can send you the numbers from a company like yours."),
            (1, "Please do. Send me the numbers, and I will share them with our finance "
                "director."),
            (0, "Will do. Thank you, Tomas."),
            (1, "Thanks, Dana. Talk soon."),
        ]),
}


def synth(voice: str, text: str, path: Path) -> array.array:
    if voice.startswith("flite:"):  # flite speaks at 16 kHz: resampled to espeak-ng's rate
        raw = path.with_suffix(".flite.wav")
        subprocess.run(["flite", "-voice", voice.split(":", 1)[1], "-t", text, "-o", str(raw)],
                       check=True)
        subprocess.run(["sox", str(raw), "-R", "-r", str(RATE), str(path)], check=True)
    else:
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(SPEED), "-w", str(path), text],
                       check=True)
    with wave.open(str(path)) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2 and w.getframerate() == RATE
        samples = array.array("h", w.readframes(w.getnframes()))
    loud = [i for i, s in enumerate(samples) if abs(s) > 300]
    return samples[max(0, loud[0] - 200): loud[-1] + 200] if loud else samples


def build(stem: str, enc: list[str], rep: str, buyer: str, turns, tmp: Path,
          mono: bool = False) -> float:
    rng = random.Random(stem)
    t = 0.6
    placed = []
    for i, (ch, text) in enumerate(turns):
        s = synth(rep if ch == 0 else buyer, text, tmp / f"t{i}.wav")
        placed.append((ch, int(t * RATE), s, text))
        t += len(s) / RATE + rng.uniform(0.35, 0.8)
    total = int((t + 0.5) * RATE)
    width = 1 if mono else 2
    frames = array.array("h", bytes(2 * width * total))
    for ch, at, s, _ in placed:
        for k, v in enumerate(s):
            frames[width * (at + k) + (0 if mono else ch)] = v
    wav = tmp / "mix.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(width)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(frames.tobytes())
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(wav), "-ac", str(width), *enc,
                    "-map_metadata", "-1", "-fflags", "+bitexact", str(CALLS / stem)], check=True)
    # a mono call's reference names the sides (the rep and the buyer), not channels
    ref = [{"speaker": ("rep" if ch == 0 else "buyer") if mono else f"channel-{ch}",
            "start": round(at / RATE, 2), "end": round((at + len(s)) / RATE, 2), "text": text}
           for ch, at, s, text in placed]
    out = REFS / (Path(stem).stem + ".json")
    out.write_text(json.dumps(ref, indent=2) + "\n", encoding="utf-8")
    return total / RATE


def main() -> None:
    import sys

    only = set(sys.argv[1:])  # stems to (re)make; all of them when none is named
    REFS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as d:
        for mono, scripts in ((False, SCRIPTS), (True, MONO)):
            for stem, (enc, rep, buyer, turns) in scripts.items():
                if only and stem not in only:
                    continue
                dur = build(stem, enc, rep, buyer, turns, Path(d), mono=mono)
                print(f"{stem}: {dur:.1f} s, {(CALLS / stem).stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
