"""The leaderboard repository: boards read from `board_totals`, kept by the ledger's triggers."""

from __future__ import annotations

import random
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.points import Period, PeriodKey, period_key
from bot.store import Store
from bot.store.leaderboards import Board, BoardPage, LeaderboardRepository, RankEntry, _BoardQuery
from bot.store.timeutil import to_db

GUILD = 1
OTHER_GUILD = 2
T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)  # a Monday
ALL = PeriodKey(Period.ALL, None)


def week_of(day: date) -> PeriodKey:
    return period_key(Period.WEEK, day)


@dataclass
class Ledger:
    """Writes ledger rows directly, with exactly the instants and group days a test needs."""

    store: Store
    board: LeaderboardRepository

    async def points(
        self, user_id: int, amount: int, at: datetime, guild_id: int = GUILD, day: date | None = None
    ) -> None:
        async with self.store._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO points (guild_id, user_id, amount, reason, group_date, created_at)"
                " VALUES (?, ?, ?, 'completion', ?, ?)",
                (guild_id, user_id, amount, (day or at.date()).isoformat(), to_db(at)),
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


async def points_board(ledger: Ledger, period: PeriodKey = ALL, **kwargs: object) -> BoardPage:
    return await ledger.board.page(GUILD, Board.POINTS, period, **kwargs)  # type: ignore[arg-type]


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


async def test_only_entries_inside_the_period_set_the_achievement_time(ledger: Ledger) -> None:
    next_week = T0 + timedelta(days=7)
    await ledger.points(1, 10, T0 + timedelta(hours=1))
    await ledger.points(2, 10, T0 + timedelta(hours=2))
    await ledger.points(1, 10, next_week + timedelta(hours=1))  # the next week: neither counted nor "last"

    page = await points_board(ledger, week_of(T0.date()))

    assert ranking(page) == [(1, 1, 10), (2, 2, 10)]
    assert page.entries[0].achieved_at == T0 + timedelta(hours=1)


async def test_a_member_whose_entries_cancel_out_stays_on_the_board_with_zero(ledger: Ledger) -> None:
    await ledger.points(1, 10, T0)
    await ledger.points(1, -10, T0 + timedelta(hours=1))  # a reversed award
    await ledger.points(2, 5, T0)

    assert ranking(await points_board(ledger)) == [(1, 2, 5), (2, 1, 0)]


# --- periods ----------------------------------------------------------------------------------


async def test_a_week_is_monday_to_sunday_by_group_day(ledger: Ledger) -> None:
    monday = T0.date()
    late = timedelta(days=1, hours=2)  # completed after midnight UTC, still on the group's day
    await ledger.points(1, 1, T0 - timedelta(days=1), day=monday - timedelta(days=1))  # the Sunday before: out
    await ledger.points(2, 2, T0, day=monday)  # Monday: in
    await ledger.points(3, 3, T0 + timedelta(days=6) + late, day=monday + timedelta(days=6))  # Sunday: in
    await ledger.points(4, 4, T0 + timedelta(days=7), day=monday + timedelta(days=7))  # next Monday: out

    for day in (monday, monday + timedelta(days=3), monday + timedelta(days=6)):  # any day names the week
        page = await points_board(ledger, week_of(day))
        assert ranking(page) == [(1, 3, 3), (2, 2, 2)]
        assert page.total_members == 2
    assert [e.user_id for e in (await points_board(ledger, week_of(monday + timedelta(days=7)))).entries] == [4]
    assert [e.user_id for e in (await points_board(ledger)).entries] == [4, 3, 2, 1]


async def test_a_month_is_its_calendar_days_by_group_day(ledger: Ledger) -> None:
    at = datetime(2028, 2, 1, 9, tzinfo=UTC)
    await ledger.points(1, 1, at - timedelta(days=1))  # 31 January: out
    await ledger.points(2, 2, at)  # 1 February: in
    await ledger.points(3, 3, datetime(2028, 2, 29, 23, tzinfo=UTC))  # a leap day: in
    await ledger.points(4, 4, datetime(2028, 3, 1, 1, tzinfo=UTC), day=date(2028, 2, 29))  # Feb 29's group day: in
    await ledger.points(5, 5, datetime(2028, 3, 1, 9, tzinfo=UTC))  # 1 March: out

    page = await points_board(ledger, period_key(Period.MONTH, date(2028, 2, 17)))

    assert ranking(page) == [(1, 4, 4), (2, 3, 3), (3, 2, 2)]


# --- who is on the board ------------------------------------------------------------------------


async def test_excluded_members_are_neither_listed_nor_counted_nor_ranked(ledger: Ledger) -> None:
    bot_id = 1_234_567_890_123_456_789  # a real-sized snowflake survives the JSON parameter
    await ledger.points(bot_id, 1000, T0)
    await ledger.points(2, 20, T0)
    await ledger.points(3, 10, T0)

    page = await points_board(ledger, excluded_user_ids={bot_id, 404})

    assert ranking(page) == [(1, 2, 20), (2, 3, 10)]
    assert page.total_members == 2
    assert await ledger.board.rank_of(GUILD, bot_id, Board.POINTS, ALL, excluded_user_ids=[bot_id]) is None
    me = await ledger.board.rank_of(GUILD, 3, Board.POINTS, ALL, excluded_user_ids=[bot_id])
    assert me == RankEntry(2, 3, 10, T0)


async def test_min_activity_counts_completed_days_inside_the_period(ledger: Ledger) -> None:
    start = T0
    for offset in range(3):
        await ledger.day(1, start + timedelta(days=offset), amount=10)  # 3 days, 30 points
    await ledger.day(2, start, amount=10)
    await ledger.points(2, 90, start + timedelta(hours=1))  # 100 points from a single day
    await ledger.day(3, start - timedelta(days=1))  # active, but before the window
    await ledger.day(3, start - timedelta(days=2))
    await ledger.points(3, 50, start + timedelta(hours=2))  # points in the window, no day in it

    week = week_of(start.date())
    everyone = await points_board(ledger, week)
    assert [e.user_id for e in everyone.entries] == [2, 3, 1]

    regulars = await points_board(ledger, week, min_activity=2)
    assert ranking(regulars) == [(1, 1, 30)]
    assert regulars.total_members == 1
    assert await ledger.board.rank_of(GUILD, 2, Board.POINTS, week, min_activity=2) is None

    days = await ledger.board.page(GUILD, Board.COMPLETIONS, week, min_activity=1)
    assert ranking(days) == [(1, 1, 3), (2, 2, 1)]
    assert ranking(await ledger.board.page(GUILD, Board.COMPLETIONS, week, min_activity=2)) == [(1, 1, 3)]

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

    page = await ledger.board.page(GUILD, Board.COMPLETIONS, week_of(day1.date()))

    assert ranking(page) == [(1, 2, 2), (2, 1, 2), (3, 3, 1)]
    assert page.entries[0].achieved_at == day2 + timedelta(hours=1)
    me = await ledger.board.rank_of(GUILD, 1, Board.COMPLETIONS, ALL)
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

    me = await ledger.board.rank_of(GUILD, 3, Board.POINTS, ALL)
    assert me == RankEntry(23, 3, 3, T0 + timedelta(minutes=3))
    assert await ledger.board.rank_of(GUILD, 999, Board.POINTS, ALL) is None

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
    assert (await ledger.board.rank_of(GUILD, 4, Board.POINTS, ALL)) == RankEntry(2, 4, 50, T0 + timedelta(hours=1))
    # The service takes a viewer's place from the page when they are on it: the same answer.
    for page in (first, second):
        for entry in page.entries:
            assert await ledger.board.rank_of(GUILD, entry.user_id, Board.POINTS, ALL) == entry


async def test_bad_paging_is_refused(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="offset"):
        await points_board(ledger, offset=-1)
    with pytest.raises(ValueError, match="limit"):
        await points_board(ledger, limit=0)


async def test_an_empty_board(ledger: Ledger) -> None:
    await ledger.day(1, T0 - timedelta(days=30))  # history, but not in this week

    for board in Board:
        page = await ledger.board.page(GUILD, board, week_of(T0.date()))
        assert page == BoardPage(entries=[], total_members=0, offset=0)
    assert await ledger.board.rank_of(GUILD, 1, Board.POINTS, week_of(T0.date())) is None
    assert (await ledger.board.page(3, Board.POINTS, ALL)).total_members == 0


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

    periods = [ALL, week_of(T0.date()), week_of(T0.date() + timedelta(days=9)), period_key(Period.MONTH, T0.date())]
    for period in periods:
        totals: dict[int, tuple[int, datetime]] = {}
        for user_id, amount, at in rows:
            if user_id in excluded or period_key(period.period, at.date()) != period:
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
            page = await points_board(ledger, period, excluded_user_ids=excluded, offset=offset, limit=7)
            assert page.total_members == len(order)
            listed.extend(page.entries)
        assert listed == expected
        for entry in expected:
            found = await ledger.board.rank_of(GUILD, entry.user_id, Board.POINTS, period, excluded_user_ids=excluded)
            assert found == entry


# --- the plan -------------------------------------------------------------------------------------


@pytest.mark.parametrize("board", list(Board))
@pytest.mark.parametrize("period", [ALL, PeriodKey(Period.WEEK, T0.date())])
async def test_boards_read_only_their_index(ledger: Ledger, board: Board, period: PeriodKey) -> None:
    """A board never reads the ledger, nor the totals' rows: one walk of its own index each."""
    query = _BoardQuery(board, GUILD, period, [42], min_activity=2)
    for first, (sql, params) in ((True, query.page(0, 10)), (False, query.page(10, 10)), (False, query.rank_of(1))):
        rows = await ledger.store._db.fetch_all("EXPLAIN QUERY PLAN " + sql, params)
        plan = [row["detail"] for row in rows]
        assert not [line for line in plan if re.search(r"\b(points|completions|submissions) AS", line)], plan
        reads = [line for line in plan if re.match(r"(SEARCH|SCAN) (t|b|me)\b", line)]
        assert reads, plan
        for line in reads:
            if line.startswith("SEARCH me"):  # the viewer's own row, by primary key
                assert "USING INDEX sqlite_autoindex_board_totals_1" in line, plan
            else:
                assert f"USING COVERING INDEX board_totals_{board.value} " in line, plan
        # Who is ahead is counted over two ranges of the index, never the whole board; nobody is
        # ahead of the first page, which counts nothing of the kind.
        score, at = board.value, f"{board.value}_at"
        higher = any(f"AND {score}>?)" in line for line in reads)
        tied_earlier = any(f"AND {score}=? AND {at}<?)" in line for line in reads)
        assert (higher, tied_earlier) == ((False, False) if first else (True, True)), plan
        # The page comes out of the index in board order: no sorting of the board, only of the page.
        under_page: set[int] = {row["id"] for row in rows if row["detail"] == "MATERIALIZE page"}
        for row in rows:
            if row["parent"] in under_page:
                under_page.add(row["id"])
                assert "TEMP B-TREE" not in row["detail"], plan
