"""Milestones: reading a due date and reminder offsets as members type them, and when reminders go out.

Due dates are read in the group's own zone. A date without a time means 23:59 local, the end of
that day: "everyone ships by March 1" leaves them the evening of March 1, when most learners
study. Days, weeks and months ("in 10 days", "in 1 month") name a calendar date, so they also
land at 23:59; hours and minutes ("in 3 hours") count from now, to the minute.

Weekdays: "friday" (or "this friday") is the soonest Friday whose due time is still ahead, today
included; "next friday" is the first Friday after today, never today. The bot echoes the
resolved date, so a member who meant something else sees it at once and can edit it.

Wall times that do not exist or happen twice (daylight saving) resolve exactly as the daily post
does (`schedule.local_to_utc`): a skipped time moves to the moment of the jump, a repeated time
is its first occurrence.

Reminders: at each offset before the due time, plus a wrap-up at the due time itself. After
downtime a reminder missed by less than its own offset (so the milestone is still ahead) is sent
once on return, and when several such reminders of one milestone are overdue together only the
latest is sent, the older ones are skipped: two "due soon" posts in the same minute are noise.
Reminders missed by more than their offset are skipped. The wrap-up is always sent.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Generic, Protocol, TypeVar
from zoneinfo import ZoneInfo

from bot.core.clock import as_utc
from bot.core.errors import UserFacingError
from bot.core.schedule import local_to_utc

DEFAULT_DUE_TIME = time(23, 59)
MAX_AHEAD = timedelta(days=3 * 366)  # a study plan further out than ~3 years is a typo
WRAP_UP = timedelta(0)

DEFAULT_REMINDERS = (timedelta(days=7), timedelta(days=1), timedelta(hours=1))
MAX_REMINDERS = 5
MIN_OFFSET = timedelta(minutes=5)  # the scheduler looks every 30 s; less would be noise anyway
MAX_OFFSET = timedelta(weeks=8)

DUE_EXAMPLES = "2027-03-01, 2027-03-01 18:00, in 10 days, in 3 hours, tomorrow 18:00 or next friday 18:00"
TOO_FAR = "That is more than three years away. Pick a closer due date."
REMINDER_EXAMPLES = "7d,1d,2h or 30m (w = weeks, d = days, h = hours, m = minutes), or none"


class MilestoneInputError(UserFacingError):
    """A due date or reminder list typed by a member that we cannot use."""


# --- due dates ----------------------------------------------------------------------------------

_WEEKDAYS = {
    **dict.fromkeys(("monday", "mon"), 0),
    **dict.fromkeys(("tuesday", "tue", "tues"), 1),
    **dict.fromkeys(("wednesday", "wed"), 2),
    **dict.fromkeys(("thursday", "thu", "thur", "thurs"), 3),
    **dict.fromkeys(("friday", "fri"), 4),
    **dict.fromkeys(("saturday", "sat"), 5),
    **dict.fromkeys(("sunday", "sun"), 6),
}
_UNITS = {
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), "minutes"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "hours"),
    **dict.fromkeys(("d", "day", "days"), "days"),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), "weeks"),
    **dict.fromkeys(("mo", "month", "months"), "months"),
}
_TIME = r"(?:at\s+)?(?P<time>\d{1,2}(?::\d{2})?\s*(?:am|pm)|\d{1,2}:\d{2})"
_ISO = re.compile(rf"(?P<y>\d{{4}})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}})(?:(?:\s+|t){_TIME})?")
_RELATIVE = re.compile(r"in\s+(?P<n>\d{1,6}|an?|one)\s*(?P<unit>[a-z]+)")
_NAMED_DAY = re.compile(rf"(?P<day>today|tomorrow)(?:\s+{_TIME})?")
_WEEKDAY = re.compile(rf"(?:(?P<which>next|this)\s+)?(?P<weekday>[a-z]+)(?:\s+{_TIME})?")
_TIME_ONLY = re.compile(_TIME)
_CLOCK = re.compile(r"(?P<h>\d{1,2})(?::(?P<min>\d{2}))?\s*(?P<half>am|pm)?")


def parse_due(text: str, *, now: datetime, timezone: str, default_time: time = DEFAULT_DUE_TIME) -> datetime:
    """The UTC instant a member means by `text`, read in the group's `timezone`.

    Raises MilestoneInputError (a UserFacingError) for anything unreadable, impossible, past or
    too far ahead.
    """
    now = as_utc(now)
    zone = ZoneInfo(timezone)
    cleaned = _normalize(text)
    if not cleaned:
        raise MilestoneInputError(f"Give a due date, for example {DUE_EXAMPLES}.")
    due = _read_due(cleaned, now, zone, default_time)
    if due <= now:
        shown = due.astimezone(zone).strftime("%a %d %b %Y %H:%M")
        raise MilestoneInputError(f"{shown} ({timezone}) has already passed. Pick a time in the future.")
    if due - now > MAX_AHEAD:
        raise MilestoneInputError(TOO_FAR)
    return due


def _normalize(text: str) -> str:
    # NFKC turns full-width digits and colons from IMEs into ASCII; "by"/"on" are filler.
    cleaned = " ".join(unicodedata.normalize("NFKC", text).casefold().replace(",", " ").split())
    for filler in ("by ", "on ", "due "):
        cleaned = cleaned.removeprefix(filler)
    return cleaned


def _read_due(cleaned: str, now: datetime, zone: ZoneInfo, default_time: time) -> datetime:
    today = now.astimezone(zone).date()
    if match := _ISO.fullmatch(cleaned):
        day = _calendar_date(int(match["y"]), int(match["m"]), int(match["d"]))
        wall = _clock(match["time"]) or default_time
        if day - today > MAX_AHEAD:  # checked before converting: year 9999 would overflow in UTC
            raise MilestoneInputError(TOO_FAR)
        return local_to_utc(day, wall, zone)
    if match := _RELATIVE.fullmatch(cleaned):
        return _relative(match, now, today, zone, default_time)
    if match := _NAMED_DAY.fullmatch(cleaned):
        day = today + timedelta(days=1 if match["day"] == "tomorrow" else 0)
        return local_to_utc(day, _clock(match["time"]) or default_time, zone)
    if (match := _WEEKDAY.fullmatch(cleaned)) and match["weekday"] in _WEEKDAYS:
        wall = _clock(match["time"]) or default_time
        return _weekday(_WEEKDAYS[match["weekday"]], match["which"] == "next", wall, now, today, zone)
    if match := _TIME_ONLY.fullmatch(cleaned):
        return local_to_utc(today, _clock(match["time"]) or default_time, zone)
    raise MilestoneInputError(f"I couldn't read “{_clip(cleaned)}” as a due date. Try {DUE_EXAMPLES}.")


def _calendar_date(year: int, month: int, day: int) -> date:
    if not 1 <= month <= 12:
        raise MilestoneInputError(f"There is no month {month}: months go from 01 to 12.")
    if year < 1900:
        raise MilestoneInputError(f"The year {year} is long gone. Pick a date in the future.")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise MilestoneInputError(f"{calendar.month_name[month]} {year} has {last} days, so day {day} doesn't exist.")
    return date(year, month, day)


def _clock(text: str | None) -> time | None:
    if text is None:
        return None
    match = _CLOCK.fullmatch(text.replace(" ", ""))
    if match is None:  # unreachable through the patterns above; kept for safety
        raise MilestoneInputError(f"“{_clip(text)}” isn't a time. Use 24-hour HH:MM, like 18:00.")
    hour, minute = int(match["h"]), int(match["min"] or 0)
    if match["half"]:
        if not 1 <= hour <= 12:
            raise MilestoneInputError(f"“{_clip(text)}” isn't a time: with am/pm, hours go from 1 to 12.")
        hour = hour % 12 + (12 if match["half"] == "pm" else 0)
    if hour > 23 or minute > 59:
        raise MilestoneInputError(f"“{_clip(text)}” is out of range: hours go from 00 to 23 and minutes to 59.")
    return time(hour, minute)


def _relative(match: re.Match[str], now: datetime, today: date, zone: ZoneInfo, default_time: time) -> datetime:
    unit = _UNITS.get(match["unit"])
    if unit is None:
        raise MilestoneInputError(
            f"I don't know the unit “{_clip(match['unit'])}”. Use minutes, hours, days, weeks or months, "
            "as in “in 10 days”."
        )
    raw = match["n"]
    amount = 1 if raw in ("a", "an", "one") else int(raw)
    # Bounded before any arithmetic, so a huge number is a friendly error, not an OverflowError.
    limits = {"minutes": 60 * 24 * 1100, "hours": 24 * 1100, "days": 1100, "weeks": 160, "months": 37}
    if amount > limits[unit]:
        raise MilestoneInputError(TOO_FAR)
    if unit in ("minutes", "hours"):
        # Counted from now on the real timeline, so daylight saving never shifts it.
        return (now + timedelta(**{unit: amount})).replace(second=0, microsecond=0)
    day = add_months(today, amount) if unit == "months" else today + timedelta(**{unit: amount})
    return local_to_utc(day, default_time, zone)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (Jan 31 + 1 month = Feb 28/29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _weekday(target: int, strictly_next: bool, wall: time, now: datetime, today: date, zone: ZoneInfo) -> datetime:
    ahead = (target - today.weekday()) % 7
    if strictly_next and ahead == 0:
        ahead = 7
    due = local_to_utc(today + timedelta(days=ahead), wall, zone)
    if due <= now:  # today's occurrence has passed: the same weekday next week
        due = local_to_utc(today + timedelta(days=ahead + 7), wall, zone)
    return due


# --- reminder offsets ---------------------------------------------------------------------------

_OFFSET = re.compile(r"(?P<n>\d{1,5})\s*(?P<unit>[a-z]+)")
_SEPARATORS = re.compile(r"[\s,;]+")
_OFFSET_UNITS = {key: value for key, value in _UNITS.items() if value != "months"}


def parse_reminders(text: str | None) -> tuple[timedelta, ...]:
    """Offsets before the due time, longest first: `7d,1d,2h`, `30m`, `1w`; None means the default.

    `none` (or `off`) means no reminders: only the wrap-up at the due time.
    """
    if text is None or not text.strip():
        return DEFAULT_REMINDERS
    cleaned = unicodedata.normalize("NFKC", text).casefold().strip()
    if cleaned in ("none", "off", "no", "0"):
        return ()
    offsets: set[timedelta] = set()
    position = 0
    for match in _OFFSET.finditer(cleaned):
        if _SEPARATORS.sub("", cleaned[position : match.start()]):
            break  # something unreadable before this offset
        unit = _OFFSET_UNITS.get(match["unit"])
        if unit is None:
            raise MilestoneInputError(f"I don't know the unit in “{_clip(match[0])}”. Use {REMINDER_EXAMPLES}.")
        offset = timedelta(**{unit: int(match["n"])})
        if not MIN_OFFSET <= offset <= MAX_OFFSET:
            raise MilestoneInputError(
                f"“{_clip(match[0])}” is out of range: reminders go from 5 minutes to 8 weeks before the due time."
            )
        offsets.add(offset)
        position = match.end()
    if not offsets or _SEPARATORS.sub("", cleaned[position:]):
        raise MilestoneInputError(f"I couldn't read “{_clip(cleaned)}” as reminders. Try {REMINDER_EXAMPLES}.")
    if len(offsets) > MAX_REMINDERS:
        raise MilestoneInputError(f"At most {MAX_REMINDERS} reminders per milestone, please.")
    return tuple(sorted(offsets, reverse=True))


def describe_offset(offset: timedelta) -> str:
    """`timedelta(days=7)` → "1 week", `timedelta(minutes=90)` → "90 minutes"."""
    minutes = int(offset.total_seconds() // 60)
    for size, name in ((7 * 24 * 60, "week"), (24 * 60, "day"), (60, "hour"), (1, "minute")):
        if minutes % size == 0:
            count = minutes // size
            return f"{count} {name}{'' if count == 1 else 's'}"
    return f"{minutes} minutes"  # pragma: no cover - every whole number of minutes matches above


def describe_reminders(offsets: Sequence[timedelta]) -> str:
    if not offsets:
        return "none (only the wrap-up at the due time)"
    return ", ".join(describe_offset(o) for o in offsets) + " before"


# --- reminder planning ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedReminder:
    offset: timedelta  # WRAP_UP (zero) for the wrap-up at the due time
    fire_at: datetime
    skipped: bool  # its moment had already passed when the milestone was planned


def plan_reminders(due_at: datetime, offsets: Iterable[timedelta], now: datetime) -> tuple[PlannedReminder, ...]:
    """One reminder per offset plus the wrap-up, latest first.

    A reminder whose moment is already past when the milestone is added or moved is skipped
    rather than sent at once: the member who set it has just seen the due date.
    """
    due_at, now = as_utc(due_at), as_utc(now)
    # A wrap-up is skipped only when the milestone is planned already due, which the parser
    # refuses; after downtime (decide_due) a wrap-up is always sent.
    planned = [PlannedReminder(WRAP_UP, due_at, skipped=due_at <= now)]
    for offset in sorted(set(offsets) - {WRAP_UP}):
        fire_at = due_at - offset
        planned.append(PlannedReminder(offset, fire_at, skipped=fire_at <= now))
    return tuple(planned)


class Timed(Protocol):
    @property
    def milestone_id(self) -> int: ...

    @property
    def offset(self) -> timedelta: ...

    @property
    def fire_at(self) -> datetime: ...


T = TypeVar("T", bound=Timed)


@dataclass(frozen=True)
class DueDecision(Generic[T]):
    send: tuple[T, ...]
    skip: tuple[T, ...]


def decide_due(reminders: Iterable[T], now: datetime) -> DueDecision[T]:
    """Which planned reminders to send now and which to skip for good (see the module doc)."""
    now = as_utc(now)
    by_milestone: dict[int, list[T]] = defaultdict(list)
    for reminder in reminders:
        if reminder.fire_at <= now:
            by_milestone[reminder.milestone_id].append(reminder)
    send: list[T] = []
    skip: list[T] = []
    for due in by_milestone.values():
        wrap_ups = [r for r in due if r.offset == WRAP_UP]
        send.extend(wrap_ups)
        # Still meaningful: missed by less than its own offset, i.e. the due time is ahead.
        fresh = sorted((r for r in due if r.offset != WRAP_UP and now - r.fire_at < r.offset), key=lambda r: r.offset)
        latest = fresh[:1]
        send.extend(latest)
        skip.extend(r for r in due if r.offset != WRAP_UP and not any(r is chosen for chosen in latest))
    return DueDecision(tuple(send), tuple(skip))


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
