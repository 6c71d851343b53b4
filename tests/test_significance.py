"""The lesson's statistics against SciPy's: the permutation test, its estimate beyond the exact size, Welch's interval
and Student's t quantile."""
import math
import random

import numpy as np
import pytest

scipy_stats = pytest.importorskip("scipy.stats", reason="SciPy checks the statistics: pip install -r "
                                                        "requirements-dev.txt")

from mnistlab.lesson.significance import (EXACT_SPLITS, RANDOM_SPLITS, permutation_test, t_quantile,  # noqa: E402
                                          welch_interval)


def scipy_exact_p(ours, theirs) -> float:
    """SciPy's exact two-sided test for a difference of means: |difference| at least as large, every split dealt.
    In whole hundredths and as |m·Σx − n·Σy| (the difference × n·m), so that its float sums are exact: with the
    means of decimals SciPy misses ties that exact fractions count (6 and 4 seeds below: 70 splits, not 71)."""
    n, m = len(ours), len(theirs)

    def scaled_difference(x, y, axis):
        return np.abs(m * np.sum(x, axis=axis) - n * np.sum(y, axis=axis))

    hundredths = [np.round(np.array(values) * 100) for values in (ours, theirs)]
    return scipy_stats.permutation_test(hundredths, scaled_difference, permutation_type="independent",
                                        alternative="greater", n_resamples=np.inf, vectorized=True).pvalue


def accuracies(rng: random.Random, n: int, shift: float = 0.0) -> tuple[float, ...]:
    return tuple(round(97.2 + shift + rng.gauss(0, 0.15), 2) for _ in range(n))


@pytest.mark.parametrize("n, m, shift", [(2, 2, 0.3), (3, 3, 0.0), (4, 4, 0.2), (5, 5, 0.15), (3, 7, 0.1),
                                         (6, 4, -0.2), pytest.param(10, 10, 0.1, marks=pytest.mark.slow)])
def test_the_exact_permutation_p_is_scipys(n, m, shift):
    rng = random.Random(n * 100 + m)
    ours, theirs = accuracies(rng, n, shift), accuracies(rng, m)
    chance = permutation_test(ours, theirs)
    assert chance.exact and chance.draws == math.comb(n + m, n)
    assert chance.p == pytest.approx(scipy_exact_p(ours, theirs), rel=1e-9)


@pytest.mark.slow
def test_beyond_the_exact_size_the_estimate_is_within_its_error_of_scipys_exact_p():
    rng = random.Random(7)
    ours, theirs = accuracies(rng, 11, 0.12), accuracies(rng, 10)  # C(21, 10) = 352 716 splits: past the exact size
    assert math.comb(21, 10) > EXACT_SPLITS
    estimate, exact = permutation_test(ours, theirs), scipy_exact_p(ours, theirs)
    assert not estimate.exact and estimate.draws == RANDOM_SPLITS
    standard_error = math.sqrt(exact * (1 - exact) / RANDOM_SPLITS)
    assert abs(estimate.p - exact) < 4 * standard_error + 1 / RANDOM_SPLITS, (estimate.p, exact)


@pytest.mark.parametrize("ours, theirs", [((97.3, 97.4, 97.5), (97.0, 97.1, 97.2)),
                                          ((97.8, 97.6, 97.9, 97.7, 97.85), (97.25, 97.33, 97.54, 97.65, 97.65)),
                                          ((96.9, 97.4), (97.0, 97.1, 97.05, 97.3, 96.8, 97.2))])
def test_welchs_interval_is_scipys(ours, theirs):
    expected = scipy_stats.ttest_ind(ours, theirs, equal_var=False).confidence_interval(0.95)
    assert welch_interval(ours, theirs) == pytest.approx((expected.low, expected.high), abs=1e-6)


@pytest.mark.parametrize("freedom", [1, 1.5, 2.5, 4, 7.3, 30, 200])
def test_the_t_quantile_is_scipys(freedom):
    for probability in (0.6, 0.9, 0.975, 0.995):
        assert t_quantile(probability, freedom) == pytest.approx(scipy_stats.t.ppf(probability, freedom), rel=1e-5)
