"""Claims in content passages and rep turns: numbers with subjects, certifications, places.

:class:`ClaimExtractor` splits a text into sentences and each sentence into clauses, finds the
quantities (:mod:`rag.consistency.quantities`), certifications ("SOC 2 Type II", "ISO 27001",
"HIPAA", "GDPR", "PCI DSS") and headquarters ("headquartered in Denver") it asserts, and gives
each claim:

- its **subjects**, from a lexicon of what B2B fact books state (uptime, customers,
  implementation, integrations, price, accuracy, founded, headquarters, cost reduction,
  payback, close, support), looked up in the claim's clause (or the whole sentence, marked
  ``weak_subject``), plus the stems of the clause's content words for facts outside the lexicon;
- whether it is **about another company**: the nearest entity before the claim in its clause
  (else after it, else earlier in the sentence, else the topic of the passage) decides; a
  competitor, a partner, a customer's own result, "they" resolved to one of them, or a cue such
  as "competitors" or "the industry average" makes the claim not ours.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from insights.sentences import split_sentences
from rag.consistency.align import claim_entities, entity_spans, term
from rag.consistency.names import Mention, Names
from rag.consistency.quantities import find_quantities
from rag.consistency.records import Certification, Claim
from rag.consistency.tables import render_tables
from rag.terms import STOPWORDS, stem, tokens

_LEXICON: dict[str, tuple[tuple[str, ...], ...]] = {
    "uptime": (("uptime", "up-time", "availability", "available", "sla", "slas", "downtime",
                "reliability", "reliable"),),
    "customers": (("customer", "customers", "client", "clients", "company", "companies",
                   "business", "businesses", "organization", "organizations", "organisation",
                   "organisations", "team", "teams", "brand", "brands", "firm", "firms",
                   "enterprise", "enterprises", "merchant", "merchants", "logos"),),
    "implementation": (("implementation", "implement", "implemented", "implementing",
                        "onboarding", "onboard", "onboarded", "live", "go-live", "deploy",
                        "deployed", "deployment", "rollout", "roll-out", "rolled", "setup",
                        "set-up", "running", "time-to-value", "launched"),),
    "integrations": (("integration", "integrations", "integrate", "integrates", "connector",
                      "connectors", "connect", "connects", "prebuilt", "pre-built"),),
    "price": (("price", "prices", "pricing", "priced", "cost", "costs", "plan", "plans",
               "subscription", "fee", "fees", "license", "licence", "licensing"),),
    "accuracy": (("accuracy", "accurate", "accurately", "precision", "ocr"),),
    "founded": (("founded", "established", "incorporated"),),
    "headquarters": (("headquartered", "headquarters", "hq", "based"),),
    "cost_reduction": (("cut", "cuts", "reduce", "reduces", "reduced", "reducing", "reduction",
                        "lower", "lowers", "lowered", "save", "saves", "saved", "saving",
                        "savings", "slash", "slashes", "decrease", "decreases", "drop", "drops",
                        "cheaper", "less"),
                       ("cost", "costs", "spend", "spending", "expense", "expenses")),
    "payback": (("payback", "pay", "roi", "recover", "recovers", "recoup", "recoups", "return",
                 "returns"),),
    "close": (("close", "closes", "closing", "month-end", "books"),),
    "support": (("support", "response", "respond", "responds", "answer", "answers"),),
}
SUBJECTS: dict[str, tuple[frozenset[str], ...]] = {
    key: tuple(frozenset(stem(w) for w in group) for group in groups)
    for key, groups in _LEXICON.items()
}
"""Subject key -> groups of stems; a text is about the subject when it has a stem of every
group (``cost_reduction`` needs a verb like "cut" and a noun like "cost")."""

_GENERIC_TERMS = frozenset(stem(w) for w in """
time times day days week weeks month months year years percent average typical typically
hour hours hr hrs minute minutes min mins second seconds quarter quarters
customer customers company platform product products solution team teams use used
take takes make makes get help helps new using within one two three four five six seven eight
nine ten twenty thirty forty fifty hundred thousand million
""".split())
_GENERIC_COUNTED = frozenset(stem(w) for w in """
tool tools app apps application applications system systems platform platforms product products
option options partner partners solution solutions thing things more way ways
""".split())
"""Counted nouns that say nothing about the subject ("40+ tools"): the clause decides."""

_CLAUSE = re.compile(
    r"[;:()\[\]—]|\s[–-]\s|,\s|\s(?=(?:and|but|while|whereas|versus|vs\.?|compared\s+(?:to|with)"
    r"|unlike|than|although|though)\s)", re.IGNORECASE)
_HEDGE = re.compile(r"\b(?:i think|i believe|i'd say|if i remember|if i recall|roughly|"
                    r"something like|ballpark|probably|i'm not sure|i guess|maybe)\b",
                    re.IGNORECASE)

_CERT = re.compile(
    r"\b(?:(?P<soc>SOC\s?-?\s?(?P<socn>[123]|one|two|three))(?:\s*,?\s*\(?(?:Type|type)\s*"
    r"(?P<soctype>II|I|2|1|two|one)\b\)?)?"
    r"|(?P<iso>ISO(?:/IEC)?\s?-?(?P<ison>27001|27017|27018|27701|9001|42001|22301))"
    r"|(?P<hipaa>HIPAA)|(?P<gdpr>GDPR)|(?P<ccpa>CCPA)|(?P<fedramp>FedRAMP)"
    r"|(?P<pci>PCI(?:[\s-]DSS)?)(?:\s+Level\s+(?P<pcil>[1-4]))?|(?P<csa>CSA\s+STAR))(?![\w-])")
_ASSERT = re.compile(r"\b(?:certified|certification|certifications|compliant|compliance|"
                     r"audited|audit|attested|attestation|accredited|achieved|hold|holds|"
                     r"maintain|maintains|passed|report|validated|meets?|are|is|we're|"
                     r"conform(?:s|ant)?)\b", re.IGNORECASE)
_NOT_ASSERTED = re.compile(
    r"\b(?:not|no|never|don't|doesn't|isn't|aren't|without|working\s+(?:toward|towards|on)|"
    r"pursuing|planned|plan\s+to|roadmap|in\s+progress|underway|will\s+be|expect(?:s|ed)?|"
    r"soon|on\s+track|aim(?:s|ing)?|hope|target(?:ing)?|require[sd]?|requirement|ask(?:s|ed)?|"
    r"look\s+for|need(?:s|ed)?|should|must|check\s+(?:whether|if)|whether|if)\b",
    re.IGNORECASE)
_PLACE = re.compile(r"\b(?:headquartered|headquarters\s+(?:is|are)|HQ(?:\s+is)?|is\s+based|"
                    r"are\s+based|based)\s+in\s+(?P<place>[A-Z][A-Za-z]+(?:[ -][A-Z][A-Za-z]+)*"
                    r"(?:,\s+[A-Z][A-Za-z]+(?:\s+[A-Z][A-Za-z]+)*)?)")
_QUOTE = re.compile(r"[“\"]([^“”\"\n]{3,600})[”\"]")
_CONTRAST = re.compile(r"^\W*(?:not|never|no|instead\s+of|rather\s+than|versus|vs\.?|"
                       r"compared\s+(?:to|with)|unlike|than|as\s+opposed\s+to)\b",
                       re.IGNORECASE)
_SAMPLE = re.compile(r"\b(?:survey(?:ed)?|benchmark|study|sample[ds]?|respondents|polled|"
                     r"interviewed|n\s*=|source|sources|beta|pilot|cohort)\b", re.IGNORECASE)
"""A count in a sentence about a study ("benchmark, 2025 (310 customers)") is its sample size."""
_EXAMPLE = re.compile(r"^\W*(?:suppose|supposing|imagine|assume|assuming|let's\s+say|say\s+you|"
                      r"for\s+(?:example|instance)|e\.g\.|as\s+an\s+example|in\s+this\s+"
                      r"example|example)\b", re.IGNORECASE)
_TAG_QUESTION = re.compile(r",\s*(?:right|correct|no|yes|isn't it|is that right|yeah|ok|okay)"
                           r"\s*\?\W*$", re.IGNORECASE)
"""A statement with a question tag ("eight weeks, right?") still states what it says."""
_HEADING_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]{1,5}\b")
_EXAMPLE_HEADING = re.compile(r"\b(?:examples?|worked|scenarios?|illustration)\b", re.IGNORECASE)
"""A section headed "Worked example", "Billing examples": its numbers illustrate."""
_IF = re.compile(r"\bif\s+(?P<condition>[^,;:.!?]+)", re.IGNORECASE)


def example_from(sentence: str) -> int:
    """Offset from which a sentence works through an example, or its length: "For example,
    ..." from its start; "if you use $3 in resources, you pay $5" from the "if" (a condition
    that holds a number). Numbers in an example illustrate, they are not claims; a condition
    without a number ("If you need help, support answers within an hour") is no example."""
    if _EXAMPLE.match(sentence):
        return 0
    for m in _IF.finditer(sentence):
        if find_quantities(m.group("condition")):
            return m.start()
    return len(sentence)
_ROMAN = {"1": "I", "2": "II", "one": "I", "two": "II", "I": "I", "II": "II"}


@dataclass(frozen=True, slots=True)
class TextUnit:
    """A passage or turn to extract claims from, with what surrounds it."""

    text: str
    heading: str = ""
    proper: frozenset[str] = frozenset()
    context: str = ""
    """Text just before this unit (the previous turn of a call), for resolving "they"."""
    lower: frozenset[str] = frozenset()
    """Words the whole source also writes in lower case (see :meth:`Names.mentions`)."""
    others: frozenset[str] = frozenset()
    """Words of the other organisations the whole source names (:func:`organisations`)."""
    title: str = ""
    """The title of the source: a page titled with one of our products is about it."""


def lines_and_sentences(text: str) -> list[tuple[str, str]]:
    """``(line, sentence)`` for each sentence of :func:`split_text`, with the line (paragraph,
    list item or table row) it stands in."""
    out = []
    for line in render_tables(text).splitlines():
        out.extend((line, s) for s in split_text(line))
    return out


def split_text(text: str) -> list[str]:
    """Sentences of a passage: by line (list items, table rows written with their headers,
    see :func:`~rag.consistency.tables.render_tables`) and sentence punctuation.

    Example:
        >>> split_text("Vantora Inc. is live.\\n- 99.9% uptime")
        ['Vantora Inc. is live.', '99.9% uptime']
    """
    out: list[str] = []
    for line in render_tables(text).splitlines():
        line = re.sub(r"^\s*(?:[-*•▪◦–]|\d{1,3}[.)])\s+", "", line).strip(" |\t")
        line = re.sub(r"\s*\|\s*", "; ", line)
        if not line:
            continue
        out.extend(s.text for s in split_sentences(line))
    return out


def subjects_of(text: str) -> frozenset[str]:
    """The subject keys a text is about.

    Example:
        >>> sorted(subjects_of("Customers cut invoice processing cost by 70%"))
        ['cost_reduction', 'customers', 'price']
    """
    have = {stem(t) for t in re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", text.lower())}
    have |= {stem(t) for t in tokens(text)}
    return frozenset(key for key, groups in SUBJECTS.items()
                     if all(group & have for group in groups))


_SYNONYMS = {stem(w): "cost" for w in """
price prices pricing priced cost costs costing fee fees charge charges charged charging bill
bills billed billing
""".split()}
"""Words for what something costs, as one term ("Price: $25" is about what "costs $20" is)."""


def content_terms(text: str, names: Names | None = None) -> frozenset[str]:
    """Stems of a text's content words: no stopwords, numbers, the company's own name or
    generic words; words for cost/price/fee are one term (``cost``).

    Example:
        >>> sorted(content_terms("The Pro plan is priced at $20 per month"))
        ['cost', 'plan', 'pro']
    """
    ours = set()
    if names is not None:
        ours = {t for n in [names.company, *names.messaging.company.aliases] for t in tokens(n)}
    return frozenset(k for t in tokens(text) if t not in ours and (k := key_term(t)))


def key_term(token: str) -> str | None:
    """The key term of one lower-case token (:func:`content_terms`), or None for a stopword,
    a number, a short or a generic word.

    Example:
        >>> key_term("priced"), key_term("integrations"), key_term("the")
        ('cost', 'integr', None)
    """
    if token in STOPWORDS or token.isdigit() or len(token) < 3 and not _SHORT_TERM.match(token):
        return None
    if stem(token) in _GENERIC_TERMS:
        return None
    return _SYNONYMS.get(stem(token), term(token))


_SHORT_TERM = re.compile(r"^(?:eu|us|uk|ai|gb|tb|vm|ip|db|hr|ui|ux|os)$")
"""Two-letter words that name something ("EU", "GB", "VM") and are kept as terms."""


def clauses(sentence: str) -> list[tuple[int, int]]:
    """``[start, end)`` offsets of the clauses of a sentence."""
    bounds = [0]
    for m in _CLAUSE.finditer(sentence):
        bounds.extend([m.start(), m.end()])
    bounds.append(len(sentence))
    spans = [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2)]
    return [(a, b) for a, b in spans if b > a] or [(0, len(sentence))]


def certifications(sentence: str) -> list[Certification]:
    """Certifications a sentence names, normalised (``SOC 2 Type 2`` -> ``SOC 2``/``Type II``).

    Example:
        >>> [c.label for c in certifications("We are SOC 2 Type 2 and ISO 27001 certified.")]
        ['SOC 2 Type II', 'ISO 27001']
    """
    out = []
    for m in _CERT.finditer(sentence):
        if m.group("soc"):
            n = {"one": "1", "two": "2", "three": "3"}.get(m.group("socn").lower(),
                                                           m.group("socn"))
            variant = m.group("soctype")
            out.append(Certification(f"SOC {n}", f"Type {_ROMAN[variant]}" if variant else None,
                                     m.group().strip()))
        elif m.group("iso"):
            out.append(Certification(f"ISO {m.group('ison')}", None, m.group().strip()))
        elif m.group("pci"):
            level = m.group("pcil")
            out.append(Certification("PCI DSS", f"Level {level}" if level else None,
                                     m.group().strip()))
        else:
            family = next(k for k in ("hipaa", "gdpr", "ccpa", "fedramp", "csa") if m.group(k))
            label = {"hipaa": "HIPAA", "gdpr": "GDPR", "ccpa": "CCPA", "fedramp": "FedRAMP",
                     "csa": "CSA STAR"}[family]
            out.append(Certification(label, None, m.group().strip()))
    return out


@dataclass(frozen=True, slots=True)
class Reading:
    """A sentence of a passage with the entities it mentions and whose it is by default."""

    sentence: str
    line: str
    """The paragraph, list item or table row (as a statement) the sentence stands in."""
    mentions: list[Mention]
    default: str
    """Whose an unattributed claim is: ``ours`` or ``other``."""
    pronoun: str
    """Whom "they" refers to when the sentence does not say."""


class ClaimExtractor:
    """Finds the claims of a text and whether each is about us.

    Args:
        names: Our declared names (to tell our claims from other companies').

    Example:
        >>> from ingest.messaging import Messaging
        >>> ex = ClaimExtractor(Names(Messaging(company={"name": "Vantora"})))
        >>> [(c.found, c.about_other) for c in ex.extract(TextUnit(
        ...     "Vantora is live in 30 days, unlike Paystream's 45-day rollout."))]
        [('30 days', False), ('45-day', True)]
    """

    def __init__(self, names: Names) -> None:
        self.names = names

    def extract(self, unit: TextUnit) -> list[Claim]:
        """The claims of a passage or turn, in order."""
        claims: list[Claim] = []
        heading = content_terms(unit.heading.split(" > ")[-1], self.names)
        acronyms = frozenset(a.lower() for a in _HEADING_ACRONYM.findall(
            unit.heading.split(" > ")[-1]))
        example = _EXAMPLE_HEADING.search(unit.heading) is not None
        titled = self.names.products_loosely(unit.title) if unit.title else frozenset()
        for r in self.readings(unit):
            sentence = r.sentence
            context = content_terms(sentence, self.names)
            spans = entity_spans(sentence, self.names)
            found = self._sentence_claims(sentence, r.mentions, r.default, r.pronoun, example,
                                          titled)
            numbered = {c.clause: c.terms for c in found if c.quantity is not None}
            for claim in found:
                # words of another clause with a number of its own describe that number
                # ("98% accurate capture, ... bring that down by 70%")
                others = [t for clause, t in numbered.items() if clause != claim.clause]
                claim.context = context - frozenset().union(*others) | claim.terms
                claim.heading = heading
                claim.heading_acronyms = acronyms
                at = claim.quantity.start if claim.quantity is not None else \
                    max(0, sentence.find(claim.clause))
                a = max(0, sentence.find(claim.clause))
                claim.entities = claim_entities(spans, (a, a + len(claim.clause)), at)
                claims.append(claim)
        return claims

    def readings(self, unit: TextUnit) -> Iterator[Reading]:
        """The sentences of a passage or turn, each with who it may be about.

        Who a sentence is about without naming anyone carries over from the sentence before
        within a paragraph (and into a list that a paragraph ending in ":" opens), not further.
        """
        topic = self._topic(unit)
        prev = self._context_owners(unit.context, unit.proper)
        lead = ""
        for line, sentence in lines_and_sentences(self.mask_quotes(unit.text)):
            if line != lead:  # a new paragraph, list item or table row
                if not lead.rstrip().endswith(":") and prev == {"other"} and unit.context == "":
                    prev = set()  # who one paragraph was about does not carry to the next
                lead = line
            mentions = self.mentions(sentence, unit)
            default = topic or ("other" if prev == {"other"} else "ours")
            pronoun = "ours" if prev == {"ours"} else "other"
            yield Reading(sentence, line, mentions, default, pronoun)
            owners = {m.owner for m in mentions if m.owner != "pronoun"}
            if owners:
                prev = {"ours"} if "ours" in owners else {"other"}

    def owner(self, reading: Reading, clause: tuple[int, int], at: int) -> str:
        """Whose claim the words at offset ``at`` of a reading are: ``ours`` or ``other``."""
        return self._owner(reading.mentions, clause, at, reading.default, reading.pronoun)

    def mentions(self, sentence: str, unit: TextUnit) -> list[Mention]:
        """The entities a sentence of ``unit`` mentions, with what its source tells of names."""
        return self.names.mentions(sentence, unit.proper, lower=unit.lower, others=unit.others)

    def mask_quotes(self, text: str) -> str:
        """The text with quotations blanked out unless attributed to us.

        A testimonial ("We closed March in six days," says a customer's controller) is the
        customer's claim, not ours; a quote whose attribution names us (", said the CEO of
        Vantora") stays.
        """
        def blank(m: re.Match[str]) -> str:
            after = re.split(r"(?<=[.!?])\s", text[m.end():m.end() + 160], maxsplit=1)[0]
            before = text[max(0, m.start() - 100):m.start()].rsplit("\n", 1)[-1]
            if self.names.our_spans(after) or (before.rstrip().endswith(":")
                                               and self.names.our_spans(before)):
                return m.group()
            return m.group()[0] + " " * (len(m.group()) - 2) + m.group()[-1]

        return _QUOTE.sub(blank, text)

    def _topic(self, unit: TextUnit) -> str | None:
        """``other`` when the passage's heading is about another company (a battle card)."""
        if not unit.heading:
            return None
        owners = {m.owner for m in self.mentions(unit.heading, unit)
                  if m.owner != "pronoun"}
        return "other" if owners == {"other"} else None

    def _context_owners(self, context: str, proper: Iterable[str]) -> set[str]:
        """Who the text before this unit (the other side's turn) was about; its "we" is not us."""
        if not context:
            return set()
        sentences = split_text(context)
        if not sentences:
            return set()
        mentions = self.names.mentions(sentences[-1], set(proper))
        owners = {m.owner for m in mentions if m.owner == "other"
                  or (m.owner == "ours" and self.names.is_ours(m.text))}
        if not owners:
            return set()
        return {"ours"} if "ours" in owners else {"other"}

    def _sentence_claims(self, sentence: str, mentions: list[Mention], default: str,
                         pronoun: str, heading_example: bool = False,
                         titled: frozenset[str] = frozenset()) -> list[Claim]:
        spans = clauses(sentence)
        out: list[Claim] = []
        hedged = _HEDGE.search(sentence) is not None
        sentence_subjects = subjects_of(sentence)
        question = "?" in sentence[-3:] and not _TAG_QUESTION.search(sentence)
        example = 0 if heading_example else example_from(sentence)
        for q in [] if question else find_quantities(sentence):
            if q.start >= example:
                continue  # an illustration: "if you use $3, you pay the $5 subscription"
            a, b = next(((x, y) for x, y in spans if x <= q.start < y), (0, len(sentence)))
            clause = sentence[a:b]
            if q.kind == "count" and _SAMPLE.search(sentence):
                continue  # the size of a study's sample, not a total
            # a count is about what it counts ("1,400 jobs" is not about customers), unless
            # what it counts is generic ("integrates with 40+ tools")
            generic = q.kind == "count" and {stem(t) for t in tokens(q.unit)} <= _GENERIC_COUNTED
            subjects = subjects_of(q.unit) if q.kind == "count" and not generic \
                else subjects_of(clause)
            if q.kind == "money" and "/" in q.unit and q.unit.endswith("month"):
                subjects |= {"price"}
            weak = not subjects
            owner = self._owner(mentions, (a, b), q.start, default, pronoun)
            if _CONTRAST.match(clause):
                owner = "other"  # "live in two weeks, not two months": the alternative
            fallback = frozenset() if q.kind == "count" else sentence_subjects
            # the products its clause names, else one named before the number, else the page's
            products = self.names.products_loosely(clause) or \
                self.names.products_loosely(sentence[:q.start]) or titled
            out.append(Claim(sentence=sentence, clause=clause, quantity=q,
                             subjects=subjects or fallback,
                             terms=content_terms(clause, self.names), weak_subject=weak,
                             about_other=owner != "ours", hedged=hedged, products=products))
        if not question:
            out.extend(self._certification_claims(sentence, mentions, spans, default, pronoun,
                                                  hedged))
            out.extend(self._place_claims(sentence, mentions, pronoun))
        return out

    def _certification_claims(self, sentence: str, mentions: list[Mention],
                              spans: list[tuple[int, int]], default: str, pronoun: str,
                              hedged: bool) -> list[Claim]:
        out = []
        if not _ASSERT.search(sentence) or _NOT_ASSERTED.search(sentence):
            return out
        for cert in certifications(sentence):
            at = sentence.find(cert.text)
            a, b = next(((x, y) for x, y in spans if x <= at < y), (0, len(sentence)))
            owner = self._owner(mentions, (a, b), at, default, pronoun)
            out.append(Claim(sentence=sentence, clause=sentence[a:b], certification=cert,
                             subjects=frozenset({"certification"}), about_other=owner != "ours",
                             hedged=hedged))
        return out

    def _place_claims(self, sentence: str, mentions: list[Mention],
                      pronoun: str) -> list[Claim]:
        out = []
        for m in _PLACE.finditer(sentence):
            # a place is ours only when we are named: "customers based in Texas" is not a claim
            owner = self._owner(mentions, (0, len(sentence)), m.start(), "other", pronoun)
            out.append(Claim(sentence=sentence, clause=sentence, place=m.group("place"),
                             subjects=frozenset({"headquarters"}), about_other=owner != "ours"))
        return out

    @staticmethod
    def _owner(mentions: list[Mention], clause: tuple[int, int], at: int, default: str,
               pronoun: str) -> str:
        """Whose claim the words at ``at`` are: ``ours`` or ``other``."""
        a, b = clause
        before = [m for m in mentions if a <= m.start < at]
        after = [m for m in mentions if at <= m.start < b]
        earlier = [m for m in mentions if m.start < a]
        pick = before[-1] if before else after[0] if after else earlier[-1] if earlier else None
        if pick is None:
            return default
        if pick.owner != "pronoun":
            return pick.owner
        # "they"/"their": the entity named before the pronoun, else the one before this sentence
        prior = [m for m in mentions if m.start < pick.start and m.owner != "pronoun"]
        return prior[-1].owner if prior else pronoun


__all__ = ["ClaimExtractor", "Reading", "SUBJECTS", "TextUnit", "certifications", "clauses",
           "content_terms", "key_term", "lines_and_sentences", "split_text", "subjects_of"]
