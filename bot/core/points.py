"""Points as ledger entries, and the periods (by group day) leaderboards total them over.

Points are never a running total: each award is an entry with a stable reason code, so
totals for any period are a sum over entries, and an award can be audited or reversed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.core.clock import as_utc


class ChallengeKind(StrEnum):
    QUIZ = "quiz"
    NUMERIC = "numeric"
    SHORT = "short"
    TASK = "task"
    READING = "reading"


class Difficulty(StrEnum):
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


class Reason(StrEnum):
    """Stored in the ledger: never rename a value, only add new ones."""

    COMPLETION = "completion"
    FIRST_TRY = "first_try"
    STREAK_7 = "streak_7"
    STREAK_30 = "streak_30"
    STREAK_100 = "streak_100"


BASE_POINTS = {Difficulty.EASY: 10, Difficulty.MEDIUM: 15, Difficulty.HARD: 20}
UNGRADED_POINTS = 10  # tasks and readings: no answer to judge, so no difficulty scale
UNGRADED = frozenset({ChallengeKind.TASK, ChallengeKind.READING})
FIRST_TRY_BONUS = 5
STREAK_MILESTONES = {7: Reason.STREAK_7, 30: Reason.STREAK_30, 100: Reason.STREAK_100}
MILESTONE_POINTS = {Reason.STREAK_7: 20, Reason.STREAK_30: 50, Reason.STREAK_100: 150}


@dataclass(frozen=True)
class Completion:
    member_id: int
    group_date: date
    at: datetime  # aware; when the member completed the day
    kind: ChallengeKind
    difficulty: Difficulty
    first_try_correct: bool = False  # ignored for tasks and readings


@dataclass(frozen=True)
class PointsEntry:
    member_id: int
    amount: int
    reason: Reason
    at: datetime  # UTC
    group_date: date  # with member_id and reason, a natural unique key: retries can't double-pay


def base_points(kind: ChallengeKind, difficulty: Difficulty) -> int:
    return UNGRADED_POINTS if kind in UNGRADED else BASE_POINTS[difficulty]


def entries_for_completion(completion: Completion, streak_before: int, streak_after: int) -> list[PointsEntry]:
    """The entries to record for one completed day.

    A milestone pays when the streak crosses it (before < m <= after). A streak only grows
    one day at a time within a run and restarts from 0 after a reset, so each milestone
    pays once per run.
    """
    if streak_before < 0 or streak_after < 0:
        raise ValueError("streaks are never negative")
    at = as_utc(completion.at)

    def entry(amount: int, reason: Reason) -> PointsEntry:
        return PointsEntry(completion.member_id, amount, reason, at, completion.group_date)

    entries = [entry(base_points(completion.kind, completion.difficulty), Reason.COMPLETION)]
    if completion.first_try_correct and completion.kind not in UNGRADED:
        entries.append(entry(FIRST_TRY_BONUS, Reason.FIRST_TRY))
    for days, reason in STREAK_MILESTONES.items():
        if streak_before < days <= streak_after:
            entries.append(entry(MILESTONE_POINTS[reason], reason))
    return entries


# --- leaderboard windows -------------------------------------------------------------------


class Period(StrEnum):
    WEEK = "week"  # Monday to Monday
    MONTH = "month"
    SEASON = "season"  # from a given start date, open-ended
    ALL = "all"


@dataclass(frozen=True)
class PeriodKey:
    """A period named by its first group day, the way the boards' totals are stored.

    A ledger row belongs to the periods of its group day, so `period_key(p, d)` is the key of
    every row dated `d`, and the key of "this week" is the key of today's group day.
    """

    period: Period
    start: date | None  # None for all time


def period_key(period: Period, group_day: date, *, season_start: date | None = None) -> PeriodKey:
    if period is Period.WEEK:
        return PeriodKey(period, group_day - timedelta(days=group_day.weekday()))
    if period is Period.MONTH:
        return PeriodKey(period, group_day.replace(day=1))
    if period is Period.SEASON:
        if season_start is None:
            raise ValueError("a season needs season_start")
        return PeriodKey(period, season_start)
    return PeriodKey(period, None)
