"""Confidence intervals for proportions and their differences (no scipy needed)."""

from __future__ import annotations

import math

Z95 = 1.959963984540054


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion.

    Example:
        >>> [round(v, 4) for v in wilson(56, 70)]
        [0.6918, 0.877]
    """
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    denom = 1 + z * z / n
    return max(0.0, (centre - half) / denom), min(1.0, (centre + half) / denom)


def newcombe_difference(x1: int, n1: int, x2: int, n2: int,
                        z: float = Z95) -> tuple[float, float]:
    """Newcombe's hybrid score interval (method 10) for ``x1/n1 - x2/n2``.

    Combines the two Wilson intervals; it keeps its coverage for small counts and
    proportions near 0 or 1, where the Wald interval fails.

    Args:
        x1: Successes in group 1 (e.g. deals won among calls that used a talk track).
        n1: Size of group 1.
        x2: Successes in group 2.
        n2: Size of group 2.
        z: Normal quantile (1.96 for 95%).

    Returns:
        ``(low, high)`` bounds of the difference of proportions.

    Example (Newcombe 1998, table II, example (a): 56/70 vs 48/80):
        >>> [round(v, 4) for v in newcombe_difference(56, 70, 48, 80)]
        [0.0524, 0.3339]
    """
    if n1 <= 0 or n2 <= 0:
        return -1.0, 1.0
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1, z)
    l2, u2 = wilson(x2, n2, z)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return max(-1.0, low), min(1.0, high)
