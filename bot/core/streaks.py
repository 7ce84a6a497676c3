"""Streaks, derived from the ledger of completed days every time, never kept as a counter.

Recomputing from facts means an admin repair or a late-excused post fixes every number at
once, and two processes can never disagree about a streak. (The streak board reads a state
derived from these rules per member, replayed from the ledger whenever the past changes:
bot.core.streak_state.)
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

FREEZE_EVERY = 7  # consecutive completed days that earn one freeze
MAX_FREEZES = 2


class DayStatus(StrEnum):
    COMPLETED = "completed"
    FROZEN = "frozen"  # missed, covered by a freeze that was consumed
    EXCUSED = "excused"  # not the member's fault: failed/late post, paused day, admin repair
    MISSED = "missed"  # missed with no freeze held: the streak reset
    PENDING = "pending"  # today, not done yet


@dataclass(frozen=True)
class StreakSummary:
    current: int
    longest: int
    freezes: int  # held now
    toward_next_freeze: int  # completed days counted toward the next freeze, 0..6
    history: dict[date, DayStatus]  # every day from the first relevant date to today, in order


def summarize_streak(
    completed: Collection[date],
    excused: Collection[date],
    first_date: date,
    today: date,
) -> StreakSummary:
    """Replay each group day from `first_date` to `today` (inclusive) once: O(days).

    Completions before `first_date` or after `today` are ignored. A day both completed and
    excused counts as completed. Excused days neither add to nor break anything, including
    progress toward a freeze (the member was not at fault); a missed day, frozen or not,
    restarts that progress because the run of completed days really was broken.
    """
    done, excused_days = frozenset(completed), frozenset(excused)
    current = longest = freezes = progress = 0
    history: dict[date, DayStatus] = {}
    day = first_date
    while day <= today:
        if day in done:
            status = DayStatus.COMPLETED
            current += 1
            longest = max(longest, current)
            progress += 1
            if progress == FREEZE_EVERY:
                freezes, progress = min(freezes + 1, MAX_FREEZES), 0
        elif day in excused_days:
            status = DayStatus.EXCUSED
        elif day == today:
            status = DayStatus.PENDING  # still time to answer: nothing is broken yet
        elif freezes:
            status, freezes, progress = DayStatus.FROZEN, freezes - 1, 0
        else:
            status, current, progress = DayStatus.MISSED, 0, 0
        history[day] = status
        day += timedelta(days=1)
    return StreakSummary(current, longest, freezes, progress, history)
