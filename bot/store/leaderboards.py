"""Leaderboards: members ranked by their totals for a period, read from `board_totals`.

`board_totals` (migration 007) holds each member's points, completed days and submissions per
period, written by triggers in the same transaction as the ledger rows they count, so a board
never disagrees with the ledger. A page, the board's size and a member's rank are each one walk
of the board's index: the cost depends on the members on the board, not on the history.

Ordering, the same on every call:
  1. score, highest first;
  2. the time the member reached that score, earliest first. That is the instant of their
     latest row counted in the period: of two members on 120 points, the one whose last
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
from functools import cache

import aiosqlite

from bot.core.points import PeriodKey
from bot.store.database import Database
from bot.store.timeutil import from_db


class Board(StrEnum):
    POINTS = "points"  # the sum of points entries in the period
    COMPLETIONS = "completions"  # the number of completed days in the period
    SUBMISSIONS = "submissions"  # work recorded in the period, less links GitHub reports missing or private


# Per board: the score column, the column saying when it was reached, and its index (007).
_COLUMNS = {
    Board.POINTS: ("points", "points_at", "points_n"),
    Board.COMPLETIONS: ("completions", "completions_at", "completions"),
    Board.SUBMISSIONS: ("submissions", "submissions_at", "submissions"),
}


@dataclass(frozen=True)
class RankEntry:
    rank: int  # 1-based, competition ranking
    user_id: int
    score: int
    achieved_at: datetime  # UTC; when the member reached `score` (their latest row counted)


@dataclass(frozen=True)
class BoardPage:
    entries: list[RankEntry]
    total_members: int  # everyone on the board, not just this page
    offset: int


class LeaderboardRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def page(
        self,
        guild_id: int,
        board: Board,
        period: PeriodKey,
        *,
        excluded_user_ids: Collection[int] = (),
        min_activity: int = 0,
        offset: int = 0,
        limit: int = 10,
    ) -> BoardPage:
        """One page of the board, with the number of members on it.

        A member is on a board with any row counted in the period (a points board holds members
        whose entries sum to zero too) and, when `min_activity` > 0, at least that many completed
        days in the period.
        """
        if offset < 0:
            raise ValueError(f"offset must not be negative, got {offset}")
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        sql, params = _BoardQuery(board, guild_id, period, excluded_user_ids, min_activity).page(offset, limit)
        rows = await self._db.fetch_all(sql, params)
        # The statement always returns one row, so the total arrives even past the last page.
        total = int(rows[0]["total"]) if rows else 0
        return BoardPage(entries=_ranked(rows, offset), total_members=total, offset=offset)

    async def rank_of(
        self,
        guild_id: int,
        user_id: int,
        board: Board,
        period: PeriodKey,
        *,
        excluded_user_ids: Collection[int] = (),
        min_activity: int = 0,
    ) -> RankEntry | None:
        """The member's place on the board wherever it falls; None if they are not on it."""
        sql, params = _BoardQuery(board, guild_id, period, excluded_user_ids, min_activity).rank_of(user_id)
        row = await self._db.fetch_one(sql, params)
        if row is None:
            return None
        return RankEntry(
            rank=int(row["rank"]),
            user_id=int(row["user_id"]),
            score=int(row["score"]),
            achieved_at=from_db(row["achieved_at"]),
        )


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
    """The statements for one board and period, and their parameters.

    Every read names the board's index (INDEXED BY): walking it gives board order for free, and
    a dropped index is an error rather than a silent scan. Only fixed fragments are put
    together; every value is a bound parameter, so a statement's text depends on its shape alone
    and is built once per shape (see _statement).
    """

    def __init__(
        self,
        board: Board,
        guild_id: int,
        period: PeriodKey,
        excluded_user_ids: Collection[int],
        min_activity: int,
    ) -> None:
        if min_activity < 0:
            raise ValueError(f"min_activity must not be negative, got {min_activity}")
        self.board = board
        self.guild_id = guild_id
        self.period = period.period.value
        self.start = "" if period.start is None else period.start.isoformat()
        # One JSON parameter however many members are excluded: no placeholder limit to hit.
        self.excluded = json.dumps(sorted({int(u) for u in excluded_user_ids})) if excluded_user_ids else None
        self.min_activity = min_activity

    def page(self, offset: int, limit: int) -> tuple[str, tuple[object, ...]]:
        on_board = self._on_board_params()
        if offset == 0:  # nobody is ahead of the top
            sql = _statement("first_page", self.board, self.min_activity > 0, self.excluded is not None)
            return sql, (*on_board, limit, offset, *on_board)
        sql = _statement("page", self.board, self.min_activity > 0, self.excluded is not None)
        return sql, (*on_board, limit, offset, *on_board, *on_board, *on_board)

    def rank_of(self, user_id: int) -> tuple[str, tuple[object, ...]]:
        on_board = self._on_board_params()
        sql = _statement("rank_of", self.board, self.min_activity > 0, self.excluded is not None)
        return sql, (*on_board, *on_board, *on_board, user_id)

    def _on_board_params(self) -> list[object]:
        params: list[object] = [self.guild_id, self.period, self.start]
        if self.min_activity > 0:
            params.append(self.min_activity)
        if self.excluded is not None:
            params.append(self.excluded)
        return params


@cache  # 3 statements x 3 boards x 4 filter shapes
def _statement(kind: str, board: Board, with_minimum: bool, with_excluded: bool) -> str:
    score, at, _ = _COLUMNS[board]
    index = f"board_totals_{board.value}"

    def on_board(alias: str) -> str:
        return _on_board(alias, board, with_minimum, with_excluded)

    if kind == "rank_of":
        ahead = _ahead_of(board, on_board("b"), f"me.{score}", f"me.{at}")
        return f"""
            SELECT me.user_id, me.{score} AS score, me.{at} AS achieved_at, 1 + {ahead} AS rank
            FROM board_totals AS me
            WHERE {on_board("me")} AND me.user_id = ?
        """
    if kind == "first_page":
        ahead = "0"
        head = ""
    else:
        ahead = _ahead_of(board, on_board("b"), "(SELECT score FROM head)", "(SELECT achieved_at FROM head)")
        head = """
        head AS (
            SELECT score, achieved_at FROM page ORDER BY score DESC, achieved_at ASC, user_id ASC LIMIT 1
        ),"""
    return f"""
        WITH page AS MATERIALIZED (
            SELECT t.user_id, t.{score} AS score, t.{at} AS achieved_at
            FROM board_totals AS t INDEXED BY {index}
            WHERE {on_board("t")}
            ORDER BY t.{score} DESC, t.{at} ASC, t.user_id ASC
            LIMIT ? OFFSET ?
        ),{head}
        counts AS (
            SELECT
                (SELECT COUNT(*) FROM board_totals AS t INDEXED BY {index} WHERE {on_board("t")}) AS total,
                {ahead} AS ahead
        )
        SELECT counts.total, counts.ahead, page.user_id, page.score, page.achieved_at
        FROM counts LEFT JOIN page ON 1
        ORDER BY page.score DESC, page.achieved_at ASC, page.user_id ASC
    """


def _ahead_of(board: Board, on_board: str, score: str, at: str) -> str:
    """How many are strictly ahead of (score, at): a higher score, or the same score reached
    earlier. Two counts, each a range of the board's index (an OR would walk all of it), so
    the cost follows the rank, not the board's size. Takes the on-board parameters twice."""
    column, at_column, _ = _COLUMNS[board]
    count = f"(SELECT COUNT(*) FROM board_totals AS b INDEXED BY board_totals_{board.value} WHERE {on_board} AND {{}})"
    higher = count.format(f"b.{column} > {score}")
    earlier = count.format(f"b.{column} = {score} AND b.{at_column} < {at}")
    return f"({higher} + {earlier})"


def _on_board(alias: str, board: Board, with_minimum: bool, with_excluded: bool) -> str:
    """Who is on the board; its parameters are _BoardQuery._on_board_params.

    The unary `+` keeps a filter from being taken as an index range: "present" and the minimum
    activity must never stand in for the score range of a rank count (SQLite uses one range
    per column), and one member's own row is found by primary key, not down a board's index.
    """
    present = _COLUMNS[board][2]
    clauses = [f"{alias}.guild_id = ?", f"{alias}.period = ?", f"{alias}.period_start = ?", f"+{alias}.{present} > 0"]
    if with_minimum:
        clauses.append(f"+{alias}.completions >= ?")
    if with_excluded:
        clauses.append(f"{alias}.user_id NOT IN (SELECT value FROM json_each(?))")
    return " AND ".join(clauses)
