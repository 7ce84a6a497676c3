"""A group's leaderboard fairness settings, and the roles members were last seen holding.

The bot runs without the privileged members intent, so it cannot list who holds a role. It
learns each member's roles from the interactions they send (every interaction carries the
member's current roles) and keeps them here; an excluded role therefore takes effect for a
member from their next interaction with the bot after they got it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from bot.store.cache import WriteThroughCache
from bot.store.database import Database
from bot.store.timeutil import to_db


@dataclass(frozen=True)
class FairnessSettings:
    guild_id: int
    excluded_role_ids: frozenset[int]
    min_activity: int  # completed days in the window needed to appear on a board
    season_start: date | None


class FairnessRepository:
    """Every leaderboard reads the settings and the excluded members, and every interaction the
    acting member's stored roles. Only this repository writes them (besides a person's forget,
    which calls `forget_member`), so they are kept in write-through caches (bot/store/cache.py)
    that each write below drops."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._settings: WriteThroughCache[int, FairnessSettings] = WriteThroughCache()
        self._excluded: WriteThroughCache[int, frozenset[int]] = WriteThroughCache()
        self._roles: WriteThroughCache[tuple[int, int], frozenset[int]] = WriteThroughCache(limit=50_000)

    async def get(self, guild_id: int) -> FairnessSettings:
        async def load() -> FairnessSettings:
            # One statement: the settings row (or none) and the excluded roles, one role per row.
            rows = await self._db.fetch_all(
                "SELECT s.min_activity, s.season_start, x.role_id FROM (SELECT ? AS guild_id) AS g"
                " LEFT JOIN leaderboard_settings AS s ON s.guild_id = g.guild_id"
                " LEFT JOIN leaderboard_excluded_roles AS x ON x.guild_id = g.guild_id ORDER BY x.role_id",
                (guild_id,),
            )
            first = rows[0]
            return FairnessSettings(
                guild_id=guild_id,
                excluded_role_ids=frozenset(int(r["role_id"]) for r in rows if r["role_id"] is not None),
                min_activity=int(first["min_activity"]) if first["min_activity"] is not None else 0,
                season_start=date.fromisoformat(first["season_start"]) if first["season_start"] else None,
            )

        return await self._settings.read(guild_id, load)

    def forget_member(self, user_id: int) -> None:
        """A person's rows were deleted behind this repository's back (a privacy forget)."""
        self._excluded.clear()
        self._roles.clear()

    async def set_role_excluded(self, guild_id: int, role_id: int, excluded: bool) -> bool:
        """Exclude or re-include a role; False if it already was that way."""
        with self._settings.writing(guild_id), self._excluded.writing(guild_id):
            async with self._db.transaction() as conn:
                if excluded:
                    cursor = await conn.execute(
                        "INSERT INTO leaderboard_excluded_roles (guild_id, role_id) VALUES (?, ?)"
                        " ON CONFLICT DO NOTHING",
                        (guild_id, role_id),
                    )
                else:
                    cursor = await conn.execute(
                        "DELETE FROM leaderboard_excluded_roles WHERE guild_id = ? AND role_id = ?",
                        (guild_id, role_id),
                    )
                return cursor.rowcount == 1

    async def set_min_activity(self, guild_id: int, days: int, now: datetime) -> None:
        with self._settings.writing(guild_id):
            async with self._db.transaction() as conn:
                await conn.execute(
                    """
                    INSERT INTO leaderboard_settings (guild_id, min_activity, updated_at) VALUES (?, ?, ?)
                    ON CONFLICT (guild_id) DO UPDATE SET min_activity = excluded.min_activity,
                                                         updated_at = excluded.updated_at
                    """,
                    (guild_id, days, to_db(now)),
                )

    async def set_season_start(self, guild_id: int, start: date | None, now: datetime) -> None:
        with self._settings.writing(guild_id):
            async with self._db.transaction() as conn:
                await conn.execute(
                    """
                    INSERT INTO leaderboard_settings (guild_id, season_start, updated_at) VALUES (?, ?, ?)
                    ON CONFLICT (guild_id) DO UPDATE SET season_start = excluded.season_start,
                                                         updated_at = excluded.updated_at
                    """,
                    (guild_id, start.isoformat() if start else None, to_db(now)),
                )

    # --- role membership learned from interactions --------------------------------------------

    async def member_roles(self, guild_id: int, user_id: int) -> frozenset[int]:
        async def load() -> frozenset[int]:
            rows = await self._db.fetch_all(
                "SELECT role_id FROM member_roles WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
            )
            return frozenset(int(r[0]) for r in rows)

        return await self._roles.read((guild_id, user_id), load)

    async def record_member_roles(self, guild_id: int, user_id: int, role_ids: Collection[int]) -> None:
        """Replace what we know of the member's roles with what Discord just told us."""
        key, roles = (guild_id, user_id), frozenset(role_ids)
        with self._excluded.writing(guild_id), self._roles.writing(key):
            async with self._db.transaction() as conn:
                await conn.execute("DELETE FROM member_roles WHERE guild_id = ? AND user_id = ?", (guild_id, user_id))
                await conn.executemany(
                    "INSERT INTO member_roles (guild_id, user_id, role_id) VALUES (?, ?, ?)",
                    [(guild_id, user_id, role_id) for role_id in sorted(roles)],
                )
        self._roles.put(key, roles, self._roles.ticket())  # committed: exactly what is stored now

    async def excluded_members(self, guild_id: int) -> frozenset[int]:
        """Members last seen holding one of the group's excluded roles."""

        async def load() -> frozenset[int]:
            rows = await self._db.fetch_all(
                "SELECT DISTINCT m.user_id FROM leaderboard_excluded_roles AS x"
                " JOIN member_roles AS m ON m.guild_id = x.guild_id AND m.role_id = x.role_id"
                " WHERE x.guild_id = ?",
                (guild_id,),
            )
            return frozenset(int(r[0]) for r in rows)

        return await self._excluded.read(guild_id, load)
