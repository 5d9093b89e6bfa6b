"""Entity variants: spellings of our company and product names that messaging.yaml does not declare.

A name is compared with the declared names (company, products, aliases) word by word and as
a whole with case, spaces and punctuation ignored. Spans of one to three words starting with
a capitalised word are candidates; the longest span that is close to a declared name wins:

- ``spelling`` (medium on public pages, low elsewhere): the same letters as a declared name,
  joined, spaced or hyphenated differently (``VantoraLedger``, ``Vantora-Connect``,
  ``Vant ora``);
- ``case`` (medium public, low elsewhere): capitals where the name has none (``VanTora``,
  ``QuarryDb``); all capitals, title case, or lower case where the name has capitals ("the Vantora
  ledger", a name used as a common noun) are styling and are ignored;
- ``punctuation`` (low): a declared name without its period (``Vantora Inc``);
- ``misspelling`` (medium public, low elsewhere): the same words as a declared name, each
  equal or within one edit (two for words of eight letters or more; a swap of two letters
  is one edit) and at least one word of five letters or more misspelt (``Ventora``,
  ``Vantora Leger``), or a plural name in the singular (``Tidewell Bot`` for ``Tidewell
  Bots``); short words must otherwise match exactly, so "Acme API" is not "Acme CLI";
- ``suffix`` (medium public, low elsewhere): a declared name with an undeclared, capitalised
  corporate suffix (``Vantora Technologies``, ``Vantora Corp``; not "Vantora solutions").

The company name followed by an ordinary word ("Acme Volumes", "Acme Quickstart") is how
feature names are made, so it is not a variant. Other companies' names (Paystream, NetSuite)
are far from every declared name. Names inside URLs and email addresses are left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.consistency.claims import split_text
from rag.consistency.names import Names
from rag.terms import edit_distance

CORPORATE_SUFFIXES = frozenset("""
inc inc. incorporated corp corp. corporation co co. company ltd ltd. limited llc l.l.c. plc gmbh
ag sa s.a. bv b.v. technologies technology tech systems software labs group holdings
solutions international global
""".split())
_URL = re.compile(r"https?://\S+|www\.\S+|\S+@\S+|\b[\w-]+\.(?:com|io|ai|co|net|org|app)\b\S*",
                  re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9&]*(?:[.-][A-Za-z0-9]+)*\.?")
_ONE = re.compile(r"\b(?:a|an|each|every|one|another|this|that|any)\s+$", re.IGNORECASE)
MAX_WORDS = 3
"""Longest span (in words) compared with a declared name."""
MIN_FUZZY = 5
"""Words shorter than this must be spelt exactly; a misspelling needs a word this long."""


def normalise(name: str) -> str:
    """Lower-case letters and digits only: ``Vantora-Ledger`` -> ``vantoraledger``."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _word_limit(word: str) -> int:
    return 0 if len(word) < MIN_FUZZY else 1 if len(word) < 8 else 2


@dataclass(frozen=True, slots=True)
class Variant:
    """An undeclared spelling of one of our names, with the sentence it is in."""

    found: str
    declared: str
    reason: str
    sentence: str


class VariantFinder:
    """Finds undeclared spellings of the declared company and product names.

    Args:
        names: The declared names.

    Example:
        >>> from ingest.messaging import load_messaging
        >>> finder = VariantFinder(Names(load_messaging(Path("demo/messaging.yaml"))))
        >>> [(v.found, v.reason) for v in finder.find("VantoraLedger, by Vantora Technologies.")]
        [('VantoraLedger', 'spelling'), ('Vantora Technologies', 'suffix')]
    """

    def __init__(self, names: Names) -> None:
        self.names = names
        self.declared = {normalise(n): n for n in names.declared}
        self._words = {n: [normalise(w) for w in re.split(r"[\s-]+", n) if normalise(w)]
                       for n in names.declared}
        self.company = names.company

    def find(self, text: str) -> list[Variant]:
        """The variants in a text, in order (one per occurrence)."""
        out: list[Variant] = []
        for sentence in split_text(text):
            clean = _URL.sub(lambda m: " " * len(m.group()), sentence)
            words = list(_WORD.finditer(clean))
            i = 0
            while i < len(words):
                if not words[i].group()[0].isupper():
                    i += 1
                    continue
                found = self._best(clean, words, i)
                if found is None:
                    i += 1
                    continue
                j, verdict = found
                if verdict is not None:
                    out.append(Variant(verdict[0], verdict[1], verdict[2], sentence))
                i = j + 1
        return out

    def _best(self, text: str, words: list[re.Match[str]], i: int
              ) -> tuple[int, tuple[str, str, str] | None] | None:
        """The longest span from word ``i`` that is a declared name or close to one:
        ``(index of its last word, (found, declared, reason) or None when declared)``."""
        for j in range(min(len(words), i + MAX_WORDS) - 1, i - 1, -1):
            if any(text[words[k].end():words[k + 1].start()] not in (" ", "-")
                   for k in range(i, j)):
                continue
            span = text[words[i].start():words[j].end()]
            if span.endswith(".") and not self._dotted(span):
                span = span[:-1]  # the sentence's full stop
            one = _ONE.search(text[:words[i].start()]) is not None
            verdict = self._judge(span, one)
            if verdict is not False:
                return j, verdict
        return None

    def _dotted(self, span: str) -> bool:
        """Whether a span's final period belongs to it ("Inc.", "Corp.")."""
        last = span.split()[-1].lower()
        return last in CORPORATE_SUFFIXES or any(n.lower().endswith(last) and n.endswith(".")
                                                 for n in self.names.declared)

    def _judge(self, span: str, one: bool = False) -> tuple[str, str, str] | None | bool:
        """``(found, declared, reason)`` for a variant, None for a declared name (or its
        styling), False when the span is no name of ours."""
        if span in self.names.declared:
            return None
        norm = normalise(span)
        if norm in self.declared:
            name = self.declared[norm]
            if span.lower() == name.lower():
                if _styling(span, name):
                    return None
                return (span, name, "case")
            if span.replace(".", "") == name.replace(".", ""):
                return (span, name, "punctuation")
            return (span, name, "spelling")
        misspelt = self._misspelt(span, one)
        if misspelt is not None:
            return (span, misspelt, "misspelling")
        parts = span.split()
        for k in range(len(parts) - 1, 0, -1):
            head = " ".join(parts[:k])
            if normalise(head) in self.declared and \
                    head.lower() == self.declared[normalise(head)].lower() and \
                    all(r.lower() in CORPORATE_SUFFIXES and r[0].isupper() for r in parts[k:]):
                return (span, self.declared[normalise(head)], "suffix")
        return False

    def _misspelt(self, span: str, one: bool = False) -> str | None:
        """The declared name a span misspells word for word, or None. After "a", "each"...
        a plural name in the singular names one thing of that kind ("a Tidewell Bot"), not
        the product."""
        raw = [w for w in re.split(r"[\s-]+", span) if normalise(w)]
        got = [normalise(w) for w in raw]
        for name, want in self._words.items():
            if len(got) != len(want) or got == want:
                continue
            declared = [w for w in re.split(r"[\s-]+", name) if normalise(w)]
            if any(r.islower() and d[:1].isupper() for r, d in zip(raw, declared)):
                continue  # "an Acme storage bucket": the name used as a common noun
            misspelt = False
            for g, w in zip(got, want):
                if g == w:
                    continue
                if len(w) >= 4 and w.endswith("s") and g == w[:-1]:  # singular of a plural
                    if one:
                        break
                    misspelt = True
                elif edit_distance(g, w, 2) <= _word_limit(w) and len(w) >= MIN_FUZZY:
                    misspelt = True
                else:
                    break
            else:
                if misspelt:
                    return name
        return None


def _styling(span: str, name: str) -> bool:
    """Whether a span differs from a declared name of the same letters by styling only: all
    capitals, title case, or no capital where the name has none ("the Acme agent" for "Acme
    Agent" uses the name as a common noun). Capitals inside a word where the name has none ("AcMe",
    "RailPack") are a variant."""
    if span.isupper() or span == " ".join(w[:1].upper() + w[1:] for w in name.split()):
        return True  # shouting, or title case ("the Pro Plan" for "Pro plan")
    return not any(a.isupper() and b.islower() for a, b in zip(span, name))


VARIANT_SEVERITY = {"case": "medium", "spelling": "medium", "misspelling": "medium",
                    "suffix": "medium", "punctuation": "low"}
"""Severity on public pages; every variant is ``low`` elsewhere."""


__all__ = ["CORPORATE_SUFFIXES", "VARIANT_SEVERITY", "Variant", "VariantFinder", "edit_distance",
           "normalise"]
