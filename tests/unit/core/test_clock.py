from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.core.clock import Clock, FakeClock, SystemClock, as_utc

START = datetime(2024, 3, 10, 6, 59, 59, tzinfo=UTC)


def test_system_clock_is_aware_utc() -> None:
    now = SystemClock().now()
    assert now.tzinfo is UTC


def test_both_clocks_satisfy_the_protocol() -> None:
    clocks: list[Clock] = [SystemClock(), FakeClock(START)]
    assert all(clock.now().utcoffset() == timedelta(0) for clock in clocks)


def test_fake_clock_starts_where_told_and_only_moves_when_told() -> None:
    clock = FakeClock(START)
    assert clock.now() == START
    assert clock.now() == START


def test_fake_clock_advance_returns_and_keeps_the_new_time() -> None:
    clock = FakeClock(START)
    assert clock.advance(timedelta(seconds=1)) == datetime(2024, 3, 10, 7, tzinfo=UTC)
    assert clock.now() == datetime(2024, 3, 10, 7, tzinfo=UTC)


def test_fake_clock_refuses_to_advance_backwards() -> None:
    clock = FakeClock(START)
    with pytest.raises(ValueError, match="set"):
        clock.advance(timedelta(seconds=-1))
    assert clock.now() == START


def test_fake_clock_set_can_go_anywhere_and_stores_utc() -> None:
    clock = FakeClock(START)
    clock.set(datetime(2020, 1, 1, 9, tzinfo=timezone(timedelta(hours=9))))
    assert clock.now() == datetime(2020, 1, 1, 0, tzinfo=UTC)
    assert clock.now().tzinfo is UTC


@pytest.mark.parametrize("bad", [datetime(2024, 1, 1), datetime(2024, 1, 1, 12, 30)])
def test_naive_datetimes_are_rejected_everywhere(bad: datetime) -> None:
    with pytest.raises(ValueError, match="naive"):
        FakeClock(bad)
    with pytest.raises(ValueError, match="naive"):
        FakeClock(START).set(bad)
    with pytest.raises(ValueError, match="naive"):
        as_utc(bad)


def test_as_utc_converts_other_offsets() -> None:
    moment = datetime(2024, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    assert as_utc(moment) == datetime(2023, 12, 31, 19, 0, tzinfo=UTC)
    assert as_utc(moment).tzinfo is UTC
