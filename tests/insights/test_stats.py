"""Newcombe's hybrid score interval against the published values (Newcombe 1998, table II)."""

from __future__ import annotations

import pytest

from insights.stats import newcombe_difference, wilson


@pytest.mark.parametrize(("x1", "n1", "x2", "n2", "low", "high"), [
    (56, 70, 48, 80, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.1705, 0.8090),
    (6, 7, 2, 7, 0.0582, 0.8062),
    (5, 56, 0, 29, -0.0381, 0.1926),
    (0, 10, 0, 20, -0.1611, 0.2775),
    (10, 10, 0, 20, 0.6791, 1.0000),
])
def test_newcombe_matches_published_values(x1, n1, x2, n2, low, high):
    lo, hi = newcombe_difference(x1, n1, x2, n2)
    assert lo == pytest.approx(low, abs=1e-4)
    assert hi == pytest.approx(high, abs=1e-4)


def test_wilson_and_empty_groups():
    assert wilson(0, 0) == (0.0, 1.0)
    lo, hi = wilson(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.2775, abs=1e-4)
    assert newcombe_difference(1, 0, 1, 5) == (-1.0, 1.0)
