"""The daily post: who is due, claiming each (guild, day) once, sending, and recovering.

The database is the source of truth. A post is claimed (a row in group_days) and the group's
next due time moved on in one transaction before anything is sent, so two workers or a
restart can never both post a day. If the process dies after Discord accepted the message
but before it was marked posted, recovery first looks for the post in the channel and records
it; only when it is not there is the day sent again, with a nonce derived from (guild, day), so
that even a post the channel did not show yet is not doubled while Discord keeps the nonce.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from bot.core.clock import Clock
from bot.core.errors import UserFacingError
from bot.services.challenges import ChallengeService, Day, schedule_of
from bot.store import GroupRecord, Store

log = logging.getLogger(__name__)

LATE_AFTER = timedelta(minutes=15)  # a post later than this is excused: members lost answer time
SEND_CONCURRENCY = 16
# Messages a sender reads back to find a post sent before a crash (one request to Discord).
RECOVERY_LOOK_BACK = 100


class PostFailed(Exception):
    """Sending failed; `reason` is shown to admins in /config show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PostSender(Protocol):
    async def send_day(self, day: Day, *, nonce: str) -> int:
        """Post the day in its group's channel; return the message id or raise PostFailed."""
        ...

    async def find_day(self, day: Day) -> int | None:
        """The id of the day's post if the channel's recent messages hold it; None if they do not
        or the channel cannot be read."""
        ...


def post_nonce(guild_id: int, group_date: date) -> str:
    # Discord nonces are at most 25 characters.
    return hashlib.sha256(f"{guild_id}:{group_date.isoformat()}".encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Claimed:
    day: Day
    late: bool


class DailyPoster:
    def __init__(self, store: Store, challenges: ChallengeService, clock: Clock, sender: PostSender) -> None:
        self.store = store
        self.challenges = challenges
        self.clock = clock
        self.sender = sender
        self._lock = asyncio.Lock()

    async def tick(self) -> int:
        """Recover unsent claims, then post everything due. Returns how many posts went out."""
        async with self._lock:  # APScheduler may fire again while a big fan-out is running
            sent = await self._recover()
            while True:
                due = await self.store.groups.due(self.clock.now())
                if not due:
                    return sent
                claims = [c for c in [await self._claim(group) for group in due] if c is not None]
                if not claims:
                    return sent
                sent += await self._send_all(claims)

    async def _claim(self, group: GroupRecord) -> Claimed | None:
        now = self.clock.now()
        schedule = schedule_of(group)
        # After downtime only the latest missed day is posted; the days skipped are excused.
        target = max(schedule.group_date_at(now), group.next_post_date)
        following = target + timedelta(days=1)
        try:
            day = self.challenges.day(group, target)
        except UserFacingError as error:  # the track is finished
            await self.store.groups.reschedule(group.guild_id, following, schedule.post_at(following))
            await self.store.groups.record_error(group.guild_id, error.user_message, now)
            return None
        due_at = schedule.post_at(target)
        late = now - due_at > LATE_AFTER
        claimed = await self.store.groups.claim_post(
            group.guild_id,
            target,
            day_index=day.index,
            challenge_id=day.challenge.id,
            due_at=due_at,
            now=now,
            late=late,
            next_post_date=following,
            next_post_at=schedule.post_at(following),
            expected_next_at=group.next_post_at,
        )
        if not claimed:
            return None
        if target > group.next_post_date:
            await self.store.ledger.excuse_range(
                group.guild_id, group.next_post_date, target - timedelta(days=1), "no post: the bot was offline", now
            )
        if late:
            await self.store.ledger.excuse(group.guild_id, target, "the post went out late", now)
        return Claimed(day, late)

    async def _send_all(self, claims: list[Claimed]) -> int:
        gate = asyncio.Semaphore(SEND_CONCURRENCY)

        async def send(claim: Claimed) -> bool:
            async with gate:
                return await self._send(claim.day)

        results = await asyncio.gather(*(send(c) for c in claims))
        return sum(results)

    async def _send(self, day: Day) -> bool:
        guild_id = day.group.guild_id
        try:
            message_id = await self.sender.send_day(day, nonce=post_nonce(guild_id, day.group_date))
        except PostFailed as failure:
            now = self.clock.now()
            log.warning("daily post for guild %s on %s failed: %s", guild_id, day.group_date, failure.reason)
            await self.store.groups.mark_failed(guild_id, day.group_date, failure.reason)
            await self.store.groups.record_error(guild_id, failure.reason, now)
            await self.store.ledger.excuse(guild_id, day.group_date, "the daily post failed", now)
            return False
        await self.store.groups.mark_posted(guild_id, day.group_date, message_id, self.clock.now())
        if day.group.last_error is not None:  # clearing costs a write; most groups have nothing to clear
            await self.store.groups.record_error(guild_id, None, self.clock.now())
        return True

    async def _recover(self) -> int:
        """Finish posts claimed before a crash: record the ones Discord already shows, send the rest."""
        sent = 0
        for post in await self.store.groups.unsent_claims():
            group = await self.store.groups.get(post.guild_id)
            if group is None:
                continue
            try:
                day = self.challenges.day(group, post.group_date)
            except UserFacingError:
                await self.store.groups.mark_failed(post.guild_id, post.group_date, "curriculum changed")
                continue
            # Discord forgets a nonce after a few minutes; a restart may come much later.
            message_id = await self.sender.find_day(day)
            if message_id is not None:
                log.info("the post for guild %s on %s went out before the restart", post.guild_id, post.group_date)
                await self.store.groups.mark_posted(post.guild_id, post.group_date, message_id, self.clock.now())
                continue
            log.info("resending the claimed post for guild %s on %s", post.guild_id, post.group_date)
            sent += await self._send(day)
        return sent

    async def next_wakeup(self) -> datetime | None:
        return await self.store.groups.next_due_at()
