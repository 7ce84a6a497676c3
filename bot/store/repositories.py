"""Small repositories over the database. They return plain values; no SQL leaves this package."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.store.database import Database
from bot.store.timeutil import from_db, to_db


class MetaRepository:
    """Key-value bookkeeping for the bot itself, never for product data."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, key: str) -> str | None:
        row = await self._db.fetch_one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row["value"])

    async def set(self, key: str, value: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )


@dataclass(frozen=True)
class GuildRecord:
    guild_id: int
    name: str
    first_seen_at: datetime
    last_seen_at: datetime
    left_at: datetime | None


class GuildRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def seen(self, guild_id: int, name: str, now: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                """
                INSERT INTO guilds (guild_id, name, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?)
                ON CONFLICT(guild_id) DO UPDATE
                    SET name = excluded.name, last_seen_at = excluded.last_seen_at, left_at = NULL
                """,
                (guild_id, name, to_db(now), to_db(now)),
            )

    async def left(self, guild_id: int, now: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE guilds SET left_at = ? WHERE guild_id = ?", (to_db(now), guild_id))

    async def get(self, guild_id: int) -> GuildRecord | None:
        row = await self._db.fetch_one("SELECT * FROM guilds WHERE guild_id = ?", (guild_id,))
        if row is None:
            return None
        return GuildRecord(
            guild_id=int(row["guild_id"]),
            name=str(row["name"]),
            first_seen_at=from_db(row["first_seen_at"]),
            last_seen_at=from_db(row["last_seen_at"]),
            left_at=from_db(row["left_at"]) if row["left_at"] else None,
        )
