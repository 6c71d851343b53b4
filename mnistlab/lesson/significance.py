"""The statistics of a verdict: the permutation test (exact, or a stated estimate beyond a size), Holm's correction for
several comparisons, how many seeds a verdict needs, Welch's interval."""
from __future__ import annotations

import functools
import itertools
import math
import statistics
from dataclasses import dataclass

import torch

# A difference is "significant at 1 in 20" only where chance alone would produce it less than 1 time in 20, after
# Holm's correction for the comparisons shown together.
ALPHA = 0.05
# The exact test deals the values every way: C(20, 10) = 184 756 splits for 10 seeds a side (a plan's most) is a
# fraction of a second; C(40, 20) = 1.4e11 for 20 a side (an uploaded file can hold that) would run for days.
EXACT_SPLITS = 200_000
# Beyond it, an estimate from random splits drawn from a fixed seed (the same answer every time): 10 000 give p to
# about ±0.005 near 1 in 20. Draws × values is bounded too, so a file of thousands of runs costs no more.
RANDOM_SPLITS, RANDOM_VALUES, RANDOM_SEED = 10_000, 1_000_000, 0


@dataclass(frozen=True)
class Chance:
    """A two-sided permutation p, and how it was found: exactly (every split) or estimated from `draws` random ones."""

    p: float
    exact: bool
    draws: int  # splits counted: all C(n+m, n) when exact


def exact_test(n: int, m: int) -> bool:
    """Whether n and m values are few enough to deal every way (EXACT_SPLITS)."""
    return n + m <= 64 and math.comb(n + m, n) <= EXACT_SPLITS  # C(64, 1) already: no giant binomial for a big file


@functools.lru_cache(maxsize=256)
def permutation_test(ours: tuple[float, ...], theirs: tuple[float, ...]) -> Chance:
    """Two-sided permutation test for a difference of means: the share of the ways of dealing the values into groups
    of n and m whose difference is at least as large as the observed one; exact up to EXACT_SPLITS splits, else
    estimated from random splits ((1 + as large) / (1 + draws): an estimate that is never 0)."""
    n, m, values = len(ours), len(theirs), ours + theirs
    total = sum(values)
    observed = abs(sum(ours) / n - sum(theirs) / m)
    tolerance = 1e-9 * max(1.0, max(map(abs, values)))  # the same split summed in another order: equal, not less
    if exact_test(n, m):
        as_large = sum(abs(s / n - (total - s) / m) >= observed - tolerance
                       for s in map(sum, itertools.combinations(values, n)))
        return Chance(as_large / math.comb(n + m, n), True, math.comb(n + m, n))
    draws = max(1, min(RANDOM_SPLITS, RANDOM_VALUES // len(values)))
    generator, column = torch.Generator().manual_seed(RANDOM_SEED), torch.tensor(values, dtype=torch.float64)
    as_large, rows = 0, max(1, RANDOM_VALUES // 10 // len(values))  # a chunk of draws at a time: bounded memory
    for first in range(0, draws, rows):
        order = torch.rand(min(rows, draws - first), len(values), generator=generator).argsort(dim=1)
        sums = column[order[:, :n]].sum(dim=1)
        as_large += int(((sums / n - (total - sums) / m).abs() >= observed - tolerance).sum())
    return Chance((1 + as_large) / (1 + draws), False, draws)


def permutation_p(ours: tuple[float, ...], theirs: tuple[float, ...]) -> float:
    """permutation_test's p alone."""
    return permutation_test(ours, theirs).p


def holm(chances: list[float]) -> list[float]:
    """Holm's step-down adjusted p for each of a family of p (in their order): sorted ascending, the i-th (from 0) is
    multiplied by (k − i), never below the one before it, at most 1. Significant where adjusted < ALPHA: the chance
    that any of the k differences shown together is called significant by chance alone stays below ALPHA."""
    k, adjusted, running = len(chances), [1.0] * len(chances), 0.0
    for rank, index in enumerate(sorted(range(k), key=lambda i: chances[i])):
        running = max(running, min(1.0, (k - rank) * chances[index]))
        adjusted[index] = running
    return adjusted


def smallest_chance(n: int, m: int) -> float:
    """The smallest p the exact test can give with n and m seeds: every seed of one side above every seed of the other
    (two splits as extreme when n = m, one otherwise)."""
    return (2 if n == m else 1) / math.comb(n + m, n)


def seeds_needed(alpha: float = ALPHA) -> int:
    """The fewest seeds per variant with which the exact test can reach alpha at all (4 for 1 in 20; 5 for 1 in 60,
    Holm's first threshold with three comparisons)."""
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

