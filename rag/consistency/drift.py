"""Drift: how far a source's description of the company strays from the canonical messaging.

Self-descriptions are found in three places:

- **category statements**: our name (or "we") followed by "is/are a/an/the ..." whose phrase
  names a kind of thing (platform, solution, suite, tool, software, company...):
  "Vantora is an AI-powered spend management suite for CFOs";
- **boilerplate**: the sentences under an "About <company>" heading (press releases);
- **hero text**: the first sentences of a public web page.

A category statement's alignment is the cosine between its phrase and the canonical category
(abbreviations such as "AP" expanded first), or 1.0 when the phrase holds at least two thirds
of the category's key words. Other self-descriptions are aligned by their best cosine to the
canonical statements (``<Company> is a/an <category>.``, the talk tracks and the facts). A source's drift
score is the mean alignment of its self-descriptions (1 = on message); a category statement
below ``threshold`` holding less than half of the category's key words (or boilerplate/hero
text below ``loose_threshold``) is a ``drift`` finding.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ingest.messaging import Messaging
from rag.consistency.claims import split_text
from rag.consistency.entities import CORPORATE_SUFFIXES
from rag.consistency.names import Names
from rag.terms import STOPWORDS, stem, tokens

CATEGORY_NOUNS = frozenset("""
platform platforms solution solutions suite suites tool tools software system systems app apps
application applications service services provider providers company companies vendor vendors
leader leaders product products engine hub network marketplace startup firm business partner
layer cloud os operating crm erp helpdesk desk portal agent agents assistant copilot chatbot
api sdk framework database ats hris cms lms marketplace agency consultancy builder builders
editor editors host hosting workspace manager studio toolkit kit builder generator
automation analytics
""".split())
_GENERIC_HEADS = frozenset("""
company companies business businesses startup firm team teams partner partners organization
organisation
""".split())
"""Heads that say we are a company, not which kind ("a company staffed with people")."""
_EVALUATIVE = frozenset("""
good great small large big new young growing leading fast-growing remote global private public
independent better best different real true
""".split())
_PHRASE_END = frozenset("""
for of with that which who to in on at by from built designed made used so because where when
like than as but
""".split())
_GENERIC = frozenset({"platform", "solution", "suite", "tool", "software", "system", "app",
                      "application", "service", "provider", "company", "vendor", "product",
                      "leading", "modern", "best", "all", "one"})
ABBREVIATIONS = {
    "ap": "accounts payable", "ar": "accounts receivable", "p2p": "procure-to-pay",
    "erp": "enterprise resource planning", "hr": "human resources", "crm":
    "customer relationship management", "fsm": "field service management", "ai": "ai",
}
_RELATIVE = re.compile(r"\s+(?:that|which|who|so|because|by|helping|letting)\s+|,\s*")
_HEADING_LIKE = re.compile(r"^(?!.*[.!?:;,]$)(?:\S+\s+){0,7}\S+$")
"""A short line without closing punctuation: a sub-heading inside a passage."""
_SELF = re.compile(r"\b(?:we|our|the company|its)\b", re.IGNORECASE)
_CONTACT = re.compile(r"@|https?://|www\.|\+?\d[\d\s().-]{7,}\d")
_ABOUT = re.compile(r"^\s*about\b", re.IGNORECASE)

Embed = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True, slots=True)
class SelfDescription:
    """A sentence in which a source says what the company is."""

    sentence: str
    kind: str
    """``category`` (an "X is a ..." statement about the company), ``product`` (about a
    product), ``boilerplate`` or ``hero``."""
    phrase: str = ""
    """For a category statement: what follows "is a/an/the"."""


@dataclass(slots=True)
class Alignment:
    """A self-description with its alignment (0-1) to the canonical messaging."""

    description: SelfDescription
    score: float
    keyword_share: float


def expand(text: str) -> str:
    """Abbreviations spelled out: ``AP automation`` -> ``accounts payable automation``."""
    return re.sub(r"\b[A-Za-z0-9]{2,3}\b",
                  lambda m: ABBREVIATIONS.get(m.group().lower(), m.group())
                  if m.group().isupper() or m.group().lower() == "p2p" else m.group(), text)


def key_words(category: str) -> set[str]:
    """Stems of the words that make the category what it is (not "platform")."""
    return {stem(t) for t in tokens(expand(category))
            if t not in STOPWORDS and t not in _GENERIC}


class DriftScorer:
    """Finds self-descriptions and scores their alignment with the messaging.

    Args:
        messaging: Company, category and talk tracks.
        embed: Texts -> unit vectors (``ws.embedder.embed``).
        threshold: Category statements below this alignment are drift.
        loose_threshold: Boilerplate and hero sentences below this are drift.
    """

    def __init__(self, messaging: Messaging, embed: Embed, threshold: float = 0.5,
                 loose_threshold: float = 0.3) -> None:
        self.messaging = messaging
        self.names = Names(messaging)
        self.embed = embed
        self.threshold = threshold
        self.loose_threshold = loose_threshold
        names = sorted(self.names.declared, key=len, reverse=True)
        alternatives = "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in names)
        self._statement = re.compile(
            rf"(?P<name>(?<![\w-])(?:{alternatives})|\b[Ww]e|\b[Tt]he company)"
            rf"(?P<more>(?:\s+[A-Z][\w.&-]*){{0,3}})(?:\s*,[^,]{{0,80}},)?\s+"
            rf"(?:is|are|'s|’s|'re|’re|has\s+become|remains|was\s+built\s+as)\s+"
            rf"(?:now\s+|basically\s+|really\s+|just\s+|simply\s+)?(?:a|an|the)\s+"
            rf"(?P<phrase>[^.;!?]+)")
        self._canonical: list[str] = []
        if messaging.category:
            article = "an" if messaging.category[:1].lower() in "aeiou" else "a"
            self._canonical.append(f"{messaging.company.name} is {article} {messaging.category}.")
        self._canonical += [t.statement for t in messaging.talk_tracks]
        self._canonical += [f.claim for f in messaging.facts]
        self._keys = key_words(messaging.category or "")

    def descriptions(self, text: str, heading: str = "", hero: bool = False) -> list[SelfDescription]:
        """The self-descriptions of a passage.

        Args:
            text: The passage (sub-headings inside it stand on lines of their own).
            heading: Its heading path ("About Vantora" makes its sentences boilerplate).
            hero: The passage opens the home page (its first two sentences are hero text).
        """
        out: list[SelfDescription] = []
        about = self._about(heading)
        count = 0
        for line in text.splitlines():
            line = line.strip()
            if not line:
                continue
            if _HEADING_LIKE.match(line):
                about = self._about(line)  # a sub-heading starts a new section
                continue
            for sentence in split_text(line):
                count += 1
                m = self._statement.search(sentence)
                phrase = _RELATIVE.split(m.group("phrase"))[0].strip() if m else ""
                if m and self._is_category(phrase):
                    name = m.group("name")
                    # "Acme Agent is ...", "Acme Widgets are ...": a product or feature
                    # ("Acme Technologies is ..." is still the company)
                    more = m.group("more").split()
                    product = any(name.startswith(p) for p in self.names.products) or \
                        any(w.lower() not in CORPORATE_SUFFIXES for w in more)
                    out.append(SelfDescription(sentence, "product" if product else "category",
                                               phrase))
                elif about and len(sentence.split()) >= 6 and not _CONTACT.search(sentence) \
                        and (_SELF.search(sentence) or self.names.our_spans(sentence)):
                    out.append(SelfDescription(sentence, "boilerplate"))
                elif hero and count <= 2 and len(sentence.split()) >= 4:
                    out.append(SelfDescription(sentence, "hero"))
        return out

    def _about(self, heading: str) -> bool:
        return any(_ABOUT.match(part) and self.names.our_spans(part)
                   for part in heading.split(" > "))

    @staticmethod
    def _is_category(phrase: str) -> bool:
        """Whether a phrase says what kind of thing we are: its head noun (the last word
        before a preposition, a participle or a clause) is a category noun ("no-code app
        builder", "deployment platform"); "company" and the like only with words saying which
        kind ("a workforce analytics company", not "a company staffed with people"); not a
        "fit"."""
        words = [w.lower() for w in re.findall(r"[A-Za-z][A-Za-z-]*", phrase)][:8]
        noun_phrase: list[str] = []
        for w in words:
            if w in _PHRASE_END or (w.endswith(("ed", "ing")) and w not in CATEGORY_NOUNS
                                    and any(n in CATEGORY_NOUNS for n in noun_phrase)):
                break  # "a company staffed with ...", "a platform built for ..."
            noun_phrase.append(w)
        if not noun_phrase or noun_phrase[-1] not in CATEGORY_NOUNS:
            return False
        if noun_phrase[-1] in _GENERIC_HEADS:  # "a company", but "a workforce analytics company"
            return any(w not in _EVALUATIVE for w in noun_phrase[:-1])
        return True

    def align(self, descriptions: list[SelfDescription]) -> list[Alignment]:
        """Alignment of each self-description with the canonical messaging."""
        if not descriptions or not self._canonical:
            return []
        category = expand(self.messaging.category or "")
        phrases = [expand(d.phrase or d.sentence) for d in descriptions]
        sentences = [d.sentence for d in descriptions]
        n, k = len(descriptions), len(self._canonical)
        vectors = self.embed([category, *self._canonical, *phrases, *sentences])
        cat_vec, canon = vectors[0], vectors[1:1 + k]
        phrase_vecs, sentence_vecs = vectors[1 + k:1 + k + n], vectors[1 + k + n:]
        out = []
        for i, d in enumerate(descriptions):
            have = {stem(t) for t in tokens(phrases[i])}
            share = len(have & self._keys) / len(self._keys) if self._keys else 0.0
            by_keywords = 1.0 if share >= 2 / 3 else 0.0
            to_category = float(phrase_vecs[i] @ cat_vec)
            to_statements = float(np.max(canon @ sentence_vecs[i]))
            if d.kind == "category":
                score = max(by_keywords, to_category)
            elif d.kind == "product":
                score = max(by_keywords, to_category, to_statements)
            else:
                score = max(by_keywords, to_statements)
            out.append(Alignment(d, max(0.0, min(1.0, score)), share))
        return out

    def drifting(self, alignment: Alignment) -> bool:
        """Whether an aligned self-description strays far enough to report.

        A category statement drifts when its alignment is below ``threshold`` and it holds
        less than half of the category's key words; anything else when its alignment is
        below ``loose_threshold``.
        """
        if alignment.description.kind == "category":
            return alignment.score < self.threshold and alignment.keyword_share < 0.5
        return alignment.score < self.loose_threshold


__all__ = ["ABBREVIATIONS", "Alignment", "DriftScorer", "SelfDescription", "expand", "key_words"]
