"""The daily poster against a real database with a fake clock: claims, restarts, downtime, scale."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from bot.core.clock import FakeClock
from bot.core.schedule import GroupSchedule
from bot.curriculum import Curriculum, load_curriculum
from bot.curriculum.cli import default_curriculum_path
from bot.services.challenges import ChallengeService, Day
from bot.services.poster import DailyPoster, PostFailed, post_nonce
from bot.store import GroupSettings, Store

START = date(2027, 3, 1)
ZONE = "America/New_York"
CURRICULUM: list[Curriculum] = []


def curriculum() -> Curriculum:
    if not CURRICULUM:
        CURRICULUM.append(load_curriculum(default_curriculum_path()))
    return CURRICULUM[0]


class RecordingSender:
    """Stands in for Discord's channel: remembers what was sent, can fail or crash."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, date, str]] = []
        self.fail_with: str | None = None
        self.crash_after_send = False
        self.history_readable = True  # False: as without Read Message History

    async def find_day(self, day: Day) -> int | None:
        if not self.history_readable:
            return None
        key = (day.group.guild_id, day.group_date)
        return next((n for n, (*sent, _) in enumerate(self.sent, 1) if tuple(sent) == key), None)

    async def send_day(self, day: Day, *, nonce: str) -> int:
        await asyncio.sleep(0)  # let other workers interleave, as a real HTTP call would
        if self.fail_with:
            raise PostFailed(self.fail_with)
        self.sent.append((day.group.guild_id, day.group_date, nonce))
        if self.crash_after_send:
            raise asyncio.CancelledError  # the process died before recording the post
        return len(self.sent)


async def add_group(store: Store, guild_id: int, now: datetime, post: time = time(9)) -> None:
    settings = GroupSettings(
        channel_id=guild_id + 1, post_time=post, timezone=ZONE, start_date=START, track="full", ping_role_id=None
    )
    schedule = GroupSchedule(post, ZONE, START)
    first = max(START, schedule.group_date_at(now))
    await store.groups.save(guild_id, settings, first, schedule.post_at(first), now)


def poster(store: Store, clock: FakeClock, sender: RecordingSender) -> DailyPoster:
    return DailyPoster(store, ChallengeService(store, curriculum(), clock), clock, sender)


def nine_am(day: date) -> datetime:
    return GroupSchedule(time(9), ZONE, START).post_at(day)


async def test_two_workers_on_two_connections_post_each_day_once(tmp_path: Path) -> None:
    clock = FakeClock(nine_am(START) - timedelta(hours=1))
    async with Store(tmp_path / "db") as first, Store(tmp_path / "db") as second:
        for guild in range(1, 41):
            await add_group(first, guild * 10, clock.now())
        sender = RecordingSender()
        workers = [poster(first, clock, sender), poster(second, clock, sender)]
        for day in range(3):
            clock.set(nine_am(START + timedelta(days=day)))
            await asyncio.gather(*(w.tick() for w in workers))
        keys = [(guild, when) for guild, when, _ in sender.sent]
        assert len(keys) == len(set(keys)) == 40 * 3


async def sent_then_crashed(database: Path, clock: FakeClock) -> RecordingSender:
    """Group 7's post went out and the process died before recording it."""
    async with Store(database) as store:
        await add_group(store, 7, clock.now() - timedelta(hours=1))
        sender = RecordingSender()
        sender.crash_after_send = True
        with contextlib.suppress(asyncio.CancelledError):
            await poster(store, clock, sender).tick()
    sender.crash_after_send = False
    return sender


async def test_a_post_sent_before_a_crash_is_found_in_the_channel_and_not_sent_again(tmp_path: Path) -> None:
    clock = FakeClock(nine_am(START))
    sender = await sent_then_crashed(tmp_path / "db", clock)
    # Restart much later (Discord has forgotten the nonce): the channel shows the post.
    clock.advance(timedelta(hours=2))
    async with Store(tmp_path / "db") as store:
        assert await poster(store, clock, sender).tick() == 0
        post = await store.groups.post(7, START)
        assert post is not None and (post.status, post.message_id) == ("posted", 1)
    assert len(sender.sent) == 1


async def test_a_claimed_post_the_channel_cannot_show_is_resent_with_the_same_nonce(tmp_path: Path) -> None:
    clock = FakeClock(nine_am(START))
    sender = await sent_then_crashed(tmp_path / "db", clock)
    # Restart: the history cannot be read, so the day is sent again; Discord dedups it by nonce.
    async with Store(tmp_path / "db") as store:
        sender.history_readable = False
        await poster(store, clock, sender).tick()
        post = await store.groups.post(7, START)
        assert post is not None and post.status == "posted"
    assert [nonce for *_, nonce in sender.sent] == [post_nonce(7, START)] * 2


async def test_restart_after_the_post_does_not_post_again(tmp_path: Path) -> None:
    clock = FakeClock(nine_am(START) + timedelta(minutes=1))
    sender = RecordingSender()
    async with Store(tmp_path / "db") as store:
        await add_group(store, 7, clock.now() - timedelta(hours=1))
        assert await poster(store, clock, sender).tick() == 1
    async with Store(tmp_path / "db") as store:
        assert await poster(store, clock, sender).tick() == 0
    assert len(sender.sent) == 1


async def test_downtime_posts_the_latest_day_once_and_excuses_the_others(tmp_path: Path) -> None:
    clock = FakeClock(nine_am(START) - timedelta(hours=1))
    sender = RecordingSender()
    async with Store(tmp_path / "db") as store:
        await add_group(store, 7, clock.now())
        clock.set(nine_am(START + timedelta(days=4)) + timedelta(hours=3))  # five post times missed
        assert await poster(store, clock, sender).tick() == 1
        assert [when for _, when, _ in sender.sent] == [START + timedelta(days=4)]
        excused = {e.group_date: e.reason for e in await store.ledger.excused_days(7, 1)}
        assert set(excused) == {START + timedelta(days=n) for n in range(5)}  # the latest went out late
        post = await store.groups.post(7, START + timedelta(days=4))
        assert post is not None and post.late and post.day_index == 4


async def test_posts_follow_local_time_across_the_dst_change(tmp_path: Path) -> None:
    # New York springs forward on 2027-03-14: 09:00 local moves from 14:00 to 13:00 UTC.
    first = date(2027, 3, 12)
    clock = FakeClock(datetime(2027, 3, 12, 12, 0, tzinfo=UTC))
    sender = RecordingSender()
    async with Store(tmp_path / "db") as store:
        await add_group(store, 7, clock.now())
        await store.groups.reschedule(7, first, nine_am(first))
        worker = poster(store, clock, sender)
        for offset, utc_hour in enumerate([14, 14, 13, 13, 13]):
            day = first + timedelta(days=offset)
            due = datetime(day.year, day.month, day.day, utc_hour, tzinfo=UTC)
            clock.set(due - timedelta(minutes=1))
            assert await worker.tick() == 0, f"{day} posted early"
            clock.set(due)
            assert await worker.tick() == 1, f"{day} not posted at {due}"
            assert sender.sent[-1][1] == day
        assert await store.ledger.excused_days(7, 1) == []  # nothing late, nothing skipped


async def test_a_failed_post_is_recorded_excused_and_the_group_kept(tmp_path: Path) -> None:
    clock = FakeClock(nine_am(START))
    sender = RecordingSender()
    sender.fail_with = "the challenge channel no longer exists"
    async with Store(tmp_path / "db") as store:
        await add_group(store, 7, clock.now() - timedelta(minutes=1))
        assert await poster(store, clock, sender).tick() == 0
        group = await store.groups.get(7)
        assert group is not None and group.last_error == "the challenge channel no longer exists"
        assert group.next_post_date == START + timedelta(days=1)
        assert [e.group_date for e in await store.ledger.excused_days(7, 1)] == [START]

        # Once the channel works again the next post clears the problem from /config show.
        sender.fail_with = None
        clock.set(nine_am(START + timedelta(days=1)))
        assert await poster(store, clock, sender).tick() == 1
        group = await store.groups.get(7)
        assert group is not None and group.last_error is None


async def test_a_thousand_groups_due_at_once_are_each_posted_once(tmp_path: Path) -> None:
    clock = FakeClock(nine_am(START) - timedelta(minutes=1))
    sender = RecordingSender()
    async with Store(tmp_path / "db") as store:
        for guild in range(1, 1001):
            await add_group(store, guild, clock.now())
        clock.set(nine_am(START))
        assert await poster(store, clock, sender).tick() == 1000
        assert len({guild for guild, _, _ in sender.sent}) == 1000
        assert await store.groups.due(clock.now()) == []
