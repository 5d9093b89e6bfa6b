"""Optional redaction of personal data from transcripts before they are stored or embedded.

Emails, phone numbers and payment card numbers (Luhn-checked) are replaced by
``[EMAIL]``, ``[PHONE]`` and ``[CARD]``. Turned on by ``CALLMINE_REDACT=true``.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ingest.records import Segment, Word

_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
_CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
_PHONE = re.compile(
    r"(?<![\w.])(?:\+?\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?)?\d{2,4}[ .-]\d{3,4}(?:[ .-]\d{2,4})?(?!\w|[.,]\d)"
)


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

    Example:
        >>> Redactor().text("mail jo@acme.com or call +1 415-555-0100")
        'mail [EMAIL] or call [PHONE]'
    """

    def text(self, text: str) -> str:
        text = _EMAIL.sub("[EMAIL]", text)

        def card(match: re.Match) -> str:
            digits = re.sub(r"\D", "", match.group())
            return "[CARD]" if 13 <= len(digits) <= 19 and _luhn(digits) else match.group()

        text = _CARD.sub(card, text)
        return _PHONE.sub(
            lambda m: "[PHONE]" if sum(c.isdigit() for c in m.group()) >= 7 else m.group(), text
        )

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Character spans of ``text`` that :meth:`text` replaces (they may overlap)."""
        out = [m.span() for m in _EMAIL.finditer(text)]
        for m in _CARD.finditer(text):
            digits = re.sub(r"\D", "", m.group())
            if 13 <= len(digits) <= 19 and _luhn(digits):
                out.append(m.span())
        out += [m.span() for m in _PHONE.finditer(text)
                if sum(c.isdigit() for c in m.group()) >= 7]
        return out

    def segment(self, segment: Segment) -> Segment:
        """A copy of the segment with redacted text, and without the timing of every word that
        overlaps a redacted span: a card or phone number spoken as several words ("4111 1111
        ...") is dropped word by word, though no single word is a number on its own. A word
        that cannot be found in the text is dropped when it holds a digit or an "@"."""
        clean = self.text(segment.text)
        if clean == segment.text:
            return segment
        spans = self.spans(segment.text)
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
        return replace(segment, text=clean, words=[Word(w.start, w.end, w.text, w.probability)
                                                   for w in kept])
