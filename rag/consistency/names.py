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


_MODIFIER = re.compile(r"(?<=[\w,] )([A-Z][a-z]+)\s+([a-z][a-z]+)\b")
"""A capitalised word inside a sentence followed by a lower-case one: "the Hobby plan", "New
Trial accounts" (not "Customers cut", which only starts a sentence)."""
_THE_NAME = re.compile(r"\b[Tt]he\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)*)")
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
        self._loose = [(p.name, re.compile(r"\b" + r"\s+".join(
            re.escape(w.rstrip("s")) + "s?" for w in name.lower().split()) + r"\b", re.IGNORECASE))
            for p in messaging.products for name in [p.name, *p.aliases]
            if len(name.split()) >= 2]
        self._our_words = {w.lower() for n in self.declared for w in re.findall(r"\w+", n)}
        book = " ".join([*(f.claim for f in messaging.facts),
                         *(t.statement for t in messaging.talk_tracks), messaging.category or ""])
        self.vocabulary = frozenset(
            [m.group(1).lower() for m in _MODIFIER.finditer(book)
             if m.group(2).lower() not in _GENERIC]
            + [w.lower() for m in _THE_NAME.finditer(book) for w in m.group(1).split()])
        """Capitalised words the fact book uses as names of our plans and features: modifiers
        of common nouns ("the Hobby plan", "Trial accounts") and names after "the" ("help
        from the Help Desk"); never other organisations."""

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
            >>> from ingest.messaging import load_messaging
            >>> sorted(Names(load_messaging(Path("demo/messaging.yaml"))).products_in(
            ...     "Ledger syncs through Vantora Connect."))
            ['Vantora Connect', 'Vantora Ledger']
        """
        out = set()
        for a, b in self.our_spans(text):
            name = re.sub(r"(?:'s|’s)$", "", text[a:b])
            name = " ".join(name.split())
            for product in self.messaging.products:
                if name == product.name or name in product.aliases:
                    out.add(product.name)
        return frozenset(out)

    def products_loosely(self, text: str) -> frozenset[str]:
        """:meth:`products_in`, also counting a product's name of two or more words written
        in lower case or singular ("a storage bucket" for "Storage Buckets")."""
        out = set(self.products_in(text))
        for product, pattern in self._loose:
            if pattern.search(text):
                out.add(product)
        return frozenset(out)

    def mentions(self, sentence: str, proper: set[str] | frozenset[str] | None = None, *,
                 lower: frozenset[str] = frozenset(),
                 others: frozenset[str] = frozenset()) -> list[Mention]:
        """Every entity mentioned in a sentence, in order.

        Args:
            sentence: The sentence.
            proper: Words known (from the rest of the document) to be names, so that a name
                at the start of a sentence counts too.
            lower: Words the document also writes in lower case (common words there: a
                capitalised "Network Egress" is a label, not a company).
            others: Words of names the document shows to be other organisations
                (:func:`organisations`).
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
            text = m.group()
            lead = re.match(r"(?:(?:Our|The|This|These|That|Those|Its|Their|Your|A|An)\s+)+", text)
            if lead and lead.end() < len(text):  # "Our EU Central region": the name is after
                a, text = a + lead.end(), text[lead.end():]
            if any(a < y and x < b for x, y in taken):
                continue
            if self._is_org(sentence, text, a, proper or set(), lower, others):
                found.append(Mention(a, b, "other", text))
        found.sort(key=lambda x: x.start)
        return found

    def _is_org(self, sentence: str, text: str, start: int, proper: set[str] | frozenset[str],
                lower: frozenset[str] = frozenset(),
                others: frozenset[str] = frozenset()) -> bool:
        words = text.split()
        head = re.split(r"['’]", words[0])[0]
        bare = [re.split(r"['’]", w)[0] for w in words]
        if all(w.lower().strip("'s") in _GENERIC for w in words):
            return False
        if any(w.lower() in others for w in bare):
            return True  # shown elsewhere in the document to be another company
        if head.lower() in self._our_words and len(words) == 1:
            return False
        if _PLACE_BEFORE.search(sentence[:start]):
            return False  # "in Denver", "headquartered in Boulder": a place
        if re.match(r"[A-Z]{2,5}s?(?:-|$)", head) and \
                not sentence[start + len(text):].startswith("'"):
            return False  # an acronym: AP, ERP, SLAs, GB-month...
        if sentence[start + len(text):].lstrip().startswith(":"):
            return False  # a label ("Price:", a table's column header)
        camel = re.search(r"[a-z][A-Z]", head) is not None
        possessive = text.endswith(("'s", "’s")) or \
            sentence[start + len(text):start + len(text) + 2] in ("'s", "’s")
        if camel or possessive:
            return True
        common = lower | self.vocabulary
        if all(w.lower() in common or w.lower() in _GENERIC for w in bare):
            return False  # "Network Egress", "the Hobby plan": labels made of common words
        at_start = not sentence[:start].strip() or \
            sentence[:start].rstrip()[-1:] in ".!?:;\"“-•*"
        if at_start and len(words) == 1:  # a sentence, list item or table cell starts with it
            return head in proper  # a name if the document uses it as one elsewhere
        return True


def lower_words(texts: Iterable[str]) -> frozenset[str]:
    """Words the texts write in lower case somewhere (so, common words in them)."""
    return frozenset(w for text in texts for w in re.findall(r"\b[a-z][a-z]+\b", text))


_VS = re.compile(r"(?:\b(?i:unlike|compared\s+(?:to|with)|versus|vs\.?|than|switch(?:ing|ed)?\s+"
                 r"from|migrat(?:e|es|ed|ing)\s+from|moving\s+from|alternatives?\s+to)\s+"
                 r"(?P<after>[A-Z][\w&-]*)|"
                 r"\b(?P<before>[A-Z][\w&-]*)(?:\.\w+)?\s+(?i:vs\.?|versus)\s)")
_POSSESSIVE = re.compile(r"\b(?P<name>[A-Z][\w&-]*)(?:\.\w+)?['’]s\b")


def organisations(texts: Iterable[str], names: Names) -> frozenset[str]:
    """Lower-cased words of the other organisations a document names unmistakably.

    A name is another organisation when the document uses it possessively ("Paystream's"), in a
    comparison ("unlike X", "compared to X", "X vs"), or as the column header of a table
    beside one of our names ("Feature | Paystream | Acme").

    Example:
        >>> sorted(organisations(["Unlike Paystream, we ship weekly.", "InvoiceHub's plans"],
        ...                      Names(Messaging(company={"name": "Vantora"}))))
        ['invoicehub', 'paystream']
    """
    from rag.consistency.tables import tables

    found: set[str] = set()
    for text in texts:
        for m in _VS.finditer(text):
            found.add(m.group("after") or m.group("before"))
        for m in _POSSESSIVE.finditer(text):
            found.add(m.group("name"))
        for table in tables(text):
            header = table.header
            if any(names.is_ours(h) for h in header):
                found.update(h for h in header[1:] if h and not names.is_ours(h)
                             and h[:1].isupper() and len(h.split()) <= 3)
    out = set()
    for name in found:
        for word in re.findall(r"[A-Za-z][\w&]*", name):
            low = word.lower()
            if low not in _GENERIC and low not in names._our_words and len(low) > 1:
                out.add(low)
    return frozenset(out)


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


__all__ = ["Mention", "Names", "lower_words", "organisations", "proper_nouns"]
