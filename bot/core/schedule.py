"""Group day arithmetic: when each daily post goes out and which group day it is.

A group date is a calendar date in the group's own zone. The post for date D goes out at
`post_time` on D, and group day D runs from that post up to (not including) the post for D+1,
so at 08:59 with a 09:00 post it is still yesterday's group day.

Why changing the post time or zone mid-way never skips or repeats a date: dates are never
derived from elapsed time or a counter. The scheduler asks `next_post(last_posted, now)`, which
always names `last_posted + 1`; the new settings only decide *when* that date's post is due,
and if that moment has already passed it is simply due at once.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.core.clock import as_utc
from bot.core.errors import UserFacingError


class ScheduleInputError(UserFacingError):
    """A post time or time zone typed by an admin that we cannot use."""


@lru_cache(maxsize=4096)  # pure, and asked the same few days again on every command
def local_to_utc(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock `wall` on `day` in `zone`.

    An ambiguous wall time (clocks going back) resolves to its first occurrence. A wall time
    that does not exist (clocks jumping forward) moves to the first instant after the gap,
    i.e. the moment of the jump, so a 02:30 post on a 02:00→03:00 night goes out at 03:00.
    """
    naive = datetime.combine(day, wall.replace(tzinfo=None))
    earlier = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if earlier.astimezone(zone).replace(tzinfo=None) == naive:
        return earlier
    # In a gap, fold=1 reads the wall time with the new offset (an instant before the jump)
    # and fold=0 with the old one (an instant after it); bisect for the jump itself.
    lo = math.floor(naive.replace(tzinfo=zone, fold=1).timestamp())
    hi = math.ceil(earlier.timestamp())
    after = _offset_at(hi, zone)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _offset_at(mid, zone) == after:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def local_date_at(now: datetime, day_start: time, zone: ZoneInfo) -> date:
    """The local date whose `day_start` most recently passed at `now` (inclusive).

    With day_start 09:00, 08:59 local still belongs to yesterday.
    """
    now = as_utc(now)
    candidate = now.astimezone(zone).date()
    # Usually one step back at most; the loops keep odd zones (a skipped day) correct.
    while local_to_utc(candidate, day_start, zone) > now:
        candidate -= timedelta(days=1)
    while local_to_utc(candidate + timedelta(days=1), day_start, zone) <= now:
        candidate += timedelta(days=1)
    return candidate


def _offset_at(timestamp: int, zone: ZoneInfo) -> timedelta | None:
    return datetime.fromtimestamp(timestamp, zone).utcoffset()


@dataclass(frozen=True)
class NextPost:
    group_date: date
    at: datetime  # UTC; may already be past, which means "late: post now"


@dataclass(frozen=True)
class GroupSchedule:
    post_time: time  # naive local wall time
    timezone: str  # IANA name; check admin input with validate_timezone first
    start_date: date  # group date with day index 0

    def __post_init__(self) -> None:
        if self.post_time.tzinfo is not None:
            raise ValueError("post_time is a local wall time; pass a naive time")
        try:
            ZoneInfo(self.timezone)  # fail at construction, not at the first post
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {self.timezone!r}") from error

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def post_at(self, group_date: date) -> datetime:
        """UTC instant of the post for `group_date` (DST handled as in local_to_utc)."""
        return local_to_utc(group_date, self.post_time, self.zone)

    def group_date_at(self, now: datetime) -> date:
        """The group date in effect at `now`; may be before start_date (see day_index)."""
        return local_date_at(now, self.post_time, self.zone)

    def day_index(self, group_date: date) -> int | None:
        """0 for start_date, 1 the day after...; None before the start.

        None rather than a negative number: a negative index silently picks from the end of
        a Python list, and `int | None` makes the type checker force the "not started" case.
        """
        index = (group_date - self.start_date).days
        return index if index >= 0 else None

    def date_of_day(self, index: int) -> date:
        if index < 0:
            raise ValueError("day index must be >= 0")
        return self.start_date + timedelta(days=index)

    def next_post_after(self, now: datetime) -> datetime:
        """The first post strictly after `now`; no posts happen before start_date."""
        following = max(self.group_date_at(now) + timedelta(days=1), self.start_date)
        return self.post_at(following)

    def next_post(self, last_posted: date | None, now: datetime) -> NextPost:
        """Which date to post next and when, given the last date actually posted.

        Always `last_posted + 1` (never skip, never repeat). With nothing posted yet it is
        the current group date, or start_date if the group has not started. After downtime
        several dates can be overdue; the caller either posts each in turn or records them
        as failed posts (excused days) and moves `last_posted` on.
        """
        if last_posted is None:
            following = max(self.group_date_at(now), self.start_date)
        else:
            following = max(last_posted + timedelta(days=1), self.start_date)
        return NextPost(following, self.post_at(following))


# --- validating admin input -------------------------------------------------------------

_HH_MM = re.compile(r"([0-9]{1,2}):([0-9]{2})")


def parse_post_time(text: str) -> time:
    """Parse a 24-hour "HH:MM" (or "H:MM"); raise ScheduleInputError with a friendly message."""
    cleaned = unicodedata.normalize("NFKC", text).strip()  # full-width "０９：００" from IMEs
    if not cleaned:
        raise ScheduleInputError("Give a time as HH:MM on a 24-hour clock, like 09:00 or 18:30.")
    match = _HH_MM.fullmatch(cleaned)
    if match is None:
        raise ScheduleInputError(f"“{_clip(cleaned)}” isn't a 24-hour HH:MM time. Try something like 09:00 or 18:30.")
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise ScheduleInputError(f"“{cleaned}” is out of range: hours go from 00 to 23 and minutes from 00 to 59.")
    return time(hour, minute)


# Every spelling of zero offset, with or without "Etc/"; all become plain "UTC".
_UTC_NAMES = frozenset({"utc", "uct", "universal", "zulu", "gmt", "gmt0", "gmt+0", "gmt-0", "greenwich"})
# "UTC+2", "GMT-5", "+05:30", "Etc/GMT-3": an offset that ignores daylight saving.
_OFFSET = re.compile(r"(?:etc/)?(?:utc|gmt|uct)?\s*[+\-−]\s*[0-9].*", re.IGNORECASE)
# Legacy names that are fixed offsets in older tz databases.
_FIXED_LEGACY = frozenset({"est", "mst", "hst"})
_REGIONS = (
    *("Africa/", "America/", "Antarctica/", "Arctic/", "Asia/", "Atlantic/"),
    *("Australia/", "Europe/", "Indian/", "Pacific/"),
)
_COMMON = (  # where study groups most likely are; listed first in autocomplete
    *("UTC", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"),
    *("America/Toronto", "America/Mexico_City", "America/Sao_Paulo", "Europe/London", "Europe/Paris"),
    *("Europe/Berlin", "Europe/Madrid", "Europe/Amsterdam", "Europe/Warsaw", "Europe/Istanbul"),
    *("Europe/Moscow", "Africa/Lagos", "Africa/Cairo", "Africa/Nairobi", "Africa/Johannesburg"),
    *("Asia/Dubai", "Asia/Karachi", "Asia/Kolkata", "Asia/Dhaka", "Asia/Bangkok", "Asia/Jakarta"),
    *("Asia/Singapore", "Asia/Shanghai", "Asia/Seoul", "Asia/Tokyo", "Australia/Sydney"),
    *("Pacific/Auckland",),
)


@cache
def _known_zones() -> dict[str, str]:
    """casefolded name → canonical name, for every zone we accept."""
    rejected = {"localtime", "factory"}
    names = (name for name in available_timezones() if name.casefold() not in rejected)
    return {name.casefold(): name for name in names if not name.startswith("Etc/")}


@cache
def _suggestible_zones() -> tuple[str, ...]:
    """The tidy Region/City names (plus UTC) offered in autocomplete, common ones first."""
    regional = sorted(name for name in _known_zones().values() if name.startswith(_REGIONS))
    common = [name for name in _COMMON if name == "UTC" or name in regional]
    return (*common, *(name for name in regional if name not in common))


def validate_timezone(name: str) -> str:
    """Return the canonical IANA name for `name`, or raise ScheduleInputError.

    Matching ignores case and treats spaces as underscores. Fixed offsets ("UTC+2",
    "Etc/GMT-3") are refused because they drift by an hour when daylight saving changes;
    plain UTC is accepted as a deliberate choice.
    """
    cleaned = " ".join(unicodedata.normalize("NFKC", name).split())
    folded = cleaned.casefold().replace(" ", "_")
    if not cleaned:
        raise ScheduleInputError("Pick a time zone, for example Europe/Paris or America/New_York.")
    if folded.removeprefix("etc/") in _UTC_NAMES:
        return "UTC"
    if _OFFSET.fullmatch(cleaned) or folded in _FIXED_LEGACY or folded.startswith("etc/"):
        raise ScheduleInputError(
            f"“{_clip(cleaned)}” is a fixed offset, which drifts by an hour when daylight saving "
            "changes. Pick a place instead, for example Europe/Berlin or America/Chicago."
        )
    canonical = _known_zones().get(folded)
    if canonical is not None:
        return canonical
    hints = suggest_timezones(cleaned, limit=3)
    hint = f" Did you mean {', '.join(hints)}?" if hints else " Try a name like Europe/Paris."
    raise ScheduleInputError(f"I don't know the time zone “{_clip(cleaned)}”.{hint}")


def suggest_timezones(prefix: str, limit: int = 25) -> list[str]:
    """Zones containing `prefix` (case-insensitive, spaces as underscores) for autocomplete.

    Common zones come first, then those whose city starts with the text, then the rest
    alphabetically. 25 is Discord's cap on autocomplete choices.
    """
    needle = "_".join(unicodedata.normalize("NFKC", prefix).casefold().split())
    matches = [name for name in _suggestible_zones() if needle in name.casefold()]
    common = set(_COMMON)

    def rank(name: str) -> tuple[bool, bool]:
        city = name.rsplit("/", 1)[-1].casefold()
        return (name not in common, not city.startswith(needle))

    return sorted(matches, key=rank)[: max(limit, 0)]  # sorted() is stable: keeps name order


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
