"""Answer keys of curriculum/phases/07-portfolio.yaml, recomputed with plain Python."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml

PHASE_FILE = Path(__file__).resolve().parents[3] / "curriculum" / "phases" / "07-portfolio.yaml"

TARGET_CHALLENGES = 28
MIN_CONCEPTS = 9
MIN_AUTO_SHARE = 0.30
AUTO_KINDS = {"quiz", "numeric", "short"}
SUBMIT_KINDS = {"github", "kaggle", "none"}


def _load() -> dict[str, Any]:
    with PHASE_FILE.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


def _compute() -> dict[str, float]:
    values: dict[str, float] = {}

    # 3 interviews from 40 applications; applications needed for 9 interviews at that rate
    interview_rate = Fraction(3, 40)
    values["port-application-funnel"] = Fraction(9) / interview_rate

    return {key: float(val) for key, val in values.items()}


COMPUTED = _compute()


def test_every_numeric_challenge_is_recomputed() -> None:
    data = _load()
    numeric_ids = {c["id"] for c in data["challenges"] if c["kind"] == "numeric"}
    assert numeric_ids == set(COMPUTED)


@pytest.mark.parametrize("challenge_id", sorted(COMPUTED))
def test_numeric_answer_matches_computation(challenge_id: str) -> None:
    data = _load()
    challenge = next(c for c in data["challenges"] if c["id"] == challenge_id)
    tolerance = challenge["tolerance"]
    assert tolerance > 0
    assert abs(float(challenge["answer"]) - COMPUTED[challenge_id]) <= tolerance, (
        challenge_id,
        challenge["answer"],
        COMPUTED[challenge_id],
    )


def test_quiz_answers_are_options() -> None:
    data = _load()
    for challenge in data["challenges"]:
        if challenge["kind"] == "quiz":
            options = challenge["options"]
            assert 3 <= len(options) <= 5, challenge["id"]
            assert len(set(options)) == len(options), challenge["id"]
            assert options.count(challenge["answer"]) == 1, challenge["id"]


def test_quiz_answer_positions_vary() -> None:
    # Options are shown as letters in file order, so the key must not always sit in one place.
    data = _load()
    positions = [c["options"].index(c["answer"]) for c in data["challenges"] if c["kind"] == "quiz"]
    most_common = max(positions.count(p) for p in set(positions))
    assert most_common <= len(positions) // 2


def test_tasks_have_a_submit_kind() -> None:
    data = _load()
    for challenge in data["challenges"]:
        if challenge["kind"] == "task":
            assert challenge["submit"] in SUBMIT_KINDS, challenge["id"]


def test_counts() -> None:
    data = _load()
    challenges = data["challenges"]
    assert len(challenges) == TARGET_CHALLENGES
    assert len(data["concepts"]) >= MIN_CONCEPTS
    auto = sum(1 for c in challenges if c["kind"] in AUTO_KINDS)
    assert auto / len(challenges) >= MIN_AUTO_SHARE
    assert all(c["id"].startswith("port-") for c in challenges)
    assert len({c["id"] for c in challenges}) == len(challenges)
