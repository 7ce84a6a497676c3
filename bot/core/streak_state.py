"""A member's streak kept as a small stored state, and how to read it today without the ledger.

`bot.core.streaks.summarize_streak` replays the ledger day by day; the streak board can't do
that for every member on every call. After a member's latest completed day nothing happens to
their streak but misses (and excused days, which change nothing), so the state right after that
day tells their streak on any later day:

    still on it today  <=>  the unexcused days missed strictly between `last_date` and today
                            are no more than the freezes held after `last_date`

(today itself is pending and breaks nothing). The state is written with each completion and
replayed from the ledger when an excuse or a ledger fix changes the past (migration 008).
Every function here agrees with `summarize_streak` (tests/unit/core/test_streak_state.py).
"""

from __future__ import annotations

from collections.abc import Collection, Container, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.core.streaks import FREEZE_EVERY, MAX_FREEZES, DayStatus, StreakSummary, summarize_streak

_DAY = timedelta(days=1)


@dataclass(frozen=True)
class StreakState:
    """A member's streak right after their latest completed day."""

    last_date: date  # the latest completed group day
    streak: int  # the streak that day, counting it
    freezes: int  # held after that day, 0..MAX_FREEZES
    run_start: date  # the first completed day of that streak's run
    achieved_at: datetime  # when `last_date` was completed: when the member reached `streak`


def after_completion(before: StreakSummary, day: date, at: datetime) -> StreakState:
    """The state once `day` is completed, from the streak replayed up to `day` with it pending.

    `before` is `summarize_streak(...)` with `today=day` and `day` not completed yet: what
    ChallengeService computes anyway to pay streak milestones. If `day` is completed already
    (a second link for the day, a double click), that is the state; the ledger won't take the
    day twice anyway.
    """
    if before.history.get(day) is DayStatus.COMPLETED:
        return StreakState(day, before.current, before.freezes, _run_start(before.history, day, before.current), at)
    freezes, progress = before.freezes, before.toward_next_freeze + 1
    if progress == FREEZE_EVERY:
        freezes = min(freezes + 1, MAX_FREEZES)
    run_start = _run_start(before.history, day - _DAY, before.current) if before.current else day
    return StreakState(day, before.current + 1, freezes, run_start, at)


def replay_state(completed: Sequence[date], excused: Collection[date], achieved_at: datetime) -> StreakState | None:
    """The state from the ledger: `completed` in date order, `achieved_at` the time of the last.

    Only the tail after the last certain reset is replayed (see `tail_start`), so a member with
    a year of history and a two-week streak costs about two weeks.
    """
    if not completed:
        return None
    excused_days = frozenset(excused)
    tail = completed[tail_start(completed, excused_days) :]
    last = tail[-1]
    summary = summarize_streak(tail, excused_days, tail[0], last)
    return StreakState(
        last, summary.current, summary.freezes, _run_start(summary.history, last, summary.current), achieved_at
    )


def tail_start(completed: Sequence[date], excused: Container[date]) -> int:
    """The index of the first completed day after the last gap that certainly reset the streak.

    A gap holding more unexcused days than MAX_FREEZES ends in a missed day whatever was held
    before it, and a miss leaves nothing behind (no streak, no freezes, no progress): replaying
    from the next completed day with nothing held is exact.
    """
    for index in range(len(completed) - 1, 0, -1):
        if _misses_exceed(completed[index - 1], completed[index], excused, MAX_FREEZES):
            return index
    return 0


def current_streak(state: StreakState, excused: Container[date], today: date) -> int:
    """The member's streak today: the stored one if the misses since are covered, else 0."""
    if state.last_date >= today or not _misses_exceed(state.last_date, today, excused, state.freezes):
        return state.streak
    return 0


def alive_floors(today: date, excused: Collection[date], known_from: date) -> tuple[date, ...] | None:
    """For each count of freezes held (0..MAX_FREEZES), the earliest last completed day whose
    streak is still on today, judging only by `excused` (the whole group's excused days).

    A streak last completed on day L with f freezes survives iff fewer than f + 1 unexcused
    days lie strictly between L and today, so the floor is the (f + 1)-th unexcused day counting
    back from yesterday. `excused` must hold every such day from `known_from` on; None when the
    floors lie further back than that (read older excused days and ask again).
    """
    floors: list[date] = []
    day = today - _DAY
    while len(floors) <= MAX_FREEZES:
        if day < known_from:
            return None
        if day not in excused:
            floors.append(day)
        day -= _DAY
    return tuple(floors)


def period_score(state: StreakState, period_start: date | None, completed_in_period: int) -> int:
    """The part of the current streak inside a period: its completed days from `period_start`.

    A run that began inside the period lies wholly in it; one that began before holds every
    completed day of the period (the run reaches the member's latest completed day, and a
    period holding any of it reaches today). Assumes the streak is still on.
    """
    if period_start is None or state.run_start >= period_start:
        return state.streak
    return completed_in_period


def _misses_exceed(first: date, last: date, excused: Container[date], allowed: int) -> bool:
    """Whether more than `allowed` unexcused days lie strictly between `first` and `last`."""
    missed, day = 0, last - _DAY
    while day > first:
        if day not in excused:
            missed += 1
            if missed > allowed:
                return True
        day -= _DAY
    return False


def _run_start(history: dict[date, DayStatus], last: date, streak: int) -> date:
    """The `streak`-th completed day counting back from `last` (inclusive): where the run began."""
    counted, day = 0, last
    while True:
        if history[day] is DayStatus.COMPLETED:
            counted += 1
            if counted == streak:
                return day
        day -= _DAY
