"""Sentences of spoken turns as the models read them: fragments joined, typed speech normalised.

The splitter itself (:func:`ingest.text.split_sentences`, re-exported here) is the one text
kernel's: it keeps character offsets, so spans stay verbatim.

Transcripts are spoken language: sentences end with ``.``, ``!``, ``?`` or ``…`` followed by
space, and abbreviations ("Mr.", "e.g.", "Inc.") or numbers ("99.9%", "$1.5k") must not cut a
sentence. Every :class:`Sentence` carries its ``[start, end)`` offsets in the original text,
so ``text[start:end] == sentence.text`` always holds.
"""

from __future__ import annotations

import re

from ingest.text import Sentence, split_sentences

__all__ = ["Sentence", "join_fragments", "model_text", "split_sentences", "word_count"]

def word_count(text: str) -> int:
    """Number of words (runs of letters or digits) in a text."""
    return len(re.findall(r"[A-Za-z0-9]+(?:'[a-z]+)?", text))


def join_fragments(sentences: list[Sentence], text: str, min_words: int = 2) -> list[Sentence]:
    """Attach fragments ("Hmm.", "Ouch.", "Right.") to the next sentence of the same text, so
    each unit says something on its own. A trailing fragment stays a unit of its own.

    Example:
        >>> t = "Ouch. That's steep. Okay."
        >>> [s.text for s in join_fragments(split_sentences(t), t)]
        ["Ouch. That's steep.", 'Okay.']
    """
    units: list[Sentence] = []
    pending: Sentence | None = None
    for s in sentences:
        if pending is not None:
            s = Sentence(text[pending.start:s.end], pending.start, s.end)
            pending = None
        if word_count(s.text) < min_words:
            pending = s
        else:
            units.append(s)
    if pending is not None:
        units.append(pending)
    return units


_CONTRACTIONS = {
    "cant": "can't", "dont": "don't", "wont": "won't", "isnt": "isn't", "arent": "aren't",
    "wasnt": "wasn't", "werent": "weren't", "doesnt": "doesn't", "didnt": "didn't",
    "havent": "haven't", "hasnt": "hasn't", "hadnt": "hadn't", "wouldnt": "wouldn't",
    "couldnt": "couldn't", "shouldnt": "shouldn't", "aint": "ain't", "im": "I'm", "ive": "I've",
    "youre": "you're", "theyre": "they're", "thats": "that's", "whats": "what's",
    "theres": "there's", "lets": "let's", "pls": "please", "plz": "please", "thx": "thanks",
    "tbh": "to be honest",
}
_TYPED = re.compile(r"(?<![\w'’])(" + "|".join(sorted(_CONTRACTIONS, key=len, reverse=True))
                    + r")(?![\w'’])", re.IGNORECASE)
_CHAT = {"u": "you", "ur": "your", "r": "are", "rn": "right now"}
_CHAT_WORD = re.compile(r"(?<![\w'’.])(u|ur|r|rn)(?![\w'’]|\.\w)")
"""Lower-case chat words only ("U.S.", "Plan R" stay)."""


def model_text(text: str) -> str:
    """A text as the models read it: typed-chat spellings and curly quotes made standard.

    People type "cant", "dont", "im", "u" and "ur"; the embedding model and the cue words know
    "can't", "don't", "I'm", "you". Only what the models read changes: spans shown to people
    stay verbatim.

    Example:
        >>> model_text("Unfortunately I cant do that, u know? It’s ur call")
        "Unfortunately I can't do that, you know? It's your call"
    """
    text = text.replace("’", "'").replace("‘", "'")

    def repl(m: re.Match[str]) -> str:
        word = m.group(1)
        if word.isupper() and len(word) > 1:
            return word  # an acronym ("IM", "CANT" shouted is rare)
        out = _CONTRACTIONS[word.lower()]
        return out[0].upper() + out[1:] if word[0].isupper() and out[0] != "I" else out

    return _CHAT_WORD.sub(lambda m: _CHAT[m.group(1)], _TYPED.sub(repl, text))
