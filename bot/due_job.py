"""Scheduled jobs: periodic ones, and one that also runs at the instant its next work is due.

The daily post and milestone reminders are due at exact instants stored in the database. A tick
alone makes each of them up to one tick late (30 s by default); ticking every second instead
would read the database all day for a few posts. So after every run the job asks when its next
work is due and, when that comes before the next tick, adds a one-off wake-up for that instant.
The tick stays: it is the safety net for anything the wake-up cannot know, such as a claim left
by a crash, a clock that jumps (the sandbox's, the tests'), or due times written while it slept
(callers that change them call `arm`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.clock import Clock

log = logging.getLogger(__name__)

# A fake clock that stands still keeps "due in 3 ms" true forever: wake no faster than this.
SHORTEST_WAIT = timedelta(milliseconds=10)


def start_every(scheduler: BaseScheduler, job_id: str, run: Callable[[], Awaitable[Any]], seconds: float) -> None:
    """Run `run` every `seconds`, the first time right away: work missed while the bot was off is
    done at start-up. Runs never overlap, and a backlog of missed runs is one run."""
    scheduler.add_job(
        run,
        IntervalTrigger(seconds=seconds),
        id=job_id,
        replace_existing=True,
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )


def stop_jobs(scheduler: BaseScheduler, *job_ids: str) -> None:
    for job_id in job_ids:
        if scheduler.get_job(job_id):
            scheduler.remove_job(job_id)


class DueJob:
    def __init__(
        self,
        scheduler: BaseScheduler,
        job_id: str,
        work: Callable[[], Awaitable[object]],
        next_due: Callable[[], Awaitable[datetime | None]],
        clock: Clock,
        tick_seconds: float,
    ) -> None:
        self._scheduler = scheduler
        self.job_id = job_id
        self.wake_id = f"{job_id}:wake"
        self._work = work
        self._next_due = next_due
        self._clock = clock
        self._tick_seconds = tick_seconds

    def start(self) -> None:
        start_every(self._scheduler, self.job_id, self.run, self._tick_seconds)

    def stop(self) -> None:
        stop_jobs(self._scheduler, self.job_id, self.wake_id)

    async def run(self) -> None:
        """Do the work that is due, then wake for the next."""
        await self._work()
        await self.arm()

    async def arm(self) -> None:
        """Wake at the next due instant if it comes before the next tick; otherwise the tick will."""
        due = await self._next_due()
        tick = self._scheduler.get_job(self.job_id)
        wait = None if due is None else due - self._clock.now()
        if tick is None or wait is None or wait <= timedelta(0):
            # Nothing ahead, or something due that a run just left (another worker's claim): the
            # tick looks again, so a stuck row never turns into a busy loop.
            stop_jobs(self._scheduler, self.wake_id)
            return
        # The wait is measured on the injected clock and slept on the scheduler's (real) one.
        at = datetime.now(UTC) + max(wait, SHORTEST_WAIT)
        if tick.next_run_time is not None and tick.next_run_time <= at:
            stop_jobs(self._scheduler, self.wake_id)
            return
        self._scheduler.add_job(
            self.run,
            DateTrigger(run_date=at),
            id=self.wake_id,
            replace_existing=True,
            misfire_grace_time=None,  # late is still better than waiting for the tick
        )
        log.debug("%s wakes at %s", self.job_id, at.isoformat())
