"""Answer keys of curriculum/phases/03-data-science.yaml, recomputed with plain Python."""

from __future__ import annotations

import math
import statistics

import pytest

from tests.unit.curriculum.phase_checks import Phase, PhaseChecks

PHASE = Phase("data-science", 3, "ds-", challenges=26, min_concepts=13, min_auto_share=0.70)


def _quantile_linear(values: list[float], q: float) -> float:
    """pandas/numpy default quantile: linear interpolation at position q * (n - 1) of the sorted data."""
    xs = sorted(values)
    pos = q * (len(xs) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (pos - lo) * (xs[hi] - xs[lo])


def _pearson(x: list[float], y: list[float]) -> float:
    mx, my = statistics.fmean(x), statistics.fmean(y)
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    return sxy / math.sqrt(sxx * syy)


def _compute() -> dict[str, float]:
    values: dict[str, float] = {}
    nan = None

    # ---- data-cleaning
    incomes = [28, 31, nan, 35, 250, 30]
    observed_incomes = [v for v in incomes if v is not None]
    values["ds-median-imputation-skewed"] = statistics.median(observed_incomes)
    assert statistics.fmean(observed_incomes) == pytest.approx(74.8)  # the mean the explanation warns about

    ages = [22, 35, nan, 41, nan, 30]
    observed_ages = [v for v in ages if v is not None]
    fill = statistics.fmean(observed_ages)
    assert fill == 32
    filled = [fill if v is None else v for v in ages]
    values["ds-mean-imputation-variance"] = statistics.pvariance(filled)
    assert statistics.pvariance(observed_ages) == pytest.approx(48.5)  # variance before imputation

    rows = [("a", 1), ("b", 2), ("a", 1), ("c", 3), ("b", 2), ("b", 2), ("c", 4)]
    values["ds-drop-duplicates-count"] = len(dict.fromkeys(rows))

    times = [13, 45, 10, 16, 12, 20, 14, 18, 15]
    q1, q3 = _quantile_linear(times, 0.25), _quantile_linear(times, 0.75)
    assert (q1, q3) == (13, 18)
    # statistics' "inclusive" method is the same linear interpolation
    sq1, _, sq3 = statistics.quantiles(times, n=4, method="inclusive")
    assert (sq1, sq3) == (q1, q3)
    values["ds-iqr-upper-fence"] = q3 + 1.5 * (q3 - q1)
    assert [t for t in times if t > values["ds-iqr-upper-fence"] or t < q1 - 1.5 * (q3 - q1)] == [45]

    # ---- eda
    x, y = [1, 2, 3, 4, 5], [2, 4, 5, 4, 5]
    r = _pearson(x, y)
    assert r == pytest.approx(statistics.correlation(x, y))
    values["ds-pearson-r-small-lists"] = r

    # ---- feature-engineering
    color_levels, size_levels, numeric_columns = 4, 3, 2
    values["ds-one-hot-column-count"] = color_levels + size_levels + numeric_columns
    assert (color_levels - 1) + (size_levels - 1) + numeric_columns == 7  # drop_first=True, per the explanation

    train = [20, 35, 50, 80]
    values["ds-min-max-scaled-value"] = (35 - min(train)) / (max(train) - min(train))

    feature = [2, 4, 5, 7, 8, 9, 30]
    iqr = _quantile_linear(feature, 0.75) - _quantile_linear(feature, 0.25)
    assert iqr == 4
    values["ds-robust-scaler-value"] = (30 - statistics.median(feature)) / iqr

    return values


COMPUTED = _compute()


class TestSharedChecks(PhaseChecks):
    phase = PHASE
    computed = COMPUTED


def test_quiz_side_facts() -> None:
    # ds-zero-correlation-meaning: y = x^2 on a symmetric range is fully dependent yet has r = 0.
    xs = [-3, -2, -1, 0, 1, 2, 3]
    assert _pearson(xs, [v * v for v in xs]) == pytest.approx(0.0, abs=1e-12)
    # ds-skew-mean-median: a long right tail pulls the mean above the median.
    incomes = [30, 40, 50, 55, 61, 65, 70, 400]
    assert statistics.fmean(incomes) > statistics.median(incomes)
    # ds-ordinal-education-encoding: alphabetical order breaks the natural order.
    natural = ["high school", "bachelor", "master", "PhD"]
    assert sorted(natural, key=str.casefold) != natural
    # ds-scaling-insensitive-model: a monotonic rescaling keeps the row order a tree split relies on.
    metres = [1.2, 0.4, 1.9, 0.7]
    scaled = [(v - min(metres)) / (max(metres) - min(metres)) for v in metres]
    assert sorted(range(4), key=metres.__getitem__) == sorted(range(4), key=scaled.__getitem__)
