"""Members' stored streak states (migration 008): written with completions, read by the streak board.

A state is a member's streak right after their latest completed day
(`bot.core.streak_state.StreakState`). Members whose past changed since their state was written
are listed in `streak_restate` by triggers; `restate` replays them from the ledger before the
board is read. The rules themselves stay in `bot.core`: the replay is handed in.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from bot.core.points import PeriodKey
from bot.core.streak_state import StreakState
from bot.store.database import Database
from bot.store.ledger import WHOLE_GROUP, upsert_states
from bot.store.timeutil import from_db


@dataclass(frozen=True)
class MemberLedger:
    """What replaying one member's streak needs from the ledger."""

    completed: list[date]  # in date order
    excused: set[date]  # their own excused days; the whole group's are passed separately
    last_completed_at: datetime  # when the latest completed day was completed


# (members' ledgers, the whole group's excused days) -> each member's state, None for no history
Replay = Callable[[dict[int, MemberLedger], frozenset[date]], dict[int, StreakState | None]]


@dataclass(frozen=True)
class StreakRow:
    rank: int  # competition ranking: 1 + the members strictly ahead
    user_id: int
    score: int
    achieved_at: datetime


@dataclass(frozen=True)
class StreakBoardRows:
    total: int  # members on the board
    page: list[StreakRow]  # the page asked for, or the last one when past it
    viewer: StreakRow | None  # the viewer's place, None when not on the board


def _state(row: aiosqlite.Row) -> StreakState:
    return StreakState(
        last_date=date.fromisoformat(row["last_date"]),
        streak=int(row["streak"]),
        freezes=int(row["freezes"]),
        run_start=date.fromisoformat(row["run_start"]),
        achieved_at=from_db(row["achieved_at"]),
    )


class StreakStateRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, guild_id: int, user_id: int) -> StreakState | None:
        row = await self._db.fetch_one(
            "SELECT * FROM member_streaks WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
        return None if row is None else _state(row)

    async def waiting(self, guild_id: int) -> bool:
        """Whether some member's state waits to be replayed (one primary-key probe)."""
        row = await self._db.fetch_one("SELECT 1 FROM streak_restate WHERE guild_id = ? LIMIT 1", (guild_id,))
        return row is not None

    async def restate(self, guild_id: int, replay: Replay) -> int:
        """Replay every member waiting in the guild and store the results; returns how many.

        One transaction from reading the ledger to writing the states, so no completion or
        excuse can land in between and be lost.
        """
        async with self._db.transaction() as conn:
            waiting = [
                int(r[0])
                for r in await conn.execute_fetchall(
                    "SELECT user_id FROM streak_restate WHERE guild_id = ?", (guild_id,)
                )
            ]
            if not waiting:
                return 0
            ledgers = await _ledgers(conn, guild_id)
            group_excused = frozenset(
                date.fromisoformat(r[0])
                for r in await conn.execute_fetchall(
                    "SELECT group_date FROM excused_days WHERE guild_id = ? AND user_id = ?", (guild_id, WHOLE_GROUP)
                )
            )
            states = await asyncio.to_thread(replay, ledgers, group_excused)
            await conn.executemany(
                "DELETE FROM member_streaks WHERE guild_id = ? AND user_id = ?",
                [(guild_id, user) for user in waiting if states.get(user) is None],
            )
            await upsert_states(conn, guild_id, {user: state for user, state in states.items() if state is not None})
            await conn.execute("DELETE FROM streak_restate WHERE guild_id = ?", (guild_id,))
        return len(waiting)

    async def excused_after_last(self, guild_id: int, today: date) -> dict[int, tuple[StreakState, set[date]]]:
        """Members with days of their own excused after their latest completed day and before
        today, with those days: the board can't judge them by the whole group's days alone."""
        rows = await self._db.fetch_all(
            "SELECT m.*, e.group_date AS excused FROM excused_days AS e"
            " JOIN member_streaks AS m ON m.guild_id = e.guild_id AND m.user_id = e.user_id"
            " WHERE e.guild_id = ? AND e.user_id > ? AND e.group_date < ? AND e.group_date > m.last_date",
            (guild_id, WHOLE_GROUP, today.isoformat()),
        )
        found: dict[int, tuple[StreakState, set[date]]] = {}
        for row in rows:
            user = int(row["user_id"])
            if user not in found:
                found[user] = (_state(row), set())
            found[user][1].add(date.fromisoformat(row["excused"]))
        return found

    async def board(
        self,
        guild_id: int,
        *,
        floors: tuple[date, ...],
        revived: Collection[int],
        period: PeriodKey,
        excluded_user_ids: Collection[int],
        min_activity: int,
        offset: int,
        limit: int,
        viewer_id: int,
    ) -> StreakBoardRows:
        """The streak board in one statement: a page (moved back to the last one when past it),
        the viewer's row wherever it falls, and how many members are on the board.

        On the board: members whose stored streak is still on today, i.e. whose latest
        completed day is no earlier than `floors[f]` for the f freezes they hold, plus those
        in `revived` (still on thanks to days of their own excused after that day), less
        `excluded_user_ids` and those with fewer than `min_activity` completed days in the
        period. Score: the part of the streak inside the period (`period_score`). Ordered by
        score, then who reached it first, then user id; ranks are competition ranks, tied only
        on the same score reached at the same instant.
        """
        if offset < 0 or limit < 1:
            raise ValueError(f"bad page: offset {offset}, limit {limit}")
        start = "" if period.start is None else period.start.isoformat()
        completed = (
            "(SELECT t.completions FROM board_totals AS t INDEXED BY board_totals_by_member"
            " WHERE t.guild_id = a.guild_id AND t.period = ?"
            " AND t.period_start = ? AND t.user_id = a.user_id)"
        )
        key: list[object] = [period.period.value, start]
        if period.start is None:
            score, score_params = "a.streak", []
        else:
            score, score_params = f"IIF(a.run_start >= ?, a.streak, COALESCE({completed}, 0))", [start, *key]
        activity, activity_params = "1", []
        if min_activity > 0:
            activity, activity_params = f"COALESCE({completed}, 0) >= ?", [*key, min_activity]
        alive = " OR ".join(
            f"(m.freezes {'>=' if f == len(floors) - 1 else '='} ? AND m.last_date >= ?)" for f in range(len(floors))
        )
        floor_params: list[object] = []
        for f, floor in enumerate(floors):
            floor_params += [f, floor.isoformat()]
        revived_branch, revived_params = "", []
        if revived:
            revived_branch = """
                    UNION ALL
                    SELECT m.guild_id, m.user_id, m.streak, m.run_start, m.achieved_at
                    FROM json_each(?) AS r CROSS JOIN member_streaks AS m ON m.guild_id = ? AND m.user_id = r.value
            """
            revived_params = [_ids(revived), guild_id]
        # `board` is materialized so each member's score is worked out once, however often it is read.
        sql = f"""
            WITH board AS MATERIALIZED (
                SELECT a.user_id, {score} AS score, a.achieved_at
                FROM (
                    SELECT m.guild_id, m.user_id, m.streak, m.run_start, m.achieved_at
                    FROM member_streaks AS m INDEXED BY member_streaks_by_last_date
                    WHERE m.guild_id = ? AND m.last_date >= ? AND ({alive})
                    {revived_branch}
                ) AS a
                WHERE a.user_id NOT IN (SELECT value FROM json_each(?)) AND {activity}
            ),
            ranked AS (SELECT * FROM board WHERE score > 0),
            counted AS MATERIALIZED (SELECT COUNT(*) AS total FROM ranked),
            page AS MATERIALIZED (
                SELECT * FROM ranked ORDER BY score DESC, achieved_at ASC, user_id ASC
                LIMIT ? OFFSET MIN(?, MAX((SELECT total FROM counted) - 1, 0) / ? * ?)
            ),
            head AS MATERIALIZED (SELECT * FROM page ORDER BY score DESC, achieved_at ASC, user_id ASC LIMIT 1),
            me AS MATERIALIZED (SELECT * FROM ranked WHERE user_id = ?)
            SELECT 0 AS viewer, c.total,
                   (SELECT COUNT(*) FROM head AS h CROSS JOIN ranked AS b WHERE {_AHEAD}) AS ahead,
                   p.user_id, p.score, p.achieved_at
            FROM counted AS c LEFT JOIN page AS p ON 1
            UNION ALL
            SELECT 1, NULL, (SELECT COUNT(*) FROM me AS h CROSS JOIN ranked AS b WHERE {_AHEAD}),
                   me.user_id, me.score, me.achieved_at
            FROM me
            ORDER BY viewer, score DESC, achieved_at ASC, user_id ASC
        """
        params: list[object] = [*score_params, guild_id, min(floors).isoformat(), *floor_params, *revived_params]
        params += [_ids(excluded_user_ids), *activity_params]
        params += [limit, offset, limit, limit, viewer_id]
        rows = await self._db.fetch_all(sql, tuple(params))
        total = int(rows[0]["total"])
        first = min(offset, max(total - 1, 0) // limit * limit) + 1  # the page's first position, as clamped
        page = _ranked([r for r in rows if not r["viewer"] and r["user_id"] is not None], first)
        mine = next((r for r in rows if r["viewer"]), None)
        viewer = None
        if mine is not None:
            viewer = StreakRow(
                int(mine["ahead"]) + 1, int(mine["user_id"]), int(mine["score"]), from_db(mine["achieved_at"])
            )
        return StreakBoardRows(total=total, page=page, viewer=viewer)


# Strictly ahead of h: a higher score, or the same score reached earlier.
_AHEAD = "(b.score > h.score OR (b.score = h.score AND b.achieved_at < h.achieved_at))"


def _ranked(rows: list[aiosqlite.Row], first: int) -> list[StreakRow]:
    """Competition ranks for a page in board order, its first row at position `first`.

    The first row's rank is 1 + the members strictly ahead of it (it may tie the page before).
    A later row ties the row above on the same score reached at the same instant; otherwise
    everyone above it is strictly ahead, so its rank is its position.
    """
    ranked: list[StreakRow] = []
    for position, row in enumerate(rows, start=first):
        entry = StreakRow(0, int(row["user_id"]), int(row["score"]), from_db(row["achieved_at"]))
        if not ranked:
            rank = int(row["ahead"]) + 1
        elif (entry.score, entry.achieved_at) == (ranked[-1].score, ranked[-1].achieved_at):
            rank = ranked[-1].rank
        else:
            rank = position
        ranked.append(StreakRow(rank, entry.user_id, entry.score, entry.achieved_at))
    return ranked


def _ids(user_ids: Collection[int]) -> str:
    return json.dumps(sorted({int(u) for u in user_ids}))


async def _ledgers(conn: aiosqlite.Connection, guild_id: int) -> dict[int, MemberLedger]:
    """The completed days and own excused days of every member waiting to be replayed."""
    # One row per member rather than per day: a whole guild's first replay reads a year of it.
    completed = {
        int(user): [date.fromisoformat(d) for d in sorted(days.split(","))]
        for user, days in await conn.execute_fetchall(
            "SELECT q.user_id, group_concat(c.group_date) FROM streak_restate AS q"
            " CROSS JOIN completions AS c ON c.guild_id = q.guild_id AND c.user_id = q.user_id"
            " WHERE q.guild_id = ? GROUP BY q.user_id",
            (guild_id,),
        )
    }
    excused: dict[int, set[date]] = defaultdict(set)
    for user, day in await conn.execute_fetchall(
        "SELECT e.user_id, e.group_date FROM streak_restate AS q"
        " CROSS JOIN excused_days AS e ON e.guild_id = q.guild_id AND e.user_id = q.user_id WHERE q.guild_id = ?",
        (guild_id,),
    ):
        excused[int(user)].add(date.fromisoformat(day))
    last_at = {
        int(user): from_db(at)
        for user, at in await conn.execute_fetchall(
            "SELECT q.user_id, c.completed_at FROM streak_restate AS q CROSS JOIN completions AS c"
            " ON c.guild_id = q.guild_id AND c.user_id = q.user_id AND c.group_date = ("
            "   SELECT MAX(l.group_date) FROM completions AS l WHERE l.guild_id = q.guild_id AND l.user_id = q.user_id)"
            " WHERE q.guild_id = ?",
            (guild_id,),
        )
    }
    return {user: MemberLedger(days, excused.get(user, set()), last_at[user]) for user, days in completed.items()}
