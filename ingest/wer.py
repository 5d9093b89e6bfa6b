"""Word error rate, for measuring transcription against a reference."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
"""Letters and digits, with inner apostrophes kept (``don't``, ``customer's``)."""


def normalise_words(text: str) -> list[str]:
    """Lower-case words without punctuation (curly apostrophes count as straight ones).

    Example:
        >>> normalise_words("Don’t PANIC, it's 9-to-5!")
        ["don't", 'panic', "it's", '9', 'to', '5']
    """
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").casefold()
    return _WORD.findall(text)


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words, by word-level Levenshtein.

    Case and punctuation are ignored; numbers are compared as written ("6" is not "six").
    An empty reference gives 0.0 against an empty hypothesis and 1.0 against anything else.

    Example:
        >>> word_error_rate("the price is too high", "The prize is high!")
        0.4
    """
    ref, hyp = normalise_words(reference), normalise_words(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h))
        previous = current
    return previous[-1] / len(ref)
