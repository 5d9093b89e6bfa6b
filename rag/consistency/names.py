"""Who a sentence talks about: our company and products, another company, or "they".

A claim is ours to check only when it is about us. :class:`Names` knows the declared names
(company, products, aliases) and finds, in a sentence, every mention of an entity: ours
(a declared name, "we", "our"), another organisation (a capitalised name that is not ours:
"Paystream", "NetSuite", "Acme Corp"; or a cue such as "competitors", "legacy tools", "the
industry average") or a third-person pronoun ("they", "their") to be resolved from context.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ingest.messaging import Messaging

Owner = Literal["ours", "other", "pronoun"]

_OURS_WORDS = re.compile(r"\b(?:we|we're|we've|we'll|our|ours|us)\b", re.IGNORECASE)
_PRONOUN = re.compile(r"\b(?:they|they're|they've|their|theirs|them)\b", re.IGNORECASE)
_OTHER_CUES = re.compile(
    r"\b(?:competitors?|competition|competing (?:tools?|vendors?|products?)|rivals?|"
    r"alternatives?|other (?:vendors?|tools?|platforms?|providers?|solutions?)|"
    r"legacy (?:tools?|systems?|vendors?|software|platforms?)|incumbents?|"
    r"industry(?:-wide)? (?:average|benchmark|norm)s?|industry average|"
    r"the average (?:ap |finance |accounting |mid-market |enterprise )?"
    r"(?:team|company|department|business|organi[sz]ation|firm)s?|"
    r"manual (?:process(?:es|ing)?|invoice processing)|spreadsheets?|"
    r"(?:gartner|forrester|idc|mckinsey|deloitte)(?:'s)?|analysts?|survey|study|report(?:ed)? by)\b",
    re.IGNORECASE)
_CAPITALISED = re.compile(r"\b[A-Z][A-Za-z0-9&]*(?:[-'’][A-Za-z]+)?(?:\s+[A-Z][A-Za-z0-9&]*)*")
_GENERIC = frozenset("""
i a an the this that these those our we you your it its they their he she his her my me
mr mrs ms dr ceo cfo cto coo vp ap ar erp api sla saas ai ml ocr pdf csv faq us eu uk usa
monday tuesday wednesday thursday friday saturday sunday january february march april may
june july august september october november december q1 q2 q3 q4 type soc iso gdpr hipaa
pci dss ii i iii fy yes no ok okay so and but or if when while with for to of in on at by
from as is are was were be how what why who which where here there thanks thank hi hello
great sure right well also just about more most all every each some any many much one two
three four five six seven eight nine ten new next last first second third rep buyer
""".split())


_PLACE_BEFORE = re.compile(r"\b(?:in|near|across|throughout|around|based in)\s+(?:the\s+)?$|"
                           r"\b(?:in|near)\s+[A-Z][a-z]+,\s+$")


@dataclass(frozen=True, slots=True)
class Mention:
    """An entity mentioned in a sentence: ``[start, end)``, whose it is, and its text."""

    start: int
    end: int
    owner: Owner
    text: str


def _name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    names = sorted({n for n in names if n}, key=len, reverse=True)
    if not names:
        return None
    alternatives = "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in names)
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?:'s|’s)?(?![\w-])")


class Names:
    """The declared names of the company and its products, and mention finding.

    Args:
        messaging: The company's messaging (names and aliases).

    Example:
        >>> names = Names(Messaging(company={"name": "Vantora"}))
        >>> [m.owner for m in names.mentions("Unlike Paystream, Vantora is live in 30 days.")]
        ['other', 'ours']
    """

    def __init__(self, messaging: Messaging) -> None:
        self.messaging = messaging
        self.declared: list[str] = messaging.all_names()
        self.company = messaging.company.name
        self.products = [p.name for p in messaging.products]
        self._pattern = _name_pattern(self.declared)
        self._our_words = {w.lower() for n in self.declared for w in re.findall(r"\w+", n)}

    def is_ours(self, text: str) -> bool:
        """Whether ``text`` is one of our names (possessive allowed), exactly as declared."""
        return self._pattern is not None and self._pattern.fullmatch(text.strip()) is not None

    def our_spans(self, sentence: str) -> list[tuple[int, int]]:
        """Offsets of our declared names in a sentence."""
        if self._pattern is None:
            return []
        return [(m.start(), m.end()) for m in self._pattern.finditer(sentence)]

    def products_in(self, text: str) -> frozenset[str]:
        """The declared products a text names (by name or alias), as their main names.

        Example:
            >>> Names(load_messaging(Path("demo/messaging.yaml"))).products_in(
            ...     "Ledger syncs through Vantora Connect.")
            frozenset({'Vantora Ledger', 'Vantora Connect'})
        """
        out = set()
        for a, b in self.our_spans(text):
            name = re.sub(r"(?:'s|’s)$", "", text[a:b])
            name = " ".join(name.split())
            for product in self.messaging.products:
                if name == product.name or name in product.aliases:
                    out.add(product.name)
        return frozenset(out)

    def mentions(self, sentence: str, proper: set[str] | None = None) -> list[Mention]:
        """Every entity mentioned in a sentence, in order.

        Args:
            sentence: The sentence.
            proper: Words known (from the rest of the document) to be names, so that a name
                at the start of a sentence counts too.
        """
        found: list[Mention] = []
        taken: list[tuple[int, int]] = []
        for a, b in self.our_spans(sentence):
            found.append(Mention(a, b, "ours", sentence[a:b]))
            taken.append((a, b))
        for m in _OURS_WORDS.finditer(sentence):
            found.append(Mention(m.start(), m.end(), "ours", m.group()))
        for m in _PRONOUN.finditer(sentence):
            found.append(Mention(m.start(), m.end(), "pronoun", m.group()))
        for m in _OTHER_CUES.finditer(sentence):
            found.append(Mention(m.start(), m.end(), "other", m.group()))
        for m in _CAPITALISED.finditer(sentence):
            a, b = m.start(), m.end()
            if any(a < y and x < b for x, y in taken):
                continue
            if self._is_org(sentence, m.group(), a, proper or set()):
                found.append(Mention(a, b, "other", m.group()))
        found.sort(key=lambda x: x.start)
        return found

    def _is_org(self, sentence: str, text: str, start: int, proper: set[str]) -> bool:
        words = text.split()
        head = re.split(r"['’]", words[0])[0]
        if all(w.lower().strip("'s") in _GENERIC for w in words):
            return False
        if head.lower() in self._our_words and len(words) == 1:
            return False
        if _PLACE_BEFORE.search(sentence[:start]):
            return False  # "in Denver", "headquartered in Boulder": a place
        if len(head) <= 4 and head.isupper() and not sentence[start + len(text):].startswith("'"):
            return False  # an acronym: AP, ERP, SLA...
        camel = re.search(r"[a-z][A-Z]", head) is not None
        possessive = text.endswith(("'s", "’s")) or \
            sentence[start + len(text):start + len(text) + 2] in ("'s", "’s")
        at_start = not sentence[:start].strip() or sentence[:start].rstrip()[-1:] in ".!?:\"“-•*"
        if at_start and len(words) == 1:
            return camel or possessive or head in proper
        return True


def proper_nouns(texts: Iterable[str], names: Names) -> set[str]:
    """Capitalised words used mid-sentence in these texts and never lower-cased in them.

    These are names (of people, companies, places); a sentence may start with one.
    """
    capital: set[str] = set()
    lower: set[str] = set()
    for text in texts:
        for m in re.finditer(r"(?<=[a-z,;] )[A-Z][a-z]+[A-Za-z]*", text):
            capital.add(m.group())
        lower.update(re.findall(r"\b[a-z][a-z]+\b", text))
    return {w for w in capital if w.lower() not in lower and w.lower() not in _GENERIC
            and not names.is_ours(w)}


__all__ = ["Mention", "Names", "proper_nouns"]
