"""The gap report: which objection themes the content answers, which it does not, what to do.

For every objection theme (from :mod:`insights`):

- **coverage** = how well the best asset answers the theme: for each asset ``a``,
  ``coverage_a = mean over the theme's objections o of P(a answers o)`` (the covered model's
  probability for a's best passage; 0 when a is not among o's candidates), and
  ``coverage = max_a coverage_a``. The argmax is the theme's ``best`` asset, shown with the
  passage that answered its objections best.
- **priority** = ``count_norm * (1 + lost_share) * (1 - coverage)``, where ``count_norm`` is
  the theme's objection count over the largest theme's, and ``lost_share`` the share of its
  objections raised in lost deals. Frequent, deal-losing, unanswered themes come first.
  **Weighted by deal amount** (``run(weights=...)``), ``count_norm`` becomes the theme's
  pipeline amount (the deal amounts of the calls that raised it; a call without an amount
  counts as the median amount, see :func:`insights.selection.deal_weights`) over the largest
  theme's, and ``lost_share`` the share of that amount in lost deals.
- **limited to some calls** (``run(calls=...)``, e.g. one rep's or one quarter's): only
  those calls' objections count; each theme's counts are recounted on them, and themes none
  of them raised are left out.
- ``coverage`` reads as the expected share of the theme's objections that its best asset
  answers (the model's probabilities are calibrated on labelled pairs), so a theme is a
  **gap** when its coverage is below :data:`COVERAGE_BAR` (0.5: the best asset more likely
  fails than answers a typical objection of the theme);
  gaps are sorted by priority, highest first, each with a content brief (:mod:`rag.brief`);
  covered themes are listed apart, also by priority.
- **other mentions** (objections of one call that fit no theme, see :mod:`insights.themes`)
  are never gaps: one buyer's words are not a pattern to write content for. They are left
  out of the report and listed apart by :meth:`GapReporter.other_mentions`.
- **unused assets** are assets never among the top 3 recommendations for any objection (of
  those scored: every theme's objections, at most :data:`MAX_OBJECTIONS` per theme).
- **before/after** (the closed loop): for every asset with a ``published`` date, the theme it
  answers best (highest ``coverage_a``; themes raised at least twice first), and that theme's
  objections per 100 calls before and after the date (calls with a date only; a call on the
  date counts as after). A drop after publishing is a hint, not proof: reps, season and deal
  mix change too.
"""

from __future__ import annotations

import logging
import dataclasses
from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from ingest.errors import LLMError
from rag.brief import BriefWriter
from ingest.llm import chat_model
from rag.recommend import Recommender
from rag.records import BeforeAfter, BestAsset, GapReport, Quote, ThemeGap
from rag.retriever import location, passage_text

if TYPE_CHECKING:
    from ingest.records import AssetMeta, CallMeta
    from ingest.settings import Settings
    from ingest.store import Workspace
    from insights.records import Objection, Theme
    from insights.selection import DealWeights
    from rag.covered import Candidate

log = logging.getLogger(__name__)

TOP = 3
"""An asset is used when it is among this many recommendations for some objection."""
MAX_OBJECTIONS = 40
"""Objections per theme scored at most (evenly sampled from a larger theme)."""
QUOTES = 5
COVERAGE_BAR = 0.5
"""A theme whose coverage is below this is a gap."""


def _sample(members: list[Objection]) -> list[str]:
    """A theme's objection texts (whitespace tidied), at most :data:`MAX_OBJECTIONS` of them,
    evenly spread over the theme."""
    texts = [" ".join(o.text.split()) for o in members if o.text.strip()]
    if len(texts) > MAX_OBJECTIONS:
        step = len(texts) / MAX_OBJECTIONS
        texts = [texts[int(i * step)] for i in range(MAX_OBJECTIONS)]
    return texts


def priority(count: int, max_count: int, lost: int, coverage: float) -> float:
    """``count_norm * (1 + lost_share) * (1 - coverage)`` (see the module docstring).

    Example:
        >>> round(priority(count=10, max_count=10, lost=5, coverage=0.2), 3)
        1.2
    """
    if count <= 0 or max_count <= 0:
        return 0.0
    lost_share = min(max(lost / count, 0.0), 1.0)
    return (count / max_count) * (1.0 + lost_share) * (1.0 - min(max(coverage, 0.0), 1.0))


def _recount(theme: Theme, members: list[Objection], calls: dict[str, CallMeta]) -> Theme:
    """The theme counted on ``members`` only (the objections of the calls looked at)."""
    outcomes = Counter(calls[o.call_id].outcome if o.call_id in calls else None
                       for o in members)
    return dataclasses.replace(theme, count=len(members),
                               calls=len({o.call_id for o in members}), won=outcomes["won"],
                               lost=outcomes["lost"], open=outcomes["open"])


def _pipeline(members: list[Objection], calls: dict[str, CallMeta],
              weights: DealWeights) -> tuple[float, float]:
    """(pipeline amount, lost amount) of the distinct calls that raised a theme."""
    raised = {o.call_id for o in members}
    total = sum(weights.of(c) for c in raised)
    lost = sum(weights.of(c) for c in raised if c in calls and calls[c].outcome == "lost")
    return total, lost


@dataclass(slots=True)
class _ThemeScore:
    """What scoring a theme's objections found."""

    coverage: dict[str, float] = field(default_factory=dict)
    best_passage: dict[str, Candidate] = field(default_factory=dict)
    covered_share: float = 0.0


class GapReporter:
    """Builds the gap report of a workspace.

    Args:
        ws: The workspace (calls, insights and content).
        settings: callmine settings (``settings.llm`` turns LLM-written briefs on).
        llm: An already built chat model for the briefs (takes precedence; tests pass fakes).
        recommender: An injected recommender (default: one on ``ws``).
        themes: Themes to report on (default: ``insights.load_themes(ws)``).
        objections: Their objections (default: ``insights.load_objections(ws)``).
        coverage_bar: Themes with a lower coverage are gaps.

    Example:
        >>> report = GapReporter(ws).run()  # doctest: +SKIP
        >>> [(g.label, round(g.coverage, 2)) for g in report.gaps][:1]  # doctest: +SKIP
        [('EU data residency', 0.04)]
    """

    def __init__(self, ws: Workspace, settings: Settings | None = None, llm: Any = None,
                 recommender: Recommender | None = None, themes: list[Theme] | None = None,
                 objections: list[Objection] | None = None,
                 coverage_bar: float = COVERAGE_BAR) -> None:
        self.ws = ws
        self.settings = settings
        self._llm = llm
        self.recommender = recommender or Recommender(ws, settings)
        self._themes = themes
        self._objections = objections
        self.coverage_bar = coverage_bar

    def load(self) -> tuple[list[Theme], list[Objection]]:
        """The themes (other mentions included) and objections to report on."""
        if self._themes is not None and self._objections is not None:
            return self._themes, self._objections
        from insights import load_objections, load_themes

        themes = self._themes if self._themes is not None else load_themes(self.ws)
        objections = self._objections if self._objections is not None else load_objections(self.ws)
        return themes, objections

    def other_mentions(self, calls: Collection[str] | None = None) -> list[Theme]:
        """The other mentions: objections of one call that fit no theme, never gaps (only
        those raised in ``calls`` when given)."""
        themes, objections = self.load()
        if calls is not None:
            raised = {o.theme_id for o in objections if o.call_id in set(calls)}
            return [t for t in themes if t.mention and t.id in raised]
        return [t for t in themes if t.mention]

    def run(self, calls: Collection[str] | None = None,
            weights: DealWeights | None = None) -> GapReport:
        """The gap report (see the module docstring for every formula).

        Args:
            calls: Only these calls' objections count (e.g. the ids a
                :class:`insights.selection.CallFilter` passes); default: every call.
            weights: Weigh priority by deal amount (:func:`insights.selection.deal_weights`);
                weights without any amount leave priority as unweighted, with their note.

        Raises:
            WorkspaceError: when no content was ingested.
        """
        retriever = self.recommender.retriever
        retriever.check_content()
        themes, objections = self.load()
        themes = [t for t in themes if not t.mention]
        bar = self.coverage_bar
        metas = {c.call_id: c.meta for c in self.ws.calls()}
        if calls is not None:
            keep = set(calls)
            metas = {cid: m for cid, m in metas.items() if cid in keep}
            objections = [o for o in objections if o.call_id in keep]
        by_theme: dict[str, list[Objection]] = defaultdict(list)
        for o in objections:
            if o.theme_id:
                by_theme[o.theme_id].append(o)
        if calls is not None:
            themes = [_recount(t, by_theme[t.id], metas) for t in themes if by_theme.get(t.id)]
        samples = {t.id: _sample(by_theme.get(t.id, [])) for t in themes}
        scored = self._score_texts(sorted({x for texts in samples.values() for x in texts}))
        sizes = {t.id: (float(t.count), float(t.lost)) for t in themes}
        report = GapReport(coverage_bar=bar, calls=None if calls is None else len(metas))
        if weights is not None:
            report.weight_note = weights.note
            if weights.weighted:
                report.weight = "amount"
                sizes = {t.id: _pipeline(by_theme.get(t.id, []), metas, weights)
                         for t in themes}
        max_count = max((size for size, _ in sizes.values()), default=0.0)
        per_theme: dict[str, _ThemeScore] = {}
        for theme in themes:
            members = by_theme.get(theme.id, [])
            score = self._theme_score(samples[theme.id], scored)
            per_theme[theme.id] = score
            item = self._gap_item(theme, members, score, metas, max_count, sizes[theme.id])
            if report.weight == "amount":
                item.amount = round(sizes[theme.id][0], 2)
            (report.gaps if item.coverage < bar else report.covered).append(item)
        report.gaps.sort(key=lambda g: (-g.priority, g.label))
        report.covered.sort(key=lambda g: (-g.priority, g.label))
        used = {c.hit.asset.asset_id for cands in scored.values() for c in cands[:TOP]}
        assets = self.ws.assets()
        report.unused_assets = [a for a in assets if a.asset_id not in used]
        report.before_after = self._before_after(assets, themes, per_theme, by_theme, metas)
        self._write_briefs(report)
        return report

    # -- scoring -------------------------------------------------------------------------

    def _score_texts(self, texts: list[str]) -> dict[str, list[Candidate]]:
        """Scored candidates of every distinct objection text (one embedding batch). The
        absent-term rule of :mod:`rag.covered` is for typed questions, not call speech."""
        if not texts:
            return {}
        vectors = self.recommender.retriever.embed(texts)
        return {t: self.recommender.candidates(t, vector=v, absent_rule=False)
                for t, v in zip(texts, vectors)}

    def _theme_score(self, texts: list[str], scored: dict[str, list[Candidate]]) -> _ThemeScore:
        out = _ThemeScore()
        if not texts:
            return out
        sums: dict[str, float] = defaultdict(float)
        bar = self.recommender.model.threshold
        hits = 0
        for text in texts:
            cands = scored.get(text, [])
            if cands and cands[0].probability >= bar:
                hits += 1
            for c in cands:
                a = c.hit.asset.asset_id
                sums[a] += c.probability
                if a not in out.best_passage or c.probability > out.best_passage[a].probability:
                    out.best_passage[a] = c
        out.coverage = {a: s / len(texts) for a, s in sums.items()}
        out.covered_share = hits / len(texts)
        return out

    def _gap_item(self, theme: Theme, members: list[Objection], score: _ThemeScore,
                  calls: dict[str, CallMeta], max_count: float,
                  size: tuple[float, float]) -> ThemeGap:
        best = None
        coverage = 0.0
        if score.coverage:
            asset_id = max(score.coverage, key=lambda a: (score.coverage[a], a))
            coverage = score.coverage[asset_id]
            cand = score.best_passage[asset_id]
            chunk = cand.hit.best.chunk
            best = BestAsset(asset_id, cand.hit.asset.title or asset_id, passage_text(chunk),
                             round(coverage, 4), location(chunk, cand.sentence))
        stages = Counter(calls[o.call_id].stage for o in members
                         if o.call_id in calls and calls[o.call_id].stage)
        return ThemeGap(
            theme_id=theme.id, label=theme.label, category=theme.category, count=theme.count,
            lost=theme.lost, won=theme.won, open=theme.open, coverage=round(coverage, 4),
            priority=round(priority(size[0], max_count, size[1], coverage), 4),
            best=best, covered_share=round(score.covered_share, 4),
            stage=stages.most_common(1)[0][0] if stages else None,
            quotes=self._quotes(members, calls))

    @staticmethod
    def _quotes(members: list[Objection], calls: dict[str, CallMeta]) -> list[Quote]:
        """Up to :data:`QUOTES` verbatim quotes, lost deals first, one per call first."""
        order = {"lost": 0, "open": 1, "won": 2}
        ranked = sorted(members, key=lambda o: (
            order.get(calls[o.call_id].outcome if o.call_id in calls else None, 3),
            -o.confidence, o.call_id, o.turn))
        picked: list[Objection] = []
        seen_calls: set[str] = set()
        for o in ranked:  # first pass: one per call
            if o.call_id not in seen_calls:
                picked.append(o)
                seen_calls.add(o.call_id)
        picked += [o for o in ranked if o not in picked]
        out = []
        for o in picked[:QUOTES]:
            meta = calls.get(o.call_id)
            out.append(Quote(o.call_id, o.turn, o.text, meta.date if meta else None,
                             meta.outcome if meta else None, meta.stage if meta else None))
        return out

    # -- closed loop ---------------------------------------------------------------------

    def _before_after(self, assets: list[AssetMeta], themes: list[Theme],
                      per_theme: dict[str, _ThemeScore], by_theme: dict[str, list[Objection]],
                      calls: dict[str, CallMeta]) -> list[BeforeAfter]:
        dated = {cid: m.date for cid, m in calls.items() if m.date is not None}
        by_id = {t.id: t for t in themes}
        out = []
        for asset in assets:
            if asset.published is None:
                continue
            # the theme it answers best; a recurring theme (2+ objections) before a one-off
            options = [(by_id[tid].count >= 2, s.coverage[asset.asset_id], by_id[tid].count, tid)
                       for tid, s in per_theme.items() if asset.asset_id in s.coverage]
            if not options:
                continue
            _, coverage, _, theme_id = max(options)
            item = self._frequency(asset, theme_id, by_id[theme_id].label,
                                   by_theme.get(theme_id, []), dated)
            item.coverage = round(coverage, 4)
            out.append(item)
        out.sort(key=lambda b: (b.published, b.asset_id))
        return out

    @staticmethod
    def _frequency(asset: AssetMeta, theme_id: str, label: str, members: list[Objection],
                   dated: dict[str, date]) -> BeforeAfter:
        published = asset.published
        before = [c for c, d in dated.items() if d < published]
        after = [c for c, d in dated.items() if d >= published]
        counts = Counter(o.call_id for o in members if o.call_id in dated)

        def per_100(group: list[str]) -> float | None:
            return round(100.0 * sum(counts[c] for c in group) / len(group), 2) if group else None

        return BeforeAfter(asset.asset_id, asset.title or asset.asset_id, published, theme_id,
                           label, per_100(before), per_100(after), len(before), len(after))

    # -- briefs --------------------------------------------------------------------------

    def _write_briefs(self, report: GapReport) -> None:
        messaging = self.ws.messaging()
        company = messaging.company.name if messaging is not None else None
        try:
            model = chat_model(self.settings, self._llm)
        except LLMError as exc:
            log.warning("LLM unavailable, briefs from the template: %s", exc)
            report.llm_error = str(exc)
            model = None
        template = BriefWriter(company)
        writer = BriefWriter(company, model)
        for gap in report.gaps:
            try:
                gap.brief = writer.run(gap)
            except LLMError as exc:
                log.warning("LLM failed on the brief for %r, using the template: %s",
                            gap.label, exc)
                report.llm_error = report.llm_error or str(exc)
                gap.brief = template.run(gap)
