"""The stored streak state agrees with a replay of the whole ledger, whatever the ledger."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.streak_state import (
    StreakState,
    after_completion,
    alive_floors,
    current_streak,
    period_score,
    replay_state,
    tail_start,
)
from bot.core.streaks import MAX_FREEZES, DayStatus, summarize_streak

START = date(2024, 1, 1)
AT = datetime(2024, 6, 1, 9, 30, tzinfo=UTC)


def ledger(days: str) -> tuple[list[date], set[date]]:
    """One letter per group day from START: C completed, E excused, B both, - nothing."""
    completed = [START + timedelta(days=i) for i, mark in enumerate(days) if mark in "CB"]
    excused = {START + timedelta(days=i) for i, mark in enumerate(days) if mark in "EB"}
    return completed, excused


def replayed_run_start(completed: list[date], excused: set[date], last: date) -> date:
    """The first completed day after the last reset before `last`, read off a full replay."""
    history = summarize_streak(completed, excused, completed[0], last).history
    resets = [day for day, status in history.items() if status is DayStatus.MISSED]
    return min(d for d in completed if d <= last and (not resets or d > resets[-1]))


marks = st.text(alphabet="CCCE-B", min_size=0, max_size=120)


@given(marks)
def test_the_state_written_with_a_completion_is_the_state_a_replay_finds(days: str) -> None:
    """What ChallengeService writes (from its streak with the day pending) equals the replay of
    the ledger once the day is completed: same streak, freezes, run start and time."""
    before_days, excused = ledger(days)
    day = START + timedelta(days=len(days))
    first = min(before_days, default=day)
    before = summarize_streak(before_days, excused, first, day)
    state = after_completion(before, day, AT)

    after = summarize_streak([*before_days, day], excused, first, day)
    assert (state.last_date, state.streak, state.freezes) == (day, after.current, after.freezes)
    assert state.streak == before.current + 1
    assert state.run_start == replayed_run_start([*before_days, day], excused, day)
    assert state.achieved_at == AT
    assert replay_state([*before_days, day], excused, AT) == state


@given(marks.filter(lambda d: d.endswith(("C", "B"))))
def test_a_day_completed_already_gives_the_replayed_state(days: str) -> None:
    """A second completion of the same day (a double click): the state is the ledger's as is."""
    completed, excused = ledger(days)
    before = summarize_streak(completed, excused, completed[0], completed[-1])
    assert after_completion(before, completed[-1], AT) == replay_state(completed, excused, AT)


@given(marks.filter(lambda d: "C" in d or "B" in d), st.integers(min_value=0, max_value=40))
def test_the_stored_state_tells_todays_streak_without_the_ledger(days: str, later: int) -> None:
    """Any day on or after the latest completed one: the state and the excused days since give
    the streak a full replay gives (today pending, freezes covering misses, excused days)."""
    completed, excused = ledger(days)
    state = replay_state(completed, excused, AT)
    assert state is not None
    excused_later = {completed[-1] + timedelta(days=d) for d in range(1, later + 1) if d % 3 == 0}
    everything = excused | excused_later
    today = completed[-1] + timedelta(days=later)
    expected = summarize_streak(completed, everything, completed[0], today).current
    assert current_streak(state, everything, today) == expected


@given(marks)
def test_replaying_only_the_tail_is_exact(days: str) -> None:
    completed, excused = ledger(days)
    if not completed:
        assert replay_state(completed, excused, AT) is None
        return
    full = summarize_streak(completed, excused, completed[0], completed[-1])
    state = replay_state(completed, excused, AT)
    assert state is not None and (state.streak, state.freezes) == (full.current, full.freezes)
    tail = completed[tail_start(completed, excused) :]
    assert state.run_start >= tail[0]


@given(
    st.sets(st.integers(min_value=1, max_value=30), max_size=25),
    st.integers(min_value=1, max_value=40),
    st.integers(min_value=0, max_value=MAX_FREEZES),
)
def test_the_floors_say_who_is_still_on_a_streak(back: set[int], since: int, freezes: int) -> None:
    """L is at or after floors[f] exactly when a streak last completed on L with f freezes is
    still on today, judged by the whole group's excused days."""
    today = date(2024, 3, 1)
    excused = {today - timedelta(days=d) for d in back}
    floors = alive_floors(today, excused, date.min)
    assert floors is not None and list(floors) == sorted(floors, reverse=True)
    last = today - timedelta(days=since)
    state = StreakState(last, 5, freezes, last, AT)
    assert (last >= floors[freezes]) == (current_streak(state, excused, today) > 0)


def test_floors_are_undecided_when_the_excused_days_read_do_not_reach_them() -> None:
    today = date(2024, 3, 1)
    paused = {today - timedelta(days=d) for d in range(1, 100)}
    assert alive_floors(today, paused, today - timedelta(days=64)) is None
    floors = alive_floors(today, paused, date.min)
    assert floors == tuple(today - timedelta(days=d) for d in (100, 101, 102))


@pytest.mark.parametrize(
    ("days", "week_start", "expected"),
    [
        ("CCCCCCCCCC", 7, 3),  # a run from before the week: its days in the week
        ("CCCCC--CCC", 7, 3),  # the run began in the week: the whole streak
        ("C-CCCCC-CC", 5, 2),  # a week holding the previous run's days too: only this run's
        ("CCCCCCC-CC", 5, 4),  # a freeze kept the run going inside the week
    ],
)
def test_the_part_of_the_streak_inside_a_period(days: str, week_start: int, expected: int) -> None:
    completed, excused = ledger(days)
    state = replay_state(completed, excused, AT)
    assert state is not None
    start = START + timedelta(days=week_start)
    in_period = sum(1 for d in completed if d >= start)
    assert period_score(state, start, in_period) == expected
    assert period_score(state, None, in_period) == state.streak
