"""The insights stage: objections, themes and talk-track uses, after ingest, incrementally.

:class:`Analyzer` looks at every call in the workspace and analyses only those that are new,
whose content hash changed, or that were analysed by another version of the analysis (other
model files, LLM setting or messaging). Each call's rows are replaced in one transaction.
Themes are recomputed over all objections whenever the set of objections changed.

Example:
    >>> result = Analyzer(ws, settings).run(progress=True)  # doctest: +SKIP
    >>> result.analysed, result.objections, result.themes  # doctest: +SKIP
    (40, 212, 37)
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ingest.errors import LLMError
from ingest.records import Call
from ingest.store_insights import CallAnalysis
from insights.detector import ObjectionDetector, TurnAnalysis, objections_of
from insights.encoding import SentenceEncoder
from insights.heads import (
    CALIBRATION,
    OBJECTION_HEAD,
    REACTION_HEAD,
    ObjectionHead,
    load_calibration,
    load_head,
)
from insights.records import THEME_MIN_CALLS, Objection
from insights.store import objection_vectors
from insights.talk_tracks import ReactionClassifier, TrackDetector, TrackUse, find_uses
from insights.track_model import TRACK_MODEL
from insights.turn_head import TURN_HEAD
from insights.theme_vectors import theme_centroids
from insights.themes import DISTANCE_THRESHOLD, build_themes

if TYPE_CHECKING:
    from ingest.settings import Settings
    from ingest.store import Workspace

log = logging.getLogger(__name__)

BATCH_CALLS = 200
"""Calls embedded together (sentences are batched and deduplicated across them)."""


@dataclass(slots=True)
class AnalysisResult:
    """What one :meth:`Analyzer.run` did."""

    analysed: int = 0
    """Calls (re-)analysed in this run."""
    unchanged: int = 0
    """Calls skipped because their analysis is current."""
    removed: int = 0
    """Calls whose stale analysis rows were removed."""
    objections: int = 0
    """Objections in the workspace after the run."""
    themes: int = 0
    """Themes (objections raised in two or more calls) in the workspace after the run."""
    other_mentions: int = 0
    """Objection groups of a single call, listed as other mentions, after the run."""
    track_uses: int = 0
    """Talk-track uses in the workspace after the run."""
    llm_fallbacks: int = 0
    """Calls where the LLM failed and the default detector was used."""
    sentences: int = 0
    """Sentences embedded in this run (after deduplication)."""
    seconds: float = 0.0


def _file_digest(*paths: Any) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _mark(version: str, call) -> str:
    """The analysis version of one call: the models' version and the call's rep (the rep
    decides which turns are the buyer's, so a corrected rep means a new analysis), with the
    voice taken as the rep's in a diarized recording (an enrolled voice can change it)."""
    mark = f"{version}@{(call.meta.rep or '').lower()}"
    note = getattr(call, "speakers", None) or {}
    if note.get("method") == "voice":
        mark += f"#{(note.get('labels') or {}).get(note.get('rep'), '-')}"
    return mark


class Analyzer:
    """Runs the insights stage over a workspace.

    Args:
        workspace: The workspace (its ``embedder`` embeds sentences).
        settings: callmine settings; ``settings.llm`` switches objection extraction to an LLM.
        chat_model: A langchain chat model to use instead of building one from
            ``settings.llm`` (tests pass a fake one).
        embedder: Embeds sentences instead of ``workspace.embedder`` (e.g. the int8 one for a
            bulk run; see ``insights.encoding.QuantizedEmbedder``).
    """

    def __init__(self, workspace: Workspace, settings: Settings | None = None,
                 chat_model: Any = None, embedder: Any = None) -> None:
        self.ws = workspace
        self.settings = settings
        self.encoder = SentenceEncoder(embedder or workspace.embedder)
        self.chat_model = chat_model
        self._llm: Any = None
        self._llm_unavailable = False

    # -- configuration ---------------------------------------------------------------------

    @property
    def llm_spec(self) -> str | None:
        if self._llm_unavailable:
            return None
        if self.chat_model is not None:
            return f"model:{type(self.chat_model).__name__}"
        return self.settings.llm if self.settings is not None else None

    def version(self) -> str:
        """Identifies what a call's analysis depends on besides the call itself."""
        parts = [_file_digest(OBJECTION_HEAD, TURN_HEAD, REACTION_HEAD, CALIBRATION, TRACK_MODEL),
                 self.ws.messaging_hash() or "-", self.llm_spec or "-"]
        return "|".join(parts)

    def _extractor(self):
        """The LLM extractor when one is configured and can be created, else None."""
        if self._llm is None and self.llm_spec is not None:
            from insights.llm import LLMObjectionExtractor

            extractor = LLMObjectionExtractor(
                None if self.chat_model is not None else self.llm_spec, self.chat_model)
            try:
                extractor.model  # noqa: B018 - builds the chat model now, to fail early
            except LLMError as exc:
                self._llm_unavailable = True
                log.warning("%s Falling back to the default detector for every call.", exc)
                return None
            self._llm = extractor
        return self._llm

    # -- run -------------------------------------------------------------------------------

    def run(self, progress: bool = False) -> AnalysisResult:
        """Analyse new and changed calls, drop stale rows, and refresh themes if needed."""
        t0 = time.perf_counter()
        embedded_before = self.encoder.embedded
        result = AnalysisResult()
        self._extractor()  # a chat model that cannot be built: say so once, use the default
        version = self.version()
        current = {c.call_id: (c.content_hash, _mark(version, c)) for c in self.ws.calls()}
        done = self.ws.insights_store.analysed_calls()
        todo = [cid for cid, key in current.items() if done.get(cid) != key]
        stale = self._stale_calls(current)
        result.unchanged = len(current) - len(todo)
        if stale:
            self.ws.insights_store.drop_calls(stale)
            result.removed = len(stale)
        if todo:
            self._analyse(todo, version, progress, result)
        self._refresh_themes(force=bool(todo or stale))
        counts = self.ws.insights_store.counts(THEME_MIN_CALLS)
        result.objections, groups, result.track_uses, result.themes = counts
        result.other_mentions = groups - result.themes
        result.sentences = self.encoder.embedded - embedded_before
        result.seconds = round(time.perf_counter() - t0, 3)
        log.info("insights: %d call(s) analysed, %d unchanged, %d removed; %d objections, "
                 "%d themes and %d other mentions, %d talk-track uses (%.1f s)",
                 result.analysed, result.unchanged, result.removed, result.objections,
                 result.themes, result.other_mentions, result.track_uses, result.seconds)
        return result

    def _stale_calls(self, current: dict[str, str]) -> list[str]:
        return sorted(self.ws.insights_store.calls_with_rows() - set(current))

    def _analyse(self, todo: list[str], version: str, progress: bool,
                 result: AnalysisResult) -> None:
        detector = ObjectionDetector(self.encoder, ObjectionHead.load(OBJECTION_HEAD))
        calibration = load_calibration()
        messaging = self.ws.messaging()
        matcher = None
        if messaging is not None and messaging.talk_tracks:
            matcher = TrackDetector(self.encoder, messaging.talk_tracks)
        reactions = ReactionClassifier(load_head(REACTION_HEAD),
                                       calibration["reactions"]["use_detector_vote"])
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(todo), desc="Analysing calls", unit="call")
        for lo in range(0, len(todo), BATCH_CALLS):
            calls = [self.ws.call(cid, with_words=True) for cid in todo[lo:lo + BATCH_CALLS]]
            self._analyse_batch(calls, version, detector, matcher, reactions, result)
            result.analysed += len(calls)
            if bar is not None:
                bar.update(len(calls))
        if bar is not None:
            bar.close()

    def _analyse_batch(self, calls: Sequence[Call], version: str, detector: ObjectionDetector,
                       matcher: TrackDetector | None, reactions: ReactionClassifier,
                       result: AnalysisResult) -> None:
        analyses = detector.analyse_turns(calls)
        by_turn: dict[tuple[str, int], TurnAnalysis] = {(a.call_id, a.turn.index): a
                                                         for a in analyses}
        found: dict[str, list[tuple[Objection, np.ndarray]]] = {c.call_id: [] for c in calls}
        for o, v in objections_of(analyses):
            found[o.call_id].append((o, v))
        extractor = self._extractor()
        fallback: set[str] = set()
        if extractor is not None:
            for call in calls:
                try:
                    llm_found = extractor.run(call)
                except LLMError as exc:
                    result.llm_fallbacks += 1
                    fallback.add(call.call_id)
                    log.warning("LLM objection extraction failed for call %s (%s); falling "
                                "back to the default detector for it", call.call_id, exc)
                    continue
                vectors = self.encoder.encode([o.text for o in llm_found])
                found[call.call_id] = list(zip(llm_found, vectors, strict=True))
        uses = find_uses(calls, matcher, reactions, by_turn) if matcher is not None else []
        uses_by_call: dict[str, list[TrackUse]] = {}
        for u in uses:
            uses_by_call.setdefault(u.call_id, []).append(u)
        written = []
        for call in calls:
            # a call the LLM failed on is tried again by the next run
            mark = _mark(version, call)
            mark = f"{mark}|fallback" if call.call_id in fallback else mark
            written.append(CallAnalysis(
                call.call_id, call.content_hash, mark, found[call.call_id],
                uses_by_call.get(call.call_id, [])))
        self.ws.insights_store.replace_calls(written, time.time())

    # -- themes ----------------------------------------------------------------------------

    def _refresh_themes(self, force: bool) -> None:
        objections, vectors = objection_vectors(self.ws)
        digest = hashlib.sha256(json.dumps(
            [DISTANCE_THRESHOLD, [o.id for o in objections]]).encode()).hexdigest()
        if not force and self.ws.insights_store.state("themes_digest") == digest:
            return
        drafts = build_themes(objections, vectors) if objections else []
        centroids = theme_centroids([d for d in drafts if d.is_theme], objections, vectors,
                                    self.encoder.encode)
        self.ws.insights_store.replace_themes(drafts, centroids, digest)
