"""Milestone reminders: deciding what is due, claiming it once, sending, and recovering.

Like the daily post, the database is the source of truth and the scheduler job only says "look
now". A reminder is claimed (status planned -> claimed) in the same transaction that decides to
send it, so two workers or a restart never both send it. If the process dies after Discord
accepted the message but before it was marked sent, recovery first looks for it in the channel
and records it; only when it is not there is it sent again, with a nonce derived from
(milestone, offset, moment), which Discord honours for a few minutes.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.clock import Clock
from bot.core.milestones import decide_due
from bot.services.milestones import MilestoneService
from bot.services.poster import PostFailed
from bot.store import Store
from bot.store.milestones import MilestoneRecord, ReminderRecord

log = logging.getLogger(__name__)

# A claim older than this was left by a worker that died; younger ones may still be sending.
RECOVER_AFTER = timedelta(minutes=1)
MAX_PINGS = 80  # Discord allows 100 users in allowed_mentions; 80 mentions also fit in 2,000 characters
SEND_CONCURRENCY = 16


@dataclass(frozen=True)
class ReminderPost:
    reminder: ReminderRecord
    milestone: MilestoneRecord
    channel_id: int
    ping_user_ids: tuple[int, ...]  # members who opted in; never pinged by a wrap-up
    completed_by: tuple[str, ...]  # display names, oldest completion first
    completed: int

    @property
    def is_wrap_up(self) -> bool:
        return self.reminder.is_wrap_up


class ReminderSender(Protocol):
    async def send_reminder(self, post: ReminderPost, *, nonce: str) -> int:
        """Post the reminder in its group's channel; return the message id or raise PostFailed."""
        ...

    async def find_reminder(self, post: ReminderPost, *, after_message_id: int) -> int | None:
        """The id of a message in the channel, newer than `after_message_id`, that is this
        reminder as `send_reminder` posts it; None if there is none or the channel cannot be read."""
        ...


def reminder_nonce(reminder: ReminderRecord) -> str:
    # Discord nonces are at most 25 characters.
    minutes = int(reminder.offset.total_seconds() // 60)
    key = f"milestone:{reminder.milestone_id}:{minutes}:{reminder.fire_at.isoformat()}"
    return hashlib.sha256(key.encode()).hexdigest()[:24]


class MilestoneReminders:
    def __init__(self, store: Store, clock: Clock, sender: ReminderSender, milestones: MilestoneService) -> None:
        self.store = store
        self.clock = clock
        self.sender = sender
        self.milestones = milestones
        self._lock = asyncio.Lock()

    async def tick(self) -> int:
        """Build stale roadmaps, recover unsent claims, then send what is due. Returns posts sent."""
        async with self._lock:  # APScheduler (or a nudge after /setup) may call again mid-tick
            sent = await self._recover()
            while await self.store.milestones.has_due(self.clock.now()):
                claimed = await self.store.milestones.claim_due(self.clock.now(), decide_due)
                if claimed:
                    sent += await self._send_all(claimed)
            # After the reminders, so a roadmap that cannot be built never holds them up.
            await self._sync_roadmaps()
            return sent

    async def next_wakeup(self) -> datetime | None:
        """When the next planned reminder is due."""
        return await self.store.milestones.next_fire_at()

    async def _sync_roadmaps(self) -> None:
        for guild_id in await self.store.milestones.roadmap_stale_groups():
            group = await self.store.groups.get(guild_id)
            if group is None:
                continue
            try:
                changed = await self.milestones.sync_roadmap(group)
            except Exception:  # one group's problem must not stop the others'
                log.exception("could not sync the roadmap milestones of guild %s", guild_id)
                continue
            log.info("roadmap milestones of guild %s synced (%s changed)", guild_id, changed)

    async def _recover(self) -> int:
        stale = await self.store.milestones.unsent_claims(self.clock.now() - RECOVER_AFTER)
        unsent = []
        for post in await self._posts(stale):
            if not await self._found_in_channel(post):
                log.info("resending the claimed reminder %s of milestone %s", post.reminder.id, post.milestone.id)
                unsent.append(post)
        return await self._send_posts(unsent)

    async def _found_in_channel(self, post: ReminderPost) -> bool:
        """Whether a reminder claimed before a crash is already in the channel (then it is recorded).

        A restart may come long after Discord forgot the nonce. Only messages newer than the
        milestone's last recorded reminder count: an earlier reminder looks the same.
        """
        reminder = post.reminder
        earlier = await self.store.milestones.reminders(reminder.milestone_id)
        after = max((r.message_id for r in earlier if r.message_id is not None), default=0)
        message_id = await self.sender.find_reminder(post, after_message_id=after)
        if message_id is None:
            return False
        log.info("reminder %s of milestone %s went out before the restart", reminder.id, reminder.milestone_id)
        await self.store.milestones.mark_sent(reminder.id, message_id, self.clock.now())
        return True

    async def _send_all(self, reminders: list[ReminderRecord]) -> int:
        return await self._send_posts(await self._posts(reminders))

    async def _posts(self, reminders: list[ReminderRecord]) -> list[ReminderPost]:
        """What each reminder will say; a reminder whose milestone or group is gone is failed.

        Read everything first, one query at a time: a read left open on this connection while a
        concurrent send begins its write transaction could see another worker's newer commit and
        fail as "database is locked". Only the sends and their bookkeeping overlap.
        """
        posts: list[ReminderPost] = []
        for reminder in reminders:
            post = await self._post(reminder)
            if post is None:
                await self.store.milestones.mark_failed(reminder.id, "the milestone or its group is gone")
            else:
                posts.append(post)
        return posts

    async def _send_posts(self, posts: list[ReminderPost]) -> int:
        gate = asyncio.Semaphore(SEND_CONCURRENCY)

        async def send(post: ReminderPost) -> bool:
            async with gate:
                return await self._send(post)

        return sum(await asyncio.gather(*(send(p) for p in posts)))

    async def _send(self, post: ReminderPost) -> bool:
        reminder = post.reminder
        try:
            message_id = await self.sender.send_reminder(post, nonce=reminder_nonce(reminder))
        except PostFailed as failure:
            log.warning("reminder %s of milestone %s failed: %s", reminder.id, reminder.milestone_id, failure.reason)
            await self.store.milestones.mark_failed(reminder.id, failure.reason)
            await self.store.groups.record_error(
                reminder.guild_id, f"a milestone reminder failed: {failure.reason}", self.clock.now()
            )
            return False
        await self.store.milestones.mark_sent(reminder.id, message_id, self.clock.now())
        return True

    async def _post(self, reminder: ReminderRecord) -> ReminderPost | None:
        milestone = await self.store.milestones.get(reminder.milestone_id)
        group = await self.store.groups.get(reminder.guild_id)
        if milestone is None or group is None:
            return None
        completions = await self.store.milestones.completions(milestone.id)
        pings: tuple[int, ...] = ()
        if not reminder.is_wrap_up:
            done = {c.user_id for c in completions}
            # Members who already completed it need no nudge.
            pings = tuple(u for u in await self.store.milestones.pings(milestone.id) if u not in done)[:MAX_PINGS]
        return ReminderPost(
            reminder=reminder,
            milestone=milestone,
            channel_id=group.channel_id,
            ping_user_ids=pings,
            completed_by=tuple(c.display_name for c in completions),
            completed=len(completions),
        )
