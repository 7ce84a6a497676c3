"""Leaderboards: members ranked over a time window, summed from the ledger on every call.

Nothing here is stored or cached: a board is an aggregate over `points` or `completions`
for [start, end), so it can never disagree with the ledger. Indexes from migration 003 keep
the aggregate an index-only scan, but it still reads every ledger row in the window: the cost
grows with the group's activity (figures for 10,000 members in benchmarks/README.md).

Ordering, the same on every call:
  1. score, highest first;
  2. the time the member reached that score, earliest first. That is the instant of their
     last entry counted in the window: of two members on 120 points, the one whose last
     award came first got there first;
  3. user id, lowest first, so members who tie on both are still listed in a stable order.

Ranks use competition ranking (1, 2, 2, 4), and only (1) and (2) make a tie: two members
share a rank only when they have the same score reached at the same instant. Members tied on
both are still listed by user id, but neither is ranked above the other.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import aiosqlite

from bot.store.database import Database
from bot.store.timeutil import from_db, to_db


class Board(StrEnum):
    POINTS = "points"  # the sum of points entries in the window
    COMPLETIONS = "completions"  # the number of completed days in the window


@dataclass(frozen=True)
class RankEntry:
    rank: int  # 1-based, competition ranking
    user_id: int
    score: int
    achieved_at: datetime  # UTC; when the member reached `score` (their last entry counted)


@dataclass(frozen=True)
class BoardPage:
    entries: list[RankEntry]
    total_members: int  # everyone on the board, not just this page
    offset: int


class LeaderboardRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def points_board(
        self,
        guild_id: int,
        *,
        start: datetime | None,
        end: datetime | None,
        excluded_user_ids: Collection[int] = (),
        min_activity: int = 0,
        offset: int = 0,
        limit: int = 10,
    ) -> BoardPage:
        """Members by the sum of their points entries with `created_at` in [start, end).

        A member is on the board if they have at least one entry in the window (even if their
        entries sum to zero) and, when `min_activity` > 0, at least that many completed days
        in the window. `None` leaves that side of the window open.
        """
        query = _BoardQuery(Board.POINTS, guild_id, start, end, excluded_user_ids, min_activity)
        return await self._page(query, offset, limit)

    async def completions_board(
        self,
        guild_id: int,
        *,
        start: datetime | None,
        end: datetime | None,
        excluded_user_ids: Collection[int] = (),
        min_activity: int = 0,
        offset: int = 0,
        limit: int = 10,
    ) -> BoardPage:
        """Members by the number of days they completed with `completed_at` in [start, end)."""
        query = _BoardQuery(Board.COMPLETIONS, guild_id, start, end, excluded_user_ids, min_activity)
        return await self._page(query, offset, limit)

    async def rank_of(
        self,
        guild_id: int,
        user_id: int,
        board: Board,
        *,
        start: datetime | None,
        end: datetime | None,
        excluded_user_ids: Collection[int] = (),
        min_activity: int = 0,
    ) -> RankEntry | None:
        """The member's place on the board wherever it falls; None if they are not on it."""
        query = _BoardQuery(board, guild_id, start, end, excluded_user_ids, min_activity)
        sql, params = query.rank_of(user_id)
        row = await self._db.fetch_one(sql, params)
        if row is None:
            return None
        return RankEntry(
            rank=int(row["rank"]),
            user_id=int(row["user_id"]),
            score=int(row["score"]),
            achieved_at=from_db(row["achieved_at"]),
        )

    async def _page(self, query: _BoardQuery, offset: int, limit: int) -> BoardPage:
        if offset < 0:
            raise ValueError(f"offset must not be negative, got {offset}")
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        sql, params = query.page(offset, limit)
        rows = await self._db.fetch_all(sql, params)
        # The statement always returns one row, so the total arrives even past the last page.
        total = int(rows[0]["total"]) if rows else 0
        return BoardPage(entries=_ranked(rows, offset), total_members=total, offset=offset)


def _ranked(rows: list[aiosqlite.Row], offset: int) -> list[RankEntry]:
    """Competition ranks for one page, from its rows in board order.

    A member's rank is 1 + the number of members strictly ahead. Everyone above an entry is
    strictly ahead unless the entry ties the one before it, so its rank is its position, or
    the previous entry's rank on a tie. Only the first entry of the page may tie someone on
    the page before; the statement counts who is strictly ahead of it (`ahead`).
    """
    entries: list[RankEntry] = []
    previous: tuple[int, str] | None = None  # (score, achieved_at as stored) of the entry above
    for position, row in enumerate(rows, start=offset + 1):
        if row["user_id"] is None:  # the LEFT JOIN's empty row: a page past the end
            continue
        key = (int(row["score"]), str(row["achieved_at"]))
        if previous is None:
            rank = int(row["ahead"]) + 1
        elif key == previous:
            rank = entries[-1].rank
        else:
            rank = position
        previous = key
        entries.append(RankEntry(rank, int(row["user_id"]), key[0], from_db(key[1])))
    return entries


class _BoardQuery:
    """Builds the statements for one board and window.

    Each statement aggregates the window once into the `board` CTE (materialized: it is read
    more than once) and ranks from there. Only fixed fragments are put together; every value
    is a bound parameter.
    """

    def __init__(
        self,
        board: Board,
        guild_id: int,
        start: datetime | None,
        end: datetime | None,
        excluded_user_ids: Collection[int],
        min_activity: int,
    ) -> None:
        if min_activity < 0:
            raise ValueError(f"min_activity must not be negative, got {min_activity}")
        if start is not None and end is not None and start >= end:
            raise ValueError("the window must end after it starts")
        self.board = board
        self.guild_id = guild_id
        self.start = None if start is None else to_db(start)
        self.end = None if end is None else to_db(end)
        # One JSON parameter however many members are excluded: no placeholder limit to hit.
        self.excluded = json.dumps(sorted({int(u) for u in excluded_user_ids})) if excluded_user_ids else None
        self.min_activity = min_activity

    def page(self, offset: int, limit: int) -> tuple[str, tuple[object, ...]]:
        cte, params = self._board_cte()
        sql = f"""
            WITH {cte},
            page AS MATERIALIZED (
                SELECT user_id, score, achieved_at FROM board
                ORDER BY score DESC, achieved_at ASC, user_id ASC
                LIMIT ? OFFSET ?
            ),
            head AS (
                SELECT score, achieved_at FROM page ORDER BY score DESC, achieved_at ASC, user_id ASC LIMIT 1
            ),
            counts AS (
                SELECT
                    (SELECT COUNT(*) FROM board) AS total,
                    (SELECT COUNT(*) FROM board AS b, head AS h
                      WHERE b.score > h.score OR (b.score = h.score AND b.achieved_at < h.achieved_at)) AS ahead
            )
            SELECT counts.total, counts.ahead, page.user_id, page.score, page.achieved_at
            FROM counts LEFT JOIN page ON 1
            ORDER BY page.score DESC, page.achieved_at ASC, page.user_id ASC
        """
        return sql, (*params, limit, offset)

    def rank_of(self, user_id: int) -> tuple[str, tuple[object, ...]]:
        cte, params = self._board_cte()
        sql = f"""
            WITH {cte}
            SELECT me.user_id, me.score, me.achieved_at,
                   1 + (SELECT COUNT(*) FROM board AS b
                         WHERE b.score > me.score OR (b.score = me.score AND b.achieved_at < me.achieved_at)) AS rank
            FROM board AS me
            WHERE me.user_id = ?
        """
        return sql, (*params, user_id)

    def _board_cte(self) -> tuple[str, list[object]]:
        if self.board is Board.POINTS:
            where, params = self._filters("p", "created_at")
            if self.min_activity > 0:
                active, active_params = self._active_members()
                where += f" AND p.user_id IN ({active})"
                params += active_params
            sql = f"""
                board AS MATERIALIZED (
                    SELECT p.user_id AS user_id, SUM(p.amount) AS score, MAX(p.created_at) AS achieved_at
                    FROM points AS p INDEXED BY {self._index("points")}
                    WHERE {where}
                    GROUP BY p.user_id
                )"""
            return sql, params
        where, params = self._filters("c", "completed_at")
        having = ""
        if self.min_activity > 0:
            having = " HAVING COUNT(*) >= ?"
            params.append(self.min_activity)
        sql = f"""
            board AS MATERIALIZED (
                SELECT c.user_id AS user_id, COUNT(*) AS score, MAX(c.completed_at) AS achieved_at
                FROM completions AS c INDEXED BY {self._index("completions")}
                WHERE {where}
                GROUP BY c.user_id{having}
            )"""
        return sql, params

    def _active_members(self) -> tuple[str, list[object]]:
        """Members with at least `min_activity` completed days in the window."""
        where, params = self._filters("a", "completed_at")
        sql = (
            f"SELECT a.user_id FROM completions AS a INDEXED BY {self._index('completions')}"
            f" WHERE {where} GROUP BY a.user_id HAVING COUNT(*) >= ?"
        )
        return sql, [*params, self.min_activity]

    def _index(self, table: str) -> str:
        """The covering index from migration 003 that reads the least for this window.

        With a start, only the window's time range is read (then grouped in a temporary
        b-tree); without one, the whole guild is read anyway, and member order groups for free.
        Named, not left to the planner: with no statistics it prefers member order even for
        one week, reading a year of rows to keep seven days'. INDEXED BY also makes a dropped
        index an error instead of a silent full scan.
        """
        return f"{table}_board_by_time" if self.start is not None else f"{table}_board_by_member"

    def _filters(self, alias: str, time_column: str) -> tuple[str, list[object]]:
        clauses = [f"{alias}.guild_id = ?"]
        params: list[object] = [self.guild_id]
        # Instants are stored as UTC ISO-8601 text of one fixed width, so text order is time order.
        if self.start is not None:
            clauses.append(f"{alias}.{time_column} >= ?")
            params.append(self.start)
        if self.end is not None:
            clauses.append(f"{alias}.{time_column} < ?")
            params.append(self.end)
        if self.excluded is not None:
            clauses.append(f"{alias}.user_id NOT IN (SELECT value FROM json_each(?))")
            params.append(self.excluded)
        return " AND ".join(clauses), params
