"""Where a group stands on its track, and when each phase ends.

A phase ends when its last group day ends, which (see `schedule`) is the moment the following
day's post is due: the post time of the day after the phase's last day. That is the roadmap
milestone's due time, so its wrap-up goes out together with the first challenge of the next phase.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.schedule import GroupSchedule


@dataclass(frozen=True)
class Stage:
    """One phase on a track: days `start` to `start + length - 1` (0-based)."""

    key: str
    title: str
    start: int
    length: int

    @property
    def end(self) -> int:
        return self.start + self.length


@dataclass(frozen=True)
class Position:
    day_index: int | None  # the group's current day (0-based); None before day 1
    total_days: int
    stage: int | None  # index of the current stage; None before the start and after the end

    @property
    def started(self) -> bool:
        return self.day_index is not None

    @property
    def finished(self) -> bool:
        return self.day_index is not None and self.day_index >= self.total_days

    @property
    def days_done(self) -> int:
        """Days fully behind the group (the current day is still in progress)."""
        if self.day_index is None:
            return 0
        return min(self.day_index, self.total_days)


def stage_end_at(stage: Stage, schedule: GroupSchedule) -> datetime:
    """The UTC instant a stage ends: the post time of the day after its last day."""
    return schedule.post_at(schedule.date_of_day(stage.end))


def position(stages: Sequence[Stage], day_index: int | None) -> Position:
    total = max((s.end for s in stages), default=0)
    current = None
    if day_index is not None:
        current = next((i for i, s in enumerate(stages) if s.start <= day_index < s.end), None)
    return Position(day_index, total, current)


def progress_bar(done: int, total: int, width: int = 16) -> str:
    """`▰▰▰▱▱▱ 50%`: text, so it renders in any Discord client and in screen readers as a number."""
    if total <= 0:
        return "▱" * width + " 0%"
    done = max(0, min(done, total))
    filled = round(width * done / total)
    return "▰" * filled + "▱" * (width - filled) + f" {100 * done // total}%"
