"""Ledger reads for whole groups: the inputs of the streak board and of the admin export.

Streaks are derived in Python (bot.core.streaks), so these queries hand over completed days
and excused days for many members in a few statements instead of two per member.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from bot.store.database import Database
from bot.store.ledger import WHOLE_GROUP
from bot.store.timeutil import from_db, to_db


@dataclass(frozen=True)
class MemberTotals:
    user_id: int
    points: int
    completions: int
    first_completed: date | None
    last_completed: date | None


def _ids(user_ids: Collection[int]) -> str:
    return json.dumps(sorted({int(u) for u in user_ids}))


class StandingsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def completers_since(self, guild_id: int, since: datetime) -> set[int]:
        """Members who completed a day at or after `since` (read from the time-ordered index)."""
        rows = await self._db.fetch_all(
            "SELECT DISTINCT user_id FROM completions INDEXED BY completions_board_by_time"
            " WHERE guild_id = ? AND completed_at >= ?",
            (guild_id, to_db(since)),
        )
        return {int(r[0]) for r in rows}

    async def completed_days_in(self, guild_id: int, start: datetime | None, end: datetime | None) -> dict[int, int]:
        """Completed days per member with completed_at in [start, end)."""
        clauses: list[str] = ["guild_id = ?"]
        params: list[object] = [guild_id]
        if start is not None:
            clauses.append("completed_at >= ?")
            params.append(to_db(start))
        if end is not None:
            clauses.append("completed_at < ?")
            params.append(to_db(end))
        rows = await self._db.fetch_all(
            f"SELECT user_id, COUNT(*) FROM completions WHERE {' AND '.join(clauses)} GROUP BY user_id",
            tuple(params),
        )
        return {int(r[0]): int(r[1]) for r in rows}

    async def members_excused_since(self, guild_id: int, since: date) -> set[int]:
        """Members with a day of their own excused (an admin repair) on or after `since`."""
        rows = await self._db.fetch_all(
            "SELECT DISTINCT user_id FROM excused_days WHERE guild_id = ? AND user_id != ? AND group_date >= ?",
            (guild_id, WHOLE_GROUP, since.isoformat()),
        )
        return {int(r[0]) for r in rows}

    async def group_excused_dates(self, guild_id: int, since: date) -> set[date]:
        rows = await self._db.fetch_all(
            "SELECT group_date FROM excused_days WHERE guild_id = ? AND user_id = ? AND group_date >= ?",
            (guild_id, WHOLE_GROUP, since.isoformat()),
        )
        return {date.fromisoformat(r[0]) for r in rows}

    async def completed_days(self, guild_id: int) -> dict[int, list[date]]:
        """Every member's completed group days, in date order (for the export)."""
        rows = await self._db.fetch_all(
            "SELECT user_id, group_date FROM completions WHERE guild_id = ? ORDER BY user_id, group_date", (guild_id,)
        )
        days: dict[int, list[date]] = defaultdict(list)
        for user_id, group_date in rows:
            days[int(user_id)].append(date.fromisoformat(group_date))
        return dict(days)

    async def completed_ordinals(
        self, guild_id: int, user_ids: Collection[int], first: date, last: date
    ) -> dict[int, list[int]]:
        """Completed group days in [first, last] as date ordinals per member, latest first.

        Ordinals come straight from SQLite (Julian day numbers shifted to Python's ordinals):
        no date parsing per row, which dominates when a replay reads many thousands of rows.
        """
        if not user_ids:
            return {}
        rows = await self._db.fetch_all(
            "SELECT user_id, CAST(julianday(group_date) - 1721424.5 AS INTEGER) FROM completions"
            " WHERE guild_id = ? AND user_id IN (SELECT value FROM json_each(?))"
            " AND group_date >= ? AND group_date <= ? ORDER BY user_id, group_date DESC",
            (guild_id, _ids(user_ids), first.isoformat(), last.isoformat()),
        )
        days: dict[int, list[int]] = defaultdict(list)
        for user_id, ordinal in rows:
            days[user_id].append(ordinal)
        return dict(days)

    async def last_completed_at(self, guild_id: int, user_ids: Collection[int]) -> dict[int, datetime]:
        """When each member completed their latest day."""
        if not user_ids:
            return {}
        rows = await self._db.fetch_all(
            # SQLite takes the bare column from the row holding the MAX.
            "SELECT user_id, MAX(group_date), completed_at FROM completions"
            " WHERE guild_id = ? AND user_id IN (SELECT value FROM json_each(?)) GROUP BY user_id",
            (guild_id, _ids(user_ids)),
        )
        return {int(r[0]): from_db(r[2]) for r in rows}

    async def member_excused_days(self, guild_id: int, user_ids: Collection[int] | None) -> dict[int, set[date]]:
        """Each member's own excused days (whole-group days are read separately)."""
        clauses: list[str] = ["guild_id = ?", "user_id != ?"]
        params: list[object] = [guild_id, WHOLE_GROUP]
        if user_ids is not None:
            clauses.append("user_id IN (SELECT value FROM json_each(?))")
            params.append(_ids(user_ids))
        rows = await self._db.fetch_all(
            f"SELECT user_id, group_date FROM excused_days WHERE {' AND '.join(clauses)}", tuple(params)
        )
        days: dict[int, set[date]] = defaultdict(set)
        for user_id, group_date in rows:
            days[int(user_id)].add(date.fromisoformat(group_date))
        return dict(days)

    async def member_totals(self, guild_id: int) -> dict[int, MemberTotals]:
        """Everyone with points or completed days in the group, with their all-time totals."""
        points = await self._db.fetch_all(
            "SELECT user_id, SUM(amount) FROM points WHERE guild_id = ? GROUP BY user_id", (guild_id,)
        )
        completions = await self._db.fetch_all(
            "SELECT user_id, COUNT(*), MIN(group_date), MAX(group_date) FROM completions"
            " WHERE guild_id = ? GROUP BY user_id",
            (guild_id,),
        )
        by_points = {int(r[0]): int(r[1] or 0) for r in points}
        by_days = {int(r[0]): (int(r[1]), date.fromisoformat(r[2]), date.fromisoformat(r[3])) for r in completions}
        totals: dict[int, MemberTotals] = {}
        for user_id in by_points.keys() | by_days.keys():
            count, first, last = by_days.get(user_id, (0, None, None))
            totals[user_id] = MemberTotals(user_id, by_points.get(user_id, 0), count, first, last)
        return totals
