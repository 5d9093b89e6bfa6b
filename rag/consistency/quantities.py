"""Numbers with units in marketing and sales language, normalised so they can be compared.

:func:`find_quantities` finds every percentage, amount of money (currency, basis and period),
duration, count ("1,200 finance teams"), multiple ("4x") and year in a sentence, written in
digits ("1,200", "1.2k", "$18k") or words ("two thousand", "six weeks", "a month"), with its
qualifier ("more than", "up to", "about", "starting at", "1,200+") and ranges ("30-45 days").

Values are normalised: durations to days (six weeks = 42), money to one currency amount per
month when a period is given (``$18,000 a year`` = 1,500/month), counts to plain numbers
(``two thousand`` = 2000, ``1.2k`` = 1200).

:func:`compatible` decides whether two quantities of the same kind can both be true, with a
tolerance per kind: percentages must agree to the precision written (99.5% vs 99.9% do not;
99.99% vs 99.9% do not), counts within 5% (and a "more than N" headline covers up to 30% above
N), durations within 10%, money within 2%; "about" widens any of these by 5% on each side.

Things that look like numbers but are not claims are left out: phone numbers, dates and
times, versions, standards ("ISO 27001", "SOC 2", "Type 2"), "24/7", footnote marks.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from ingest.text import STOPWORDS

Kind = str
"""``percent``, ``money``, ``duration``, ``count``, ``multiple`` or ``year``."""

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_WORD_NUMBER = "|".join(sorted([*_UNITS, *_SCALES, "dozen"], key=len, reverse=True))
_WORDS_RE = (rf"(?:(?:a|an)\s+(?:dozen|hundred|thousand|million)|(?:{_WORD_NUMBER})"
             rf"(?:(?:\s+and\s+|[\s-]+)(?:{_WORD_NUMBER}))*)")
_DIGITS_RE = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_SCALE_RE = r"(?:\s?(?:k|K|m|M|mm|MM|bn|B)\b|\s+(?:thousand|million|billion)\b)"
_CURRENCY_PREFIX = r"(?:US\$|USD\s?|EUR\s?|GBP\s?|\$|€|£)"
_NUMBER = re.compile(
    rf"(?<![\w.,/#\[-])(?P<cur>{_CURRENCY_PREFIX})?(?:(?P<num>{_DIGITS_RE})(?P<scale>{_SCALE_RE})?"
    rf"|(?P<words>\b{_WORDS_RE}\b))(?!(?!x\b)\w|/\d|\.\d|,\d{{3}})",
    re.IGNORECASE,
)
_A_UNIT = re.compile(
    r"\b(?P<a>a|an|one|a single)\s+(?=(?:business\s+|working\s+|calendar\s+)?"
    r"(?:minute|hour|day|week|month|quarter|year)\b)", re.IGNORECASE)
_RATE = re.compile(r"(?:\d|\b(?:once|twice|times|per))[\w,.%]*(?:\s+[A-Za-z-]+){0,3}\s*$",
                   re.IGNORECASE)
"""Text before "a day"/"a year" that makes it a rate ("10,000 invoices a day"), not a duration."""
_SPAN_BEFORE = re.compile(
    r"\b(?:in|within|under|about|around|than|for|after|over|takes?|took|taking|just|only|"
    r"roughly|nearly|almost|least|most|to|by|under|barely|less\s+than|more\s+than|up\s+to)"
    r"\s+(?:just\s+|only\s+|about\s+|around\s+)?$", re.IGNORECASE)
"""Words before "a month" that make it a span of time ("live in a month"); elsewhere it is a
rate ("invoices they process a month")."""
_COUPLE = re.compile(r"\ba\s+couple\s+of\s+(?=(?:minutes|hours|days|weeks|months|years)\b)",
                     re.IGNORECASE)

_DURATION_DAYS = {
    "minute": 1 / 1440, "min": 1 / 1440, "hour": 1 / 24, "hr": 1 / 24, "day": 1.0,
    "week": 7.0, "wk": 7.0, "month": 30.0, "mo": 30.0, "quarter": 91.0, "year": 365.0,
    "yr": 365.0,
}
_DURATION = re.compile(
    r"^[\s-]*(?:business\s+|working\s+|calendar\s+)?"
    r"(?P<unit>minute|min|hour|hr|day|week|wk|month|mo|quarter|year|yr)s?\b", re.IGNORECASE)
_PERCENT = re.compile(r"^\s*(?:%|percent\b|per\s?cent\b|pct\b)", re.IGNORECASE)
_MULTIPLE = re.compile(r"^\s*(?:x\b|×|times\b)", re.IGNORECASE)
_CURRENCY_SUFFIX = re.compile(r"^\s*(?P<cur>USD|EUR|GBP|dollars|euros|pounds)\b", re.IGNORECASE)
_PER = re.compile(
    r"^\s*(?:per\b|/|an?\b|each\b|every\b|-(?=(?:month|mo|year|yr|week|day|hour)\b))\s*"
    r"(?P<what>[a-z]+)|^[\s,-]*(?P<adv>monthly|annually|yearly"
    r"|weekly|quarterly)\b", re.IGNORECASE)
_PERIOD_MONTHS = {
    "month": 1.0, "mo": 1.0, "monthly": 1.0, "year": 12.0, "yr": 12.0, "annum": 12.0,
    "annually": 12.0, "yearly": 12.0, "quarter": 3.0, "quarterly": 3.0, "week": 12 / 52,
    "weekly": 12 / 52,
}
_BASIS = {"tech": "technician", "seat": "user", "license": "user", "licence": "user",
          "head": "user", "person": "user", "member": "user"}
"""Words for the same pricing basis ("per tech" = "per technician")."""
_RANGE = re.compile(rf"^\s*(?:-|–|—|to|and)\s*(?P<cur>{_CURRENCY_PREFIX})?(?:(?P<num>{_DIGITS_RE})"
                    rf"(?P<scale>{_SCALE_RE})?|(?P<words>\b{_WORDS_RE}\b))", re.IGNORECASE)
_PLUS = re.compile(r"^\s*\+")
_DELTA_AFTER = re.compile(r"^[\s,]*(?:\w+\s+){0,1}(?:faster|quicker|sooner|earlier|shorter|"
                          r"fewer|less|lower|higher|more|longer|slower|later|saved|back)\b",
                          re.IGNORECASE)
_DELTA_BEFORE = re.compile(r"\b(?:by|save[sd]?|saving|cut(?:s|ting)?|shaved?|shaves|shorten(?:s|ed)?"
                           r"|gain(?:s|ed)?|reduc(?:e|es|ed|ing)|(?:in|de)creas(?:e|es|ed|ing))"
                           r"(?:\s+\w+){0,2}\s+(?:by\s+)?(?:up\s+to\s+|about\s+|over\s+|more\s+than\s+)?$",
                           re.IGNORECASE)
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_YEAR_CUE = re.compile(r"(?:\b(?:in|since|founded|established|est\.?|from|by|until|of|year|"
                       r"during|early|late|mid|circa)\s*,?\s*$)|(?:\b(?:19|20)\d\d\s*(?:-|–|to)\s*$)",
                       re.IGNORECASE)

_QUALIFIERS = (
    ("over", r"(?:more\s+than|over|upwards\s+of|in\s+excess\s+of|north\s+of|above|beyond)"),
    ("min", r"(?:at\s+least|starting\s+(?:at|from)|starts?\s+(?:at|from)|from|as\s+low\s+as|"
            r"as\s+little\s+as|as\s+few\s+as|as\s+fast\s+as|minimum\s+of|a\s+minimum\s+of)"),
    ("max", r"(?:up\s+to|under|less\s+than|fewer\s+than|within|no\s+more\s+than|at\s+most|"
            r"below|maximum\s+of|a\s+maximum\s+of|in\s+under|just\s+under)"),
    ("approx", r"(?:about|around|approximately|approx\.?|roughly|nearly|almost|close\s+to|"
               r"some|~|an\s+average\s+of|on\s+average|averaging|typically|usually|about\s+a)"),
)
_QUALIFIER_BEFORE = [(name, re.compile(rf"(?:^|\b|(?<=\s)){pattern}\s*$", re.IGNORECASE))
                     for name, pattern in _QUALIFIERS]
_APPROX_AFTER = re.compile(r"^[^.;]{0,40}\b(?:on\s+average|or\s+so|give\s+or\s+take|"
                           r"on\s+a\s+typical)\b", re.IGNORECASE)

_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|"
           r"aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_MASKS = (
    re.compile(r"(?<!\w)\+?\(?\d{1,4}\)?(?:[\s.-]\(?\d{2,4}\)?){2,}\d*(?!\w)"),  # phone numbers
    re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b"),  # dates
    re.compile(rf"\b{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+"
               rf"(?:of\s+)?{_MONTHS}\b", re.IGNORECASE),  # day of month
    re.compile(r"\b\d{1,2}:\d{2}\s*(?:am|pm)?\b|\b\d{1,2}(?:\.\d{2})?\s*(?:am|pm)\b",
               re.IGNORECASE),  # times
    re.compile(r"\b(?:v|version|release|iso(?:/iec)?|soc|type|tier|level|phase|step|form|"
               r"article|section|chapter|page|slide|figure|fig\.|table|q|h|fy|no\.|number|"
               r"pci\s+dss|nist|sp|w|gen|series|model|room|suite|ext\.?)[\s-]?\d[\d.]*\b",
               re.IGNORECASE),
    re.compile(r"\b24\s*/\s*7\b|\b24x7\b|\b\d+(?:st|nd|rd|th)\b|\[\d+\]|#\d+", re.IGNORECASE),
    re.compile(r"\b\d+(?:\.\d+)?\s*(?:/|out\s+of)\s*(?:5|10)\s*(?:stars?)?\b", re.IGNORECASE),
)


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number with its unit as written in a sentence, normalised for comparison.

    Attributes:
        value: The (lower) value, normalised: days for durations, per month for money with a
            period, a plain number otherwise; percentages stay in 0..100.
        kind: ``percent``, ``money``, ``duration``, ``count``, ``multiple`` or ``year``.
        unit: ``%``, ``days``, ``x``, the year, the currency with basis and period
            (``USD/month``, ``USD/user/month``) or the words a count counts (``finance teams``).
        qualifier: ``exact``, ``over`` ("more than"), ``min`` ("starting at"), ``max``
            ("up to") or ``approx`` ("about").
        high: The upper value of a range ("30-45 days"), else None.
        decimals: Digits after the decimal point as written (the precision).
        text: The span as written, qualifier included.
        start: Offset of ``text`` in the sentence.
        end: End offset of ``text`` in the sentence.
    """

    value: float
    kind: Kind
    unit: str
    qualifier: str = "exact"
    high: float | None = None
    decimals: int = 0
    text: str = ""
    start: int = 0
    end: int = 0
    delta: bool = False
    """A change rather than a level: "four days faster", "cut by 70%", "saves 3 days"."""

    def interval(self, tolerance: float) -> tuple[float, float]:
        """The values this quantity allows, widened by ``tolerance`` (a fraction)."""
        lo, hi = self.value, self.high if self.high is not None else self.value
        # to the precision written (99.5 stands for [99.45, 99.55)); kept just inside, so that
        # 98% and 99% do not meet at 98.5
        half = 0.45 * 10 ** (-self.decimals) if self.kind == "percent" else 0.0
        if self.qualifier == "over":
            hi = lo * 1.3 if self.kind != "percent" else 100.0
        elif self.qualifier == "min":
            hi = math.inf
        elif self.qualifier == "max":
            lo = 0.0
        if self.qualifier == "approx":
            tolerance += 0.05
        lo, hi = lo - half, hi + half
        return lo * (1 - tolerance), hi * (1 + tolerance) if math.isfinite(hi) else hi


TOLERANCE = {"percent": 0.0, "count": 0.05, "duration": 0.1, "money": 0.02, "multiple": 0.1,
             "year": 0.0}
"""Relative tolerance per kind when comparing two quantities (see :func:`compatible`)."""


def words_to_number(text: str) -> float | None:
    """The value of a number written in words.

    Example:
        >>> words_to_number("two thousand"), words_to_number("forty-five")
        (2000.0, 45.0)
        >>> words_to_number("twelve hundred"), words_to_number("a dozen")
        (1200.0, 12.0)
    """
    parts = [p for p in re.split(r"[\s-]+", text.lower().strip()) if p and p != "and"]
    if not parts:
        return None
    total, current, seen = 0.0, 0.0, False
    for i, word in enumerate(parts):
        if word in ("a", "an") and i == 0:
            current, seen = 1.0, True
        elif word in _UNITS:
            current += _UNITS[word]
            seen = True
        elif word == "dozen":
            current = (current or 1) * 12
            seen = True
        elif word == "hundred":
            current = (current or 1) * 100
            seen = True
        elif word in _SCALES:
            total += (current or 1) * _SCALES[word]
            current, seen = 0.0, True
        else:
            return None
    return total + current if seen else None


def _number_value(match: re.Match[str]) -> tuple[float, int] | None:
    if match.group("num"):
        raw = match.group("num").replace(",", "")
        value = float(raw)
        decimals = len(raw.split(".")[1]) if "." in raw else 0
        scale = (match.group("scale") or "").strip().lower()
        factor = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "million": 1e6, "bn": 1e9,
                  "b": 1e9, "billion": 1e9}.get(scale, 1.0)
        return value * factor, decimals if factor == 1.0 else 0
    value = words_to_number(match.group("words"))
    return (value, 0) if value is not None else None


def _masked(sentence: str) -> str:
    """The sentence with non-claim digits (phones, dates, versions...) blanked out."""
    out = sentence
    for pattern in _MASKS:
        out = pattern.sub(lambda m: " " * len(m.group()), out)
    return out


def _qualifier(before: str, after: str) -> tuple[str, int]:
    """The qualifier written before a number (and how many chars it takes), or ``exact``."""
    for name, pattern in _QUALIFIER_BEFORE:
        m = pattern.search(before[-40:])
        if m:
            return name, len(m.group())
    if _APPROX_AFTER.match(after):
        return "approx", 0
    return "exact", 0


def _money_unit(currency: str, after: str) -> tuple[str, float, int]:
    """``USD[/basis][/period]``, the factor to a monthly amount, and chars consumed."""
    code = {"$": "USD", "us$": "USD", "usd": "USD", "dollars": "USD", "€": "EUR", "eur": "EUR",
            "euros": "EUR", "£": "GBP", "gbp": "GBP", "pounds": "GBP"}.get(
        currency.strip().lower(), currency.strip().upper())
    basis, period, factor, used = "", "", 1.0, 0
    for _ in range(2):
        m = _PER.match(after[used:])
        if not m:
            break
        what = (m.group("what") or m.group("adv") or "").lower().rstrip("s") or ""
        if what in _PERIOD_MONTHS or (m.group("adv") and m.group("adv").lower() in _PERIOD_MONTHS):
            key = what if what in _PERIOD_MONTHS else m.group("adv").lower()
            period, factor = "month", 1.0 / _PERIOD_MONTHS[key]
        elif m.group("what") and not basis and what not in ("the", "one", "our", "your", "their"):
            basis = _BASIS.get(what, what)
        else:
            break
        used += m.end()
    unit = "/".join(p for p in (code, basis, period) if p)
    return unit, factor, used


def _count_noun(after: str) -> tuple[str, int]:
    """The words a count counts and the chars they take: "1,200 [finance teams] use..."."""
    words: list[str] = []
    used = 0
    for m in re.finditer(r"[A-Za-z][A-Za-z'&-]*|[^\sA-Za-z]", after[:80]):
        w = m.group()
        low = w.lower()
        if not w[0].isalpha():
            break
        if (low in _COUNT_STOP and low not in ("and", "or")) or len(words) >= 6:
            break
        if low in ("and", "or") and words and words[-1].endswith("s"):
            break  # "customers and partners": the count is of the first
        words.append(low)
        used = m.end()
    while words and words[-1] in ("and", "or"):
        words.pop()
    if words:
        used = after.lower().find(words[-1], 0, used + 1) + len(words[-1])
    return " ".join(words), used


_IN_A_COUNT = frozenset({"of", "our", "other", "own", "s", "question", "questions"})
"""Stop-words that a counted noun may hold ("500 of our customers", "50 customer questions")."""
_COUNT_STOP = (STOPWORDS - _IN_A_COUNT) | frozenset("""
use uses used using trust trusts rely relies run runs process processes processed choose chose
love loves depend depends switched signed joined go went across worldwide globally around
including today already less fewer since back
""".split())
"""Words that end the noun a count counts ("1,200 teams [use] it"): the stop-words of
:data:`ingest.text.STOPWORDS` but :data:`_IN_A_COUNT`, and verbs and adverbs that follow a
count in a claim."""


def find_quantities(sentence: str) -> list[Quantity]:
    """Every comparable quantity in a sentence, in order.

    Args:
        sentence: One sentence (or a short passage).

    Returns:
        The quantities found, each with its normalised value, kind, unit and qualifier.

    Example:
        >>> [(q.value, q.kind, q.qualifier) for q in find_quantities(
        ...     "More than 1,200 finance teams go live in six weeks with 99.9% uptime.")]
        [(1200.0, 'count', 'over'), (42.0, 'duration', 'exact'), (99.9, 'percent', 'exact')]
    """
    text = _masked(sentence)
    text = _A_UNIT.sub(lambda m: "1" + " " * (len(m.group()) - 1)
                       if _SPAN_BEFORE.search(text[:m.start()]) and not _RATE.search(text[:m.start()])
                       else m.group(), text)
    text = _COUPLE.sub(lambda m: "2" + " " * (len(m.group()) - 1), text)
    found: list[Quantity] = []
    pos = 0
    while True:
        m = _NUMBER.search(text, pos)
        if m is None:
            break
        pos = m.end()
        parsed = _number_value(m)
        if parsed is None:
            continue
        value, decimals = parsed
        start, end = m.start(), m.end()
        high = None
        rng = _RANGE.match(text[end:])
        if rng and (rng.group("num") or rng.group("words")):
            rparsed = _number_value(rng)
            if rparsed is not None and rparsed[0] > value:
                high = rparsed[0]
                end += rng.end()
                decimals = max(decimals, rparsed[1])
        after = text[end:]
        before = text[:start]
        if re.search(r"\bbetween\s*$", before, re.IGNORECASE) and high is None:
            continue
        currency = m.group("cur") or ""
        q = _classify(sentence, text, value, high, decimals, currency, start, end, before, after)
        if q is not None:
            found.append(q)
            pos = max(pos, q.end)
    return found


def _classify(sentence: str, text: str, value: float, high: float | None, decimals: int,
              currency: str, start: int, end: int, before: str, after: str) -> Quantity | None:
    used = 0
    qualifier, qlen = _qualifier(before, after)
    if re.search(r"\bbetween\s*$", before, re.IGNORECASE):
        qlen = len(re.search(r"\bbetween\s*$", before, re.IGNORECASE).group())
    plus = _PLUS.match(after)
    if plus:
        qualifier, used = "over", plus.end()
    kind, unit, factor = None, "", 1.0
    if (m := _PERCENT.match(after[used:])) is not None:
        kind, unit = "percent", "%"
        used += m.end()
    elif not currency and (m := _CURRENCY_SUFFIX.match(after[used:])) is not None:
        currency = m.group("cur")
        used += m.end()
    if kind is None and currency:
        unit, factor, more = _money_unit(currency, after[used:])
        kind = "money"
        used += more
    elif kind is None and (m := _DURATION.match(after[used:])) is not None:
        kind, factor = "duration", _DURATION_DAYS[m.group("unit").lower()]
        unit = "days"
        used += m.end()
    elif kind is None and (m := _MULTIPLE.match(after[used:])) is not None:
        kind, unit = "multiple", "x"
        used += m.end()
    elif kind is None:
        raw = sentence[start:end].strip()
        noun, length = _count_noun(after[used:])
        plural = noun.split(" ")[0].endswith("s") if noun else False
        if _YEAR.match(raw) and high is None and (_YEAR_CUE.search(before) or not plural):
            kind, unit = "year", raw
        else:
            if not noun or value < 2 or (value < 10 and not re.match(r"\d", sentence[start:])):
                return None  # "one customer", "three of our customers": anecdotes, not totals
            kind, unit = "count", noun
            used += length
    if high is not None and qualifier != "approx":
        qualifier = "exact"  # "from 30 to 45 days", "between 2 and 4 weeks": a range
    lo = start - qlen
    span_end = end + used
    delta = bool(_DELTA_AFTER.match(sentence[span_end:]) or _DELTA_BEFORE.search(before))
    return Quantity(value=value * factor, kind=kind, unit=unit, delta=delta,
                    qualifier=qualifier,
                    high=high * factor if high is not None else None, decimals=decimals,
                    text=sentence[lo:span_end].strip(), start=lo, end=span_end)


def compatible(claim: Quantity, fact: Quantity) -> bool | None:
    """Whether a claim's quantity can be true together with the fact's.

    Returns:
        True when they agree (within the tolerance of their kind), False when they conflict,
        None when they cannot be compared (different kinds, currencies, bases or periods).

    Example:
        >>> fact = find_quantities("Vantora has a 99.9% uptime SLA.")[0]
        >>> compatible(find_quantities("We guarantee 99.5% uptime.")[0], fact)
        False
        >>> compatible(find_quantities("Implementation takes a month.")[0],
        ...            find_quantities("Implementation takes 30 days on average.")[0])
        True
    """
    if claim.kind != fact.kind:
        return None
    if claim.kind == "duration" and claim.delta != fact.delta:
        return None  # "four days faster" is not "eleven working days"
    if claim.kind == "money" and not _same_money_unit(claim, fact):
        return None
    if claim.kind == "year":
        return claim.value == fact.value
    tolerance = TOLERANCE.get(claim.kind, 0.05)
    if claim.qualifier == fact.qualifier and claim.qualifier in ("min", "max"):
        # two starting prices (or two ceilings) must be the same number
        claim = _exact(claim)
        fact = _exact(fact)
    a_lo, a_hi = claim.interval(tolerance)
    b_lo, b_hi = fact.interval(tolerance)
    return a_lo <= b_hi and b_lo <= a_hi


def _exact(q: Quantity) -> Quantity:
    """The same quantity read as an exact value (every other field kept, ``delta`` included)."""
    return replace(q, qualifier="exact")


def _same_money_unit(claim: Quantity, fact: Quantity) -> bool:
    """Same currency, and the same basis and period; a starting price written without a basis
    or period ("plans start at $39") compares with the fact's starting price."""
    a, b = claim.unit.split("/"), fact.unit.split("/")
    if a[0] != b[0]:
        return False
    a_period = "month" if a[-1] == "month" else ""
    b_period = "month" if b[-1] == "month" else ""
    a_basis = a[1] if len(a) > 1 and a[1] != "month" else ""
    b_basis = b[1] if len(b) > 1 and b[1] != "month" else ""
    loose = claim.qualifier == "min"
    return (a_period == b_period or (loose and not a_period)) and \
        (a_basis == b_basis or (loose and not a_basis))


__all__ = ["Quantity", "TOLERANCE", "compatible", "find_quantities", "words_to_number"]
