"""Study groups and their daily posts: settings, due times and the claim on each post."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, time

import aiosqlite

from bot.store.cache import WriteThroughCache
from bot.store.database import Database
from bot.store.timeutil import from_db, to_db


@dataclass(frozen=True)
class GroupRecord:
    guild_id: int
    channel_id: int
    post_time: time
    timezone: str
    start_date: date
    track: str
    ping_role_id: int | None
    paused_since: datetime | None
    next_post_date: date
    next_post_at: datetime
    last_error: str | None
    last_error_at: datetime | None
    lead_role_id: int | None = None  # may manage milestones, besides admins

    @property
    def paused(self) -> bool:
        return self.paused_since is not None


@dataclass(frozen=True)
class GroupSettings:
    channel_id: int
    post_time: time
    timezone: str
    start_date: date
    track: str
    ping_role_id: int | None
    lead_role_id: int | None = None


@dataclass(frozen=True)
class PostRecord:
    guild_id: int
    group_date: date
    day_index: int
    challenge_id: str
    status: str
    due_at: datetime
    posted_at: datetime | None
    message_id: int | None
    late: bool
    error: str | None


def _group(r: sqlite3.Row) -> GroupRecord:
    return GroupRecord(
        guild_id=int(r["guild_id"]),
        channel_id=int(r["channel_id"]),
        post_time=time.fromisoformat(r["post_time"]),
        timezone=str(r["timezone"]),
        start_date=date.fromisoformat(r["start_date"]),
        track=str(r["track"]),
        ping_role_id=r["ping_role_id"],
        paused_since=from_db(r["paused_since"]) if r["paused_since"] else None,
        next_post_date=date.fromisoformat(r["next_post_date"]),
        next_post_at=from_db(r["next_post_at"]),
        last_error=r["last_error"],
        last_error_at=from_db(r["last_error_at"]) if r["last_error_at"] else None,
        lead_role_id=r["lead_role_id"],
    )


def _post(r: sqlite3.Row) -> PostRecord:
    return PostRecord(
        guild_id=int(r["guild_id"]),
        group_date=date.fromisoformat(r["group_date"]),
        day_index=int(r["day_index"]),
        challenge_id=str(r["challenge_id"]),
        status=str(r["status"]),
        due_at=from_db(r["due_at"]),
        posted_at=from_db(r["posted_at"]) if r["posted_at"] else None,
        message_id=r["message_id"],
        late=bool(r["late"]),
        error=r["error"],
    )


class GroupRepository:
    def __init__(self, db: Database) -> None:
        self._db = db
        # Every command reads its group; only the methods below write the groups table, and each
        # drops the guild's entry when it has written (bot/store/cache.py).
        self._cache: WriteThroughCache[int, GroupRecord | None] = WriteThroughCache()

    async def get(self, guild_id: int) -> GroupRecord | None:
        async def load() -> GroupRecord | None:
            row = await self._db.fetch_one("SELECT * FROM groups WHERE guild_id = ?", (guild_id,))
            return None if row is None else _group(row)

        return await self._cache.read(guild_id, load)

    @asynccontextmanager
    async def _writing(self, guild_id: int) -> AsyncIterator[aiosqlite.Connection]:
        """A transaction that writes the guild's row in `groups`."""
        with self._cache.writing(guild_id):
            async with self._db.transaction() as conn:
                yield conn

    async def save(
        self,
        guild_id: int,
        settings: GroupSettings,
        next_post_date: date,
        next_post_at: datetime,
        now: datetime,
    ) -> None:
        """Create the group or update its settings; progress (posts, ledger) is untouched."""
        async with self._writing(guild_id) as conn:
            await conn.execute(
                """
                INSERT INTO groups (guild_id, channel_id, post_time, timezone, start_date, track, ping_role_id,
                                    lead_role_id, next_post_date, next_post_at, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (guild_id) DO UPDATE SET
                    channel_id = excluded.channel_id, post_time = excluded.post_time,
                    timezone = excluded.timezone, start_date = excluded.start_date, track = excluded.track,
                    ping_role_id = excluded.ping_role_id, lead_role_id = excluded.lead_role_id,
                    next_post_date = excluded.next_post_date,
                    next_post_at = excluded.next_post_at, last_error = NULL, last_error_at = NULL,
                    updated_at = excluded.updated_at
                """,
                (
                    guild_id,
                    settings.channel_id,
                    settings.post_time.strftime("%H:%M"),
                    settings.timezone,
                    settings.start_date.isoformat(),
                    settings.track,
                    settings.ping_role_id,
                    settings.lead_role_id,
                    next_post_date.isoformat(),
                    to_db(next_post_at),
                    to_db(now),
                    to_db(now),
                ),
            )

    async def due(self, now: datetime, limit: int = 500) -> list[GroupRecord]:
        rows = await self._db.fetch_all(
            "SELECT * FROM groups WHERE paused_since IS NULL AND next_post_at <= ? ORDER BY next_post_at LIMIT ?",
            (to_db(now), limit),
        )
        return [_group(row) for row in rows]

    async def next_due_at(self) -> datetime | None:
        row = await self._db.fetch_one("SELECT MIN(next_post_at) AS at FROM groups WHERE paused_since IS NULL")
        return from_db(row["at"]) if row is not None and row["at"] else None

    async def set_paused(self, guild_id: int, since: datetime | None, now: datetime) -> None:
        async with self._writing(guild_id) as conn:
            await conn.execute(
                "UPDATE groups SET paused_since = ?, updated_at = ? WHERE guild_id = ?",
                (to_db(since) if since else None, to_db(now), guild_id),
            )

    async def reschedule(self, guild_id: int, next_post_date: date, next_post_at: datetime) -> None:
        async with self._writing(guild_id) as conn:
            await conn.execute(
                "UPDATE groups SET next_post_date = ?, next_post_at = ? WHERE guild_id = ?",
                (next_post_date.isoformat(), to_db(next_post_at), guild_id),
            )

    async def record_error(self, guild_id: int, error: str | None, now: datetime) -> None:
        async with self._writing(guild_id) as conn:
            await conn.execute(
                "UPDATE groups SET last_error = ?, last_error_at = ? WHERE guild_id = ?",
                (error, to_db(now) if error else None, guild_id),
            )

    # --- the daily posts --------------------------------------------------------------------

    async def claim_post(
        self,
        guild_id: int,
        group_date: date,
        *,
        day_index: int,
        challenge_id: str,
        due_at: datetime,
        now: datetime,
        late: bool,
        next_post_date: date,
        next_post_at: datetime,
        expected_next_at: datetime,
    ) -> bool:
        """Claim (guild, day) and move the group's next post on, in one transaction.

        Returns False when someone else claimed it first or the group's schedule changed
        since it was read (its next_post_at is no longer `expected_next_at`).
        """
        async with self._writing(guild_id) as conn:
            cursor = await conn.execute(
                "UPDATE groups SET next_post_date = ?, next_post_at = ? WHERE guild_id = ? AND next_post_at = ?",
                (next_post_date.isoformat(), to_db(next_post_at), guild_id, to_db(expected_next_at)),
            )
            if cursor.rowcount != 1:
                return False
            cursor = await conn.execute(
                """
                INSERT INTO group_days (guild_id, group_date, day_index, challenge_id, status, due_at,
                                        claimed_at, late)
                VALUES (?, ?, ?, ?, 'claimed', ?, ?, ?)
                ON CONFLICT (guild_id, group_date) DO NOTHING
                """,
                (
                    guild_id,
                    group_date.isoformat(),
                    day_index,
                    challenge_id,
                    to_db(due_at),
                    to_db(now),
                    int(late),
                ),
            )
            return cursor.rowcount == 1

    async def mark_posted(self, guild_id: int, group_date: date, message_id: int, now: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE group_days SET status = 'posted', message_id = ?, posted_at = ?, error = NULL"
                " WHERE guild_id = ? AND group_date = ?",
                (message_id, to_db(now), guild_id, group_date.isoformat()),
            )

    async def mark_failed(self, guild_id: int, group_date: date, error: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE group_days SET status = 'failed', error = ? WHERE guild_id = ? AND group_date = ?",
                (error, guild_id, group_date.isoformat()),
            )

    async def unsent_claims(self) -> list[PostRecord]:
        """Posts claimed but not known to be sent: the process died in between."""
        rows = await self._db.fetch_all("SELECT * FROM group_days WHERE status = 'claimed' ORDER BY due_at")
        return [_post(row) for row in rows]

    async def post(self, guild_id: int, group_date: date) -> PostRecord | None:
        row = await self._db.fetch_one(
            "SELECT * FROM group_days WHERE guild_id = ? AND group_date = ?",
            (guild_id, group_date.isoformat()),
        )
        return None if row is None else _post(row)

    async def last_post(self, guild_id: int) -> PostRecord | None:
        row = await self._db.fetch_one(
            "SELECT * FROM group_days WHERE guild_id = ? ORDER BY group_date DESC LIMIT 1", (guild_id,)
        )
        return None if row is None else _post(row)

    async def recent_posts(self, guild_id: int, limit: int = 10) -> list[PostRecord]:
        rows = await self._db.fetch_all(
            "SELECT * FROM group_days WHERE guild_id = ? ORDER BY group_date DESC LIMIT ?", (guild_id, limit)
        )
        return [_post(row) for row in rows]
