"""Content briefs for gaps: what to write so that an unanswered objection gets an answer.

A brief holds the theme, the buyers' verbatim quotes with call references, what the asset
must answer, what exists today, a format that suits the deal stage where the theme comes up,
and GEO advice (Aggarwal et al., "GEO: Generative Engine Optimization", KDD 2024: adding
quotations, statistics and cited sources raised a source's visibility in generative engine
answers by roughly 41%, 31% and 27%).

Without an LLM the brief is a Markdown template filled from the data. With one
(``settings.llm`` or an injected chat model) the brief is written in full from
``rag/prompts/brief.txt``, the quotes and the closest passage going in as delimited data.
"""

from __future__ import annotations

import logging
from typing import Any

from ingest.llm import complete
from rag.prompt import build_prompt, data_block
from rag.records import Quote, ThemeGap

log = logging.getLogger(__name__)

STAGE_FORMATS = {
    "discovery": "a blog post or a one-pager",
    "demo": "an FAQ entry or a web page",
    "proposal": "a battle card, a whitepaper or a contract FAQ",
}
"""The format that suits each (normalised) deal stage."""

_STAGE_WORDS = {
    "discovery": ("discovery", "qualif", "prospect", "intro", "first", "lead", "awareness"),
    "demo": ("demo", "evaluat", "technical", "trial", "pilot", "poc", "review", "solution",
             "consider"),
    "proposal": ("proposal", "negotiat", "procure", "legal", "contract", "clos", "commit",
                 "pricing", "decision"),
}

_CATEGORY_FORMAT = {
    "contract": "contract FAQ", "competitor": "battle card", "security": "whitepaper",
    "price": "one-pager", "integration": "web page", "implementation": "FAQ entry",
}

CHECKLIST = {
    "price": ["what it costs for a company of the buyer's size, and what is included",
              "the payback period or ROI, with a customer number behind it",
              "what cheaper alternatives leave out"],
    "timing": ["why acting now costs less than waiting", "how little of the team's time the "
               "rollout takes this quarter"],
    "competitor": ["where the product differs from the named competitor, point by point",
                   "proof from a customer who switched"],
    "authority": ["what each approver (CFO, IT, procurement) needs to see to say yes"],
    "need": ["the problem in the buyer's terms and what it costs them today"],
    "feature": ["whether the capability exists, how it works, and its limits",
                "the roadmap date if it does not exist yet"],
    "integration": ["which systems and versions are supported, and how the sync works",
                    "how long setup takes and who maintains the connector",
                    "what happens to data that does not map"],
    "security": ["where the data is stored and processed (regions, sub-processors)",
                 "certifications and audit reports available",
                 "who can access the data, and how it is encrypted"],
    "implementation": ["the timeline week by week and what the customer's team must do",
                       "who the customer works with during rollout"],
    "trust": ["references and customer numbers", "company stability and support terms"],
    "contract": ["the term, renewal and termination rights, in plain words",
                 "what happens to price and data if the customer leaves"],
    "other": ["the question itself, answered in the first sentence"],
}
"""What an asset must answer, by objection category (on top of the buyers' own questions)."""

GEO_ADVICE = [
    "Add quotations: a named customer or expert quoted verbatim (quotation addition raised "
    "visibility in generative engines by about 41% in the GEO study).",
    "Add statistics: concrete numbers with their basis (time, cost, counts; about +31%).",
    "Cite sources: link the certifications, audits, contracts or studies you rely on "
    "(about +27%).",
    "Answer in the first two sentences, with the buyer's question as a heading, so an AI "
    "answer can quote it whole.",
    "Publish it on a public, crawlable page (or in the public FAQ) unless it is confidential, "
    "and link it from the page buyers already read.",
]
GEO_SOURCE = ("Aggarwal et al., \"GEO: Generative Engine Optimization\", KDD 2024 "
              "(arXiv:2311.09735).")


def normalise_stage(stage: str | None) -> str | None:
    """A deal stage as ``discovery``, ``demo`` or ``proposal`` (``None`` if unknown).

    Example:
        >>> normalise_stage("Negotiation"), normalise_stage("technical evaluation")
        ('proposal', 'demo')
    """
    if not stage:
        return None
    value = stage.strip().lower()
    for name, words in _STAGE_WORDS.items():
        if any(w in value for w in words):
            return name
    return None


def suggested_format(stage: str | None, category: str) -> str:
    """The asset format for a theme: by the deal stage it comes up in, sharpened by category.

    Example:
        >>> suggested_format("negotiation", "contract")
        'contract FAQ (proposal stage: a battle card, a whitepaper or a contract FAQ)'
    """
    normal = normalise_stage(stage)
    options = STAGE_FORMATS.get(normal or "", "")
    pick = _CATEGORY_FORMAT.get(category)
    if normal and pick and pick in options:
        return f"{pick} ({normal} stage: {options})"
    if normal:
        return f"{options} ({normal} stage)"
    return f"{pick} (deal stage unknown)" if pick else "an FAQ entry or a web page (deal stage unknown)"


def quote_lines(quotes: list[Quote]) -> list[str]:
    """Quotes as Markdown block quotes with their call reference."""
    out = []
    for q in quotes:
        ref = [f"call `{q.call_id}`", f"turn {q.turn}"]
        ref += [str(q.date)] if q.date else []
        ref += [f"{q.outcome} deal"] if q.outcome else []
        out.append(f"> \"{' '.join(q.text.split())}\" — {', '.join(ref)}")
    return out


class BriefWriter:
    """Writes the content brief of a gap.

    Args:
        company: The company name (from messaging.yaml), used in the prompt and template.
        llm: A chat model; ``None`` fills the Markdown template.
    """

    def __init__(self, company: str | None = None, llm: Any = None) -> None:
        self.company = company or "the company"
        self.llm = llm

    def run(self, gap: ThemeGap) -> str:
        """The brief in Markdown. Raises ``LLMError`` when the LLM fails (callers fall back
        to :meth:`template`)."""
        if self.llm is None:
            return self.template(gap)
        return complete(self.llm, self.prompt(gap))

    def prompt(self, gap: ThemeGap) -> list[tuple[str, str]]:
        """The chat messages for an LLM-written brief (quotes and passage as data)."""
        quotes = "\n".join(data_block("quote", q.text, call=q.call_id, turn=str(q.turn),
                                      outcome=q.outcome or "unknown") for q in gap.quotes)
        best = (data_block("passage", gap.best.passage, asset=gap.best.asset_id,
                           title=gap.best.title, coverage=f"{gap.best.score:.0%}")
                if gap.best else "(none: no asset comes close)")
        return build_prompt(
            "brief", company=self.company, label=gap.label, category=gap.category,
            count=str(gap.count), calls=str(len({q.call_id for q in gap.quotes}) or gap.count),
            lost=str(gap.lost), coverage=f"{gap.coverage:.0%}", stage=gap.stage or "unknown",
            format=suggested_format(gap.stage, gap.category),
            quotes=quotes or "(no quotes)", best=best,
            geo="\n".join(f"- {g}" for g in GEO_ADVICE))

    def template(self, gap: ThemeGap) -> str:
        """The brief as a Markdown template filled from the data (no LLM)."""
        decided = gap.won + gap.lost
        lost_txt = f"{gap.lost} in lost deals" + (f" ({gap.lost}/{decided} of decided deals)"
                                                   if decided else "")
        lines = [
            f"## Content brief: {gap.label}",
            "",
            f"**Why this matters.** Buyers raised this {gap.count} time(s) ({lost_txt}, "
            f"{gap.won} won, {gap.open} open). Existing content covers it "
            f"{gap.coverage:.0%} (priority {gap.priority:.2f}, category *{gap.category}*).",
            "",
            "### What buyers say",
            *(quote_lines(gap.quotes) or ["(no quotes stored)"]),
            "",
            "### What the asset must answer",
        ]
        questions = list(dict.fromkeys(" ".join(q.text.split()) for q in gap.quotes))[:2]
        items = [f"Answer this, in the buyer's terms: \"{q}\"" for q in questions]
        items += [c[0].upper() + c[1:] for c in CHECKLIST.get(gap.category, CHECKLIST["other"])]
        lines += [f"{i}. {item}" for i, item in enumerate(items, 1)]
        lines += ["", "### What exists today"]
        if gap.best:
            excerpt = " ".join(gap.best.passage.split())
            excerpt = excerpt if len(excerpt) <= 400 else excerpt[:399] + "…"
            where = f", {gap.best.location}" if gap.best.location else ""
            lines += [f"Closest: **{gap.best.title}** (`{gap.best.asset_id}`{where}), which "
                      f"answers these objections {gap.best.score:.0%} of the way:", "",
                      f"> {excerpt}", "",
                      "Extend it or link the new asset from it."]
        else:
            lines += ["Nothing in the content library comes close."]
        lines += ["", "### Format and placement",
                  f"Deal stage where it comes up most: **{gap.stage or 'unknown'}**. "
                  f"Suggested format: **{suggested_format(gap.stage, gap.category)}**.",
                  "", "### Make it citable by AI search (GEO)",
                  *(f"- {g}" for g in GEO_ADVICE),
                  f"- Name {self.company} and its products exactly as the messaging spells them.",
                  "", f"Source: {GEO_SOURCE}"]
        return "\n".join(lines)
