from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.points import (
    ChallengeKind,
    Completion,
    Difficulty,
    Period,
    PeriodKey,
    PointsEntry,
    Reason,
    base_points,
    entries_for_completion,
    period_key,
)
from bot.core.streaks import summarize_streak

AT = datetime(2024, 5, 15, 7, 30, tzinfo=UTC)
DAY = date(2024, 5, 15)


def completion(
    kind: ChallengeKind = ChallengeKind.QUIZ,
    difficulty: Difficulty = Difficulty.MEDIUM,
    first_try: bool = False,
    at: datetime = AT,
) -> Completion:
    return Completion(42, DAY, at, kind, difficulty, first_try)


def reasons(entries: list[PointsEntry]) -> list[tuple[Reason, int]]:
    return [(entry.reason, entry.amount) for entry in entries]


# --- awards --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "difficulty", "points"),
    [
        (ChallengeKind.QUIZ, Difficulty.EASY, 10),
        (ChallengeKind.QUIZ, Difficulty.MEDIUM, 15),
        (ChallengeKind.QUIZ, Difficulty.HARD, 20),
        (ChallengeKind.NUMERIC, Difficulty.HARD, 20),
        (ChallengeKind.SHORT, Difficulty.EASY, 10),
        (ChallengeKind.TASK, Difficulty.HARD, 10),
        (ChallengeKind.READING, Difficulty.HARD, 10),
    ],
)
def test_base_points(kind: ChallengeKind, difficulty: Difficulty, points: int) -> None:
    assert base_points(kind, difficulty) == points


def test_reason_codes_are_stable() -> None:
    # These strings live in the database; renaming one orphans every stored entry.
    assert [reason.value for reason in Reason] == [
        "completion",
        "first_try",
        "streak_7",
        "streak_30",
        "streak_100",
    ]


@pytest.mark.parametrize(
    ("kind", "first_try", "expected"),
    [
        (ChallengeKind.QUIZ, False, [(Reason.COMPLETION, 15)]),
        (ChallengeKind.QUIZ, True, [(Reason.COMPLETION, 15), (Reason.FIRST_TRY, 5)]),
        (ChallengeKind.SHORT, True, [(Reason.COMPLETION, 15), (Reason.FIRST_TRY, 5)]),
        (ChallengeKind.TASK, True, [(Reason.COMPLETION, 10)]),  # nothing to get right first time
        (ChallengeKind.READING, True, [(Reason.COMPLETION, 10)]),
    ],
)
def test_first_try_bonus(kind: ChallengeKind, first_try: bool, expected: list[tuple[Reason, int]]) -> None:
    assert reasons(entries_for_completion(completion(kind, first_try=first_try), 0, 1)) == expected


@pytest.mark.parametrize(
    ("before", "after", "milestones"),
    [
        (0, 1, []),
        (5, 6, []),
        (6, 7, [(Reason.STREAK_7, 20)]),
        (7, 8, []),
        (29, 30, [(Reason.STREAK_30, 50)]),
        (30, 31, []),
        (99, 100, [(Reason.STREAK_100, 150)]),
        (100, 101, []),
        (199, 200, []),  # milestones are not repeated at multiples
        (5, 8, [(Reason.STREAK_7, 20)]),  # a repair that jumps past a milestone still pays it
        (0, 100, [(Reason.STREAK_7, 20), (Reason.STREAK_30, 50), (Reason.STREAK_100, 150)]),
        (7, 7, []),  # an excused day: no growth, no award
        (40, 0, []),
    ],
)
def test_streak_milestones(before: int, after: int, milestones: list[tuple[Reason, int]]) -> None:
    entries = entries_for_completion(completion(), before, after)
    assert reasons(entries) == [(Reason.COMPLETION, 15), *milestones]


def test_entries_carry_member_day_and_utc_instant() -> None:
    paris = datetime(2024, 5, 15, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    (entry,) = entries_for_completion(completion(at=paris), 0, 1)
    assert entry == PointsEntry(42, 15, Reason.COMPLETION, AT, DAY)
    assert entry.at.tzinfo is UTC


def test_naive_completion_time_is_rejected() -> None:
    with pytest.raises(ValueError, match="naive"):
        entries_for_completion(completion(at=datetime(2024, 5, 15, 7, 30)), 0, 1)


def test_negative_streaks_are_rejected() -> None:
    with pytest.raises(ValueError):
        entries_for_completion(completion(), -1, 0)


def test_each_milestone_pays_once_per_streak_run() -> None:
    """Replay a member's days through the streak module and count milestone entries."""
    pattern = "C" * 10 + "--" + "C" * 31  # run one reaches 10, a reset, run two reaches 31
    start = date(2024, 1, 1)
    completed: set[date] = set()
    awarded: list[Reason] = []
    for offset, mark in enumerate(pattern):
        today = start + timedelta(days=offset)
        before = summarize_streak(completed, set(), start, today).current
        if mark == "C":
            completed.add(today)
            after = summarize_streak(completed, set(), start, today).current
            at = datetime.combine(today, time(12), UTC)
            done = Completion(1, today, at, ChallengeKind.TASK, Difficulty.EASY)
            awarded += [e.reason for e in entries_for_completion(done, before, after) if e.reason.startswith("streak")]
    assert awarded == [Reason.STREAK_7, Reason.STREAK_7, Reason.STREAK_30]


# --- period keys: the group days a board's totals are stored under ----------------------------


@pytest.mark.parametrize(
    ("period", "day", "start"),
    [
        (Period.WEEK, date(2027, 3, 1), date(2027, 3, 1)),  # a Monday is its own week's start
        (Period.WEEK, date(2027, 3, 7), date(2027, 3, 1)),  # Sunday still belongs to it
        (Period.WEEK, date(2027, 1, 1), date(2026, 12, 28)),  # a week across the new year
        (Period.MONTH, date(2028, 2, 29), date(2028, 2, 1)),
        (Period.MONTH, date(2027, 12, 31), date(2027, 12, 1)),
        (Period.SEASON, date(2027, 5, 5), date(2027, 4, 1)),
        (Period.ALL, date(2027, 5, 5), None),
    ],
)
def test_period_key_names_the_period_by_its_first_group_day(period: Period, day: date, start: date | None) -> None:
    assert period_key(period, day, season_start=date(2027, 4, 1)) == PeriodKey(period, start)


def test_period_key_for_a_season_needs_its_start() -> None:
    with pytest.raises(ValueError, match="season_start"):
        period_key(Period.SEASON, date(2027, 5, 5))


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_a_day_lies_in_the_week_and_month_its_keys_name(day: date) -> None:
    week, month = period_key(Period.WEEK, day).start, period_key(Period.MONTH, day).start
    assert week is not None and month is not None
    assert week.weekday() == 0 and 0 <= (day - week).days < 7
    assert month.day == 1 and (month.year, month.month) == (day.year, day.month)
