"""What we do and do not do: capability, hosting-option, pricing-term and compatibility claims.

**Fact side.** Each clause of a fact or talk track that says the company does or does not do
something becomes a :class:`Proposition`: its polarity ("doesn't currently offer GPU
instances" is negative, "provides a DPA" positive), its verb and the **core terms** of its
object, the words that say what is (not) offered ("GPU", "bring"+"cloud", "seat"+"cost",
"docker"+"compose"+"yml"+"directly"); light words ("option", "instances", "files", "feature")
are left out, and a hyphenated phrase also stands for its initials ("bring-your-own-cloud" ->
"BYOC").

**Content side.** A sentence (or a table row written as a statement, see
:mod:`~rag.consistency.tables`) is about a proposition when it holds all its core terms close
together (at most ``WINDOW`` words apart) in a claim of ours (not a competitor's, not a
question, not a condition). It **contradicts** a negative proposition when the clauses holding
those terms are not negated and affirm something: a capability verb ("offers", "runs",
"costs", "supports"...), a label opening the sentence ("Bring your own cloud: ..."), or a
"Yes" cell of ours in a comparison table. It contradicts a positive proposition when it
negates it with a verb of the same kind ("does not provide a DPA").

**Compatibility.** "Acme is MySQL compatible" in the fact book and "Acme is compatible with
PostgreSQL" in content contradict each other: the company (or one of its products) is said to
be compatible with a target the fact book does not name for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.consistency.claims import ClaimExtractor, Reading, clauses, content_terms, key_term
from rag.consistency.names import Names

WINDOW = 12
"""Core terms of a proposition must stand within this many words of each other."""

NEGATION = re.compile(r"\b(?:not|no|never|none|nothing|cannot|without|neither|nor|lacks?|"
                      r"lacking|unavailable|unsupported)\b|n['’]t\b", re.IGNORECASE)
_NEGATED_VERB = re.compile(
    r"\b(?:(?:does|do|did|will|can|could|would|is|are|was|were|has|have)\s*(?:not\b|n['’]t)|"
    r"cannot|can['’]t|never|no\s+longer)\s+(?:(?:currently|yet|directly|presently|today|"
    r"really|natively|officially|always)\s+)*(?P<verb>[a-z]+)\s+(?P<object>.+)", re.IGNORECASE)
_NO_OBJECT = re.compile(r"\b(?P<verb>comes?\s+with|there\s+(?:is|are)|[a-z]+)\s+(?:no|zero)\s+"
                        r"(?P<object>.+)", re.IGNORECASE)
"""A verb with a "no" object: "has no vector support", "charges no per-seat fees"."""
_AFFIRMED_VERB = re.compile(
    r"\b(?P<verb>offers?|provides?|supports?|includes?|runs?|integrates?|connects?|allows?|"
    r"lets|enables?|ships?|hosts?|stores?|executes?)\s+(?:with\s+|to\s+)?(?P<object>.+)",
    re.IGNORECASE)
_OBJECT_END = re.compile(r"[.!?](?:\s|$)|[;:,(]|\s(?:to|for|in|on|at|from|by|via|that|which|"
                         r"so|because|when|where|while|unless|but|and\s+(?:is|are|does|do|"
                         r"will|can))\s", re.IGNORECASE)
_LIGHT = frozenset(filter(None, (key_term(w) for w in """
option options feature features instance instances file files capability capabilities ability
abilities functionality support currently today yet additional extra type types kind kinds way
ways offering offerings available availability access tier tiers level levels built deployment
deployments hosting installation version versions edition editions mode model models
""".split())))
"""Words that name no capability by themselves: "GPU instances" is about GPUs, an "on-premises
deployment option" about on-premises."""

VERB_GROUPS: dict[str, frozenset[str]] = {
    group: frozenset(filter(None, (key_term(w) for w in words.split())))
    for group, words in {
        "offer": "offer provide support include give ship deliver enable allow lets come "
                 "feature available host sell grant",
        "run": "run execute deploy launch start host support handle",
        "cost": "cost charge bill pay price fee incur",
        "connect": "integrate connect sync works compatible plug",
        "store": "store keep hold retain process host",
    }.items()}
"""Verbs that say the same kind of thing (as key terms), to compare a claim's verb with a
fact's."""
_AFFIRMING = frozenset().union(*VERB_GROUPS.values())
_YES = re.compile(r"^\W*(?:yes|yep|✓|✔|☑|included|supported|available|built[- ]in)\b",
                  re.IGNORECASE)
_NO = re.compile(r"^\W*(?:no|none|not\b|✗|✘|×|n/a|unavailable|unsupported|-+$|—)",
                 re.IGNORECASE)
_CONDITION = re.compile(r"\b(?:if|whether|unless|in case)\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_COMPAT = re.compile(
    r"\b(?:(?:is|are|'s|’s)\s+(?:fully\s+|wire[- ]|100%\s+)?compatible\s+with\s+"
    r"(?P<after>[A-Z][\w.+#-]*(?:\s+[A-Z][\w.+#-]*)?)|"
    r"(?:is|are|'s|’s)\s+(?:a\s+|an\s+|fully\s+)?(?P<before>[A-Z][\w.+#]*)[- ]compatible)\b")


@dataclass(frozen=True, slots=True)
class Proposition:
    """A fact-book clause saying that we do (``negated=False``) or do not do something."""

    fact_id: str
    text: str
    """The whole fact or talk-track statement."""
    negated: bool
    verb: str
    """The verb's stem ("offer", "run", "incur")."""
    core: frozenset[str]
    """Key terms of what is (not) done, all needed to recognise the proposition."""
    alias: str = ""
    """Initials standing for the core ("byoc"), if the object was a hyphenated phrase."""
    origin: str = "fact"
    phrase: str = ""
    """A hyphenated phrase of the object ("bring-your-own-cloud"): then its words must stand
    together, in order (hyphens or spaces between), or its initials must."""


@dataclass(frozen=True, slots=True)
class Compatibility:
    """A fact-book statement that we are compatible with some targets."""

    fact_id: str
    text: str
    targets: frozenset[str]
    """Lower-cased target names ("mysql")."""


@dataclass(slots=True)
class Contradiction:
    """A sentence of ours that contradicts a proposition or a compatibility fact."""

    fact_id: str
    expected: str
    found: str
    sentence: str
    origin: str = "fact"


def _verb_stem(verb: str) -> str:
    return key_term(verb.lower()) or verb.lower()


def _object(text: str) -> str:
    m = _OBJECT_END.search(text)
    return text[: m.start()] if m else text


def _compound(text: str) -> str:
    """The first hyphenated phrase of three or more words in a text, lower-cased."""
    m = re.search(r"\b[a-z]+(?:-[a-z]+){2,}\b", text, re.IGNORECASE)
    return m.group().lower() if m else ""


def _initials(phrase: str) -> str:
    """``bring-your-own-cloud`` -> ``byoc`` (hyphenated phrases of three or more words)."""
    for m in re.finditer(r"\b[a-z]+(?:-[a-z]+){2,}\b", phrase, re.IGNORECASE):
        return "".join(p[0] for p in m.group().lower().split("-"))
    return ""


def propositions(names: Names) -> list[Proposition]:
    """The propositions of a company's facts and talk tracks (see the module docstring).

    Example:
        >>> from ingest.messaging import Messaging
        >>> [(p.negated, p.verb, sorted(p.core)) for p in propositions(Names(Messaging(
        ...     company={"name": "Acme"}, facts=[{"id": "gpu",
        ...     "claim": "Acme doesn't currently offer GPU instances."}])))]
        [(True, 'offer', ['gpu'])]
    """
    messaging = names.messaging
    items = [(f.id, f.claim, "fact") for f in messaging.facts] + \
        [(t.id, t.statement, "talk_track") for t in messaging.talk_tracks]
    out: list[Proposition] = []
    seen: set[tuple[bool, frozenset[str]]] = set()
    for fact_id, text, origin in items:
        for part in re.split(r";|\.\s+|\s+but\s+", text):
            found = _clause_proposition(part, names)
            if found is None:
                continue
            negated, verb, obj, rest = found
            core = frozenset(content_terms(obj, names) - _LIGHT)
            alias = _initials(obj) or _acronym(rest)
            key = (negated, core)
            if not core or key in seen:
                continue
            if not negated and len(core) < 2 and not alias:
                continue  # "hosts data": too little to recognise a denial by
            seen.add(key)
            out.append(Proposition(fact_id, text, negated, _verb_stem(verb), core, alias, origin,
                                   _compound(obj)))
    return out


def _clause_proposition(clause: str, names: Names) -> tuple[bool, str, str, str] | None:
    """``(negated, verb, object, text after the object)`` of a fact clause that says we do or
    do not do something."""
    for pattern, negated in ((_NEGATED_VERB, True), (_NO_OBJECT, True), (_AFFIRMED_VERB, False)):
        m = pattern.search(clause)
        if m is None:
            continue
        if not negated and NEGATION.search(clause):
            return None
        verb = m.group("verb").split()[0]
        obj = _object(m.group("object"))
        return negated, verb, obj, m.group("object")[len(obj):]
    return None


def _acronym(rest: str) -> str:
    """An acronym given in brackets right after an object ("... Agreement (DPA)")."""
    m = re.match(r"\s*\((?P<a>[A-Z][A-Z0-9]{1,6})\)", rest)
    return m.group("a").lower() if m else ""


def compatibilities(names: Names) -> list[Compatibility]:
    """The facts that say what we are compatible with ("Acme is MySQL compatible")."""
    out: list[Compatibility] = []
    for fact in names.messaging.facts:
        targets = frozenset(t.lower() for t in _compat_targets(fact.claim))
        if targets and not NEGATION.search(fact.claim):
            out.append(Compatibility(fact.id, fact.claim, targets))
    return out


def _compat_targets(sentence: str) -> list[str]:
    return [(m.group("after") or m.group("before")).strip(".") for m in _COMPAT.finditer(sentence)]


class StatementChecker:
    """Finds sentences of ours that contradict the fact book's propositions.

    Args:
        extractor: Reads sentences and tells ours from other companies'.

    Example:
        >>> from ingest.messaging import Messaging
        >>> from rag.consistency.claims import TextUnit
        >>> from rag.consistency.facts import FactBook
        >>> book = FactBook(Messaging(company={"name": "Acme"}, facts=[
        ...     {"id": "gpu", "claim": "Acme doesn't currently offer GPU instances."}]))
        >>> checker = StatementChecker(book.extractor)
        >>> [c.found for c in checker.check(next(book.extractor.readings(TextUnit(
        ...     "Yes, Acme offers GPU instances for training."))))]
        ['Acme offers GPU instances for training.']
    """

    def __init__(self, extractor: ClaimExtractor) -> None:
        self.extractor = extractor
        self.names = extractor.names
        self.propositions = propositions(self.names)
        self.compatibilities = compatibilities(self.names)
        self._company = {t for n in [self.names.company, *self.names.messaging.company.aliases]
                         for t in re.findall(r"\w+", n.lower())}

    def check(self, reading: Reading) -> list[Contradiction]:
        """The contradictions in one sentence."""
        sentence = reading.sentence
        if sentence.rstrip().endswith("?"):
            return []
        row = self._our_cell(sentence)
        out: list[Contradiction] = []
        for p in self.propositions:
            found = self._row_verdict(p, row) if row is not None else \
                self._sentence_verdict(p, reading)
            if found is not None:
                out.append(Contradiction(p.fact_id, p.text, found, sentence, p.origin))
        out += self._compat(reading)
        return out

    # -- sentences -----------------------------------------------------------------------

    def _positions(self, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, key term)`` of each word of a text (company name left out)."""
        out = []
        for m in _WORD.finditer(text):
            low = m.group().lower()
            if low in self._company:
                continue
            term = key_term(low)
            if term:
                out.append((m.start(), m.end(), term))
        return out

    def _window(self, p: Proposition, words: list[tuple[int, int, str]]
                ) -> tuple[int, int] | None:
        """``[start, end)`` of the closest run of words holding all of a proposition's core
        terms (or its initials), or None."""
        if p.alias:
            for a, b, t in words:
                if t == p.alias:
                    return a, b
        if p.phrase:
            return None  # the phrase itself is looked for by the caller
        best = None
        for i, (a, _, t) in enumerate(words):
            if t not in p.core:
                continue
            need = set(p.core) - {t}
            end = words[i][1]
            for a2, b2, t2 in words[i + 1:i + WINDOW]:
                if not need:
                    break
                if t2 in need:
                    need.discard(t2)
                    end = b2
            if not need and (best is None or end - a < best[1] - best[0]):
                best = (a, end)
        return best

    def _sentence_verdict(self, p: Proposition, reading: Reading) -> str | None:
        sentence = reading.sentence
        window = self._window(p, self._positions(sentence)) or _phrase_at(p, sentence)
        if window is None:
            return None
        spans = clauses(sentence)
        a = next((x for x, y in spans if x <= window[0] < y), 0)
        b = next((y for x, y in spans if x < window[1] <= y), len(sentence))
        # a label opening a list item ("Bring your own cloud: ...") reaches to its colon
        label = not sentence[:window[0]].strip() and \
            sentence[window[1]:].lstrip(" *_`").startswith(":")
        if self.extractor.owner(reading, (a, b), window[0]) != "ours":
            return None
        scope = sentence[a:b]
        if _CONDITION.search(sentence[:window[0]]):
            return None  # "if you need GPU instances, ..."
        negated = NEGATION.search(scope) is not None
        verbs = {key_term(w.lower()) for w in _WORD.findall(scope)}
        if p.negated:
            affirmed = label or bool(verbs & _AFFIRMING) or _YES.match(reading.line) is not None
            if negated or not affirmed:
                return None
        else:
            if not negated or not verbs & VERB_GROUPS.get(_group(p.verb), frozenset({p.verb})):
                return None
        return " ".join(scope.split()).strip(" *_`")

    # -- comparison tables ---------------------------------------------------------------

    def _our_cell(self, sentence: str) -> tuple[str, str] | None:
        """``(row label, our cell)`` of a table row written as a statement whose column
        headers include one of our names ("Feature: GPU; Paystream: Yes; Acme: No")."""
        if "; " not in sentence or ": " not in sentence:
            return None
        cells = [c.split(": ", 1) for c in sentence.split("; ")]
        if not all(len(c) == 2 for c in cells):
            return None
        ours = [v for h, v in cells[1:] if self.names.is_ours(h.strip())]
        if not ours:
            return None
        return cells[0][1], ours[0]

    def _row_verdict(self, p: Proposition, row: tuple[str, str]) -> str | None:
        label, cell = row
        text = f"{label}: {cell}"
        if self._window(p, self._positions(text)) is None and _phrase_at(p, text) is None:
            return None
        yes = _YES.match(cell) is not None
        no = _NO.match(cell) is not None or NEGATION.search(cell) is not None
        if p.negated and yes and not no:
            return text
        if not p.negated and no:
            return text
        return None

    # -- compatibility -------------------------------------------------------------------

    def _compat(self, reading: Reading) -> list[Contradiction]:
        sentence = reading.sentence
        if not self.compatibilities or NEGATION.search(sentence):
            return []
        out = []
        for m in _COMPAT.finditer(sentence):
            target = (m.group("after") or m.group("before")).strip(".")
            subject = sentence[:m.start()].strip()
            if not subject or not self.names.our_spans(subject) or \
                    self.extractor.owner(reading, (0, len(sentence)), m.start()) != "ours":
                continue
            for fact in self.compatibilities:
                if target.lower() not in fact.targets:
                    out.append(Contradiction(fact.fact_id, fact.text,
                                             sentence[m.start():m.end()].strip(), sentence))
        return out


def _phrase_at(p: Proposition, text: str) -> tuple[int, int] | None:
    """``[start, end)`` of a proposition's hyphenated phrase in a text, its words in order
    with hyphens or spaces between ("bring your own cloud"), or None."""
    if not p.phrase:
        return None
    pattern = r"[\s-]+".join(re.escape(w) for w in p.phrase.split("-"))
    m = re.search(rf"\b{pattern}\b", text, re.IGNORECASE)
    return (m.start(), m.end()) if m else None


def _group(verb: str) -> str:
    return next((g for g, verbs in VERB_GROUPS.items() if verb in verbs), verb)


__all__ = ["Compatibility", "Contradiction", "NEGATION", "Proposition", "StatementChecker",
           "VERB_GROUPS", "WINDOW", "compatibilities", "propositions"]
