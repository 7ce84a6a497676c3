"""Answer keys of curriculum/phases/07-portfolio.yaml, recomputed with plain Python."""

from __future__ import annotations

from fractions import Fraction

from tests.unit.curriculum.phase_checks import Phase, PhaseChecks, check_answer_positions_vary

PHASE = Phase("portfolio", 7, "port-", challenges=28, min_concepts=9, min_auto_share=0.30)
SUBMIT_KINDS = {"github", "kaggle", "none"}


def _compute() -> dict[str, float]:
    values: dict[str, float] = {}

    # 3 interviews from 40 applications; applications needed for 9 interviews at that rate
    interview_rate = Fraction(3, 40)
    values["port-application-funnel"] = Fraction(9) / interview_rate

    return {key: float(val) for key, val in values.items()}


COMPUTED = _compute()


class TestSharedChecks(PhaseChecks):
    phase = PHASE
    computed = COMPUTED


def test_quiz_answer_positions_vary() -> None:
    check_answer_positions_vary(PHASE.load()["challenges"])


def test_tasks_have_a_submit_kind() -> None:
    for challenge in PHASE.load()["challenges"]:
        if challenge["kind"] == "task":
            assert challenge["submit"] in SUBMIT_KINDS, challenge["id"]
