"""DueJob: the tick as a safety net, and a wake-up at the instant the next work is due."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.clock import FakeClock, SystemClock
from bot.due_job import DueJob

TICK = 300.0  # far longer than any test: only a wake-up can run the work again


@pytest.fixture
async def scheduler() -> AsyncIterator[AsyncIOScheduler]:
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.start()
    yield scheduler
    scheduler.shutdown(wait=False)


class Work:
    def __init__(self) -> None:
        self.runs: list[datetime] = []
        self.due: datetime | None = None
        self.ran = asyncio.Event()

    async def run(self) -> None:
        self.runs.append(datetime.now(UTC))
        self.ran.set()

    async def next_due(self) -> datetime | None:
        return self.due

    async def wait_runs(self, count: int, timeout: float = 10) -> None:
        async with asyncio.timeout(timeout):
            while len(self.runs) < count:
                self.ran.clear()
                await self.ran.wait()


async def started(scheduler: AsyncIOScheduler, work: Work) -> DueJob:
    """A job on the system clock whose look at start-up has run."""
    job = DueJob(scheduler, "posts", work.run, work.next_due, SystemClock(), TICK)
    job.start()
    await work.wait_runs(1)
    return job


async def wake_in(job: DueJob, work: Work, seconds: float) -> None:
    work.due = datetime.now(UTC) + timedelta(seconds=seconds)
    await job.arm()


async def test_runs_at_start_then_wakes_when_the_next_work_is_due(scheduler: AsyncIOScheduler) -> None:
    work = Work()
    work.due = datetime.now(UTC) + timedelta(seconds=0.4)
    job = DueJob(scheduler, "posts", work.run, work.next_due, SystemClock(), TICK)
    job.start()
    await work.wait_runs(1)  # the look at start-up
    assert scheduler.get_job(job.wake_id) is not None
    await work.wait_runs(2)
    assert work.runs[1] >= work.due, "never before the instant"
    assert work.runs[1] - work.due < timedelta(seconds=5), "not at the next tick"


async def test_the_wait_is_measured_on_the_injected_clock(scheduler: AsyncIOScheduler) -> None:
    clock = FakeClock(datetime(2027, 1, 4, 8, 0, tzinfo=UTC))
    work = Work()
    work.due = clock.now() + timedelta(seconds=0.3)  # in 2027, but 0.3 s away on that clock
    job = DueJob(scheduler, "posts", work.run, work.next_due, clock, TICK)
    job.start()
    await work.wait_runs(2)
    assert work.runs[1] - work.runs[0] >= timedelta(seconds=0.3)


@pytest.mark.parametrize(
    "due_in",
    [None, timedelta(seconds=-5), timedelta(0), timedelta(seconds=TICK + 60)],
    ids=["nothing planned", "overdue", "due now", "after the next tick"],
)
async def test_no_wake_up_when_the_tick_comes_first_or_nothing_is_ahead(
    scheduler: AsyncIOScheduler, due_in: timedelta | None
) -> None:
    """Overdue work a run just left (another worker's claim) waits for the tick: no busy loop."""
    work = Work()
    job = await started(scheduler, work)
    await wake_in(job, work, 1)
    assert scheduler.get_job(job.wake_id) is not None
    work.due = None if due_in is None else datetime.now(UTC) + due_in
    await job.arm()
    assert scheduler.get_job(job.wake_id) is None, "an earlier wake-up is dropped too"
    await asyncio.sleep(0.2)
    assert len(work.runs) == 1


async def test_a_clock_that_stands_still_does_not_spin(scheduler: AsyncIOScheduler) -> None:
    clock = FakeClock(datetime(2027, 1, 4, 8, 0, tzinfo=UTC))
    work = Work()
    work.due = clock.now() + timedelta(milliseconds=1)  # never reached: the clock does not move
    job = DueJob(scheduler, "posts", work.run, work.next_due, clock, TICK)
    job.start()
    await asyncio.sleep(0.5)
    assert 2 <= len(work.runs) <= 0.5 / 0.01 + 1, len(work.runs)  # SHORTEST_WAIT apart at most


async def test_stop_removes_the_tick_and_the_wake_up(scheduler: AsyncIOScheduler) -> None:
    work = Work()
    job = await started(scheduler, work)
    await wake_in(job, work, 2)
    job.stop()
    assert scheduler.get_job(job.job_id) is None and scheduler.get_job(job.wake_id) is None
