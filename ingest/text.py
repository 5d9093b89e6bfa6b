"""The text kernel every layer shares: word tokens, stop-words, sentences and shortening.

One of each, so that a term, a sentence or a label means the same thing in ingest, insights, rag
and the UI. Tokens follow SQLite's ``unicode61`` tokenizer (runs of letters and digits,
lower-cased), so a token here is a token the FTS5 index knows. Sentences keep their character
offsets, so spans stay verbatim: ``text[start:end] == sentence.text``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)

STOPWORDS = frozenset("""
a about above after again against all also am an and any anyone anything are aren as at be
because been before being below between both but by can cannot could couldn did didn do does
doesn doing don down during each else even ever every few for from further get gets getting got
had hadn has hasn have haven having he her here hers herself him himself his how i if in into is
isn it its itself just let like ll may me might more most much must mustn my myself need needs
no nor not now of off on once one only or other our ours ourselves out over own per please
pretty quite rather re really s same say says shall she should shouldn so some something still
such sure t than that thats the their theirs them themselves then there these they thing things
this those though through thus to too under until up upon us ve very via want wants was wasn
way we well were weren what whats when where whether which while who whom whose why will with
won would wouldn yeah yes yet you your yours yourself yourselves ok okay hey hi guys honestly
basically actually kind sort lot lots going gonna wanna know think thinking mean tell look
looking seem seems sounds hear heard said right mm uh um hmm oh worried worry worries
concerned concern wondering wonder curious question questions quick bit guess told tells
""".split())
"""Function words and filler that carry no topic (questions and call speech included)."""

KEYPHRASE_STOPWORDS = STOPWORDS | frozenset("""
hm maybe probably anyway stuff fine good great nice alright true sorry able bad huge big first
second always already today tomorrow yesterday literally definitely totally hard harder easy
easier higher lower realistic unrealistic important new old real whole different tough clear
small short long better worse best worst bigger smaller part bothers bother bothered problem
issue
needed wanted thinks thought knows knew make makes made take takes took go goes gone done lets
see sees saw seen looks use used using ask asks asked asking give gives gave given come comes
came put puts feel feels felt seemed try tries tried help helps helped run runs ran sit sits sat
hope hoped hoping work works worked working start starting started raise believe buy stay stays
care matter matters afford fix solve solves move moves keep keeps kept spend spent pay pays paid
paying wish understand understood sound sounded talk talking wait waiting decide decided happen
happens happened sign signs signed signing commit committed accept accepted win lose lost send
sending
""".split())
"""The stop-words of keyphrases and theme labels: :data:`STOPWORDS`, and also judgements,
degrees and times ("hard", "important", "problem", "today": how a speaker feels about a subject,
not the subject) and common verbs ("pay", "sign", "work"). A label must not be made of them,
while a search, a key term or a claim may well turn on them ("can we pay monthly?"), so they
are a superset here rather than part of :data:`STOPWORDS`."""


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens, as SQLite's unicode61 tokenizer splits them.

    Example:
        >>> tokens("Is our data in the EU? SAP S/4HANA!")
        ['is', 'our', 'data', 'in', 'the', 'eu', 'sap', 's', '4hana']
    """
    return [t.lower() for t in _TOKEN.findall(text)]


def shorten(text: str, limit: int) -> str:
    """``text`` on one line (white space folded), cut to ``limit`` characters with an ellipsis.

    Example:
        >>> shorten("Security review\\n takes   weeks", 14)
        'Security revi…'
        >>> shorten("On time", 14)
        'On time'
    """
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


_TITLES = frozenset({"mr", "mrs", "ms", "dr", "prof", "st", "vs", "e.g", "i.e", "approx"})
"""Abbreviations that never end a sentence."""
_ABBREVIATIONS = frozenset({
    "no", "sr", "jr", "etc", "inc", "ltd", "co", "corp", "llc", "dept", "est", "vol", "fig", "a.m",
    "p.m", "u.s", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec",
})
"""Abbreviations that end a sentence only when a capitalised word follows."""

# A candidate boundary: terminal punctuation (with closing quotes/brackets), then whitespace.
_BOUNDARY = re.compile(r"(?:[.!?]+|…)[\"'”’)\]]*(?=\s+)")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of a text with its ``[start, end)`` character offsets in that text."""

    text: str
    start: int
    end: int


def split_sentences(text: str) -> list[Sentence]:
    """Split text into sentences, keeping each one's offsets in ``text``.

    Args:
        text: A turn's text (or any passage).

    Returns:
        The non-empty sentences, in order, stripped of surrounding whitespace.

    Example:
        >>> [s.text for s in split_sentences("Ouch. That's steep. Is it $1.5k, e.g. monthly?")]
        ['Ouch.', "That's steep.", 'Is it $1.5k, e.g. monthly?']
    """
    sentences: list[Sentence] = []
    begin = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        if match.group() == "." and _is_abbreviation(text[begin:match.start()], text[end:]):
            continue
        _append(sentences, text, begin, end)
        begin = end
    _append(sentences, text, begin, len(text))
    return sentences


def _is_abbreviation(before: str, after: str) -> bool:
    word = _WORD_BEFORE.search(before)
    if word is None:
        return False
    token = word.group(1).lower().rstrip(".")
    if token in _TITLES or (len(token) == 1 and token.isalpha() and token != "i"):
        return True
    return token in _ABBREVIATIONS and not after.lstrip()[:1].isupper()


def _append(out: list[Sentence], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append(Sentence(text[start:end], start, end))


def lines_and_sentences(text: str) -> list[str]:
    """A passage's sentences, each line split on its own, white space folded.

    Example:
        >>> lines_and_sentences("Data stays in Frankfurt. Backups too!\\nSee the DPA.")
        ['Data stays in Frankfurt.', 'Backups too!', 'See the DPA.']
    """
    return [" ".join(s.text.split()) for line in text.split("\n")
            for s in split_sentences(line)]


# -- the stemmer of the index ---------------------------------------------------------------
#
# Porter's algorithm (M.F. Porter, "An algorithm for suffix stripping", 1980) as SQLite's FTS5
# ``porter`` tokenizer runs it, so that a stem here is a term of the index. Its particulars,
# kept on purpose: it works on the UTF-8 bytes of the unicode61 token (diacritics removed, any
# non-ASCII byte a consonant); tokens under 3 or over 64 bytes are left alone; a suffix only
# matches a longer word; in each step only the first listed suffix the word ends with is
# tried; ``y`` is a vowel after a consonant, and for "the stem holds a vowel" anywhere but at
# the start; and the ``logi``/``bli`` rules of Porter's later revision are in.

_VOWELS = frozenset(b"aeiou")
_Y = ord("y")


def _consonant_flags(word: bytes) -> list[bool]:
    flags = []
    prev = False
    for c in word:
        prev = not (c in _VOWELS or (c == _Y and prev))
        flags.append(prev)
    return flags


def _measure(word: bytes) -> int:
    """Porter's *m*: the number of vowel-consonant sequences in ``[C](VC)^m[V]``."""
    m = 0
    prev = True
    for cons in _consonant_flags(word):
        if cons and not prev:
            m += 1
        prev = cons
    return m


def _has_vowel(word: bytes) -> bool:
    return any(c in _VOWELS or (c == _Y and i > 0) for i, c in enumerate(word))


def _cvc(word: bytes) -> bool:
    """Ends consonant-vowel-consonant, the last not ``w``, ``x`` or ``y`` (Porter's *o)."""
    if not word or word[-1] in b"wxy":
        return False
    flags = [False, False, False, *_consonant_flags(word)]
    return flags[-3:] == [True, False, True]


def _m_gt0(stem: bytes) -> bool:
    return _measure(stem) > 0


def _m_gt1(stem: bytes) -> bool:
    return _measure(stem) > 1


def _m_gt1_s_t(stem: bytes) -> bool:
    return stem[-1:] in (b"s", b"t") and _measure(stem) > 1


_STEP2 = tuple((s.encode(), r.encode()) for s, r in (
    ("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"),
    ("logi", "log"), ("bli", "ble"), ("alli", "al"), ("entli", "ent"), ("eli", "e"),
    ("ousli", "ous"), ("ization", "ize"), ("ation", "ate"), ("ator", "ate"), ("alism", "al"),
    ("iveness", "ive"), ("fulness", "ful"), ("ousness", "ous"), ("aliti", "al"),
    ("iviti", "ive"), ("biliti", "ble")))
_STEP3 = tuple((s.encode(), r.encode()) for s, r in (
    ("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"), ("ful", ""),
    ("ness", "")))
_STEP4 = tuple(s.encode() for s in (
    "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion", "ou",
    "ism", "ate", "iti", "ous", "ive", "ize"))


def _first_suffix(word: bytes, suffixes) -> int:
    """Index of the first of ``suffixes`` (bytes, or pairs led by bytes) that ``word`` ends
    with and is longer than; -1 for none."""
    for i, entry in enumerate(suffixes):
        suffix = entry if isinstance(entry, bytes) else entry[0]
        if len(word) > len(suffix) and word.endswith(suffix):
            return i
    return -1


def _replace(word: bytes, rules, condition) -> bytes:
    i = _first_suffix(word, rules)
    if i < 0:
        return word
    suffix, repl = rules[i]
    stem = word[: len(word) - len(suffix)]
    return stem + repl if condition(stem) else word


def _step1(w: bytes) -> bytes:
    if w.endswith(b"s"):
        if w.endswith(b"es"):
            w = w[:-2] if (len(w) > 4 and w.endswith(b"sses")) or (
                len(w) > 3 and w.endswith(b"ies")) else w[:-1]
        elif not w.endswith(b"ss"):
            w = w[:-1]
    if len(w) > 3 and w.endswith(b"eed"):
        return w[:-1] if _m_gt0(w[:-3]) else w
    for suffix in (b"ed", b"ing"):
        if len(w) > len(suffix) and w.endswith(suffix):
            if not _has_vowel(w[: -len(suffix)]):
                return w
            w = w[: -len(suffix)]
            if len(w) > 2 and w.endswith((b"at", b"bl", b"iz")):
                return w + b"e"
            last = w[-1]
            if len(w) > 1 and last == w[-2] and last not in _VOWELS and last not in b"lsz":
                return w[:-1]
            if _measure(w) == 1 and _cvc(w):
                return w + b"e"
            return w
    return w


def _porter(w: bytes) -> bytes:
    w = _step1(w)
    if w.endswith(b"y") and _has_vowel(w[:-1]):
        w = w[:-1] + b"i"
    w = _replace(w, _STEP2, _m_gt0)
    w = _replace(w, _STEP3, _m_gt0)
    i = _first_suffix(w, _STEP4)
    if i >= 0:
        stem = w[: len(w) - len(_STEP4[i])]
        if (_m_gt1_s_t if _STEP4[i] == b"ion" else _m_gt1)(stem):
            w = stem
    if w.endswith(b"e"):
        m = _measure(w[:-1])
        if m > 1 or (m == 1 and not _cvc(w[:-1])):
            w = w[:-1]
    if len(w) > 1 and w.endswith(b"ll") and _m_gt1(w[:-1]):
        w = w[:-1]
    return w


def _fold(word: str) -> str:
    """Lower case without diacritics, as the unicode61 tokenizer stores a token."""
    word = word.lower()
    return word if word.isascii() else "".join(_latin_base(c) for c in word)


@lru_cache(maxsize=4096)
def _latin_base(char: str) -> str:
    """A Latin letter with diacritics as its base letter (``é`` -> ``e``), a lone diacritic
    dropped; other characters unchanged."""
    if unicodedata.combining(char):
        return ""
    parts = unicodedata.normalize("NFD", char)
    if parts[:1].isascii() and parts[:1].isalpha() and all(
            unicodedata.combining(c) for c in parts[1:]):
        return parts[0]
    return char


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A word's term in the index: SQLite FTS5's Porter stem of its unicode61 token, so a
    word's stem here is the term the index stores (``hosting``, ``hosted`` -> ``host``).

    Example:
        >>> [stem(w) for w in ("hosting", "invoices", "integration", "security", "EU")]
        ['host', 'invoic', 'integr', 'secur', 'eu']
    """
    folded = _fold(word)
    raw = folded.encode()
    if not 3 <= len(raw) <= 64:
        return folded
    return _porter(raw).decode("utf-8", errors="ignore")
