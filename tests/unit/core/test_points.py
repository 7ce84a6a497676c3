from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

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
    Window,
    base_points,
    entries_for_completion,
    period_key,
    period_window,
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


# --- leaderboard windows -------------------------------------------------------------------


def local(zone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=ZoneInfo(zone))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("period", "zone", "now", "start", "end"),
    [
        # a Wednesday in Paris: Monday 00:00 to Monday 00:00, local
        (
            Period.WEEK,
            "Europe/Paris",
            local("Europe/Paris", 2024, 5, 15, 12),
            utc(2024, 5, 12, 22),
            utc(2024, 5, 19, 22),
        ),
        # the edges: Monday 00:00 starts a week, Sunday 23:59:59 is still the old one
        (
            Period.WEEK,
            "Europe/Paris",
            local("Europe/Paris", 2024, 5, 13, 0),
            utc(2024, 5, 12, 22),
            utc(2024, 5, 19, 22),
        ),
        (
            Period.WEEK,
            "Europe/Paris",
            local("Europe/Paris", 2024, 5, 12, 23, 59, 59),
            utc(2024, 5, 5, 22),
            utc(2024, 5, 12, 22),
        ),
        # Monday 00:30 in Tokyo is still Sunday in UTC: the local week has begun
        (Period.WEEK, "Asia/Tokyo", utc(2024, 5, 12, 15, 30), utc(2024, 5, 12, 15), utc(2024, 5, 19, 15)),
        # a week containing spring-forward is 167 hours long
        (
            Period.WEEK,
            "Europe/Berlin",
            local("Europe/Berlin", 2024, 3, 27, 12),
            utc(2024, 3, 24, 23),
            utc(2024, 3, 31, 22),
        ),
        # a week across the new year
        (Period.WEEK, "UTC", utc(2025, 1, 1, 12), utc(2024, 12, 30), utc(2025, 1, 6)),
        (
            Period.MONTH,
            "Europe/Berlin",
            local("Europe/Berlin", 2024, 12, 31, 23, 59),
            utc(2024, 11, 30, 23),
            utc(2024, 12, 31, 23),
        ),
        (
            Period.MONTH,
            "Europe/Berlin",
            local("Europe/Berlin", 2025, 1, 1, 0),
            utc(2024, 12, 31, 23),
            utc(2025, 1, 31, 23),
        ),
        (Period.MONTH, "UTC", utc(2024, 2, 29, 12), utc(2024, 2, 1), utc(2024, 3, 1)),
        (Period.MONTH, "UTC", utc(2024, 1, 31, 12), utc(2024, 1, 1), utc(2024, 2, 1)),
        # Asunción skipped 2023-10-01 00:00-01:00: October starts at 01:00 local
        (Period.MONTH, "America/Asuncion", utc(2023, 10, 15), utc(2023, 10, 1, 4), utc(2023, 11, 1, 3)),
        (Period.MONTH, "America/Asuncion", utc(2023, 9, 30, 12), utc(2023, 9, 1, 4), utc(2023, 10, 1, 4)),
    ],
)
def test_calendar_windows(period: Period, zone: str, now: datetime, start: datetime, end: datetime) -> None:
    window = period_window(period, now, zone)
    assert window == Window(start, end)
    assert window.contains(now)


def test_windows_can_follow_the_post_time_instead_of_midnight() -> None:
    monday_before_post = local("Europe/Paris", 2024, 5, 13, 8, 59)
    window = period_window(Period.WEEK, monday_before_post, "Europe/Paris", day_start=time(9))
    assert window == Window(local("Europe/Paris", 2024, 5, 6, 9), local("Europe/Paris", 2024, 5, 13, 9))


@pytest.mark.parametrize(
    ("now", "start"),
    [
        (utc(2024, 6, 1), local("Europe/Paris", 2024, 4, 1, 0)),
        (utc(2024, 3, 1), local("Europe/Paris", 2024, 4, 1, 0)),  # not started: nothing inside yet
    ],
)
def test_season_window_is_open_ended(now: datetime, start: datetime) -> None:
    window = period_window(Period.SEASON, now, "Europe/Paris", season_start=date(2024, 4, 1))
    assert window == Window(start, None)


def test_season_needs_a_start() -> None:
    with pytest.raises(ValueError, match="season_start"):
        period_window(Period.SEASON, AT, "UTC")


def test_all_time_is_unbounded() -> None:
    window = period_window(Period.ALL, AT, "Asia/Tokyo")
    assert window == Window(None, None)
    assert window.contains(datetime(1, 1, 1, tzinfo=UTC))


def test_window_is_half_open() -> None:
    window = Window(utc(2024, 5, 1), utc(2024, 6, 1))
    assert window.contains(utc(2024, 5, 1))
    assert window.contains(utc(2024, 5, 31, 23, 59, 59))
    assert not window.contains(utc(2024, 6, 1))
    assert not window.contains(utc(2024, 4, 30, 23, 59, 59))


def test_consecutive_windows_tile_time_without_gaps() -> None:
    now = utc(2023, 1, 4)
    for _ in range(120):  # ~2.3 years of weeks, months share the walk
        week = period_window(Period.WEEK, now, "America/Santiago")
        assert week.end is not None
        following = period_window(Period.WEEK, week.end, "America/Santiago")
        assert following.start == week.end
        month = period_window(Period.MONTH, now, "America/Santiago")
        assert month.end is not None
        assert period_window(Period.MONTH, month.end, "America/Santiago").start == month.end
        now = week.end


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
