from __future__ import annotations

import random
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.store import Store
from bot.store.leaderboards import Board, BoardPage, LeaderboardRepository, RankEntry, _BoardQuery
from bot.store.timeutil import to_db

GUILD = 1
OTHER_GUILD = 2
T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@dataclass
class Ledger:
    """Writes ledger rows directly, with exactly the instants a test needs."""

    store: Store
    board: LeaderboardRepository

    async def points(self, user_id: int, amount: int, at: datetime, guild_id: int = GUILD) -> None:
        async with self.store._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO points (guild_id, user_id, amount, reason, group_date, created_at)"
                " VALUES (?, ?, ?, 'completion', ?, ?)",
                (guild_id, user_id, amount, at.date().isoformat(), to_db(at)),
            )

    async def completion(self, user_id: int, at: datetime, guild_id: int = GUILD, day: date | None = None) -> None:
        async with self.store._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO completions (guild_id, user_id, group_date, challenge_id, how, link, first_try,"
                " completed_at) VALUES (?, ?, ?, 'c1', 'done', NULL, 0, ?)",
                (guild_id, user_id, (day or at.date()).isoformat(), to_db(at)),
            )

    async def day(self, user_id: int, at: datetime, amount: int = 10) -> None:
        """A completed day with its points, as the ledger records it: both at the same instant."""
        await self.completion(user_id, at)
        await self.points(user_id, amount, at)


@pytest.fixture
async def ledger(tmp_path: Path) -> AsyncIterator[Ledger]:
    async with Store(tmp_path / "db.sqlite") as store:
        yield Ledger(store, LeaderboardRepository(store._db))


def ranking(page: BoardPage) -> list[tuple[int, int, int]]:
    return [(e.rank, e.user_id, e.score) for e in page.entries]


async def points_board(ledger: Ledger, **kwargs: object) -> BoardPage:
    window: dict[str, object] = {"start": None, "end": None}
    window.update(kwargs)
    return await ledger.board.points_board(GUILD, **window)  # type: ignore[arg-type]


# --- ordering and ties --------------------------------------------------------------------


async def test_members_are_ranked_by_their_points_in_the_window(ledger: Ledger) -> None:
    await ledger.points(10, 15, T0)
    await ledger.points(10, 5, T0 + timedelta(hours=1))
    await ledger.points(20, 30, T0 + timedelta(hours=2))
    await ledger.points(30, 10, T0 + timedelta(hours=3))
    await ledger.points(99, 500, T0, guild_id=OTHER_GUILD)  # another server's ledger never leaks in

    page = await points_board(ledger)

    assert ranking(page) == [(1, 20, 30), (2, 10, 20), (3, 30, 10)]
    assert page.total_members == 3 and page.offset == 0
    assert page.entries[1].achieved_at == T0 + timedelta(hours=1)
    assert page.entries[1].achieved_at.tzinfo is not None


async def test_on_the_same_total_the_earlier_achiever_ranks_first(ledger: Ledger) -> None:
    # 11 reached 30 at +5h; 12 reached 30 at +2h, though 11 started earlier and has a lower id.
    await ledger.points(11, 10, T0)
    await ledger.points(11, 20, T0 + timedelta(hours=5))
    await ledger.points(12, 30, T0 + timedelta(hours=2))

    page = await points_board(ledger)

    assert ranking(page) == [(1, 12, 30), (2, 11, 30)]
    assert [e.achieved_at for e in page.entries] == [T0 + timedelta(hours=2), T0 + timedelta(hours=5)]


async def test_same_total_at_the_same_instant_shares_a_rank_listed_by_user_id(ledger: Ledger) -> None:
    await ledger.points(5, 50, T0)
    for user_id in (40, 30):  # written out of id order on purpose
        await ledger.points(user_id, 20, T0 + timedelta(hours=1))
    await ledger.points(7, 20, T0 + timedelta(hours=2))

    for _ in range(3):  # the same answer every time
        page = await points_board(ledger)
        assert ranking(page) == [(1, 5, 50), (2, 30, 20), (2, 40, 20), (4, 7, 20)]


async def test_only_entries_inside_the_window_set_the_achievement_time(ledger: Ledger) -> None:
    end = T0 + timedelta(days=1)
    await ledger.points(1, 10, T0 + timedelta(hours=1))
    await ledger.points(2, 10, T0 + timedelta(hours=2))
    await ledger.points(1, 10, end + timedelta(hours=1))  # after the window: neither counted nor "last"

    page = await points_board(ledger, start=T0, end=end)

    assert ranking(page) == [(1, 1, 10), (2, 2, 10)]
    assert page.entries[0].achieved_at == T0 + timedelta(hours=1)


async def test_a_member_whose_entries_cancel_out_stays_on_the_board_with_zero(ledger: Ledger) -> None:
    await ledger.points(1, 10, T0)
    await ledger.points(1, -10, T0 + timedelta(hours=1))  # a reversed award
    await ledger.points(2, 5, T0)

    assert ranking(await points_board(ledger)) == [(1, 2, 5), (2, 1, 0)]


# --- windows ----------------------------------------------------------------------------------


async def test_the_window_includes_its_start_and_excludes_its_end(ledger: Ledger) -> None:
    start, end = T0, T0 + timedelta(days=7)
    tick = timedelta(microseconds=1)
    await ledger.points(1, 1, start - tick)  # just before: out
    await ledger.points(2, 2, start)  # exactly the start: in
    await ledger.points(3, 3, end - tick)  # the last instant: in
    await ledger.points(4, 4, end)  # exactly the end: out

    page = await points_board(ledger, start=start, end=end)
    assert ranking(page) == [(1, 3, 3), (2, 2, 2)]
    assert page.total_members == 2

    assert [e.user_id for e in (await points_board(ledger, start=start)).entries] == [4, 3, 2]
    assert [e.user_id for e in (await points_board(ledger, end=end)).entries] == [3, 2, 1]
    assert [e.user_id for e in (await points_board(ledger)).entries] == [4, 3, 2, 1]


async def test_windows_in_any_zone_are_compared_as_instants(ledger: Ledger) -> None:
    from zoneinfo import ZoneInfo

    await ledger.points(1, 10, T0)
    local_start = T0.astimezone(ZoneInfo("America/New_York"))  # same instant, written differently

    page = await points_board(ledger, start=local_start, end=local_start + timedelta(seconds=1))

    assert ranking(page) == [(1, 1, 10)]


async def test_naive_or_inverted_windows_are_refused(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="naive"):
        await points_board(ledger, start=datetime(2027, 3, 1))
    with pytest.raises(ValueError, match="end after it starts"):
        await points_board(ledger, start=T0, end=T0)


# --- who is on the board ------------------------------------------------------------------------


async def test_excluded_members_are_neither_listed_nor_counted_nor_ranked(ledger: Ledger) -> None:
    bot_id = 1_234_567_890_123_456_789  # a real-sized snowflake survives the JSON parameter
    await ledger.points(bot_id, 1000, T0)
    await ledger.points(2, 20, T0)
    await ledger.points(3, 10, T0)

    page = await points_board(ledger, excluded_user_ids={bot_id, 404})

    assert ranking(page) == [(1, 2, 20), (2, 3, 10)]
    assert page.total_members == 2
    assert (
        await ledger.board.rank_of(GUILD, bot_id, Board.POINTS, start=None, end=None, excluded_user_ids=[bot_id])
        is None
    )
    me = await ledger.board.rank_of(GUILD, 3, Board.POINTS, start=None, end=None, excluded_user_ids=[bot_id])
    assert me == RankEntry(2, 3, 10, T0)


async def test_min_activity_counts_completed_days_inside_the_window(ledger: Ledger) -> None:
    start = T0
    for offset in range(3):
        await ledger.day(1, start + timedelta(days=offset), amount=10)  # 3 days, 30 points
    await ledger.day(2, start, amount=10)
    await ledger.points(2, 90, start + timedelta(hours=1))  # 100 points from a single day
    await ledger.day(3, start - timedelta(days=1))  # active, but before the window
    await ledger.day(3, start - timedelta(days=2))
    await ledger.points(3, 50, start + timedelta(hours=2))  # points in the window, no day in it

    window = {"start": start, "end": start + timedelta(days=7)}
    everyone = await points_board(ledger, **window)
    assert [e.user_id for e in everyone.entries] == [2, 3, 1]

    regulars = await points_board(ledger, **window, min_activity=2)
    assert ranking(regulars) == [(1, 1, 30)]
    assert regulars.total_members == 1
    assert await ledger.board.rank_of(GUILD, 2, Board.POINTS, **window, min_activity=2) is None  # type: ignore[arg-type]

    days = await ledger.board.completions_board(GUILD, **window, min_activity=1)  # type: ignore[arg-type]
    assert ranking(days) == [(1, 1, 3), (2, 2, 1)]
    assert ranking(await ledger.board.completions_board(GUILD, **window, min_activity=2)) == [(1, 1, 3)]  # type: ignore[arg-type]

    with pytest.raises(ValueError, match="min_activity"):
        await points_board(ledger, min_activity=-1)


# --- completions board ----------------------------------------------------------------------------


async def test_completions_board_counts_days_and_breaks_ties_by_the_last_completion(ledger: Ledger) -> None:
    day1, day2 = T0, T0 + timedelta(days=1)
    await ledger.completion(1, day1 + timedelta(hours=3))
    await ledger.completion(1, day2 + timedelta(hours=3))
    await ledger.completion(2, day1)
    await ledger.completion(2, day2 + timedelta(hours=1))  # two days, done earlier than member 1
    await ledger.completion(3, day1)
    await ledger.completion(4, day2 + timedelta(hours=5), guild_id=OTHER_GUILD)

    page = await ledger.board.completions_board(GUILD, start=day1, end=day1 + timedelta(days=7))

    assert ranking(page) == [(1, 2, 2), (2, 1, 2), (3, 3, 1)]
    assert page.entries[0].achieved_at == day2 + timedelta(hours=1)
    me = await ledger.board.rank_of(GUILD, 1, Board.COMPLETIONS, start=day1, end=None)
    assert me == RankEntry(2, 1, 2, day2 + timedelta(hours=3))


# --- paging and rank_of -----------------------------------------------------------------------------


async def test_pages_cover_the_board_once_and_rank_of_finds_members_off_the_page(ledger: Ledger) -> None:
    for user_id in range(1, 26):  # 25 members: user n has n points
        await ledger.points(user_id, user_id, T0 + timedelta(minutes=user_id))

    pages = [await points_board(ledger, offset=offset, limit=10) for offset in (0, 10, 20)]

    assert [len(p.entries) for p in pages] == [10, 10, 5]
    assert all(p.total_members == 25 for p in pages)
    assert [p.offset for p in pages] == [0, 10, 20]
    listed = [e for p in pages for e in p.entries]
    assert [e.user_id for e in listed] == list(range(25, 0, -1))
    assert [e.rank for e in listed] == list(range(1, 26))

    me = await ledger.board.rank_of(GUILD, 3, Board.POINTS, start=None, end=None)
    assert me == RankEntry(23, 3, 3, T0 + timedelta(minutes=3))
    assert await ledger.board.rank_of(GUILD, 999, Board.POINTS, start=None, end=None) is None

    past_the_end = await points_board(ledger, offset=40, limit=10)
    assert past_the_end == BoardPage(entries=[], total_members=25, offset=40)


async def test_a_tie_across_a_page_break_keeps_its_shared_rank(ledger: Ledger) -> None:
    await ledger.points(1, 90, T0)
    for user_id in (2, 3, 4):  # three tied members: ranks 2, 2, 2 across pages of two
        await ledger.points(user_id, 50, T0 + timedelta(hours=1))
    await ledger.points(5, 10, T0)

    first = await points_board(ledger, limit=2)
    second = await points_board(ledger, offset=2, limit=2)

    assert ranking(first) == [(1, 1, 90), (2, 2, 50)]
    assert ranking(second) == [(2, 3, 50), (2, 4, 50)]
    assert ranking(await points_board(ledger, offset=4, limit=2)) == [(5, 5, 10)]
    assert (await ledger.board.rank_of(GUILD, 4, Board.POINTS, start=None, end=None)) == RankEntry(
        2, 4, 50, T0 + timedelta(hours=1)
    )


async def test_bad_paging_is_refused(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="offset"):
        await points_board(ledger, offset=-1)
    with pytest.raises(ValueError, match="limit"):
        await points_board(ledger, limit=0)


async def test_an_empty_board(ledger: Ledger) -> None:
    await ledger.points(1, 10, T0 - timedelta(days=30))  # history, but not in this window

    for board in (ledger.board.points_board, ledger.board.completions_board):
        page = await board(GUILD, start=T0, end=None)
        assert page == BoardPage(entries=[], total_members=0, offset=0)
    assert await ledger.board.rank_of(GUILD, 1, Board.POINTS, start=T0, end=None) is None
    assert (await ledger.board.points_board(3, start=None, end=None)).total_members == 0


# --- against a reference --------------------------------------------------------------------------


async def test_pages_and_ranks_match_a_plain_python_reference(ledger: Ledger) -> None:
    """Random ledgers with deliberate ties, every page and every member's rank_of compared."""
    rng = random.Random(7)
    instants = [T0 + timedelta(hours=h) for h in range(0, 24 * 20, 7)]  # few instants: many ties
    rows: list[tuple[int, int, datetime]] = []
    for _ in range(400):
        user_id, amount, at = rng.randrange(1, 60), rng.choice([5, 10, 10, 15, -5]), rng.choice(instants)
        rows.append((user_id, amount, at))
        await ledger.points(user_id, amount, at)
    excluded = {3, 4}

    for start, end in [(None, None), (T0 + timedelta(days=5), T0 + timedelta(days=12)), (T0 + timedelta(days=3), None)]:
        totals: dict[int, tuple[int, datetime]] = {}
        for user_id, amount, at in rows:
            if user_id in excluded or (start and at < start) or (end and at >= end):
                continue
            total, last = totals.get(user_id, (0, at))
            totals[user_id] = (total + amount, max(last, at))
        order = sorted(totals, key=lambda u: (-totals[u][0], totals[u][1], u))
        expected = [
            RankEntry(
                1 + sum(1 for o in totals.values() if (-o[0], o[1]) < (-totals[u][0], totals[u][1])),
                u,
                totals[u][0],
                totals[u][1],
            )
            for u in order
        ]

        listed: list[RankEntry] = []
        for offset in range(0, len(order) + 7, 7):
            page = await points_board(ledger, start=start, end=end, excluded_user_ids=excluded, offset=offset, limit=7)
            assert page.total_members == len(order)
            listed.extend(page.entries)
        assert listed == expected
        for entry in expected:
            found = await ledger.board.rank_of(
                GUILD, entry.user_id, Board.POINTS, start=start, end=end, excluded_user_ids=excluded
            )
            assert found == entry


# --- the plan -------------------------------------------------------------------------------------


@pytest.mark.parametrize("board", list(Board))
@pytest.mark.parametrize("start", [T0, None])
async def test_boards_read_only_the_covering_indexes(ledger: Ledger, board: Board, start: datetime | None) -> None:
    """A board must never read the ledger tables themselves: at 1M rows that is the difference."""
    query = _BoardQuery(board, GUILD, start, None, [42], min_activity=2)
    for sql, params in (query.page(0, 10), query.rank_of(1)):
        plan = [row["detail"] for row in await ledger.store._db.fetch_all("EXPLAIN QUERY PLAN " + sql, params)]
        # p or c: the board's own table; a: completions read for min_activity on the points board.
        reads = [line for line in plan if re.match(r"(SEARCH|SCAN) [pca] ", line)]
        assert len(reads) == (2 if board is Board.POINTS else 1), plan
        index = "board_by_time" if start else "board_by_member"
        assert all(re.search(rf"USING COVERING INDEX (points|completions)_{index} ", line) for line in reads), plan
