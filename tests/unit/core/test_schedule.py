import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.clock import FakeClock
from bot.core.errors import UserFacingError
from bot.core.schedule import (
    GroupSchedule,
    ScheduleInputError,
    local_to_utc,
    parse_post_time,
    suggest_timezones,
    validate_timezone,
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def local(
    zone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, fold: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=ZoneInfo(zone), fold=fold)


def schedule(zone: str, hh: int = 9, mm: int = 0, start: date = date(2024, 1, 1)) -> GroupSchedule:
    return GroupSchedule(post_time=time(hh, mm), timezone=zone, start_date=start)


# --- the post instant for a local date -----------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "wall", "expected"),
    [
        # ordinary days: the UTC date differs from the local one on both sides of UTC
        ("Europe/Paris", date(2024, 1, 15), time(9), utc(2024, 1, 15, 8)),
        ("Europe/Paris", date(2024, 7, 15), time(9), utc(2024, 7, 15, 7)),
        ("Asia/Tokyo", date(2024, 1, 1), time(8), utc(2023, 12, 31, 23)),
        ("America/Los_Angeles", date(2023, 12, 31), time(20), utc(2024, 1, 1, 4)),
        ("Asia/Kathmandu", date(2024, 5, 1), time(9), utc(2024, 5, 1, 3, 15)),
        # spring forward: the missing wall time moves to the moment of the jump
        ("America/New_York", date(2024, 3, 10), time(2, 30), utc(2024, 3, 10, 7)),
        ("America/New_York", date(2024, 3, 10), time(2, 0), utc(2024, 3, 10, 7)),
        ("America/New_York", date(2024, 3, 10), time(3, 0), utc(2024, 3, 10, 7)),
        ("America/New_York", date(2024, 3, 10), time(1, 59), utc(2024, 3, 10, 6, 59)),
        ("Europe/London", date(2024, 3, 31), time(1, 30), utc(2024, 3, 31, 1)),
        ("Australia/Sydney", date(2024, 10, 6), time(2, 30), utc(2024, 10, 5, 16)),
        ("Australia/Lord_Howe", date(2024, 10, 6), time(2, 15), utc(2024, 10, 5, 15, 30)),  # 30-min DST
        ("America/Asuncion", date(2023, 10, 1), time(0), utc(2023, 10, 1, 4)),  # midnight gap
        ("Pacific/Apia", date(2011, 12, 30), time(9), utc(2011, 12, 30, 10)),  # the skipped day
        # fall back: an ambiguous wall time uses its first occurrence
        ("America/New_York", date(2024, 11, 3), time(1, 30), utc(2024, 11, 3, 5, 30)),
        ("Europe/London", date(2024, 10, 27), time(1, 30), utc(2024, 10, 27, 0, 30)),
        ("Australia/Sydney", date(2024, 4, 7), time(2, 30), utc(2024, 4, 6, 15, 30)),
    ],
)
def test_post_instant(zone: str, day: date, wall: time, expected: datetime) -> None:
    assert local_to_utc(day, wall, ZoneInfo(zone)) == expected
    assert schedule(zone, wall.hour, wall.minute).post_at(day) == expected


def test_post_at_is_aware_utc() -> None:
    assert schedule("Asia/Tokyo").post_at(date(2024, 1, 1)).tzinfo is UTC


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("America/New_York", date(2024, 3, 9), 23),  # the group day that contains spring-forward
        ("America/New_York", date(2024, 11, 2), 25),
        ("America/New_York", date(2024, 6, 1), 24),
        ("Europe/Berlin", date(2024, 3, 30), 23),
        ("Europe/Berlin", date(2024, 10, 26), 25),
        ("Australia/Lord_Howe", date(2024, 10, 5), 23.5),
    ],
)
def test_group_day_length_across_dst(zone: str, day: date, hours: float) -> None:
    plan = schedule(zone)
    assert plan.post_at(day + timedelta(days=1)) - plan.post_at(day) == timedelta(hours=hours)


# --- which group day it is -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "hh", "now", "expected"),
    [
        # a group day runs from one post to the next
        ("Europe/Paris", 9, local("Europe/Paris", 2024, 5, 15, 8, 59, 59), date(2024, 5, 14)),
        ("Europe/Paris", 9, local("Europe/Paris", 2024, 5, 15, 9), date(2024, 5, 15)),
        ("Europe/Paris", 9, local("Europe/Paris", 2024, 5, 15, 23, 59), date(2024, 5, 15)),
        ("Europe/Paris", 9, local("Europe/Paris", 2024, 5, 16, 0, 30), date(2024, 5, 15)),
        # the UTC date is not the group date
        ("Asia/Tokyo", 9, utc(2023, 12, 31, 23, 59), date(2023, 12, 31)),
        ("Asia/Tokyo", 9, utc(2024, 1, 1, 0, 0), date(2024, 1, 1)),
        ("America/Los_Angeles", 20, utc(2024, 1, 1, 3, 59), date(2023, 12, 30)),
        ("America/Los_Angeles", 20, utc(2024, 1, 1, 4, 0), date(2023, 12, 31)),
        ("Pacific/Kiritimati", 9, utc(2024, 2, 28, 19), date(2024, 2, 29)),  # leap day, UTC+14
        # midnight posts
        ("Europe/Paris", 0, local("Europe/Paris", 2025, 1, 1, 0, 0), date(2025, 1, 1)),
        ("Europe/Paris", 0, local("Europe/Paris", 2024, 12, 31, 23, 59, 59), date(2024, 12, 31)),
        # spring forward with a 02:30 post: the post happens at the jump (07:00 UTC)
        ("America/New_York", 2, utc(2024, 3, 10, 6, 59, 59), date(2024, 3, 9)),
        ("America/New_York", 2, utc(2024, 3, 10, 7, 0), date(2024, 3, 10)),
        # fall back with a 01:30 post: the second 01:30 does not start another day
        ("America/New_York", 1, utc(2024, 11, 3, 5, 29), date(2024, 11, 2)),
        ("America/New_York", 1, utc(2024, 11, 3, 5, 30), date(2024, 11, 3)),
        ("America/New_York", 1, local("America/New_York", 2024, 11, 3, 1, 30, fold=1), date(2024, 11, 3)),
        # Samoa skipped 2011-12-30; its post moved to the jump, 2011-12-31 00:00 local
        ("Pacific/Apia", 9, utc(2011, 12, 30, 9, 59), date(2011, 12, 29)),
        ("Pacific/Apia", 9, utc(2011, 12, 30, 10), date(2011, 12, 30)),
        ("Pacific/Apia", 9, utc(2011, 12, 30, 19), date(2011, 12, 31)),
    ],
)
def test_group_date_at(zone: str, hh: int, now: datetime, expected: date) -> None:
    minute = 30 if zone == "America/New_York" else 0
    assert schedule(zone, hh, minute).group_date_at(now) == expected


def test_group_date_rejects_naive_now() -> None:
    with pytest.raises(ValueError, match="naive"):
        schedule("UTC").group_date_at(datetime(2024, 1, 1, 12))


# --- day numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "index"),
    [
        (date(2023, 12, 31), None),
        (date(2023, 1, 1), None),
        (date(2024, 1, 1), 0),
        (date(2024, 1, 2), 1),
        (date(2024, 2, 29), 59),
        (date(2024, 3, 1), 60),
        (date(2024, 12, 31), 365),  # 2024 is a leap year
        (date(2025, 1, 1), 366),
    ],
)
def test_day_index(day: date, index: int | None) -> None:
    plan = schedule("UTC", start=date(2024, 1, 1))
    assert plan.day_index(day) == index
    if index is not None:
        assert plan.date_of_day(index) == day


def test_date_of_day_rejects_negative_index() -> None:
    with pytest.raises(ValueError):
        schedule("UTC").date_of_day(-1)


def test_day_numbers_through_a_dst_weekend() -> None:
    plan = schedule("America/New_York", 9, start=date(2024, 3, 8))
    indices = {
        local("America/New_York", 2024, 3, 8, 8, 59): None,
        local("America/New_York", 2024, 3, 8, 9, 0): 0,
        local("America/New_York", 2024, 3, 10, 8, 59): 1,  # 23-hour night, still day 1
        local("America/New_York", 2024, 3, 10, 9, 0): 2,
        local("America/New_York", 2024, 3, 11, 8, 59): 2,
        local("America/New_York", 2024, 3, 11, 9, 0): 3,
    }
    for now, index in indices.items():
        assert plan.day_index(plan.group_date_at(now)) == index, now


# --- the next post -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (local("Europe/Paris", 2024, 5, 15, 8, 59), local("Europe/Paris", 2024, 5, 15, 9)),
        (local("Europe/Paris", 2024, 5, 15, 9, 0), local("Europe/Paris", 2024, 5, 16, 9)),  # strictly after
        (
            local("Europe/Paris", 2024, 5, 15, 9, 0, 0) + timedelta(microseconds=1),
            local("Europe/Paris", 2024, 5, 16, 9),
        ),
        (local("Europe/Paris", 2024, 3, 30, 12), local("Europe/Paris", 2024, 3, 31, 9)),  # 23 h later
        # before the start date the first post is on the start date, not "tomorrow"
        (local("Europe/Paris", 2023, 12, 1, 12), local("Europe/Paris", 2024, 1, 1, 9)),
        (local("Europe/Paris", 2023, 12, 31, 9), local("Europe/Paris", 2024, 1, 1, 9)),
    ],
)
def test_next_post_after(now: datetime, expected: datetime) -> None:
    assert schedule("Europe/Paris", 9).next_post_after(now) == expected


def test_next_post_names_the_day_after_the_last_one_posted() -> None:
    plan = schedule("Europe/Paris", 9)
    nxt = plan.next_post(date(2024, 5, 15), local("Europe/Paris", 2024, 5, 15, 12))
    assert nxt.group_date == date(2024, 5, 16)
    assert nxt.at == local("Europe/Paris", 2024, 5, 16, 9)


@pytest.mark.parametrize(
    ("now", "expected_date", "overdue"),
    [
        (local("Europe/Paris", 2023, 12, 20, 12), date(2024, 1, 1), False),  # not started yet
        (local("Europe/Paris", 2024, 1, 1, 8), date(2024, 1, 1), False),
        (local("Europe/Paris", 2024, 1, 1, 10), date(2024, 1, 1), True),  # first start, late
        (local("Europe/Paris", 2024, 2, 10, 10), date(2024, 2, 10), True),
        # before 09:00 it is still Feb 9's group day, whose post never went out
        (local("Europe/Paris", 2024, 2, 10, 8), date(2024, 2, 9), True),
    ],
)
def test_next_post_with_nothing_posted_yet(now: datetime, expected_date: date, overdue: bool) -> None:
    nxt = schedule("Europe/Paris", 9).next_post(None, now)
    assert nxt.group_date == expected_date
    assert (nxt.at <= now) is overdue


def _run_scheduler(clock: FakeClock, plans: list[tuple[datetime, GroupSchedule]], until: datetime) -> list[date]:
    """A miniature scheduler: post next_post(last) when due; settings change at given times."""
    posted: list[date] = []
    plan_index = 0
    while clock.now() < until:
        while plan_index + 1 < len(plans) and plans[plan_index + 1][0] <= clock.now():
            plan_index += 1
        plan = plans[plan_index][1]
        nxt = plan.next_post(posted[-1] if posted else None, clock.now())
        change = plans[plan_index + 1][0] if plan_index + 1 < len(plans) else until
        if nxt.at >= change:  # the settings change first; re-plan then
            clock.set(change)
            continue
        clock.set(max(nxt.at, clock.now()))
        posted.append(nxt.group_date)
    return posted


def _consecutive(days: list[date]) -> bool:
    return all(b - a == timedelta(days=1) for a, b in itertools.pairwise(days))


@pytest.mark.parametrize(
    ("before", "after", "change_at"),
    [
        (schedule("Europe/Paris", 9), schedule("Europe/Paris", 18), local("Europe/Paris", 2024, 5, 15, 12)),
        (schedule("Europe/Paris", 18), schedule("Europe/Paris", 9), local("Europe/Paris", 2024, 5, 15, 12)),
        (schedule("Asia/Tokyo", 9), schedule("America/Los_Angeles", 9), utc(2024, 5, 15, 1)),
        (schedule("America/Los_Angeles", 9), schedule("Asia/Tokyo", 9), utc(2024, 5, 15, 16)),
        # 25 hours apart: the widest jump between two real zones
        (schedule("Pacific/Pago_Pago", 9), schedule("Pacific/Kiritimati", 9), utc(2024, 5, 15, 19, 59)),
        (schedule("Pacific/Kiritimati", 9), schedule("Pacific/Pago_Pago", 9), utc(2024, 5, 15, 19, 59)),
        (schedule("America/New_York", 2, 30), schedule("America/New_York", 1, 30), utc(2024, 11, 3, 5)),
    ],
)
def test_changing_time_or_zone_never_skips_or_repeats_a_date(
    before: GroupSchedule, after: GroupSchedule, change_at: datetime
) -> None:
    start, until = change_at - timedelta(days=10), change_at + timedelta(days=5)
    posted = _run_scheduler(FakeClock(start), [(start, before), (change_at, after)], until)
    assert posted[0] == before.next_post(None, start).group_date
    assert _consecutive(posted)
    assert posted[-1] == after.group_date_at(until)  # caught up with the new calendar


def test_a_late_start_posts_today_at_once_then_keeps_the_daily_rhythm() -> None:
    plan = schedule("Europe/Paris", 9, start=date(2024, 5, 1))
    start = local("Europe/Paris", 2024, 5, 10, 15)
    clock = FakeClock(start)
    posted = _run_scheduler(clock, [(start, plan)], local("Europe/Paris", 2024, 5, 13, 9, 1))
    assert posted == [date(2024, 5, 10), date(2024, 5, 11), date(2024, 5, 12), date(2024, 5, 13)]


# --- invariants over many zones and instants -----------------------------------------------

ZONES = [
    "UTC",
    "Europe/London",
    "America/New_York",
    "America/Santiago",
    "America/Asuncion",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Pacific/Apia",
    "Pacific/Kiritimati",
    "Pacific/Chatham",
]


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    post_time=st.times(),
    now=st.datetimes(min_value=datetime(2005, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)),
)
def test_every_instant_lies_in_exactly_one_group_day(zone: str, post_time: time, now: datetime) -> None:
    plan = GroupSchedule(post_time, zone, date(2000, 1, 1))
    day = plan.group_date_at(now)
    assert plan.post_at(day) <= now < plan.post_at(day + timedelta(days=1))
    following = plan.next_post_after(now)
    assert following == plan.post_at(day + timedelta(days=1))
    assert plan.group_date_at(following) > day
    local_day = now.astimezone(ZoneInfo(zone)).date()
    assert local_day - timedelta(days=1) <= day <= local_day


@settings(max_examples=100, deadline=None)
@given(zone=st.sampled_from(ZONES), post_time=st.times(), day=st.dates(date(2005, 1, 1), date(2035, 1, 1)))
def test_posts_never_go_backwards(zone: str, post_time: time, day: date) -> None:
    plan = GroupSchedule(post_time, zone, date(2000, 1, 1))
    assert plan.post_at(day) <= plan.post_at(day + timedelta(days=1))


# --- construction --------------------------------------------------------------------------


def test_schedule_rejects_an_aware_post_time() -> None:
    with pytest.raises(ValueError, match="naive"):
        GroupSchedule(time(9, tzinfo=UTC), "UTC", date(2024, 1, 1))


def test_schedule_rejects_an_unknown_zone() -> None:
    for name in ("Mars/Olympus_Mons", "../etc/passwd", ""):
        with pytest.raises(ValueError, match="unknown time zone"):
            GroupSchedule(time(9), name, date(2024, 1, 1))


# --- parsing admin input -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00", time(9)),
        ("9:00", time(9)),
        (" 18:30 ", time(18, 30)),
        ("00:00", time(0)),
        ("23:59", time(23, 59)),
        ("０９：３０", time(9, 30)),  # full-width, as typed with a Japanese IME
    ],
)
def test_parse_post_time(text: str, expected: time) -> None:
    assert parse_post_time(text) == expected


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("", "HH:MM"),
        ("   ", "HH:MM"),
        ("24:00", "00 to 23"),
        ("9:60", "00 to 59"),
        ("99:99", "out of range"),
        ("9am", "24-hour"),
        ("9", "24-hour"),
        ("09:00:00", "24-hour"),
        ("9:5", "24-hour"),
        ("-1:00", "24-hour"),
        ("٠٩:٠٠", "24-hour"),  # Arabic-Indic digits are not silently reinterpreted
        ("x" * 500, "…"),  # long input is clipped in the message
    ],
)
def test_parse_post_time_errors_are_friendly(text: str, hint: str) -> None:
    with pytest.raises(ScheduleInputError) as caught:
        parse_post_time(text)
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, UserFacingError)
    assert hint in caught.value.user_message
    assert len(caught.value.user_message) < 200


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("Europe/Paris", "Europe/Paris"),
        ("europe/paris", "Europe/Paris"),
        ("  America/New York ", "America/New_York"),
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("Asia/Kolkata", "Asia/Kolkata"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("Etc/UTC", "UTC"),
        ("GMT", "UTC"),
        ("Zulu", "UTC"),
    ],
)
def test_validate_timezone_accepts(name: str, canonical: str) -> None:
    assert validate_timezone(name) == canonical


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("", "Pick a time zone"),
        ("UTC+2", "fixed offset"),
        ("utc + 2", "fixed offset"),
        ("GMT-5", "fixed offset"),
        ("+05:30", "fixed offset"),
        ("−03:00", "fixed offset"),
        ("Etc/GMT-3", "fixed offset"),
        ("EST", "fixed offset"),
        ("paris", "Did you mean Europe/Paris?"),
        ("Mars/Olympus_Mons", "don't know"),
        ("localtime", "don't know"),
        ("Factory", "don't know"),
        ("../../etc/passwd", "don't know"),
    ],
)
def test_validate_timezone_rejects(name: str, hint: str) -> None:
    with pytest.raises(ScheduleInputError) as caught:
        validate_timezone(name)
    assert hint in caught.value.user_message


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("par", "Europe/Paris"),
        ("PARIS", "Europe/Paris"),
        ("new york", "America/New_York"),
        ("new_y", "America/New_York"),
        ("tokyo", "Asia/Tokyo"),
        ("kolk", "Asia/Kolkata"),
        ("", "UTC"),
    ],
)
def test_suggest_timezones_puts_the_likely_zone_first(query: str, first: str) -> None:
    assert suggest_timezones(query)[0] == first


def test_suggest_timezones_prefers_common_zones_then_city_prefixes() -> None:
    assert suggest_timezones("america/")[:4] == [
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Los_Angeles",
    ]
    # "lon": the common zone, then cities starting with it, then other matches
    assert suggest_timezones("lon")[:2] == ["Europe/London", "Arctic/Longyearbyen"]


def test_suggest_timezones_respects_limit_and_hides_legacy_names() -> None:
    assert len(suggest_timezones("")) == 25
    assert suggest_timezones("a", limit=3) == suggest_timezones("a")[:3]
    assert suggest_timezones("zzz") == []
    assert suggest_timezones("", limit=0) == []
    everything = suggest_timezones("", limit=10_000)
    assert not [name for name in everything if name.startswith(("Etc/", "US/")) or name in {"EST", "Japan"}]
    assert len(everything) == len(set(everything))


def test_every_suggestion_is_a_valid_zone() -> None:
    for name in suggest_timezones("", limit=10_000):
        assert validate_timezone(name) == name
