"""Optional redaction of personal data from transcripts before they are stored or embedded.

Emails, phone numbers and payment card numbers (Luhn-checked) are replaced by
``[EMAIL]``, ``[PHONE]`` and ``[CARD]`` in turn text, word timings, speaker names and the
manifest's free-text fields. Turned on by ``CALLMINE_REDACT=true``; numbers without a
country code are read as from ``CALLMINE_REDACT_REGION`` (default US).
"""

from __future__ import annotations

import re
from dataclasses import replace

from ingest.records import CallMeta, Segment, Word

_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
_CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
_PHONE = re.compile(
    r"(?<![\w.])(?:\+?\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?)?\d{2,4}[ .-]\d{3,4}(?:[ .-]\d{2,4})?(?!\w|[.,]\d)"
)


def _phone_numbers(text: str, region: str) -> list[tuple[int, int]]:
    """Spans of the phone numbers ``phonenumbers`` finds (valid numbers only); none when the
    library is not installed (the pattern above still runs)."""
    if not any(c.isdigit() for c in text):
        return []
    try:
        import phonenumbers
    except ImportError:  # pragma: no cover - a dependency; kept optional for minimal installs
        return []
    return [(m.start, m.end) for m in phonenumbers.PhoneNumberMatcher(
        text, region, leniency=phonenumbers.Leniency.VALID)]


def _replaced(text: str, marks: list[tuple[int, int, str]]) -> str:
    """``text`` with each ``(start, end, placeholder)`` of ``marks`` (in order, apart) put in."""
    out, at = [], 0
    for start, end, label in marks:
        out.append(text[at:start] + label)
        at = end
    return "".join(out) + text[at:]


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


class Redactor:
    """Replaces emails, phone numbers and card numbers in text.

    Phone numbers are found by Google's ``phonenumbers`` library when it is installed
    (international "+49 30 901820" and unformatted "4155550145" ones; numbers without a country
    code are read as from ``region``) and by a pattern for separated digit groups; cards by
    the Luhn check.

    Args:
        region: Two-letter region for numbers written without a country code.

    Example:
        >>> Redactor().text("mail jo@acme.com or call +1 415-555-0100")
        'mail [EMAIL] or call [PHONE]'
    """

    def __init__(self, region: str = "US") -> None:
        self.region = region.upper()

    def text(self, text: str) -> str:
        """The text with every email, card and phone number replaced by its placeholder."""
        return _replaced(text, self._marks(text))

    def _marks(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping ``(start, end, placeholder)``, in order; emails win over cards,
        cards over phone numbers."""
        found = [(m.start(), m.end(), "[EMAIL]") for m in _EMAIL.finditer(text)]
        for m in _CARD.finditer(text):
            digits = re.sub(r"\D", "", m.group())
            if 13 <= len(digits) <= 19 and _luhn(digits):
                found.append((m.start(), m.end(), "[CARD]"))
        found += [(m.start(), m.end(), "[PHONE]") for m in _PHONE.finditer(text)
                  if sum(c.isdigit() for c in m.group()) >= 7]
        found += [(start, end, "[PHONE]") for start, end in _phone_numbers(text, self.region)]
        rank = {"[EMAIL]": 0, "[CARD]": 1, "[PHONE]": 2}
        marks: list[tuple[int, int, str]] = []
        for start, end, label in sorted(found, key=lambda f: (rank[f[2]], f[0])):
            clash = [m for m in marks if start < m[1] and m[0] < end]
            if not clash:
                marks.append((start, end, label))
            elif all(rank[m[2]] == rank[label] for m in clash):  # two phone finds: join them
                for m in clash:
                    marks.remove(m)
                marks.append((min([start] + [m[0] for m in clash]),
                              max([end] + [m[1] for m in clash]), label))
        return sorted(marks)

    def segment(self, segment: Segment) -> Segment:
        """A copy of the segment with redacted text, and without the timing of every word that
        overlaps a redacted span: a card or phone number spoken as several words ("4111 1111
        ...") is dropped word by word, though no single word is a number on its own. A word
        that cannot be found in the text is dropped when it holds a digit or an "@"."""
        marks = self._marks(segment.text)
        speaker = self.text(segment.speaker)  # a speaker label can be an e-mail address
        if not marks:
            return segment if speaker == segment.speaker else replace(segment, speaker=speaker)
        clean = _replaced(segment.text, marks)
        spans = [(start, end) for start, end, _ in marks]
        kept, at = [], 0
        for w in segment.words:
            word = w.text.strip()
            found = segment.text.find(word, at) if word else -1
            if found < 0:
                if not any(c.isdigit() or c == "@" for c in word):
                    kept.append(w)
                continue
            end = found + len(word)
            at = end
            if not any(start < end and found < stop for start, stop in spans):
                kept.append(w)
        return replace(segment, text=clean, speaker=speaker,
                       words=[Word(w.start, w.end, w.text, w.probability) for w in kept])

    def meta(self, meta: CallMeta) -> CallMeta:
        """The manifest's free-text fields (rep, account, stage, segment) redacted; the call id
        is kept (it names the call everywhere)."""
        return replace(meta, **{f: self.text(v) for f in ("rep", "account", "stage", "segment")
                                if isinstance(v := getattr(meta, f), str)})
