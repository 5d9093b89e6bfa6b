"""Hand-written cue features that complement sentence embeddings in the objection head.

Mean-pooled MiniLM embeddings blur two things an objection hinges on: polarity ("the price is
fine" vs "the price is too high") and the few words that name the topic ("clause", "SOC 2",
"sign off"). These features count cue phrases per category, negations, concern and
reassurance words, and whether the sentence is a question. Whether each group helps was
measured by cross-validation on the training set (see ``python -m training.train``).
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

_CATEGORY_CUES: dict[str, str] = {
    "price": r"price|pricing|priced|cost|costs|costly|expensive|pricey|steep|cheap(?:er)?|afford"
             r"|budget|quote|quoted|fees?|per (?:month|year|seat|user)|discount|dollars?|\$"
             r"|grand|thousand|hundred|too much|spend|money|pay(?:ing)?|overpay\w*|roi|rate",
    "timing": r"timing|right now|not now|this quarter|next (?:quarter|year|month|spring|fall)"
              r"|until|wait|later|after (?:the|our)|busy|season|bandwidth|on our plate|revisit"
              r"|circle back|down the road|fiscal|year[- ]end|freeze|not the right time|yet",
    "competitor": r"competitor\w*|already (?:use|using|have|work)|other vendors?|another vendor"
                  r"|switch(?:ing)?|rip out|bake-?off|incumbent|current (?:vendor|provider|tool"
                  r"|system|partner)|alternatives?|shortlist|other (?:tools?|options|company)"
                  r"|same thing|half (?:of )?that|cheaper",
    "authority": r"approv\w*|sign[- ]off|signs off|decision|decide|committee|board|cfo|ceo|cio"
                 r"|cto|boss|manager|director|vp|procurement|not my call|my call|above me"
                 r"|convince|run (?:this|it) by|legal team|owner|partners?|leadership|rfp",
    "need": r"don't need|do not need|no need|not a priority|working fine|works fine|fine as is"
            r"|happy with|get by|spreadsheet|manual(?:ly)?|small team|too small|why would we"
            r"|nobody's complaining|not a problem for us|not broken|not sure we need|priority",
    "feature": r"doesn't (?:have|support|do|handle)|does not|can't do|missing|lacks?|no way to"
               r"|feature|functionality|support for|out of the box|capabilit\w*|mobile app"
               r"|report(?:ing|s)?|dashboard|mode|handle|only (?:does|supports|works)",
    "integration": r"integrat\w*|connect\w*|sync\w*|api|import|export|plug[- ]?in|erp|crm"
                   r"|netsuite|quickbooks|salesforce|sap|oracle|sage|dynamics|workday|xero"
                   r"|hubspot|talk to (?:our|each)|data feed|webhook|middleware|system",
    "security": r"secur\w*|soc ?2|iso ?27001|gdpr|hipaa|pci|encrypt\w*|breach|penetration|pen test"
                r"|data (?:residency|privacy|retention|protection)|privacy|compliance|audit"
                r"|access control|sso|single sign|it (?:team|department) (?:won't|will)|network"
                r"|firewall|cloud|infosec|vulnerab\w*|personal data|phi|pii",
    "implementation": r"implement\w*|rollout|roll (?:it )?out|onboard\w*|set ?up|install\w*"
                      r"|migrat\w*|training|train (?:our|the)|change management|adoption"
                      r"|go[- ]live|deploy\w*|resources|tied up|disrupt\w*|project|ramp"
                      r"|learning curve|transition|cutover|months to",
    "trust": r"trust|believe|proof|prove|references?|case stud\w*|track record|unknown|startup"
             r"|small company|around in|heard|reviews?|claims?|skeptic\w*|burned|promises"
             r"|too good|guarantee|cherry[- ]picked|reputation|stability|go under|out of business"
             r"|first (?:hospital|customer|deployment)|who else",
    "contract": r"contract\w*|terms?|clause|cancel\w*|terminat\w*|liabilit\w*|indemn\w*|sla"
                r"|auto[- ]?renew\w*|renewal|commitment|multi[- ]year|lock(?:ed)? in|minimum"
                r"|agreement|msa|legal|exit|notice period|penalt\w*|paper|redline",
    "other": r"policy|union|language|english|spanish|building|weather|location|culture|personal"
             r"|retirement|heavy|rep was|pushy",
}

_NEGATION = r"not|no|never|nothing|none|nobody|neither|nor|without|n't|cannot"
_CONCERN = (
    r"worr\w*|concern\w*|afraid|problem\w*|issue\w*|risk\w*|hard|tough|difficult|too|dealbreaker"
    r"|deal[- ]breaker|hesitant|hesitat\w*|unsure|not sure|doubt\w*|struggle|unless|if not"
    r"|can't|won't|wouldn't|couldn't|isn't|doesn't|nervous|pushback|push back|red flag|sticking"
    r"|hold(?:s|ing)? (?:us )?back|non-starter|no-go|pain|nightmare|disaster|honestly|but|however"
)
_REASSURANCE = (
    r"fine|great|perfect|good|works|working|happy|comfortable|on board|fair|reasonable|ready"
    r"|covered|approved|love|ideal|excited|makes sense|sounds good|no problem|no issue|no concern"
    r"|not (?:a|the|really a) (?:concern|problem|issue|worry)|not worried|within|already (?:passed"
    r"|approved|budgeted)|cleared|sorted|handled|signed off|let's|sooner"
)
_RESOLVED = (
    r"(?:not|no|never|nothing|isn't|aren't|wasn't|won't|don't|doesn't|without)(?: \w+){0,3}?"
    r" (?:worr\w*|concern\w*|problem\w*|issues?|blockers?|rush|holding|objections?|hesitat\w*"
    r"|risk|question|doubts?|pushback|complain\w*|looking at|talking to|shopping|haggl\w*)"
)
_QUESTION_START = r"what|how|why|when|where|who|which|is|are|can|could|does|do|did|will|would" \
                  r"|should|have|has"


def _pattern(alternatives: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z])(?:{alternatives})(?![A-Za-z])", re.IGNORECASE)


_CATEGORY_RE = {name: _pattern(p) for name, p in _CATEGORY_CUES.items()}
_NEGATION_RE = re.compile(rf"(?<![A-Za-z])(?:{_NEGATION})(?![a-z])|n't\b", re.IGNORECASE)
_CONCERN_RE = _pattern(_CONCERN)
_REASSURANCE_RE = _pattern(_REASSURANCE)
_RESOLVED_RE = _pattern(_RESOLVED)
_QUESTION_RE = re.compile(rf"^\W*(?:so,? |and |but |um,? |uh,? |okay,? )?(?:{_QUESTION_START})\b",
                          re.IGNORECASE)

GROUPS = ("category", "polarity", "question")
"""Feature groups: per-category cue counts, negation/concern/reassurance, question form."""


def feature_names(groups: tuple[str, ...] = GROUPS) -> list[str]:
    """Names of the features :func:`cue_features` returns for these groups, in order."""
    names: list[str] = []
    if "category" in groups:
        names += [f"cue_{name}" for name in _CATEGORY_CUES]
    if "polarity" in groups:
        names += ["negation", "concern", "reassurance", "resolved"]
    if "question" in groups:
        names += ["question_mark", "question_start"]
    return names


def cue_features(texts: list[str], groups: tuple[str, ...] = GROUPS) -> np.ndarray:
    """Cue features of each text, as a ``(len(texts), len(feature_names(groups)))`` array.

    Counts are squashed with ``log1p`` so one long sentence cannot dominate.

    Example:
        >>> cue_features(["Is the contract price too high?"]).shape
        (1, 18)
    """
    groups = tuple(groups)
    rows = [_cue_row(text, groups) for text in texts]
    return np.log1p(np.asarray(rows, dtype=np.float32).reshape(len(texts), -1))


@lru_cache(maxsize=50_000)
def _cue_row(text: str, groups: tuple[str, ...]) -> tuple[float, ...]:
    """The raw cue counts of one text (cached: the same sentence is read by the sentence head,
    the turn model and the category head)."""
    row: list[float] = []
    if "category" in groups:
        row += [len(rx.findall(text)) for rx in _CATEGORY_RE.values()]
    if "polarity" in groups:
        row += [len(_NEGATION_RE.findall(text)), len(_CONCERN_RE.findall(text)),
                len(_REASSURANCE_RE.findall(text)), len(_RESOLVED_RE.findall(text))]
    if "question" in groups:
        row += [float(text.rstrip().endswith("?")), float(bool(_QUESTION_RE.search(text)))]
    return tuple(row)
