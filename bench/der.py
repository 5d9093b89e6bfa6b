"""Diarization error rate (DER) and word-level speaker accuracy: pure functions, numpy + scipy.

The DER follows NIST md-eval (as in pyannote.metrics and dscore):

* time is cut into frames of ``step`` seconds (10 ms); a turn ``[start, end)`` covers the
  frames ``round(start / step)`` to ``round(end / step) - 1``;
* a no-score zone of ``collar`` seconds either side of every reference turn boundary (each
  start and each end) is left out of every count, the total included;
* hypothesis speakers are mapped one-to-one to reference speakers by
  ``scipy.optimize.linear_sum_assignment`` so that the scored time they share is largest;
  speakers left without a partner count as errors;
* in every scored frame with ``R`` reference and ``H`` hypothesis speakers, of which ``C``
  reference speakers are matched by their mapped hypothesis speaker:
  miss ``max(0, R - H)``, false alarm ``max(0, H - R)``, confusion ``min(R, H) - C``, all in
  speaker-frames, so overlapped reference speech counts once per speaker;
* ``der = (miss + false_alarm + confusion) / total_speech``, where ``total_speech`` is the
  scored reference speaker time (sum of ``R``).

Turns are ``(start, end, speaker)`` tuples in seconds; speakers are any hashable labels.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

Turn = tuple[float, float, Hashable]


def read_rttm(path: str | Path, file_id: str | None = None) -> list[tuple[float, float, str]]:
    """The ``SPEAKER`` lines of an RTTM file as ``(start, end, speaker)``, sorted by start.

    Args:
        path: The RTTM file (``SPEAKER <file> <chan> <start> <dur> <NA> <NA> <speaker> ...``).
        file_id: Keep only the lines of this file id (default: all lines).
    """
    turns = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        fields = line.split()
        if not fields or fields[0] != "SPEAKER":
            continue
        if len(fields) < 8:
            raise ValueError(f"{path}:{n}: an RTTM SPEAKER line has at least 8 fields: {line!r}")
        if file_id is not None and fields[1] != file_id:
            continue
        start, dur = float(fields[3]), float(fields[4])
        turns.append((start, start + dur, fields[7]))
    return sorted(turns, key=lambda t: (t[0], t[1], t[2]))


def _frames(turns: Sequence[Turn], speakers: list, n: int, step: float) -> np.ndarray:
    """A (speakers x frames) boolean activity matrix."""
    index = {s: i for i, s in enumerate(speakers)}
    act = np.zeros((len(speakers), n), dtype=bool)
    for start, end, spk in turns:
        a, b = max(0, round(start / step)), min(n, round(end / step))
        if b > a:
            act[index[spk], a:b] = True
    return act


def _speakers(turns: Iterable[Turn]) -> list:
    return sorted({t[2] for t in turns}, key=str)


def _check(turns: Sequence[Turn], what: str) -> None:
    for t in turns:
        if len(t) != 3 or not t[1] >= t[0]:
            raise ValueError(f"{what} turns are (start, end, speaker) with end >= start: {t!r}")


def _map(overlap: np.ndarray, ref_spk: list, hyp_spk: list) -> dict:
    """hypothesis speaker -> reference speaker, maximising the total shared time."""
    if not overlap.size:
        return {}
    rows, cols = linear_sum_assignment(-overlap)
    return {hyp_spk[c]: ref_spk[r] for r, c in zip(rows, cols, strict=True) if overlap[r, c] > 0}


def der(reference: Sequence[Turn], hypothesis: Sequence[Turn], collar: float = 0.25,
        step: float = 0.01) -> dict:
    """Diarization error rate of ``hypothesis`` against ``reference`` (see the module doc).

    Args:
        reference: Reference turns ``(start, end, speaker)``, overlaps allowed.
        hypothesis: Hypothesis turns, with their own speaker labels.
        collar: Seconds either side of each reference boundary left unscored (0 for none).
        step: Frame length in seconds.

    Returns:
        ``{"der", "miss", "false_alarm", "confusion", "total_speech", "mapping"}``: ``der`` is a
        fraction (``inf`` when there is hypothesis speech but no scored reference speech, 0
        when there is neither); ``miss``, ``false_alarm``, ``confusion`` and ``total_speech``
        are seconds; ``mapping`` maps hypothesis speakers to reference speakers.
    """
    _check(reference, "reference")
    _check(hypothesis, "hypothesis")
    end = max([t[1] for t in reference] + [t[1] for t in hypothesis] + [0.0])
    n = round(end / step) + round(collar / step) + 1
    ref_spk, hyp_spk = _speakers(reference), _speakers(hypothesis)
    ref = _frames(reference, ref_spk, n, step)
    hyp = _frames(hypothesis, hyp_spk, n, step)

    scored = np.ones(n, dtype=bool)
    if collar > 0:
        for start, stop, _ in reference:
            for b in (start, stop):
                lo, hi = round((b - collar) / step), round((b + collar) / step)
                scored[max(0, lo): max(0, hi)] = False
    ref, hyp = ref[:, scored], hyp[:, scored]

    overlap = ref.astype(np.int64) @ hyp.T.astype(np.int64)  # (ref x hyp) shared frames
    mapping = _map(overlap, ref_spk, hyp_spk)
    n_ref, n_hyp = ref.sum(0), hyp.sum(0)
    correct = np.zeros(ref.shape[1], dtype=np.int64)
    r_index = {s: i for i, s in enumerate(ref_spk)}
    for j, h in enumerate(hyp_spk):
        if h in mapping:
            correct += ref[r_index[mapping[h]]] & hyp[j]

    miss = float(np.maximum(0, n_ref - n_hyp).sum()) * step
    fa = float(np.maximum(0, n_hyp - n_ref).sum()) * step
    conf = float((np.minimum(n_ref, n_hyp) - correct).sum()) * step
    total = float(n_ref.sum()) * step
    errors = miss + fa + conf
    rate = errors / total if total > 0 else (math.inf if errors > 0 else 0.0)
    return {"der": rate, "miss": miss, "false_alarm": fa, "confusion": conf,
            "total_speech": total, "mapping": mapping}


def word_speaker_accuracy(reference_turns: Sequence[Turn], words: Sequence[Turn],
                          mapping: dict | None = None) -> float:
    """Share of words given to the right speaker.

    A word's reference speaker is that of the reference turn containing its midpoint (any of
    them where reference turns overlap); words whose midpoint falls in no reference turn are
    skipped. A word is right when its speaker, mapped to a reference speaker, is that speaker.

    Args:
        reference_turns: Reference turns ``(start, end, speaker)``.
        words: Hypothesis words ``(start, end, speaker)``.
        mapping: Hypothesis speaker -> reference speaker; default: the optimal mapping of
            ``der(reference_turns, words)`` (same assignment as the DER).

    Returns:
        A fraction in [0, 1]; ``nan`` when no word falls inside a reference turn.
    """
    _check(reference_turns, "reference")
    _check(words, "word")
    if mapping is None:
        mapping = der(reference_turns, words)["mapping"]
    scored = right = 0
    for start, end, spk in words:
        mid = (start + end) / 2
        truth = {s for a, b, s in reference_turns if a <= mid < b}
        if not truth:
            continue
        scored += 1
        right += mapping.get(spk, _UNMAPPED) in truth
    return right / scored if scored else math.nan


_UNMAPPED = object()
