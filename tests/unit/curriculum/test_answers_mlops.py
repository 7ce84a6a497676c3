"""Answer keys of curriculum/phases/06-mlops.yaml, recomputed with plain Python."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from tests.unit.curriculum.phase_checks import Phase, PhaseChecks

PHASE = Phase("mlops", 6, "ops-", challenges=62, min_concepts=23, min_auto_share=0.60)


def _nearest_rank_percentile(sorted_values: list[float], p: int) -> float:
    assert sorted_values == sorted(sorted_values)
    rank = math.ceil(Fraction(p, 100) * len(sorted_values))
    return sorted_values[rank - 1]


def _psi(expected: list[float], actual: list[float]) -> float:
    assert math.isclose(sum(expected), 1) and math.isclose(sum(actual), 1)
    return sum((a - e) * math.log(a / e) for e, a in zip(expected, actual, strict=True))


def _cron_field(spec: str, low: int, high: int) -> set[int]:
    """Expand one cron field supporting `*`, `*/n`, `a-b` and single numbers."""
    if spec == "*":
        return set(range(low, high + 1))
    if spec.startswith("*/"):
        return set(range(low, high + 1, int(spec[2:])))
    if "-" in spec:
        start, end = (int(part) for part in spec.split("-"))
        return set(range(start, end + 1))
    return {int(spec)}


def _compute() -> dict[str, float]:
    values: dict[str, float] = {}

    # ---- model-apis
    values["ops-api-validation-status"] = 422  # FastAPI's status for a body that fails Pydantic validation

    seconds_per_day = 24 * 60 * 60
    values["ops-api-average-rps"] = 10_000 / seconds_per_day

    peak_rps, busy_seconds = 120, Fraction(45, 1000)
    busy_workers = peak_rps * busy_seconds
    assert busy_workers == Fraction(27, 5)  # 5.4
    values["ops-api-workers-for-peak"] = math.ceil(busy_workers)

    # ---- docker: only layers whose content changed are pushed
    layers_mb = {"base": 74, "apt": 12, "pip": 410, "code": 3}
    changed = {"code"}
    values["ops-docker-push-changed-layers"] = sum(mb for name, mb in layers_mb.items() if name in changed)

    # ---- cloud
    values["ops-cloud-monthly-vm-cost"] = float(2 * Fraction("0.096") * 730)

    spot_price = Fraction("3.06") * (1 - Fraction(70, 100))
    spot_hours = 10 * Fraction(120, 100)
    values["ops-cloud-spot-training-cost"] = float(spot_price * spot_hours)
    assert float(spot_price * spot_hours) == pytest.approx(11.016)

    per_request = Fraction("0.20") / 1000
    values["ops-cloud-serverless-breakeven"] = float(Fraction(15) / per_request)

    # ---- experiment-tracking: lowest MAE among runs with p95 latency < 50 ms
    runs = {1: (3.2, 12), 2: (2.9, 85), 3: (3.0, 40), 4: (2.8, 140), 5: (3.1, 9)}
    eligible = {run: mae for run, (mae, latency) in runs.items() if latency < 50}
    values["ops-tracking-select-run"] = min(eligible, key=lambda run: eligible[run])

    # ---- ci-cd
    jobs_per_push = 3 * 2
    used_minutes = jobs_per_push * 4 * 100
    values["ops-cicd-minutes-budget"] = used_minutes - 2_000

    # ---- monitoring
    latencies = [38, 40, 41, 41, 43, 44, 45, 45, 46, 47, 48, 50, 51, 53, 55, 58, 62, 70, 120, 410]
    values["ops-monitor-p95-latency"] = _nearest_rank_percentile(latencies, 95)

    values["ops-monitor-psi"] = _psi([0.25, 0.25, 0.25, 0.25], [0.10, 0.20, 0.30, 0.40])

    daily_acc = [Fraction(x) for x in ("0.91", "0.90", "0.89", "0.88", "0.86", "0.84", "0.83", "0.85")]
    threshold = Fraction("0.855")
    alert_day = next(
        day
        for day in range(3, len(daily_acc) + 1)
        if sum(daily_acc[day - 3 : day]) / 3 < threshold  # days day-2 .. day (1-based)
    )
    values["ops-monitor-alert-day"] = alert_day

    # ---- data-engineering
    orders = [
        (1, 30, "paid"),
        (1, 25, "paid"),
        (2, 60, "refunded"),
        (2, 10, "paid"),
        (3, 51, "paid"),
        (4, 20, "paid"),
        (4, 20, "paid"),
        (4, 15, "refunded"),
        (5, 50, "paid"),
    ]
    totals: dict[int, int] = {}
    for user, amount, status in orders:
        if status == "paid":  # WHERE
            totals[user] = totals.get(user, 0) + amount  # GROUP BY + SUM
    values["ops-de-sql-having"] = sum(1 for total in totals.values() if total > 50)  # HAVING

    minutes = _cron_field("*/15", 0, 59)
    hours = _cron_field("9-17", 0, 23)
    weekdays = _cron_field("1-5", 0, 6)
    values["ops-de-cron-runs-per-week"] = len(minutes) * len(hours) * len(weekdays)

    partitions = 49_152 / 128
    assert partitions == int(partitions)
    slots = 8 * 4
    values["ops-de-spark-task-waves"] = math.ceil(partitions / slots)

    return values


COMPUTED = _compute()


class TestSharedChecks(PhaseChecks):
    phase = PHASE
    computed = COMPUTED


def test_quiz_arithmetic_behind_keys() -> None:
    """Quiz keys that rest on arithmetic in the prompt."""
    # ops-cicd-promotion-gate: rule 1 passes, rule 2 fails on new customers only.
    gain = Fraction("0.851") - Fraction("0.842")
    assert gain == Fraction("0.009") and gain >= Fraction("0.005")
    segments = {
        "new": (Fraction("0.801"), Fraction("0.779")),
        "returning": (Fraction("0.861"), Fraction("0.874")),
        "enterprise": (Fraction("0.790"), Fraction("0.795")),
    }
    drops = {name: old - new for name, (old, new) in segments.items()}
    failing = {name for name, drop in drops.items() if drop > Fraction("0.02")}
    assert failing == {"new"} and drops["new"] == Fraction("0.022")
    by_id = {c["id"]: c for c in PHASE.load()["challenges"]}
    assert by_id["ops-cicd-promotion-gate"]["answer"].startswith("Block the promotion: new customers")
