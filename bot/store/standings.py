"""Ledger reads for whole groups: the inputs of the admin export.

Streaks are derived in Python (bot.core.streaks), so these queries hand over completed days
and excused days for many members in a few statements instead of two per member. (The streak
board reads stored streak states instead: bot.store.streaks.)
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from bot.store.database import Database
from bot.store.ledger import WHOLE_GROUP


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
