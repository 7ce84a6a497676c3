from datetime import UTC, date, datetime, time

import pytest

from bot.core.roadmap import Stage, position, progress_bar, stage_end_at
from bot.core.schedule import GroupSchedule

STAGES = [Stage("math", "Math", 0, 46), Stage("python", "Python", 46, 62), Stage("ml", "ML", 108, 26)]


def test_a_phase_ends_at_the_post_of_the_day_after_its_last_day() -> None:
    schedule = GroupSchedule(time(9), "Europe/Berlin", date(2027, 1, 4))
    # Day 46 (0-based) is the first day of the second phase: 2027-02-19, 09:00 Berlin = 08:00 UTC.
    assert stage_end_at(STAGES[0], schedule) == datetime(2027, 2, 19, 8, tzinfo=UTC)


def test_a_phase_end_across_daylight_saving_keeps_the_local_post_time() -> None:
    schedule = GroupSchedule(time(9), "Europe/Berlin", date(2027, 3, 1))
    # Day 46 is 2027-04-16, after the switch to summer time: 09:00 CEST = 07:00 UTC.
    assert stage_end_at(STAGES[0], schedule) == datetime(2027, 4, 16, 7, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "stage", "done", "started", "finished"),
    [
        (None, None, 0, False, False),
        (0, 0, 0, True, False),
        (45, 0, 45, True, False),
        (46, 1, 46, True, False),
        (133, 2, 133, True, False),
        (134, None, 134, True, True),
        (500, None, 134, True, True),
    ],
)
def test_position(day: int | None, stage: int | None, done: int, started: bool, finished: bool) -> None:
    where = position(STAGES, day)
    assert (where.stage, where.days_done, where.started, where.finished) == (stage, done, started, finished)
    assert where.total_days == 134


def test_progress_bar() -> None:
    assert progress_bar(0, 10, width=10) == "▱▱▱▱▱▱▱▱▱▱ 0%"
    assert progress_bar(5, 10, width=10) == "▰▰▰▰▰▱▱▱▱▱ 50%"
    assert progress_bar(10, 10, width=10) == "▰▰▰▰▰▰▰▰▰▰ 100%"
    assert progress_bar(99, 10, width=4) == "▰▰▰▰ 100%"
    assert progress_bar(-3, 10, width=4) == "▱▱▱▱ 0%"
    assert progress_bar(1, 0, width=4) == "▱▱▱▱ 0%"
