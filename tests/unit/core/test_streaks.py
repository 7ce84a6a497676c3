import random
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.streaks import MAX_FREEZES, DayStatus, StreakSummary, summarize_streak

START = date(2024, 1, 1)
LETTER = {
    DayStatus.COMPLETED: "C",
    DayStatus.FROZEN: "F",
    DayStatus.EXCUSED: "E",
    DayStatus.MISSED: "M",
    DayStatus.PENDING: "P",
}


def replay(days: str, start: date = START) -> StreakSummary:
    """`days` is one letter per group day from `start`, the last being today:
    C completed, E excused, - nothing recorded."""
    dates = [start + timedelta(days=i) for i in range(len(days))]
    return summarize_streak(
        completed={d for d, mark in zip(dates, days, strict=True) if mark == "C"},
        excused={d for d, mark in zip(dates, days, strict=True) if mark == "E"},
        first_date=start,
        today=dates[-1],
    )


def statuses(summary: StreakSummary) -> str:
    return "".join(LETTER[status] for status in summary.history.values())


@pytest.mark.parametrize(
    ("days", "current", "longest", "freezes", "history"),
    [
        # basic runs
        ("C", 1, 1, 0, "C"),
        ("CCC", 3, 3, 0, "CCC"),
        ("C-C", 1, 1, 0, "CMC"),
        ("CCC-CC", 2, 3, 0, "CCCMCC"),
        # today not done yet breaks nothing; yesterday not done does
        ("-", 0, 0, 0, "P"),
        ("CC-", 2, 2, 0, "CCP"),
        ("CC--", 0, 2, 0, "CCMP"),
        # excused days keep a streak alive but do not add to it
        ("CCEC", 3, 3, 0, "CCEC"),
        ("CCEEE-", 2, 2, 0, "CCEEEP"),
        ("CCE", 2, 2, 0, "CCE"),  # today excused
        ("EEC", 1, 1, 0, "EEC"),
        ("CE-C", 1, 1, 0, "CEMC"),  # an excused day does not shield the miss after it
        # freezes: earned every 7 completed days, consumed by a miss, at most 2 held
        ("CCCCCC", 6, 6, 0, "CCCCCC"),
        ("CCCCCCC", 7, 7, 1, "CCCCCCC"),
        ("CCCCCCC-C", 8, 8, 0, "CCCCCCCFC"),
        ("CCCCCCC-", 7, 7, 1, "CCCCCCCP"),  # today pending: the freeze is not spent yet
        ("CCCCCCC--", 7, 7, 0, "CCCCCCCFP"),
        ("CCCCCCC--C", 1, 7, 0, "CCCCCCCFMC"),  # two misses, one freeze
        ("C" * 14 + "--C", 15, 15, 0, "C" * 14 + "FFC"),
        ("C" * 21, 21, 21, 2, "C" * 21),  # capped at two
        ("C" * 21 + "---C", 1, 21, 0, "C" * 21 + "FFMC"),
        ("CCCCCCEC", 7, 7, 1, "CCCCCCEC"),  # excused days do not reset progress to a freeze
        ("CCCCCC-CCCCCCC", 7, 7, 1, "CCCCCCMCCCCCCC"),  # a miss does
        ("CCCCCCC-CCCCCC", 13, 13, 0, "CCCCCCCFCCCCCC"),  # so does a frozen day
        ("CCCCCCC-CCCCCCC", 14, 14, 1, "CCCCCCCFCCCCCCC"),
    ],
)
def test_replay(days: str, current: int, longest: int, freezes: int, history: str) -> None:
    summary = replay(days)
    assert (summary.current, summary.longest, summary.freezes) == (current, longest, freezes)
    assert statuses(summary) == history


def test_progress_toward_the_next_freeze() -> None:
    assert replay("CCC").toward_next_freeze == 3
    assert replay("C" * 7).toward_next_freeze == 0
    assert replay("C" * 9).toward_next_freeze == 2
    assert replay("CCCE").toward_next_freeze == 3
    assert replay("CCC--").toward_next_freeze == 0


def test_history_is_keyed_by_date_and_ends_today() -> None:
    summary = replay("C-E-", start=date(2024, 2, 28))
    assert summary.history == {
        date(2024, 2, 28): DayStatus.COMPLETED,
        date(2024, 2, 29): DayStatus.MISSED,
        date(2024, 3, 1): DayStatus.EXCUSED,
        date(2024, 3, 2): DayStatus.PENDING,
    }


def test_a_leap_day_is_a_group_day_like_any_other() -> None:
    completed = {date(2024, 2, 28), date(2024, 2, 29), date(2024, 3, 1)}
    assert summarize_streak(completed, set(), date(2024, 2, 28), date(2024, 3, 1)).current == 3
    gap = completed - {date(2024, 2, 29)}
    assert summarize_streak(gap, set(), date(2024, 2, 28), date(2024, 3, 1)).current == 1


def test_a_streak_runs_across_the_year_boundary() -> None:
    completed = {date(2024, 12, 29) + timedelta(days=i) for i in range(5)}  # through 2025-01-02
    summary = summarize_streak(completed, set(), date(2024, 12, 29), date(2025, 1, 2))
    assert summary.current == 5
    broken = completed - {date(2024, 12, 31)}
    summary = summarize_streak(broken, set(), date(2024, 12, 29), date(2025, 1, 2))
    assert (summary.current, summary.longest) == (2, 2)
    assert summary.history[date(2024, 12, 31)] is DayStatus.MISSED


def test_today_before_the_first_date_is_an_empty_history() -> None:
    summary = summarize_streak({date(2024, 1, 5)}, set(), date(2024, 1, 5), date(2024, 1, 4))
    assert summary == StreakSummary(0, 0, 0, 0, {})


def test_only_days_from_the_first_date_to_today_count() -> None:
    completed = {date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3), date(2024, 1, 9)}
    summary = summarize_streak(completed, set(), date(2024, 1, 2), date(2024, 1, 3))
    assert summary.current == 2
    assert list(summary.history) == [date(2024, 1, 2), date(2024, 1, 3)]


def test_completed_wins_over_excused_on_the_same_day() -> None:
    day = date(2024, 1, 1)
    assert summarize_streak({day}, {day}, day, day).history[day] is DayStatus.COMPLETED


def test_a_ten_year_history() -> None:
    days = 3653
    completed = {START + timedelta(days=i) for i in range(days) if i % 100 != 99}
    summary = summarize_streak(completed, set(), START, START + timedelta(days=days - 1))
    assert len(summary.history) == days
    # every 100th day is missed, but 99 completed days always earn the freeze that covers it
    assert summary.current == len(completed)
    assert summary.freezes == MAX_FREEZES
    assert list(summary.history.values()).count(DayStatus.FROZEN) == days // 100


def test_input_order_and_container_type_do_not_matter() -> None:
    completed = [START + timedelta(days=i) for i in range(0, 60, 1) if i % 9]
    excused = [START + timedelta(days=i) for i in range(0, 60, 9)][:3]
    today = START + timedelta(days=59)
    expected = summarize_streak(set(completed), set(excused), START, today)
    shuffled = random.Random(7).sample(completed, len(completed))
    assert summarize_streak(shuffled, tuple(excused), START, today) == expected


marks = st.text(alphabet="CE-", min_size=1, max_size=200)


@given(marks)
def test_summary_invariants(days: str) -> None:
    summary = replay(days)
    history = statuses(summary)
    assert len(history) == len(days)
    assert 0 <= summary.current <= summary.longest <= days.count("C")
    assert 0 <= summary.freezes <= MAX_FREEZES
    assert history[:-1].count("P") == 0
    # the current streak is the completed days since the last reset
    assert summary.current == history[history.rfind("M") + 1 :].count("C")
    # a freeze is spent only on a day that would otherwise be missed
    assert all(mark == "-" for mark, status in zip(days, history, strict=True) if status in "FM")
