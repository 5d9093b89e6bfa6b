#!/usr/bin/env python3
"""Synthesise the MONO multi-voice sales calls that the speaker-diarization bench and tests use.

Dev tool only: needs espeak-ng, flite, sox and ffmpeg (with libopus) on PATH
(Debian: apt-get install espeak-ng flite sox ffmpeg). Run from anywhere:
    python3 demo/tools/make_diarize_fixtures.py             # the tuning set (CALLS)
    python3 demo/tools/make_diarize_fixtures.py --heldout   # the held-out set (HELDOUT)
Writes into tests/data/diarize/ (with --heldout: tests/data/diarize/heldout/), for every
conversation <name>:
  <name>.ogg   16 kHz mono Opus, all voices mixed into one channel, no overlap;
  <name>.rttm  reference turns, `SPEAKER <name> 1 <start> <dur> <NA> <NA> <speaker> <NA> <NA>`;
  <name>.json  {"synthetic": true, "tool", "rep", "speakers": {id: voice}, "turns": [...]}.
and rep-enroll.{ogg,json}: about eight seconds of the rep voice of 2spk-discovery saying
other sentences (for voice enrolment); --heldout writes no enrolment file.

The tuning set (CALLS) is what the diarization thresholds were chosen on. The held-out set
(HELDOUT) has other scripts, other pause seeds and voice pairings not used together in the
tuning set, and must not be used to choose anything: it is there to report untouched figures.

Every turn is synthesised on its own, resampled to 16 kHz, trimmed of the synthesiser's
leading and trailing silence and scaled to one loudness; the reference times are the exact
extents of those trimmed samples in the mix. Pauses between turns are drawn (0.2-0.8 s) from
a generator seeded with the conversation name, so a rerun writes the same files (given the
same espeak-ng, flite, sox and ffmpeg). The scripts avoid digits so that transcripts stay
comparable word for word.
"""
from __future__ import annotations

import argparse
import array
import json
import math
import random
import re
import subprocess
import tempfile
import wave
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parents[1] / "tests" / "data" / "diarize"
RATE = 16000
BITRATE = "24k"
TARGET_RMS = 3000.0  # int16 units, about -21 dBFS: every turn equally loud
THRESHOLD = 400  # |sample| above this counts as speech when trimming
LEAD, TAIL = 0.6, 0.6  # seconds of silence before the first and after the last turn
PAUSE = (0.2, 0.8)

# voice = "espeak-ng:<voice>" or "flite:<voice>"; an espeak-ng voice may add its speed and pitch
# ("espeak-ng:en-us+m1 -s 170 -p 40"; default speed 155, espeak-ng's default pitch). A spec
# may name its rep ("rep": id; default: whoever speaks first) and its pause seed ("seed";
# default: the call name).
CALLS: dict[str, dict] = {
    "2spk-discovery": {
        "speakers": {"rep": "espeak-ng:en-us+m3", "buyer": "flite:slt"},
        "turns": [
            ("rep", "Hi Dana, this is Marcus from Vantora. Thanks for taking my call today."),
            ("buyer", "Hi Marcus. Sure, I have about fifteen minutes before my next meeting."),
            ("rep", "Great. How does your team handle supplier invoices right now?"),
            ("buyer", "Mostly by hand. We get around four thousand invoices a month, and three "
                      "people key them into our system."),
            ("rep", "And how long does an invoice take to get approved?"),
            ("buyer", "Too long. Sometimes two weeks, because approvers sit on them and we "
                      "chase people by email."),
            ("rep", "We hear that a lot. Vantora Ledger codes each invoice and sends it to the "
                    "right approver automatically."),
            ("buyer", "That sounds good, but the price worries me. A similar tool we looked at "
                      "was far too expensive."),
            ("rep", "I understand. Our pricing is per invoice, so you only pay for what you "
                    "process, and there is no setup fee."),
            ("buyer", "What would that come to for us?"),
            ("rep", "At your volume, roughly the cost of one part time clerk, and most teams "
                    "earn it back within six months."),
            ("buyer", "Okay. The other question is integration. We run NetSuite. Does it "
                      "connect, or do we need a developer?"),
            ("rep", "We have a native NetSuite connector. It syncs vendors, purchase orders and "
                    "payments both ways, and setup takes about a day."),
            ("buyer", "That helps. I would need to bring in our controller before we go "
                      "further."),
            ("rep", "Of course. Could we book a demo next Tuesday with both of you?"),
            ("buyer", "Tuesday afternoon works. Send me an invite."),
            ("rep", "Will do. Thanks, Dana."),
            ("buyer", "Thanks, Marcus. Bye."),
        ],
    },
    "2spk-backchannel": {
        "speakers": {"rep": "espeak-ng:en-gb+f2", "buyer": "flite:awb"},
        "turns": [
            ("rep", "Good morning Callum, it is Sophie from Vantora. Have you got a few "
                    "minutes?"),
            ("buyer", "Morning. Yes, go on."),
            ("rep", "I wanted to walk you through how our platform connects to your finance "
                    "system."),
            ("buyer", "Right."),
            ("rep", "We use a native connector, so nothing is installed on your servers."),
            ("buyer", "Okay."),
            ("rep", "It pulls vendors and purchase orders every fifteen minutes,"),
            ("buyer", "Sure."),
            ("rep", "and it pushes approved invoices back as bills."),
            ("buyer", "Right. Our last vendor needed a server in our data centre, and it broke "
                      "with every upgrade."),
            ("rep", "Right."),
            ("buyer", "So we said never again."),
            ("rep", "Okay, understood. With us there is nothing to upgrade on your side."),
            ("buyer", "Good. And who owns the credentials?"),
            ("rep", "Your team does. We use a service account that can only read and write "
                    "those records."),
            ("buyer", "Okay."),
            ("rep", "Every sync is logged, so your auditors can see exactly what changed."),
            ("buyer", "Yes, go on."),
            ("rep", "And single sign on works with Okta or Azure out of the box."),
            ("buyer", "Right. So no separate passwords."),
            ("rep", "Exactly. None."),
            ("buyer", "Okay. And if the connector fails?"),
            ("rep", "It retries, then alerts your admin, and nothing is lost."),
            ("buyer", "Got it."),
            ("rep", "Does that cover your main concerns?"),
            ("buyer", "Mostly. Send me the security documents and I will review them this "
                      "week."),
            ("rep", "Great. I will send them today."),
            ("buyer", "Thanks, Sophie."),
        ],
    },
    "3spk-security-review": {
        "speakers": {"rep": "flite:rms", "controller": "espeak-ng:en-us+f4",
                     "security": "flite:kal"},
        "turns": [
            ("rep", "Hello Erin, hello Raj. Thanks for joining. I am Daniel from Vantora."),
            ("controller", "Hi Daniel. I asked Raj to join because security has to sign off on "
                           "anything new."),
            ("security", "Hi. Yes, I have a list of questions, if that is okay."),
            ("rep", "Of course. Please go ahead."),
            ("security", "First, where is our data stored, and is it encrypted?"),
            ("rep", "In the European Union or the United States, your choice, and it is "
                    "encrypted at rest and in transit."),
            ("security", "Do you have an independent audit report?"),
            ("rep", "Yes, a type two report, renewed every year. I can share it under a non "
                    "disclosure agreement."),
            ("security", "Good. And can your staff see our invoices?"),
            ("rep", "Only our support team, only when you open a ticket, and every access is "
                    "logged."),
            ("controller", "From the finance side, my worry is the approval rules. We have "
                           "different limits for every department."),
            ("rep", "You can set rules by amount, department and vendor, and change them "
                    "yourself."),
            ("controller", "And the price. Is there a minimum commitment?"),
            ("rep", "There is a yearly minimum, based on your current volume, not on growth "
                    "you do not have yet."),
            ("security", "One more thing. Can we remove a user's access immediately?"),
            ("rep", "Yes. With single sign on, removing them from your directory removes "
                    "access at once."),
            ("controller", "That sounds workable. Raj, anything else?"),
            ("security", "Just send the audit report and the penetration test summary."),
            ("rep", "I will send both this afternoon. Thank you both."),
            ("controller", "Thanks, Daniel."),
        ],
    },
    "4spk-commercials": {
        "speakers": {"rep": "espeak-ng:en-gb-x-rp+m7", "finance": "flite:slt",
                     "procurement": "flite:awb", "it": "espeak-ng:en-us+f4"},
        "turns": [
            ("rep", "Good afternoon everyone, this is Oliver from Vantora. Thank you all for "
                    "making the time."),
            ("finance", "Hi Oliver. I am Helen, the finance director. Ian from procurement and "
                        "Nina from IT are here too."),
            ("procurement", "Hello."),
            ("it", "Hi there."),
            ("rep", "Great. Today I would like to agree on pricing and the rollout plan."),
            ("procurement", "Let us start with pricing. Your quote is higher than the other "
                            "vendor on our list."),
            ("rep", "I understand. Our price includes implementation, training and the "
                    "NetSuite connector, which others charge for separately."),
            ("procurement", "Even so, we need a lower number to get this through "
                            "procurement."),
            ("finance", "And I cannot sign a three year contract. One year, with an option to "
                        "renew."),
            ("rep", "We can do a one year term. If you add an option for a second year, I can "
                    "take ten percent off the first."),
            ("it", "Before we talk discounts, I need the integration timeline. Our team is "
                   "small."),
            ("rep", "Our team does the setup. Your side needs about two days of effort, "
                    "mostly testing."),
            ("it", "And single sign on and user provisioning?"),
            ("rep", "Both are included, with Okta or Azure."),
            ("finance", "What happens to our data if we leave after a year?"),
            ("rep", "You can export everything at any time, and we delete it within thirty "
                    "days of the end of the contract."),
            ("procurement", "Can you put the discount and the exit terms in writing?"),
            ("rep", "Yes. I will send a revised proposal tomorrow morning."),
            ("finance", "Good. If the numbers work, we can decide by the end of the month."),
            ("it", "And please send me the technical onboarding guide."),
            ("rep", "Will do. Thank you, Helen, Ian and Nina."),
        ],
    },
}

HELDOUT_OUT = OUT / "heldout"

# The held-out calls: NOT used to choose any diarization parameter. Another vendor
# (Northgate, field-service scheduling software), other topics, other pause seeds, and voices
# never paired in CALLS (espeak-ng variants with their own speed and pitch).
HELDOUT: dict[str, dict] = {
    "2spk-renewal": {
        "seed": "heldout/2spk-renewal",
        "speakers": {"rep": "espeak-ng:en-us+m1 -s 170 -p 40", "buyer": "flite:rms"},
        "turns": [
            ("rep", "Hi Priya, it is Owen from Northgate. Thanks for making time to talk about "
                    "your renewal."),
            ("buyer", "Hi Owen. Happy to, although I should warn you that my budget for next "
                      "year has been cut."),
            ("rep", "I appreciate you telling me up front. Before we talk numbers, how has the "
                    "dispatch tool worked for your technicians?"),
            ("buyer", "Honestly, pretty well. Scheduling takes half the time it used to, and "
                      "the crews like the mobile app."),
            ("rep", "That is great to hear. Are there parts of the product you are not using?"),
            ("buyer", "The inventory module. We never rolled it out, so paying for it feels "
                      "like a waste."),
            ("rep", "That is fair. If we take inventory off the contract, your price drops by "
                    "about a fifth."),
            ("buyer", "That helps, but finance asked me to come back with a bigger cut than "
                      "that."),
            ("rep", "What number would get this approved on your side?"),
            ("buyer", "Something closer to a third less than this year."),
            ("rep", "I cannot get there on a one year term. If you sign for two years, I can "
                    "lock the price and take another ten percent off."),
            ("buyer", "Two years is a big commitment. What if we grow and need more seats?"),
            ("rep", "New seats keep the same discounted rate for the whole term, so growth "
                    "will not cost you more per person."),
            ("buyer", "Okay, that helps. Put it in writing and I will take it to "
                      "our finance director."),
            ("rep", "I will send the revised order form this afternoon. When does your current "
                    "contract end?"),
            ("buyer", "At the end of next month, so we need to move quickly."),
            ("rep", "Understood. Thanks, Priya."),
            ("buyer", "Thanks, Owen. Talk soon."),
        ],
    },
    "2spk-onboarding-buyer-first": {
        "seed": "heldout/2spk-onboarding-buyer-first",
        "rep": "rep",  # the buyer answers the phone and speaks first
        "speakers": {"rep": "espeak-ng:en-us+f3 -s 165 -p 70",
                     "buyer": "espeak-ng:en-gb+m4 -s 145 -p 60"},
        "turns": [
            ("buyer", "Hello, Gareth Lloyd speaking, Halden Logistics."),
            ("rep", "Hi Gareth, this is Amira from Northgate. I am your onboarding manager. "
                    "Welcome aboard."),
            ("buyer", "Thanks. We signed last week, and my boss wants the crews using it by "
                      "the end of the quarter."),
            ("rep", "That is very doable. Our usual plan has three stages: setup, a pilot with "
                    "one depot, then the full rollout."),
            ("buyer", "Which depot would you suggest for the pilot?"),
            ("rep", "Ideally a small one, with a supervisor who likes new tools. Do you have "
                    "someone in mind?"),
            ("buyer", "The Bristol depot. Their supervisor, Kelly, has been asking for a better "
                      "schedule for months."),
            ("rep", "Perfect. For the setup, I will need your technician list, your service "
                    "areas and your job types."),
            ("buyer", "We keep most of that in spreadsheets. Is that a problem?"),
            ("rep", "Not at all. You send us the spreadsheets and our team imports them for "
                    "you."),
            ("buyer", "What about training? Half of our technicians are not comfortable with "
                      "apps."),
            ("rep", "We run short sessions at the depot, and the app gives a guided tour the "
                    "first time someone signs in."),
            ("buyer", "Good. And who do we call when something goes wrong during the pilot?"),
            ("rep", "You will have my direct line, and our support desk is open from early "
                    "morning until late evening."),
            ("buyer", "That sounds reasonable. What do you need from me this week?"),
            ("rep", "Just the spreadsheets, and a date for the kickoff meeting with Kelly."),
            ("buyer", "I will send both by Friday."),
            ("rep", "Great. Thanks, Gareth. Talk soon."),
        ],
    },
    "3spk-bakeoff": {
        "seed": "heldout/3spk-bakeoff",
        "speakers": {"rep": "flite:awb", "champion": "espeak-ng:en-gb-x-rp+f1 -s 160 -p 55",
                     "evaluator": "espeak-ng:en-sc+m2 -s 150 -p 30"},
        "turns": [
            ("rep", "Hello Lena, hello Tomasz. This is Rhys from Northgate. Thanks for sharing "
                    "the results of the trial."),
            ("champion", "Hi Rhys. As you know, we ran your tool and Fieldmate side by side "
                         "for two weeks."),
            ("evaluator", "And to be honest, it was closer than I expected."),
            ("rep", "I appreciate the honesty. Where did Fieldmate do better?"),
            ("evaluator", "Their mobile app felt faster, and the technicians liked the "
                          "offline mode."),
            ("rep", "That is useful. Our offline mode shipped last month. Did your crews have "
                    "the latest version?"),
            ("evaluator", "Probably not. We installed it at the start of the trial."),
            ("champion", "Where your tool clearly won was route planning. Our drivers saved "
                         "almost an hour a day."),
            ("rep", "That matches what other customers see. Did the trial measure first time "
                    "fix rates too?"),
            ("evaluator", "It did. Yours was slightly better, because the technicians saw the "
                          "parts history before each visit."),
            ("champion", "The problem is price. Fieldmate came in lower, and our finance team "
                         "noticed."),
            ("rep", "Understood. Their quote leaves out the routing engine and support outside "
                    "office hours, which you would pay extra for."),
            ("evaluator", "That is true. We asked, and weekend support is an add on for them."),
            ("champion", "Could you update the app on our trial devices and give us one more "
                         "week?"),
            ("rep", "Yes. I will push the new version tomorrow, and send you a side by side "
                    "cost comparison."),
            ("evaluator", "If the offline mode works, I would be comfortable recommending you."),
            ("champion", "Then let us meet again next Thursday."),
            ("rep", "Thursday works. Thank you both."),
        ],
    },
    "4spk-procurement-legal": {
        "seed": "heldout/4spk-procurement-legal",
        "speakers": {"rep": "flite:kal", "procurement": "flite:slt",
                     "legal": "espeak-ng:en-us+f5 -s 150 -p 45",
                     "finance": "espeak-ng:en-us+m6 -s 175 -p 55"},
        "turns": [
            ("rep", "Good morning, this is Hana from Northgate. Thank you for joining. I "
                    "believe we have procurement, legal and finance on the line."),
            ("procurement", "Morning Hana. Yes, I am Victor from procurement. Beatrice from "
                            "legal and Sam from finance are with me."),
            ("legal", "Hello."),
            ("finance", "Hi everyone."),
            ("rep", "Great. I understand there are a few open points on the master "
                    "agreement."),
            ("legal", "There are. First, your liability cap is one year of fees. We need two "
                      "years for data breaches."),
            ("rep", "We can accept a higher cap for data protection claims. I will confirm the "
                    "exact wording with our counsel."),
            ("legal", "Second, we need the right to audit your security controls once a "
                      "year."),
            ("rep", "We normally share our independent audit report instead, but we can add "
                    "one on site audit a year, with notice."),
            ("procurement", "On the commercial side, we want the price fixed for the whole "
                            "term, and no increase at renewal above inflation."),
            ("rep", "We can cap renewal increases at inflation or five percent, whichever is "
                    "lower."),
            ("finance", "And the payment terms. Our standard is sixty days from invoice, not "
                        "thirty."),
            ("rep", "Sixty days is fine if you pay annually in advance."),
            ("finance", "Annually works for us."),
            ("legal", "Last point. Where will our data be hosted, and who are your "
                      "subprocessors?"),
            ("rep", "In the United Kingdom. The full list of subprocessors is in the data "
                    "processing agreement, and we give notice before adding any."),
            ("procurement", "Good. If you send the redlined agreement by Wednesday, we can aim "
                            "to sign next week."),
            ("rep", "I will send it by Tuesday evening."),
            ("legal", "Thank you. Please flag every change you make."),
            ("rep", "Will do. Thanks, Victor, Beatrice and Sam."),
        ],
    },
}

ENROLL = {
    "name": "rep-enroll",
    "call": "2spk-discovery",
    "speaker": "rep",
    "text": "I look after new customers on the east coast. I like to start every call by "
            "asking how your finance team works today.",
}


def tool_versions() -> str:
    """This script and the versions of the programs it ran, for the JSON's "tool"."""
    def version(cmd: list[str], pattern: str) -> str:
        out = subprocess.run(cmd, check=False, capture_output=True, text=True)
        found = re.search(pattern, out.stdout + out.stderr)
        return found.group(1) if found else "?"

    return ("demo/tools/make_diarize_fixtures.py: "
            f"espeak-ng {version(['espeak-ng', '--version'], r'speech: ([0-9.]+)')}, "
            f"flite {version(['flite', '--version'], r'version: flite-([0-9.]+)')}, "
            f"sox {version(['sox', '--version'], r'SoX v([0-9.]+)')}, "
            f"ffmpeg {version(['ffmpeg', '-version'], r'ffmpeg version ([0-9.]+)')} "
            f"(libopus {BITRATE}b/s)")


def synth(voice: str, text: str, tmp: Path) -> array.array:
    """One utterance as 16 kHz int16 samples, trimmed of silence, at TARGET_RMS."""
    engine, rest = voice.split(":", 1)
    name, *options = rest.split()
    raw, wav = tmp / "raw.wav", tmp / "utt.wav"
    if engine == "espeak-ng":
        opts = dict(zip(options[::2], options[1::2], strict=True))
        if set(opts) - {"-s", "-p"}:
            raise ValueError(voice)
        speed = ["-s", opts.get("-s", "155")]
        pitch = ["-p", opts["-p"]] if "-p" in opts else []
        subprocess.run(["espeak-ng", "-v", name, *speed, *pitch, "-w", str(raw), text],
                       check=True)
    elif engine == "flite" and not options:
        subprocess.run(["flite", "-voice", name, "-t", text, "-o", str(raw)], check=True)
    else:
        raise ValueError(voice)
    # -R: sox dithers with random noise by default; repeatable mode makes reruns identical
    subprocess.run(["sox", "-R", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(wav)],
                   check=True)
    with wave.open(str(wav)) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2 and w.getframerate() == RATE
        samples = array.array("h", w.readframes(w.getnframes()))
    loud = [i for i, s in enumerate(samples) if abs(s) > THRESHOLD]
    samples = samples[loud[0]: loud[-1] + 1]
    rms = math.sqrt(sum(s * s for s in samples) / len(samples))
    gain = min(TARGET_RMS / rms, 30000 / max(abs(s) for s in samples))
    return array.array("h", (round(s * gain) for s in samples))


def encode(samples: array.array, path: Path, tmp: Path) -> None:
    wav = tmp / "mix.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(samples.tobytes())
    # bitexact: a fixed Ogg serial number and no encoder tag, so reruns give identical bytes
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(wav), "-ac", "1",
                    "-ar", str(RATE), "-c:a", "libopus", "-b:a", BITRATE, "-map_metadata", "-1",
                    "-fflags", "+bitexact", "-flags:a", "+bitexact", str(path)], check=True)


def build(name: str, spec: dict, tool: str, tmp: Path, out: Path = OUT,
          held_out: bool = False) -> tuple[float, int]:
    rng = random.Random(spec.get("seed", name))
    placed = []
    t = round(LEAD * RATE)
    for i, (speaker, text) in enumerate(spec["turns"]):
        if i:
            t += round(rng.uniform(*PAUSE) * RATE)
        s = synth(spec["speakers"][speaker], text, tmp)
        placed.append((speaker, t, s, text))
        t += len(s)
    total = t + round(TAIL * RATE)
    mix = array.array("h", bytes(2 * total))
    for _, at, s, _ in placed:
        mix[at: at + len(s)] = s
    encode(mix, out / f"{name}.ogg", tmp)
    turns = [{"speaker": spk, "start": round(at / RATE, 3), "end": round((at + len(s)) / RATE, 3),
              "text": text} for spk, at, s, text in placed]
    rttm = "".join(f"SPEAKER {name} 1 {x['start']:.3f} {x['end'] - x['start']:.3f} <NA> <NA> "
                   f"{x['speaker']} <NA> <NA>\n" for x in turns)
    (out / f"{name}.rttm").write_text(rttm, encoding="utf-8")
    meta = {"synthetic": True, "tool": tool, "rep": spec.get("rep", spec["turns"][0][0]),
            "speakers": spec["speakers"], "duration": round(total / RATE, 3), "turns": turns}
    if held_out:
        meta = {"synthetic": True, "held_out": True, **meta}
    (out / f"{name}.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return total / RATE, (out / f"{name}.ogg").stat().st_size


def build_enroll(tool: str, tmp: Path) -> tuple[float, int]:
    voice = CALLS[ENROLL["call"]]["speakers"][ENROLL["speaker"]]
    s = synth(voice, ENROLL["text"], tmp)
    pad = round(0.3 * RATE)
    mix = array.array("h", bytes(2 * pad)) + s + array.array("h", bytes(2 * pad))
    name = ENROLL["name"]
    encode(mix, OUT / f"{name}.ogg", tmp)
    meta = {"synthetic": True, "tool": tool, "voice": voice, "call": ENROLL["call"],
            "speaker": ENROLL["speaker"], "start": round(pad / RATE, 3),
            "end": round((pad + len(s)) / RATE, 3), "duration": round(len(mix) / RATE, 3),
            "text": ENROLL["text"]}
    (OUT / f"{name}.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return len(mix) / RATE, (OUT / f"{name}.ogg").stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heldout", action="store_true",
                        help=f"write the held-out calls into {HELDOUT_OUT} instead of the "
                             "tuning set")
    args = parser.parse_args()
    out, calls = (HELDOUT_OUT, HELDOUT) if args.heldout else (OUT, CALLS)
    out.mkdir(parents=True, exist_ok=True)
    tool = tool_versions()
    if args.heldout:
        tool = tool.replace("make_diarize_fixtures.py:", "make_diarize_fixtures.py --heldout:", 1)
    size = 0
    with tempfile.TemporaryDirectory() as d:
        for name, spec in calls.items():
            dur, n = build(name, spec, tool, Path(d), out, held_out=args.heldout)
            size += n
            print(f"{name}.ogg: {dur:.1f} s, {len(spec['speakers'])} speakers, {n // 1024} KiB")
        if not args.heldout:
            dur, n = build_enroll(tool, Path(d))
            size += n
            print(f"{ENROLL['name']}.ogg: {dur:.1f} s, {n // 1024} KiB")
    print(f"total {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
