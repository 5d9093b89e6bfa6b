#!/usr/bin/env bash
# Makes the tiny audio fixtures committed beside this script (needs espeak-ng, sox, ffmpeg).
# The tests only read the results; they never need these tools.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
say() { espeak-ng -v "$1" -s 150 -w "$tmp/$2.wav" "$3"; sox "$tmp/$2.wav" -r 16000 -c 1 "$tmp/$2.16k.wav"; }

# mono: one sentence with known words
say en-us+m3 mono "$(cat mono.txt)"
sox "$tmp/mono.16k.wav" "$tmp/mono.pad.wav" pad 0.3 0.3
ffmpeg -loglevel error -y -i "$tmp/mono.pad.wav" -c:a libopus -b:a 24k mono.ogg

# stereo: rep (left, channel 0) / buyer (right, channel 1) / rep, with silence on the other side
say en-us+m3 a1 "Thanks for joining today. Customers usually recover the cost within six months."
say en-gb+f2 b1 "Honestly, the price is too high for our budget this year."
say en-us+m3 a2 "I understand. Let me show you the numbers."
len() { soxi -D "$1"; }
gap=0.6
sox -n -r 16000 -c 1 "$tmp/gap.wav" trim 0 $gap
sox -n -r 16000 -c 1 "$tmp/s_a1.wav" trim 0 "$(len "$tmp/a1.16k.wav")"
sox -n -r 16000 -c 1 "$tmp/s_b1.wav" trim 0 "$(len "$tmp/b1.16k.wav")"
sox -n -r 16000 -c 1 "$tmp/s_a2.wav" trim 0 "$(len "$tmp/a2.16k.wav")"
sox "$tmp/gap.wav" "$tmp/a1.16k.wav" "$tmp/gap.wav" "$tmp/s_b1.wav" "$tmp/gap.wav" "$tmp/a2.16k.wav" "$tmp/gap.wav" "$tmp/left.wav"
sox "$tmp/gap.wav" "$tmp/s_a1.wav" "$tmp/gap.wav" "$tmp/b1.16k.wav" "$tmp/gap.wav" "$tmp/s_a2.wav" "$tmp/gap.wav" "$tmp/right.wav"
sox -M "$tmp/left.wav" "$tmp/right.wav" "$tmp/stereo.wav"
ffmpeg -loglevel error -y -i "$tmp/stereo.wav" -c:a libmp3lame -b:a 48k stereo.mp3
a1=$(len "$tmp/a1.16k.wav"); b1=$(len "$tmp/b1.16k.wav"); a2=$(len "$tmp/a2.16k.wav")
python3 - "$gap" "$a1" "$b1" "$a2" > stereo.json <<'PY'
import json, sys
gap, a1, b1, a2 = map(float, sys.argv[1:])
t0 = gap; t1 = t0 + a1 + gap; t2 = t1 + b1 + gap
print(json.dumps([
  {"speaker": "channel-0", "start": round(t0, 2), "end": round(t0 + a1, 2), "text": "Thanks for joining today. Customers usually recover the cost within six months."},
  {"speaker": "channel-1", "start": round(t1, 2), "end": round(t1 + b1, 2), "text": "Honestly, the price is too high for our budget this year."},
  {"speaker": "channel-0", "start": round(t2, 2), "end": round(t2 + a2, 2), "text": "I understand. Let me show you the numbers."}], indent=1))
PY

# dual mono: the mono clip on both channels
sox "$tmp/mono.pad.wav" -c 2 "$tmp/dual.wav" remix 1 1
ffmpeg -loglevel error -y -i "$tmp/dual.wav" -c:a libopus -b:a 32k dual-mono.ogg

# broken files
# truncated: the mono clip as MP3, cut in half; its header still announces the full length
ffmpeg -loglevel error -y -i "$tmp/mono.pad.wav" -c:a libmp3lame -b:a 32k "$tmp/mono.mp3"
head -c $(( $(stat -c %s "$tmp/mono.mp3") / 2 )) "$tmp/mono.mp3" > truncated.mp3
: > empty.wav                                          # 0 bytes
head -c 4096 /dev/urandom > noise.mp3                  # random bytes with an audio name
sox -n -r 16000 -c 1 -b 16 no-samples.wav trim 0 0     # a WAV header and no samples
ffmpeg -loglevel error -y -f lavfi -i testsrc=duration=1:size=32x32:rate=5 -an \
  -c:v libx264 video-only.mp4                          # video, no audio track
echo "This is a text file, not a recording." > text.webm
