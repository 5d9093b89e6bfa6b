"""Importing transcripts (WebVTT, SRT, JSON, plain text) and turning segments into turns.

Formats accepted by :func:`read_transcript`:

* **WebVTT** (``.vtt``), as exported by Teams (speakers in ``<v Name>`` voice tags) and Zoom
  (``Name: text`` cue text).
* **SRT** (``.srt``), speakers as ``Name: text`` or ``[Name] text``.
* **JSON** (``.json``): ``callmine transcribe --format json`` output, a list of
  ``{"speaker", "start", "end", "text"}`` objects, or an object holding such a list under
  ``"segments"`` or ``"utterances"``.
* **Plain text** (``.txt``): one turn per line, ``Speaker: text``, optionally prefixed by
  ``[hh:mm:ss]`` or ``[mm:ss]``; lines without a speaker continue the previous turn.
"""

from __future__ import annotations

import html
import json
import logging
import math
import re
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from ingest.errors import CorruptFileError, UnsupportedFileError
from ingest.records import REP_LABELS, Segment, Side, Transcript, Turn, Word
from ingest.textfile import read_text

log = logging.getLogger(__name__)

TRANSCRIPT_EXTENSIONS = (".vtt", ".srt", ".json", ".txt")
UNKNOWN_SPEAKER = "Unknown"
EXPECTED_CALL_FILE = (
    "a WAV/MP3/M4A/FLAC/OGG/OPUS/WEBM/MP4 audio file or a .vtt/.srt/.json/.txt transcript"
)

_TIME = re.compile(r"^(?:(\d{1,6}):)?([0-5]?\d):([0-5]\d)(?:[.,](\d{1,3}))?$")
_TIMING = re.compile(r"^\s*(\S+)\s+-->\s+(\S+)(?:\s+.*)?$")
_VOICE = re.compile(r"<v(?:\.[^\s.<>]*)*(?:[ \t]+([^<>]*))?>", re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>|<\d[\d:.]*>|</[a-zA-Z.]*>")
"""Tag bodies stop at the next ``<``: a long line of unclosed tags is read in linear time."""
_NAME_PREFIX = re.compile(r"^(?P<name>[^\W\d_][\w'’.()&@\- ]{0,48}?)\s*:\s+(?P<text>\S.*)$", re.S)
_BRACKET_PREFIX = re.compile(r"^\[(?P<name>[^\]\d<>][^\]<>]{0,48})\]\s*(?P<text>.*)$", re.S)
_TXT_STAMP = re.compile(r"^\[(?P<b>(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)\]\s*(?P<rest>.*)$")
_TXT_BARE_STAMP = re.compile(r"^(?P<b>\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,3})?)\s+(?P<rest>.*)$")
_MAX_NAME_WORDS = 5
_NOT_IN_NAMES = frozenset(
    "a an the is are was were be been so and but or if then we i you it this that these those "
    "what which who here there my our your their do does did have has can will would should "
    "not let let's".split()
)
"""Words that mark ``text: more`` as a sentence rather than ``Speaker: text``."""


def read_transcript(path: Path) -> Transcript:
    """Read a transcript file into segments, one per cue, item or line.

    Args:
        path: A ``.vtt``, ``.srt``, ``.json`` or ``.txt`` transcript.

    Returns:
        The transcript; ``source`` is the path as given. Segments keep the file's order.

    Raises:
        UnsupportedFileError: for any other extension.
        CorruptFileError: for an empty, non-UTF-8 or malformed file, or one without speech.

    Example:
        >>> t = read_transcript(Path("demo/calls/01_halvorsen_logistics.vtt"))
        >>> t.segments[0].speaker, t.segments[0].text
        ('Dana Whitfield', 'Hi Ingrid, hi Tom, thanks for making time. Can you hear me okay?')
    """
    path = Path(path)
    readers: dict[str, Callable[[str, str], Transcript]] = {
        ".vtt": _parse_vtt, ".srt": _parse_srt, ".json": _parse_json, ".txt": _parse_txt,
    }
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise UnsupportedFileError(f"Expected {EXPECTED_CALL_FILE}, got '{path.name}'.")
    transcript = reader(read_text(path), path.name)
    transcript.source = str(path)
    transcript.segments = [s for s in transcript.segments if s.text]
    if not transcript.segments:
        raise CorruptFileError(f"{path.name}: no speech found: the transcript holds no text.")
    return transcript


def build_turns(
    segments: list[Segment], rep: str | None = None, rep_speakers: Collection[str] = ()
) -> list[Turn]:
    """Merge consecutive segments of one speaker into numbered turns with sides.

    Segments are ordered by start time when every one has a start (a stable sort, so ties keep
    the file's order); otherwise the file's order is kept. Turns are numbered from 0. A speaker
    is on the rep side when its name equals ``rep`` or one of ``rep_speakers``
    (case-insensitive, spaces trimmed), or its label is one of ``REP_LABELS``.

    Args:
        segments: Transcribed or imported segments.
        rep: The rep's name from the call manifest.
        rep_speakers: Other speaker names on the rep side (e.g. the rep's audio channel).

    Returns:
        The call's turns.

    Example:
        >>> segs = [Segment("Rep", "Hi.", 0, 1), Segment("Rep", "Ready?", 1, 2),
        ...         Segment("Alex", "Yes.", 2, 3)]
        >>> [(t.index, t.speaker, t.side, t.text) for t in build_turns(segs)]
        [(0, 'Rep', 'rep', 'Hi. Ready?'), (1, 'Alex', 'buyer', 'Yes.')]
    """
    kept = [s for s in segments if s.text and s.text.strip()]
    if kept and all(s.start is not None for s in kept):
        kept = sorted(kept, key=lambda s: s.start)  # type: ignore[arg-type, return-value]
    rep_names = {_key(name) for name in rep_speakers if name}
    if rep:
        rep_names.add(_key(rep))
    turns: list[Turn] = []
    for seg in kept:
        speaker = " ".join(seg.speaker.split()) or UNKNOWN_SPEAKER
        text = seg.text.strip()
        last = turns[-1] if turns else None
        if last is not None and _key(last.speaker) == _key(speaker):
            last.text = f"{last.text} {text}"
            last.end = seg.end if seg.end is not None else last.end
            if last.start is None:
                last.start = seg.start
            last.words.extend(seg.words)
            continue
        key = _key(speaker)
        side: Side = "rep" if key in rep_names or key in REP_LABELS else "buyer"
        turns.append(Turn(index=len(turns), speaker=speaker, side=side, text=text,
                          start=seg.start, end=seg.end, words=list(seg.words)))
    return turns


def parse_timestamp(value: str) -> float:
    """Seconds in ``hh:mm:ss.mmm``, ``mm:ss.mmm`` (``,`` also accepted), fraction optional.

    Raises:
        ValueError: when ``value`` is not such a timestamp.

    Example:
        >>> parse_timestamp("01:02:03,500")
        3723.5
    """
    match = _TIME.match(value.strip())
    if not match:
        raise ValueError(f"not a timestamp: {value!r}")
    hours, minutes, seconds, frac = match.groups()
    total = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    return total + (int(frac.ljust(3, "0")) / 1000 if frac else 0.0)


# -- shared helpers ---------------------------------------------------------------------------


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _clean(text: str) -> str:
    """Cue text without markup tags, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(_TAG.sub("", text)).split())


def _is_name(name: str) -> bool:
    words = name.split()
    return (0 < len(words) <= _MAX_NAME_WORDS
            and not name.lower().startswith(("http", "www"))
            and not any(w.lower().strip("'’") in _NOT_IN_NAMES for w in words))


def split_speaker(text: str) -> tuple[str | None, str]:
    """Split ``"Name: text"`` (or ``"[Name] text"``) into the speaker and the text.

    Returns ``(None, text)`` when the text does not start with a speaker's name.

    Example:
        >>> split_speaker("Dana Whitfield: Thanks for joining.")
        ('Dana Whitfield', 'Thanks for joining.')
        >>> split_speaker("So the deal is: we wait.")
        (None, 'So the deal is: we wait.')
    """
    text = text.strip()
    for pattern in (_NAME_PREFIX, _BRACKET_PREFIX):
        match = pattern.match(text)
        if match and _is_name(match["name"]):
            return " ".join(match["name"].split()), match["text"].strip()
    return None, text


def _bad_timing(name: str, lineno: int, line: str, fmt: str) -> CorruptFileError:
    return CorruptFileError(
        f"{name}: line {lineno}: malformed cue timing '{line.strip()[:80]}'; expected "
        f"'{fmt}'. Fix that line or export the transcript again."
    )


def _parse_timing(line: str, lineno: int, name: str, fmt: str) -> tuple[float, float]:
    match = _TIMING.match(line)
    try:
        if not match:
            raise ValueError
        start, end = parse_timestamp(match[1]), parse_timestamp(match[2])
    except ValueError:
        raise _bad_timing(name, lineno, line, fmt) from None
    if end < start:
        raise CorruptFileError(
            f"{name}: line {lineno}: cue ends ({match[2]}) before it starts ({match[1]}). "
            "Fix that line or export the transcript again.")
    return start, end


def _blocks(text: str) -> list[list[tuple[int, str]]]:
    """Blank-line separated blocks of ``(line number, line)``."""
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for lineno, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            current.append((lineno, line))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _with_speakers(pieces: list[tuple[str | None, str]], start: float | None,
                   end: float | None) -> list[Segment]:
    """Segments from ``(speaker or None, text)`` pieces; unnamed pieces may hold ``Name:``."""
    segments = []
    for speaker, raw in pieces:
        text = _clean(raw)
        if speaker is None:
            speaker, text = split_speaker(text)
        if text:
            segments.append(Segment(speaker or UNKNOWN_SPEAKER, text, start, end))
    return segments


# -- WebVTT -----------------------------------------------------------------------------------

_VTT_TIMING = "00:00:01.000 --> 00:00:04.000"


def _parse_vtt(text: str, name: str) -> Transcript:
    first = text.split("\n", 1)[0].strip()
    if not re.match(r"^WEBVTT(?:[ \t]|$)", first):
        raise CorruptFileError(
            f"{name}: not a WebVTT file: the first line must be 'WEBVTT', found "
            f"'{first[:60]}'. Export the transcript again as WebVTT, or give it the extension "
            "of its real format (.srt, .json or .txt).")
    segments: list[Segment] = []
    blocks = _blocks(text)
    header = blocks[0]
    cue_at = next((i for i, (_, line) in enumerate(header) if "-->" in line), None)
    blocks[0] = header[cue_at:] if cue_at else []  # a cue right under the header, no blank line
    for block in blocks:
        if not block:
            continue
        head = block[0][1].strip()
        if re.match(r"^(NOTE|STYLE|REGION)(?:[ \t]|$)", head):
            continue
        if "-->" in head:
            timing_at = 0
        elif len(block) > 1 and "-->" in block[1][1]:
            timing_at = 1  # a cue identifier comes first
        else:
            lineno, line = block[0]
            raise CorruptFileError(
                f"{name}: line {lineno}: expected a cue timing like '{_VTT_TIMING}', found "
                f"'{line.strip()[:80]}'. Fix that line or export the transcript again.")
        lineno, line = block[timing_at]
        start, end = _parse_timing(line, lineno, name, "hh:mm:ss.mmm --> hh:mm:ss.mmm")
        payload = "\n".join(line for _, line in block[timing_at + 1:])
        segments.extend(_with_speakers(_voice_pieces(payload), start, end))
    return Transcript(source=name, segments=segments)


def _voice_pieces(payload: str) -> list[tuple[str | None, str]]:
    """Split cue text at ``<v Name>`` voice tags: ``[(speaker or None, raw text)]``."""
    pieces: list[tuple[str | None, str]] = []
    speaker: str | None = None
    pos = 0
    for match in _VOICE.finditer(payload):
        pieces.append((speaker, payload[pos:match.start()]))
        speaker = " ".join(html.unescape(match[1] or "").split()) or None
        pos = match.end()
    pieces.append((speaker, payload[pos:]))
    return [(who, raw) for who, raw in pieces if raw.strip()]


# -- SRT --------------------------------------------------------------------------------------


def _parse_srt(text: str, name: str) -> Transcript:
    lines = text.split("\n")
    timings = [i for i, line in enumerate(lines) if "-->" in line]
    if not timings:
        raise CorruptFileError(
            f"{name}: not an SRT file: no cue timings (lines like "
            "'00:00:01,000 --> 00:00:04,000') found. Export the transcript again as SRT, or give "
            "it the extension of its real format (.vtt, .json or .txt).")
    for i in range(timings[0]):
        if lines[i].strip() and not lines[i].strip().isdigit():
            raise CorruptFileError(
                f"{name}: line {i + 1}: expected a cue number, found '{lines[i].strip()[:80]}'. "
                "Fix that line or export the transcript again.")
    segments: list[Segment] = []
    for n, at in enumerate(timings):
        start, end = _parse_timing(lines[at], at + 1, name, "hh:mm:ss,mmm --> hh:mm:ss,mmm")
        stop = timings[n + 1] if n + 1 < len(timings) else len(lines)
        body = [line.strip() for line in lines[at + 1:stop]]
        while body and not body[-1]:
            body.pop()
        if n + 1 < len(timings) and body and body[-1].isdigit():
            body.pop()  # the next cue's number
        text_lines = [line for line in body if line]
        if text_lines:
            segments.extend(_with_speakers([(None, "\n".join(text_lines))], start, end))
    return Transcript(source=name, segments=segments)


# -- JSON -------------------------------------------------------------------------------------


def _parse_json(text: str, name: str) -> Transcript:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CorruptFileError(
            f"{name}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}). "
            "Fix the file or export the transcript again.") from None
    except RecursionError:
        raise CorruptFileError(
            f"{name}: JSON nested too deeply to be a transcript. Export the transcript "
            "again.") from None
    except ValueError:  # the only other one: an integer of thousands of digits
        raise CorruptFileError(
            f"{name}: a number in the JSON is thousands of digits long; no transcript holds "
            "one. Fix the file or export the transcript again.") from None
    duration = language = None
    if isinstance(data, list):
        items, where = data, ""
    elif isinstance(data, dict):
        key = next((k for k in ("segments", "utterances") if k in data), None)
        if key is None:
            found = ", ".join(f"'{k}'" for k in list(data)[:8]) or "none"
            raise CorruptFileError(
                f"{name}: expected a list of segments, or an object with a 'segments' or "
                f"'utterances' list; found an object with keys {found}.")
        items, where = data[key], key
        if not isinstance(items, list):
            raise CorruptFileError(
                f"{name}: '{key}' must be a list of segments, found {_kind(items)}.")
        duration = _seconds(data.get("duration"), name, "duration")
        lang = data.get("language")
        language = lang if isinstance(lang, str) and lang.strip() else None
    else:
        raise CorruptFileError(
            f"{name}: expected a list of segments, or an object with a 'segments' list; "
            f"found {_kind(data)}.")
    segments = [_json_segment(item, f"{where}[{i}]", name) for i, item in enumerate(items)]
    return Transcript(source=name, segments=[s for s in segments if s.text],
                      duration=duration, language=language)


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "text", bool: "true/false",
             int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _seconds(value: Any, name: str, field: str) -> float | None:
    """Seconds from a number or an ``hh:mm:ss`` string; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            seconds = float(value)
        except OverflowError:  # an integer too large for a float
            seconds = math.inf
    elif isinstance(value, str):
        try:
            seconds = float(value) if re.fullmatch(r"\d+(\.\d+)?", value.strip()) \
                else parse_timestamp(value)
        except ValueError:
            seconds = math.nan
    else:
        seconds = math.nan
    if math.isnan(seconds) or math.isinf(seconds) or seconds < 0:
        raise CorruptFileError(
            f"{name}: {field}: expected seconds (a number >= 0) or 'hh:mm:ss', found "
            f"{json.dumps(value)[:60]}.")
    return seconds


def _json_segment(item: Any, where: str, name: str) -> Segment:
    if not isinstance(item, dict):
        raise CorruptFileError(
            f"{name}: {where}: expected an object with 'speaker' and 'text', found "
            f"{_kind(item)}.")
    if "text" not in item:
        raise CorruptFileError(f"{name}: {where}: missing 'text'; each segment needs its text.")
    text = item["text"]
    if not isinstance(text, str):
        raise CorruptFileError(f"{name}: {where}.text: expected text, found {_kind(text)}.")
    speaker = item.get("speaker")
    if isinstance(speaker, (int, float)) and not isinstance(speaker, bool):
        speaker = f"Speaker {speaker}"
    elif speaker is not None and not isinstance(speaker, str):
        raise CorruptFileError(
            f"{name}: {where}.speaker: expected a name, found {_kind(speaker)}.")
    start = _seconds(item.get("start"), name, f"{where}.start")
    end = _seconds(item.get("end"), name, f"{where}.end")
    if start is not None and end is not None and end < start:
        raise CorruptFileError(f"{name}: {where}.end: {end:g} is before start {start:g}.")
    words_raw = item.get("words") or []
    if not isinstance(words_raw, list):
        raise CorruptFileError(f"{name}: {where}.words: expected a list, found {_kind(words_raw)}.")
    words = [_json_word(w, f"{where}.words[{j}]", name) for j, w in enumerate(words_raw)]
    return Segment(speaker=" ".join((speaker or "").split()) or UNKNOWN_SPEAKER,
                   text=" ".join(text.split()), start=start, end=end, words=words)


def _json_word(item: Any, where: str, name: str) -> Word:
    if not isinstance(item, dict):
        raise CorruptFileError(f"{name}: {where}: expected an object, found {_kind(item)}.")
    text = item.get("word", item.get("text"))
    if not isinstance(text, str):
        raise CorruptFileError(f"{name}: {where}: expected 'word' (text), found "
                               f"{_kind(text)}.")
    start = _seconds(item.get("start"), name, f"{where}.start")
    end = _seconds(item.get("end"), name, f"{where}.end")
    if start is None or end is None:
        raise CorruptFileError(f"{name}: {where}: a word needs both 'start' and 'end'.")
    prob = item.get("probability", 1.0)
    if isinstance(prob, bool) or not isinstance(prob, (int, float)) or not 0 <= prob <= 1:
        raise CorruptFileError(f"{name}: {where}.probability: expected a number in 0..1, "
                               f"found {json.dumps(prob)[:40]}.")
    return Word(start=start, end=end, text=text.strip(), probability=float(prob))


# -- plain text -------------------------------------------------------------------------------


def _parse_txt(text: str, name: str) -> Transcript:
    segments: list[Segment] = []
    parts: list[list[str]] = []  # each segment's text pieces, joined once at the end
    skipped = 0
    for lineno, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if not line:
            continue
        start = None
        match = _TXT_STAMP.match(line)
        bare = None if match else _TXT_BARE_STAMP.match(line)
        if bare and not split_speaker(bare["rest"])[0]:
            bare = None
        if match or bare:
            stamp = (match or bare)["b"]  # type: ignore[index]
            try:
                start = parse_timestamp(stamp)
            except ValueError:
                raise CorruptFileError(
                    f"{name}: line {lineno}: '{stamp[:40]}' is not a timestamp; expected "
                    "[hh:mm:ss] or [mm:ss] (minutes and seconds below 60). Fix that "
                    "line.") from None
            line = (match or bare)["rest"]  # type: ignore[index]
        speaker, words = split_speaker(line)
        if speaker is not None:
            segments.append(Segment(speaker, "", start))
            parts.append([words])
        elif segments:
            parts[-1].append(line)
        else:
            skipped += 1
    if not segments:
        raise CorruptFileError(
            f"{name}: no 'Speaker: text' lines found. Write one turn per line, the speaker's "
            "name and a colon first, e.g. 'Dana: Thanks for joining.', optionally after a "
            "timestamp such as '[00:01:05]'.")
    for seg, pieces in zip(segments, parts, strict=True):
        seg.text = " ".join(" ".join(pieces).split())
    if skipped:
        log.warning("%s: skipped %d line(s) before the first 'Speaker: text' line", name, skipped)
    for seg, nxt in zip(segments, segments[1:], strict=False):
        if seg.start is not None and nxt.start is not None and nxt.start >= seg.start:
            seg.end = nxt.start
    return Transcript(source=name, segments=segments)


__all__ = ["TRANSCRIPT_EXTENSIONS", "read_transcript", "build_turns", "parse_timestamp",
           "split_speaker"]
