"""The ledger: completed days, wrong tries, excused days and points entries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from bot.core.streak_state import StreakState
from bot.store.database import Database
from bot.store.timeutil import from_db, to_db

WHOLE_GROUP = 0  # excused_days.user_id for days excused for everyone


@dataclass(frozen=True)
class CompletionRecord:
    guild_id: int
    user_id: int
    group_date: date
    challenge_id: str
    how: str
    link: str | None
    first_try: bool
    completed_at: datetime


@dataclass(frozen=True)
class NewPoints:
    amount: int
    reason: str
    group_date: date | None
    at: datetime


@dataclass(frozen=True)
class StreakHistory:
    """What a member's streak is computed from: their completed days and the days excused for
    them or their whole group, read in one statement (one snapshot)."""

    completed: tuple[date, ...]
    excused: tuple[date, ...]


_HISTORY_SQL = """
    SELECT 'completed', group_date FROM completions WHERE guild_id = ? AND user_id = ?
    UNION ALL
    SELECT 'excused', group_date FROM excused_days WHERE guild_id = ? AND user_id IN (0, ?)
    ORDER BY 2
"""


def _history(rows: Iterable[aiosqlite.Row]) -> StreakHistory:
    rows = list(rows)
    completed = tuple(date.fromisoformat(r[1]) for r in rows if r[0] == "completed")
    # A day excused for the member and for the whole group counts once.
    excused = tuple(sorted({date.fromisoformat(r[1]) for r in rows if r[0] == "excused"}))
    return StreakHistory(completed, excused)


@dataclass(frozen=True)
class ExcusedDay:
    group_date: date
    reason: str
    whole_group: bool
    by_user_id: int | None


class LedgerRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def completion(self, guild_id: int, user_id: int, group_date: date) -> CompletionRecord | None:
        row = await self._db.fetch_one(
            "SELECT * FROM completions WHERE guild_id = ? AND user_id = ? AND group_date = ?",
            (guild_id, user_id, group_date.isoformat()),
        )
        if row is None:
            return None
        return CompletionRecord(
            guild_id=int(row["guild_id"]),
            user_id=int(row["user_id"]),
            group_date=date.fromisoformat(row["group_date"]),
            challenge_id=str(row["challenge_id"]),
            how=str(row["how"]),
            link=row["link"],
            first_try=bool(row["first_try"]),
            completed_at=from_db(row["completed_at"]),
        )

    async def record_completion(
        self,
        guild_id: int,
        user_id: int,
        group_date: date,
        *,
        challenge_id: str,
        how: str,
        link: str | None,
        first_try: bool,
        at: datetime,
        points: Sequence[NewPoints],
        streak: StreakState | None = None,
        computed_from: StreakHistory | None = None,
    ) -> bool:
        """Write the completion and its points together; False if the day was already completed.

        The primary key makes a second completion of the same day a no-op, so a double click,
        a retry or two processes can never pay twice. `streak` is the member's streak state
        once this day is completed (migration 008); it is written first, so the completion's
        trigger sees the member's state is current. Without it the member is replayed later.

        `computed_from` is the history `streak` was computed from, read before this transaction.
        If the member's history changed since (an excuse, a ledger fix committed in between), the
        state is not written: the completion's trigger then lists the member for a replay.
        """
        async with self._db.transaction() as conn:
            if streak is not None and computed_from is not None:
                params = (guild_id, user_id, guild_id, user_id)
                if _history(await conn.execute_fetchall(_HISTORY_SQL, params)) != computed_from:
                    streak = None
            if streak is not None:
                if streak.last_date != group_date:
                    raise ValueError(f"the streak state is for {streak.last_date}, not {group_date}")
                async with conn.execute(
                    "SELECT 1 FROM completions WHERE guild_id = ? AND user_id = ? AND group_date = ?",
                    (guild_id, user_id, group_date.isoformat()),
                ) as found:
                    if await found.fetchone() is not None:
                        return False
                await upsert_states(conn, guild_id, {user_id: streak})
            cursor = await conn.execute(
                """
                INSERT INTO completions (guild_id, user_id, group_date, challenge_id, how, link, first_try,
                                         completed_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """,
                (
                    guild_id,
                    user_id,
                    group_date.isoformat(),
                    challenge_id,
                    how,
                    link,
                    int(first_try),
                    to_db(at),
                ),
            )
            if cursor.rowcount != 1:
                return False
            await conn.executemany(
                "INSERT INTO points (guild_id, user_id, amount, reason, group_date, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        guild_id,
                        user_id,
                        p.amount,
                        p.reason,
                        p.group_date.isoformat() if p.group_date else None,
                        to_db(p.at),
                    )
                    for p in points
                ],
            )
            return True

    async def add_wrong_try(self, guild_id: int, user_id: int, group_date: date) -> int:
        async with self._db.transaction() as conn:
            await conn.execute(
                """
                INSERT INTO attempts (guild_id, user_id, group_date, wrong_tries) VALUES (?, ?, ?, 1)
                ON CONFLICT DO UPDATE SET wrong_tries = wrong_tries + 1
                """,
                (guild_id, user_id, group_date.isoformat()),
            )
            async with conn.execute(
                "SELECT wrong_tries FROM attempts WHERE guild_id = ? AND user_id = ? AND group_date = ?",
                (guild_id, user_id, group_date.isoformat()),
            ) as cursor:
                row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def wrong_tries(self, guild_id: int, user_id: int, group_date: date) -> int:
        row = await self._db.fetch_one(
            "SELECT wrong_tries FROM attempts WHERE guild_id = ? AND user_id = ? AND group_date = ?",
            (guild_id, user_id, group_date.isoformat()),
        )
        return int(row[0]) if row else 0

    async def streak_history(self, guild_id: int, user_id: int) -> StreakHistory:
        return _history(await self._db.fetch_all(_HISTORY_SQL, (guild_id, user_id, guild_id, user_id)))

    async def excuse(
        self,
        guild_id: int,
        group_date: date,
        reason: str,
        now: datetime,
        *,
        user_id: int = WHOLE_GROUP,
        by_user_id: int | None = None,
    ) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                """
                INSERT INTO excused_days (guild_id, user_id, group_date, reason, by_user_id, created_at)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT DO UPDATE SET reason = excluded.reason, by_user_id = excluded.by_user_id
                """,
                (guild_id, user_id, group_date.isoformat(), reason, by_user_id, to_db(now)),
            )

    async def excuse_range(self, guild_id: int, first: date, last: date, reason: str, now: datetime) -> None:
        """Excuse every group day from first to last inclusive (a pause, a long outage)."""
        days = [first.fromordinal(o) for o in range(first.toordinal(), last.toordinal() + 1)]
        async with self._db.transaction() as conn:
            await conn.executemany(
                """
                INSERT INTO excused_days (guild_id, user_id, group_date, reason, created_at)
                VALUES (?, 0, ?, ?, ?) ON CONFLICT DO NOTHING
                """,
                [(guild_id, day.isoformat(), reason, to_db(now)) for day in days],
            )

    async def excused_days(self, guild_id: int, user_id: int) -> list[ExcusedDay]:
        rows = await self._db.fetch_all(
            "SELECT * FROM excused_days WHERE guild_id = ? AND user_id IN (0, ?) ORDER BY group_date",
            (guild_id, user_id),
        )
        return [
            ExcusedDay(
                group_date=date.fromisoformat(row["group_date"]),
                reason=str(row["reason"]),
                whole_group=row["user_id"] == WHOLE_GROUP,
                by_user_id=row["by_user_id"],
            )
            for row in rows
        ]

    async def points_total(self, guild_id: int, user_id: int) -> int:
        row = await self._db.fetch_one(
            "SELECT COALESCE(SUM(amount), 0) FROM points WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
        return int(row[0]) if row else 0


async def upsert_states(conn: aiosqlite.Connection, guild_id: int, states: dict[int, StreakState]) -> None:
    """Write members' streak states (migration 008) inside the caller's transaction."""
    await conn.executemany(
        """
        INSERT INTO member_streaks (guild_id, user_id, last_date, streak, freezes, run_start, achieved_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT DO UPDATE SET last_date = excluded.last_date, streak = excluded.streak,
            freezes = excluded.freezes, run_start = excluded.run_start, achieved_at = excluded.achieved_at
        """,
        [
            (
                guild_id,
                user_id,
                state.last_date.isoformat(),
                state.streak,
                state.freezes,
                state.run_start.isoformat(),
                to_db(state.achieved_at),
            )
            for user_id, state in states.items()
        ],
    )
