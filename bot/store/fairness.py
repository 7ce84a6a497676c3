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

from bot.store.database import Database
from bot.store.timeutil import to_db


@dataclass(frozen=True)
class FairnessSettings:
    guild_id: int
    excluded_role_ids: frozenset[int]
    min_activity: int  # completed days in the window needed to appear on a board
    season_start: date | None


class FairnessRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, guild_id: int) -> FairnessSettings:
        row = await self._db.fetch_one("SELECT * FROM leaderboard_settings WHERE guild_id = ?", (guild_id,))
        roles = await self._db.fetch_all(
            "SELECT role_id FROM leaderboard_excluded_roles WHERE guild_id = ? ORDER BY role_id", (guild_id,)
        )
        return FairnessSettings(
            guild_id=guild_id,
            excluded_role_ids=frozenset(int(r[0]) for r in roles),
            min_activity=int(row["min_activity"]) if row else 0,
            season_start=date.fromisoformat(row["season_start"]) if row and row["season_start"] else None,
        )

    async def set_role_excluded(self, guild_id: int, role_id: int, excluded: bool) -> bool:
        """Exclude or re-include a role; False if it already was that way."""
        async with self._db.transaction() as conn:
            if excluded:
                cursor = await conn.execute(
                    "INSERT INTO leaderboard_excluded_roles (guild_id, role_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                    (guild_id, role_id),
                )
            else:
                cursor = await conn.execute(
                    "DELETE FROM leaderboard_excluded_roles WHERE guild_id = ? AND role_id = ?", (guild_id, role_id)
                )
            return cursor.rowcount == 1

    async def set_min_activity(self, guild_id: int, days: int, now: datetime) -> None:
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
        rows = await self._db.fetch_all(
            "SELECT role_id FROM member_roles WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
        return frozenset(int(r[0]) for r in rows)

    async def record_member_roles(self, guild_id: int, user_id: int, role_ids: Collection[int]) -> None:
        """Replace what we know of the member's roles with what Discord just told us."""
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM member_roles WHERE guild_id = ? AND user_id = ?", (guild_id, user_id))
            await conn.executemany(
                "INSERT INTO member_roles (guild_id, user_id, role_id) VALUES (?, ?, ?)",
                [(guild_id, user_id, role_id) for role_id in sorted(set(role_ids))],
            )

    async def excluded_members(self, guild_id: int) -> frozenset[int]:
        """Members last seen holding one of the group's excluded roles."""
        rows = await self._db.fetch_all(
            "SELECT DISTINCT m.user_id FROM leaderboard_excluded_roles AS x"
            " JOIN member_roles AS m ON m.guild_id = x.guild_id AND m.role_id = x.role_id"
            " WHERE x.guild_id = ?",
            (guild_id,),
        )
        return frozenset(int(r[0]) for r in rows)
