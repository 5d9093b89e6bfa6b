"""Words, key terms and sentences of buyer questions and passages.

Tokens follow SQLite's ``unicode61`` tokenizer (runs of letters and digits, lower-cased), so a
term found here is a term the FTS5 index knows, and :func:`stem` (:func:`ingest.text.stem`) is
the index's own Porter stemmer, so a "matched term" is one the index matches too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ingest.text import STOPWORDS, lines_and_sentences, stem, tokens

__all__ = ["STOPWORDS", "edit_distance", "entity_terms", "fts_query", "holds", "key_terms",
           "matched_terms", "sentences", "stem", "stems", "tokens"]


def key_terms(text: str) -> list[str]:
    """The topic words of a text in order of first use: no stopwords, no one-letter tokens.

    Example:
        >>> key_terms("Can we keep our data in the EU region?")
        ['keep', 'data', 'eu', 'region']
    """
    seen: set[str] = set()
    out = []
    for tok in tokens(text):
        if tok in STOPWORDS or (len(tok) < 2 and not tok.isdigit()) or tok in seen:
            continue
        seen.add(tok)
        out.append(tok)
    return out


_WORD = re.compile(r"[^\W_][\w/&.-]*[^\W_]|[^\W_]", re.UNICODE)
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+|\n)\s*[\"'“‘(]?$")


def entity_terms(text: str) -> list[str]:
    """Tokens of the names and codes in a text: acronyms (``EU``, ``SAP``), capitalised words
    not opening a sentence (``Frankfurt``), words with digits and letters (``S/4HANA``).

    Example:
        >>> entity_terms("We run SAP S/4HANA. Is our data kept in the EU, in Frankfurt?")
        ['sap', '4hana', 'eu', 'frankfurt']
    """
    out: list[str] = []
    for match in _WORD.finditer(text):
        word = match.group(0)
        letters = [c for c in word if c.isalpha()]
        acronym = len(letters) >= 2 and all(c.isupper() for c in letters)
        mixed = any(c.isdigit() for c in word) and bool(letters)
        capital = word[0].isupper() and not _SENTENCE_START.search(text[:match.start()])
        if not (acronym or mixed or capital) or word.lower() in STOPWORDS or word == "I":
            continue
        for tok in tokens(word):
            if (len(tok) > 1 or tok.isdigit()) and tok not in STOPWORDS and tok not in out:
                out.append(tok)
    return out


def stems(text: str) -> set[str]:
    """The set of stems of every token of a text."""
    return {stem(t) for t in tokens(text)}


def matched_terms(query_terms: Iterable[str], passage: str) -> list[str]:
    """The query terms whose stem occurs in the passage, in query order."""
    have = stems(passage)
    return [t for t in query_terms if stem(t) in have]


def sentences(text: str, min_chars: int = 12) -> list[str]:
    """A passage split into sentences (and lines) by :func:`ingest.text.split_sentences`;
    fragments shorter than ``min_chars`` go.

    Example:
        >>> sentences("Data stays in Frankfurt, e.g. in Hesse. Backups too!\\nSee the DPA.")
        ['Data stays in Frankfurt, e.g. in Hesse.', 'Backups too!', 'See the DPA.']
    """
    parts = lines_and_sentences(text)
    return [p for p in parts if len(p) >= min_chars or (p and p[-1:] in ".!?" and len(p) > 4)]


def fts_query(terms: Iterable[str]) -> str:
    """An FTS5 query matching any of the terms (each a quoted string, so no syntax leaks in)."""
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Damerau-Levenshtein distance (a swap of two neighbouring letters is one edit),
    stopping early once it passes ``limit``.

    Example:
        >>> edit_distance("agnet", "agent"), edit_distance("vantora", "ventora")
        (1, 1)
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            d = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                d = min(d, prev2[j - 2] + 1)
            cur.append(d)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def holds(term: str, have: set[str]) -> bool:
    """Whether a passage, given the stems of its words (:func:`stems`), says a query term: the
    same stem, a longer word that starts with it (``auth`` -> ``authentication``), or, for a
    word of five letters or more, one slip of spelling away (``recieve``).

    Example:
        >>> have = stems("Two-factor authentication protects accounts you receive.")
        >>> holds("auth", have), holds("recieve", have), holds("northflank", have)
        (True, True, False)
    """
    s = stem(term)
    if s in have:
        return True
    if len(s) >= 4 and any(w.startswith(s) for w in have):
        return True
    return len(s) >= 5 and any(abs(len(w) - len(s)) <= 1 and edit_distance(s, w, 1) <= 1
                               for w in have)
