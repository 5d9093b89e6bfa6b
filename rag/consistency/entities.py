"""Entity variants: spellings of our company and product names that messaging.yaml does not declare.

Names are compared normalised (case, spaces and punctuation ignored). A span is a candidate
when it contains the company name (``VantoraLedger``, ``Vantora Technologies``) or a word
within a small edit distance of it (``Ventora``), extended by the capitalised words and
corporate suffixes that follow. A candidate that is a declared name, or differs from one by
case only, is fine. Otherwise it is a variant:

- ``spelling`` (medium on public pages, low elsewhere): the same letters as a declared name,
  spaced or punctuated differently (``VantoraLedger``, ``Vantora-Connect``);
- ``case`` (medium public, low elsewhere): capitals inside the name (``VanTora``); all
  capitals or all lower case are styling and are ignored;
- ``punctuation`` (low): a declared name without its period (``Vantora Inc``);
- ``misspelling`` (medium public, low elsewhere): within edit distance 1 (2 for names of 8+
  letters) of a declared name;
- ``suffix`` (medium public, low elsewhere): the company name with an undeclared corporate
  suffix (``Vantora Technologies``, ``Vantora Corp``);
- ``product`` (low): the company name with an undeclared capitalised word (``Vantora Pay``;
  not a CamelCase partner name such as ``Vantora QuickBooks``, nor in a title-case line).

Other companies' names (Paystream, InvoiceHub, NetSuite) contain neither the company name nor
anything close to it, so they are never candidates. Names inside URLs and email addresses are
left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.consistency.claims import split_text
from rag.consistency.names import Names

CORPORATE_SUFFIXES = frozenset("""
inc inc. incorporated corp corp. corporation co co. company ltd ltd. limited llc l.l.c. plc gmbh
ag sa s.a. bv b.v. technologies technology tech systems software labs group holdings
solutions international global
""".split())
_URL = re.compile(r"https?://\S+|www\.\S+|\S+@\S+|\b[\w-]+\.(?:com|io|ai|co|net|org)\b\S*",
                  re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9&]*(?:[.-][A-Za-z0-9]+)*\.?")
_TITLE_FILLERS = frozenset("a an and the of for to in on with vs".split())


def normalise(name: str) -> str:
    """Lower-case letters and digits only: ``Vantora-Ledger`` -> ``vantoraledger``."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Levenshtein distance, stopping early once it passes ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > limit:
            return limit + 1
        prev = cur
    return prev[-1]


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
        >>> finder = VariantFinder(Names(load_messaging(Path("demo/messaging.yaml"))))
        >>> [(v.found, v.reason) for v in finder.find("VantoraLedger, by Vantora Technologies.")]
        [('VantoraLedger', 'spelling'), ('Vantora Technologies', 'suffix')]
    """

    def __init__(self, names: Names) -> None:
        self.names = names
        self.declared = {normalise(n): n for n in names.declared}
        self.root = names.company.split()[0]
        self.root_norm = normalise(self.root)

    def _near_root(self, word: str) -> bool:
        w = normalise(word)
        if self.root_norm in w:
            return True
        limit = 1 if len(self.root_norm) < 8 else 2
        return len(self.root_norm) >= 5 and \
            edit_distance(w[: len(self.root_norm) + 1], self.root_norm, limit) <= limit and \
            edit_distance(w, self.root_norm, limit) <= limit

    def find(self, text: str) -> list[Variant]:
        """The variants in a text, in order (one per occurrence)."""
        out: list[Variant] = []
        for sentence in split_text(text):
            clean = _URL.sub(lambda m: " " * len(m.group()), sentence)
            words = list(_WORD.finditer(clean))
            i = 0
            while i < len(words):
                word = words[i].group()
                if not word[0].isupper() or not self._near_root(word.rstrip(".")):
                    i += 1
                    continue
                j = self._extend(clean, words, i)
                span = clean[words[i].start():words[j].end()]
                span = re.sub(r"['’]s$", "", span)
                if span.endswith(".") and not self._dotted(span):
                    span = span[:-1]  # the sentence's full stop
                variant = self._judge(span, clean)
                if variant is not None:
                    out.append(Variant(variant[0], variant[1], variant[2], sentence))
                i = j + 1
        return out

    def _dotted(self, span: str) -> bool:
        """Whether a span's final period belongs to it ("Inc.", "Corp.")."""
        last = span.split()[-1].lower()
        return last in CORPORATE_SUFFIXES or any(n.lower().endswith(last) and n.endswith(".")
                                                 for n in self.names.declared)

    def _extend(self, text: str, words: list[re.Match[str]], i: int) -> int:
        """Index of the last word of the name that starts at word ``i``."""
        j = i
        while j + 1 < len(words) and j - i < 3:
            gap = text[words[j].end():words[j + 1].start()]
            nxt = words[j + 1].group()
            if gap not in (" ", "-") or not nxt[0].isupper():
                break
            if nxt.lower() not in CORPORATE_SUFFIXES and len(nxt) <= 4 and nxt.isupper():
                break  # an acronym after the name ("Vantora AP automation")
            j += 1
        return j

    def _judge(self, span: str, text: str) -> tuple[str, str, str] | None:
        """``(found, declared, reason)`` for an undeclared span, else None."""
        declared = self.declared
        norm = normalise(span)
        if span in self.names.declared:
            return None
        if norm in declared:
            name = declared[norm]
            if span.lower() == name.lower():
                if span.isupper() or span.islower() or span == name.title():
                    return None  # case only ("VANTORA" in a heading, "vantora" in speech)
                return (span, name, "case")
            if span.replace(".", "") == name.replace(".", ""):
                return (span, name, "punctuation")
            return (span, name, "spelling")
        best = min(declared, key=lambda d: edit_distance(norm, d, 3))
        limit = 1 if len(best) < 8 else 2
        if edit_distance(norm, best, limit) <= limit:
            return (span, declared[best], "misspelling")
        # the longest declared name this span starts with, then what follows it
        parts = span.split()
        for k in range(len(parts), 0, -1):
            head = " ".join(parts[:k])
            if normalise(head) in declared and head.lower() == declared[normalise(head)].lower():
                rest = parts[k:]
                name = declared[normalise(head)]
                if all(r.lower() in CORPORATE_SUFFIXES for r in rest):
                    return (span, name, "suffix")
                if head.lower() == self.root.lower() and len(rest) == 1 \
                        and not re.search(r"[a-z][A-Z]", rest[0]) and not self._title_case(text):
                    return (span, name, "product")
                return None  # "Vantora Ledger Sync": a feature of a declared product; a title
        first = normalise(parts[0])
        if first != self.root_norm and edit_distance(first, self.root_norm, 2) <= (
                1 if len(self.root_norm) < 8 else 2):
            return (parts[0], self.names.company, "misspelling")
        return None

    @staticmethod
    def _title_case(text: str) -> bool:
        """Whether a line is written in title case (a heading), not as a sentence."""
        words = [w for w in re.findall(r"[A-Za-z][A-Za-z'’-]*", text)
                 if w.lower() not in _TITLE_FILLERS]
        return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


VARIANT_SEVERITY = {"case": "medium", "spelling": "medium", "misspelling": "medium", "suffix": "medium",
                    "punctuation": "low", "product": "low"}
"""Severity on public pages; every variant is ``low`` elsewhere."""


__all__ = ["CORPORATE_SUFFIXES", "VARIANT_SEVERITY", "Variant", "VariantFinder", "edit_distance",
           "normalise"]
