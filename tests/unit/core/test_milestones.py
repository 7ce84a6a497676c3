from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.errors import UserFacingError
from bot.core.milestones import (
    DEFAULT_REMINDERS,
    WRAP_UP,
    add_months,
    decide_due,
    describe_offset,
    describe_reminders,
    parse_due,
    parse_reminders,
    plan_reminders,
)

BERLIN = "Europe/Berlin"
MONDAY_NOON = datetime(2027, 1, 4, 11, 0, tzinfo=UTC)  # Monday 12:00 in Berlin (UTC+1)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def berlin(year: int, month: int, day: int, hour: int = 23, minute: int = 59) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(BERLIN)).astimezone(UTC)


def due(text: str, now: datetime = MONDAY_NOON, zone: str = BERLIN) -> datetime:
    return parse_due(text, now=now, timezone=zone)


# --- due dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-03-01", berlin(2027, 3, 1)),  # a date alone: 23:59 local, the end of that day
        ("2027-03-01 18:00", berlin(2027, 3, 1, 18, 0)),
        ("2027-03-01T18:00", berlin(2027, 3, 1, 18, 0)),
        ("2027-3-1 at 9:05", berlin(2027, 3, 1, 9, 5)),
        ("  2027-03-01   18:00 ", berlin(2027, 3, 1, 18, 0)),
        ("２０２７-０３-０１ １８：００", berlin(2027, 3, 1, 18, 0)),  # full-width from an IME
        ("in 10 days", berlin(2027, 1, 14)),
        ("in 1 day", berlin(2027, 1, 5)),
        ("in 2 weeks", berlin(2027, 1, 18)),
        ("in a week", berlin(2027, 1, 11)),
        ("In 2 Weeks", berlin(2027, 1, 18)),
        ("in 10d", berlin(2027, 1, 14)),
        ("in 3 hours", utc(2027, 1, 4, 14)),  # hours count from now
        ("in 90 minutes", utc(2027, 1, 4, 12, 30)),
        ("in an hour", utc(2027, 1, 4, 12)),
        ("in 1 month", berlin(2027, 2, 4)),
        ("today", berlin(2027, 1, 4)),
        ("today 18:00", berlin(2027, 1, 4, 18, 0)),
        ("tomorrow", berlin(2027, 1, 5)),
        ("tomorrow 18:00", berlin(2027, 1, 5, 18, 0)),
        ("tomorrow at 6pm", berlin(2027, 1, 5, 18, 0)),
        ("tomorrow 6:30 pm", berlin(2027, 1, 5, 18, 30)),
        ("tomorrow 12am", berlin(2027, 1, 5, 0, 0)),
        ("tomorrow 12pm", berlin(2027, 1, 5, 12, 0)),
        ("friday", berlin(2027, 1, 8)),
        ("Friday 18:00", berlin(2027, 1, 8, 18, 0)),
        ("fri 18:00", berlin(2027, 1, 8, 18, 0)),
        ("this friday", berlin(2027, 1, 8)),
        ("next friday 18:00", berlin(2027, 1, 8, 18, 0)),  # the first Friday after today
        ("by friday", berlin(2027, 1, 8)),
        ("monday", berlin(2027, 1, 4)),  # today, its 23:59 is still ahead
        ("monday 9:00", berlin(2027, 1, 11, 9, 0)),  # today's 09:00 has passed: next week
        ("next monday", berlin(2027, 1, 11)),  # "next" never means today
        ("sunday", berlin(2027, 1, 10)),
        ("18:00", berlin(2027, 1, 4, 18, 0)),
    ],
)
def test_due_forms(text: str, expected: datetime) -> None:
    result = due(text)
    assert result == expected
    assert result.tzinfo is UTC


def test_next_weekday_on_that_weekday_means_a_week_later() -> None:
    friday_morning = berlin(2027, 1, 8, 9, 0)
    assert due("friday 18:00", now=friday_morning) == berlin(2027, 1, 8, 18, 0)
    assert due("next friday 18:00", now=friday_morning) == berlin(2027, 1, 15, 18, 0)
    assert due("friday 08:00", now=friday_morning) == berlin(2027, 1, 15, 8, 0)


def test_local_dates_are_read_in_the_groups_zone_not_utc() -> None:
    # 23:30 UTC on the 4th is already the 5th in Tokyo: "tomorrow" is the 6th there.
    late = utc(2027, 1, 4, 23, 30)
    tokyo = datetime(2027, 1, 6, 23, 59, tzinfo=ZoneInfo("Asia/Tokyo")).astimezone(UTC)
    assert due("tomorrow", now=late, zone="Asia/Tokyo") == tokyo
    los_angeles = datetime(2027, 1, 5, 23, 59, tzinfo=ZoneInfo("America/Los_Angeles")).astimezone(UTC)
    assert due("tomorrow", now=late, zone="America/Los_Angeles") == los_angeles


@pytest.mark.parametrize(
    ("text", "zone", "now", "expected"),
    [
        # spring forward: a wall time in the gap moves to the moment of the jump
        ("2027-03-14 02:30", "America/New_York", utc(2027, 3, 1), utc(2027, 3, 14, 7)),
        ("2027-03-28 02:30", BERLIN, utc(2027, 3, 1), utc(2027, 3, 28, 1)),
        # fall back: an ambiguous wall time is its first occurrence
        ("2027-11-07 01:30", "America/New_York", utc(2027, 11, 1), utc(2027, 11, 7, 5, 30)),
        ("2027-10-31 02:30", BERLIN, utc(2027, 10, 1), utc(2027, 10, 31, 0, 30)),
        # days across a DST change keep the local wall time: 23:59 EDT, not 23:59 EST
        ("in 1 day", "America/New_York", utc(2027, 3, 13, 17), utc(2027, 3, 15, 3, 59)),
        ("tomorrow 09:00", BERLIN, utc(2027, 3, 27, 12), utc(2027, 3, 28, 7)),
        # hours across a DST change are real hours: 3 h after 01:00 EST is 05:00 EDT
        ("in 3 hours", "America/New_York", utc(2027, 3, 14, 6), utc(2027, 3, 14, 9)),
        # Lord Howe's half-hour change
        ("2027-10-03 02:15", "Australia/Lord_Howe", utc(2027, 9, 1), utc(2027, 10, 2, 15, 30)),
    ],
)
def test_daylight_saving(text: str, zone: str, now: datetime, expected: datetime) -> None:
    assert due(text, now=now, zone=zone) == expected


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2027, 3, 31), 1, date(2027, 4, 30)),
        (date(2027, 8, 31), 1, date(2027, 9, 30)),
        (date(2027, 12, 31), 2, date(2028, 2, 29)),
        (date(2027, 11, 15), 2, date(2028, 1, 15)),  # across the year end
        (date(2027, 1, 30), 13, date(2028, 2, 29)),
        (date(2027, 5, 31), 0, date(2027, 5, 31)),
    ],
)
def test_add_months_clamps_to_the_month_end(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_in_a_month_from_a_month_end() -> None:
    jan_31 = berlin(2027, 1, 31, 10, 0)
    assert due("in 1 month", now=jan_31) == berlin(2027, 2, 28)
    assert due("in 2 months", now=jan_31) == berlin(2027, 3, 31)
    assert due("2028-02-29", now=jan_31) == berlin(2028, 2, 29)
    assert due("2027-12-31 23:59", now=jan_31) == berlin(2027, 12, 31)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Give a due date"),
        ("   ", "Give a due date"),
        ("soon", "couldn't read"),
        ("yesterday", "couldn't read"),
        ("next week", "couldn't read"),
        ("in 5 parsecs", "unit"),
        ("in 2.5 hours", "couldn't read"),
        ("in 9999999 days", "couldn't read"),
        ("in 999999 days", "three years"),
        ("in 40 months", "three years"),
        ("2027-02-29", "February 2027 has 28 days"),
        ("2027-04-31", "April 2027 has 30 days"),
        ("2027-13-01", "no month 13"),
        ("2027-00-10", "no month 0"),
        ("0000-01-01", "long gone"),
        ("9999-12-31", "three years"),
        ("2031-01-01", "three years"),
        ("2027-03-01 25:00", "out of range"),
        ("tomorrow 24:00", "out of range"),
        ("tomorrow 18:60", "out of range"),
        ("tomorrow 13pm", "1 to 12"),
        ("tomorrow 0am", "1 to 12"),
        ("2026-12-31", "already passed"),
        ("2027-01-04 09:00", "already passed"),
        ("today 08:00", "already passed"),
        ("11:00", "already passed"),
        ("in 0 minutes", "already passed"),
        ("blursday", "couldn't read"),
    ],
)
def test_bad_due_dates_are_refused_kindly(text: str, message: str) -> None:
    with pytest.raises(UserFacingError) as caught:
        due(text)
    assert message.lower() in caught.value.user_message.lower()


def test_in_zero_days_is_tonight() -> None:
    assert due("in 0 days") == berlin(2027, 1, 4)


def test_a_past_date_names_the_local_time_and_zone() -> None:
    with pytest.raises(UserFacingError, match=r"Mon 04 Jan 2027 09:00 \(Europe/Berlin\)"):
        due("2027-01-04 09:00")


@settings(max_examples=400, deadline=None)
@given(
    text=st.text(max_size=60),
    now=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)),
    zone=st.sampled_from([BERLIN, "America/New_York", "Asia/Kathmandu", "Pacific/Apia", "Australia/Lord_Howe"]),
)
def test_any_text_is_a_future_instant_or_a_friendly_error(text: str, now: datetime, zone: str) -> None:
    try:
        result = parse_due(text, now=now, timezone=zone)
    except UserFacingError as error:
        assert error.user_message
        return
    assert result.tzinfo is UTC and now < result <= now + timedelta(days=3 * 366 + 1)


_WORDS = st.sampled_from(
    ["in", "next", "this", "tomorrow", "today", "friday", "mon", "at", "pm", "am", "days", "weeks", "h", "month"]
)


@settings(max_examples=400, deadline=None)
@given(
    parts=st.lists(
        st.one_of(
            _WORDS, st.integers(0, 99999).map(str), st.from_regex(r"\d{1,4}[-:]\d{1,2}(-\d{1,2})?", fullmatch=True)
        ),
        max_size=5,
    ),
    zone=st.sampled_from([BERLIN, "America/New_York", "Pacific/Kiritimati", "America/Adak"]),
)
def test_plausible_looking_text_never_crashes(parts: list[str], zone: str) -> None:
    try:
        result = parse_due(" ".join(parts), now=MONDAY_NOON, timezone=zone)
    except UserFacingError:
        return
    assert result > MONDAY_NOON


# --- reminder offsets -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, DEFAULT_REMINDERS),
        ("", DEFAULT_REMINDERS),
        ("7d,1d,2h", (timedelta(days=7), timedelta(days=1), timedelta(hours=2))),
        ("2h,7d,1d", (timedelta(days=7), timedelta(days=1), timedelta(hours=2))),  # sorted, longest first
        ("30m", (timedelta(minutes=30),)),
        ("1w", (timedelta(weeks=1),)),
        ("1w, 7d", (timedelta(weeks=1),)),  # duplicates collapse
        ("7d 1d", (timedelta(days=7), timedelta(days=1))),
        ("3 days; 12 hours", (timedelta(days=3), timedelta(hours=12))),
        ("5m", (timedelta(minutes=5),)),
        ("8w", (timedelta(weeks=8),)),
        ("none", ()),
        ("OFF", ()),
    ],
)
def test_reminder_offsets(text: str | None, expected: tuple[timedelta, ...]) -> None:
    assert parse_reminders(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("4m", "out of range"),
        ("9w", "out of range"),
        ("57d", "out of range"),
        ("0h", "out of range"),
        ("1y", "unit"),
        ("2 months", "unit"),
        ("soon", "couldn't read"),
        ("7d, soon", "couldn't read"),
        ("soon 7d", "couldn't read"),
        ("1d,2d,3d,4d,5d,6d", "At most 5"),
        ("-1d", "couldn't read"),
    ],
)
def test_bad_reminder_offsets(text: str, message: str) -> None:
    with pytest.raises(UserFacingError) as caught:
        parse_reminders(text)
    assert message.lower() in caught.value.user_message.lower()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_reminder_text_is_bounded_offsets_or_a_friendly_error(text: str) -> None:
    try:
        offsets = parse_reminders(text)
    except UserFacingError:
        return
    assert len(offsets) <= 5
    assert list(offsets) == sorted(set(offsets), reverse=True)


def test_describe() -> None:
    assert describe_offset(timedelta(days=7)) == "1 week"
    assert describe_offset(timedelta(days=1)) == "1 day"
    assert describe_offset(timedelta(hours=36)) == "36 hours"
    assert describe_offset(timedelta(minutes=90)) == "90 minutes"
    assert describe_reminders(DEFAULT_REMINDERS) == "1 week, 1 day, 1 hour before"
    assert "only the wrap-up" in describe_reminders(())


# --- planning and deciding ---------------------------------------------------------------------------

DUE = utc(2027, 2, 1, 17)


@dataclass(frozen=True)
class Reminder:
    milestone_id: int
    offset: timedelta
    fire_at: datetime


def reminders_for(milestone_id: int, due_at: datetime, offsets: tuple[timedelta, ...]) -> list[Reminder]:
    return [Reminder(milestone_id, o, due_at - o) for o in (*offsets, WRAP_UP)]


def test_plan_has_the_wrap_up_and_skips_moments_already_past() -> None:
    plan = plan_reminders(DUE, DEFAULT_REMINDERS, now=DUE - timedelta(days=3))
    assert [(p.offset, p.fire_at, p.skipped) for p in plan] == [
        (WRAP_UP, DUE, False),
        (timedelta(hours=1), DUE - timedelta(hours=1), False),
        (timedelta(days=1), DUE - timedelta(days=1), False),
        (timedelta(days=7), DUE - timedelta(days=7), True),  # added 3 days before: no "due in 3 days" spam
    ]
    assert [p.offset for p in plan_reminders(DUE, (), now=DUE - timedelta(days=3))] == [WRAP_UP]


def test_on_time_reminders_are_sent() -> None:
    pending = reminders_for(1, DUE, DEFAULT_REMINDERS)
    assert decide_due(pending, DUE - timedelta(days=8)).send == ()
    decision = decide_due(pending, DUE - timedelta(days=7))
    assert [r.offset for r in decision.send] == [timedelta(days=7)] and decision.skip == ()


def test_after_downtime_a_reminder_missed_by_less_than_its_offset_is_sent() -> None:
    pending = reminders_for(1, DUE, DEFAULT_REMINDERS)
    # Down from 8 days before until 2 days before: the week reminder is 5 days late, still useful.
    decision = decide_due(pending, DUE - timedelta(days=2))
    assert [r.offset for r in decision.send] == [timedelta(days=7)] and decision.skip == ()


def test_after_downtime_only_the_latest_of_several_missed_reminders_is_sent() -> None:
    pending = reminders_for(1, DUE, DEFAULT_REMINDERS)
    decision = decide_due(pending, DUE - timedelta(minutes=30))
    assert [r.offset for r in decision.send] == [timedelta(hours=1)]
    assert sorted(r.offset for r in decision.skip) == [timedelta(days=1), timedelta(days=7)]


def test_after_downtime_past_the_due_time_only_the_wrap_up_is_sent() -> None:
    pending = reminders_for(1, DUE, DEFAULT_REMINDERS)
    for late in (timedelta(0), timedelta(minutes=1), timedelta(days=30)):
        decision = decide_due(pending, DUE + late)
        assert [r.offset for r in decision.send] == [WRAP_UP]
        assert len(decision.skip) == 3


def test_milestones_are_decided_independently() -> None:
    pending = reminders_for(1, DUE, DEFAULT_REMINDERS) + reminders_for(2, DUE + timedelta(days=30), DEFAULT_REMINDERS)
    decision = decide_due(pending, DUE + timedelta(hours=1))
    assert [(r.milestone_id, r.offset) for r in decision.send] == [(1, WRAP_UP)]


@settings(max_examples=300, deadline=None)
@given(
    offsets=st.sets(st.integers(5, 8 * 7 * 24 * 60), max_size=5),
    ticks=st.lists(st.integers(-60 * 24 * 70, 60 * 24 * 5), min_size=1, max_size=30),
)
def test_whatever_the_downtime_each_reminder_is_decided_once_and_the_wrap_up_always_sent(
    offsets: set[int], ticks: list[int]
) -> None:
    pending = reminders_for(1, DUE, tuple(timedelta(minutes=m) for m in offsets))
    sent: list[tuple[Reminder, datetime]] = []
    for minute in sorted(ticks):
        now = DUE + timedelta(minutes=minute)
        decision = decide_due(pending, now)
        assert len([r for r in decision.send if r.offset != WRAP_UP]) <= 1, "two 'due soon' posts at once"
        for reminder in decision.skip:
            # Skipped only when the due time passed or a newer reminder goes out instead.
            assert now >= DUE or any(r.offset < reminder.offset for r in decision.send)
        sent += [(r, now) for r in decision.send]
        decided = {id(r) for r in (*decision.send, *decision.skip)}
        pending = [r for r in pending if id(r) not in decided]
    for reminder, at in sent:
        assert reminder.fire_at <= at
        assert reminder.offset == WRAP_UP or at < DUE
    wrap_ups = [r for r, _ in sent if r.offset == WRAP_UP]
    assert len(wrap_ups) == (1 if max(ticks) >= 0 else 0)


def test_time_only_default_is_configurable() -> None:
    assert parse_due("tomorrow", now=MONDAY_NOON, timezone=BERLIN, default_time=time(9)) == berlin(2027, 1, 5, 9, 0)
