"""The statistics of a verdict: the exact permutation test, how many seeds it needs, Welch's interval."""
from __future__ import annotations

import functools
import itertools
import math
import statistics

# A verdict is "real" only where chance alone would produce it less than 1 time in 20.
ALPHA = 0.05


@functools.lru_cache(maxsize=256)
def permutation_p(ours: tuple[float, ...], theirs: tuple[float, ...]) -> float:
    """Exact two-sided permutation p for a difference of means: the share of all C(n+m, n) ways of dealing the values
    into groups of n and m whose difference is at least as large as the observed one (C(20, 10) = 184 756 at most)."""
    n, values = len(ours), ours + theirs
    total, m = sum(values), len(theirs)
    observed = abs(sum(ours) / n - sum(theirs) / m)
    tolerance = 1e-9 * max(1.0, max(map(abs, values)))  # the same split summed in another order: equal, not less
    as_large = sum(abs(s / n - (total - s) / m) >= observed - tolerance
                   for s in map(sum, itertools.combinations(values, n)))
    return as_large / math.comb(n + m, n)


def smallest_chance(n: int, m: int) -> float:
    """The smallest p the exact test can give with n and m seeds: every seed of one side above every seed of the other
    (two splits as extreme when n = m, one otherwise)."""
    return (2 if n == m else 1) / math.comb(n + m, n)


def seeds_needed(alpha: float = ALPHA) -> int:
    """The fewest seeds per variant with which the exact test can reach alpha at all (4 for 1 in 20)."""
    return next(n for n in range(1, 100) if smallest_chance(n, n) < alpha)


def welch_interval(ours: tuple[float, ...], theirs: tuple[float, ...], level: float = 0.95) -> tuple[float, float]:
    """Welch's t interval for mean(ours) − mean(theirs); each side needs two values or more."""
    difference = statistics.fmean(ours) - statistics.fmean(theirs)
    a, b = statistics.variance(ours) / len(ours), statistics.variance(theirs) / len(theirs)
    if a + b == 0:
        return difference, difference
    freedom = (a + b) ** 2 / (a ** 2 / (len(ours) - 1) + b ** 2 / (len(theirs) - 1))
    half = t_quantile((1 + level) / 2, freedom) * math.sqrt(a + b)
    return difference - half, difference + half


def t_quantile(probability: float, freedom: float) -> float:
    """Student's t quantile for probability in (0.5, 1), any real degrees of freedom ≥ 1 (the standard library has
    none). With t = √ν·tan θ the density becomes ∝ cos^(ν−1) θ on [0, π/2): bounded, so Simpson's rule integrates it."""
    def mass(theta: float, steps: int = 400) -> float:  # ∫₀^θ cos^(ν−1)
        h = theta / steps
        inner = sum((4 if i % 2 else 2) * math.cos(i * h) ** (freedom - 1) for i in range(1, steps))
        return h / 3 * (1 + inner + math.cos(theta) ** (freedom - 1))

    whole = math.sqrt(math.pi) * math.exp(math.lgamma(freedom / 2) - math.lgamma((freedom + 1) / 2)) / 2
    target, low, high = (probability - 0.5) * 2 * whole, 0.0, math.pi / 2
    for _ in range(60):  # bisection on θ
        middle = (low + high) / 2
        low, high = (middle, high) if mass(middle) < target else (low, middle)
    return math.sqrt(freedom) * math.tan((low + high) / 2)

