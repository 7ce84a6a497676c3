"""Posts and reminders go out at their instant, not at the scheduler's next tick.

These bots tick every 300 s, so only the wake-up armed for the next due instant (bot/due_job.py)
can send anything within the tests' time. Their clock is set like the fake clock and then runs
in real time, so the wake-up's wait is a real one.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

from bot.core.clock import FakeClock
from bot.standin import DiscordStandIn
from bot.store.milestones import ReminderRecord
from tests.e2e.daily_helpers import MONDAY, post_instant, setup_group, wait_for_post
from tests.e2e.harness import BotRunner, World, eventually

TICK = 300.0
LEAD = timedelta(seconds=4)  # time for start-up and the commands before the instant comes


class RunningClock(FakeClock):
    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self._since = time.monotonic()

    def set(self, moment: datetime) -> None:
        super().set(moment)
        self._since = time.monotonic()

    def now(self) -> datetime:
        return super().now() + timedelta(seconds=time.monotonic() - self._since)


async def test_the_daily_post_goes_out_at_its_instant(standin: DiscordStandIn, bots: BotRunner, world: World) -> None:
    due = post_instant(MONDAY)
    bots.clock = RunningClock(due - LEAD)
    bot = await bots.start(scheduler_tick_seconds=TICK)
    reply = await (await setup_group(standin, world, start=MONDAY)).message()
    assert "Study group ready" in reply.text()
    assert standin.channel_messages(world.channel) == []

    post = await wait_for_post(standin, world, count=1, timeout=LEAD.total_seconds() + 10)
    assert post.embeds[0]["title"].startswith("Day 1 ·")

    async def posted() -> bool:
        record = await bot.store.groups.last_post(world.guild.id)
        return record is not None and record.posted_at is not None

    await eventually(posted, "the post recorded as sent")  # Discord shows it a moment before
    record = await bot.store.groups.last_post(world.guild.id)
    assert record is not None and record.posted_at is not None
    assert due <= record.posted_at < due + timedelta(seconds=3), record.posted_at
    assert not record.late


async def test_a_milestone_reminder_goes_out_at_its_instant(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    deadline = datetime(2027, 1, 4, 11, tzinfo=UTC)  # 12:00 in Berlin
    fire_at = deadline - timedelta(hours=1)
    bots.clock = RunningClock(fire_at - LEAD)
    bot = await bots.start(scheduler_tick_seconds=TICK)
    await (await setup_group(standin, world, start=date(2027, 6, 7))).message()  # no daily post in the way
    added = await (
        await standin.slash(
            "milestone add",
            guild=world.guild,
            channel=world.channel,
            user=world.owner,
            options={"title": "Demo day", "due": "2027-01-04 12:00", "reminders": "1h"},
        )
    ).message()
    assert "New milestone: Demo day" in added.text()

    def reminders() -> list[str]:
        return [m.content for m in standin.channel_messages(world.channel) if m.content.startswith("⏰")]

    assert reminders() == []
    await standin.wait_until(lambda: bool(reminders()), LEAD.total_seconds() + 10, "the 1-hour reminder")
    [milestone] = [m for m in await bot.store.milestones.in_guild(world.guild.id) if m.title == "Demo day"]

    async def hour_before() -> ReminderRecord:
        [reminder] = [r for r in await bot.store.milestones.reminders(milestone.id) if r.offset == timedelta(hours=1)]
        return reminder

    async def sent() -> bool:
        return (await hour_before()).status == "sent"

    await eventually(sent, "the reminder recorded as sent")
    reminder = await hour_before()
    assert reminder.status == "sent" and reminder.claimed_at is not None
    assert fire_at <= reminder.claimed_at < fire_at + timedelta(seconds=3), reminder.claimed_at
