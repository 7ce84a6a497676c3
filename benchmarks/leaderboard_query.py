"""Leaderboard queries at the scale of the issue: 10,000 members, a year of history.

Builds a throwaway SQLite database with the real migrations (`bot.store.Store`), fills it with
a realistic ledger (a few very active members, many occasional ones; points from the real
scoring rules in `bot.core.points`; some work submitted), then times the leaderboard repository:

    page 1, a random page and rank_of a random member, for each board and each period
    (week, month, season = the last 90 days, all time).

The ledger is written through the real schema, so the triggers of migration 007 keep the
boards' totals as they would in the bot; the script also times what that costs a completion
and a season change.

Prints p50/p95/p99 in ms per query kind and period, and exits 1 if any p95 is over the budget
(20 ms by default). A benchmark, run by hand, not by pytest:

    .venv/bin/python -m benchmarks.leaderboard_query            # the full run
    .venv/bin/python -m benchmarks.leaderboard_query --queries 20 --explain
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

from benchmarks.common import machine, percentile
from bot.core.points import (
    ChallengeKind,
    Completion,
    Difficulty,
    Period,
    PeriodKey,
    entries_for_completion,
    period_key,
)
from bot.store import GroupSettings, NewPoints, Store
from bot.store.leaderboards import Board, BoardPage, LeaderboardRepository, RankEntry, _BoardQuery
from bot.store.timeutil import to_db

GUILD_ID = 911_000_000_000_000_001
TIMEZONE = "Europe/Berlin"
POST_AT_UTC = dtime(7, 0)  # the daily post; members answer in the hours after it
FIRST_MEMBER_ID = 300_000_000_000_000_000  # snowflake-sized ids
EXCLUDED = 3  # a few members (bots, the organiser) the board leaves out, as a guild would
SUBMIT_CHANCE = 0.05  # a completed day that also ships a GitHub or Kaggle link


@dataclass(frozen=True)
class Profile:
    name: str
    share: float  # of the members
    daily_chance: tuple[float, float]  # a member's chance to complete any given day, drawn once


# Most members drop in now and then; a few never miss a day. Tuned so a year of 10,000 members
# makes about a million points rows.
PROFILES = (
    Profile("very active", 0.06, (0.85, 0.98)),
    Profile("regular", 0.24, (0.35, 0.75)),
    Profile("occasional", 0.70, (0.01, 0.15)),
)


@dataclass
class Dataset:
    path: Path
    members: list[int]
    now: datetime
    points_rows: int
    completion_rows: int
    submission_rows: int
    build_seconds: float | None  # None: an existing database was reused


@dataclass
class Ledger:
    members: list[int]
    points: list[tuple[object, ...]]
    completions: list[tuple[object, ...]]
    submissions: list[tuple[object, ...]]


def history_end(days: int) -> tuple[date, datetime]:
    """The first day of history and "now". The last day is a Sunday that ends a month, so this
    week and this month are full ones: the boards are measured at their largest."""
    last_day = date(2027, 1, 31)
    return last_day - timedelta(days=days - 1), datetime.combine(last_day, dtime(20, 0), tzinfo=UTC)


def generate(members: int, days: int, seed: int) -> Ledger:
    rng = random.Random(seed)
    first_day, _ = history_end(days)
    kinds = list(ChallengeKind)
    difficulties = list(Difficulty)
    day_challenges = [(rng.choice(kinds), rng.choice(difficulties)) for _ in range(days)]
    ledger = Ledger([], [], [], [])
    for index in range(members):
        user_id = FIRST_MEMBER_ID + index * 7919
        roll, profile = rng.random(), PROFILES[-1]
        for candidate in PROFILES:
            if roll < candidate.share:
                profile = candidate
                break
            roll -= candidate.share
        chance = rng.uniform(*profile.daily_chance)
        joined = 0 if rng.random() < 0.6 else rng.randrange(days)  # members keep arriving
        skill = rng.uniform(0.3, 0.9)
        streak = 0
        for day_index in range(joined, days):
            if rng.random() >= chance:
                streak = 0
                continue
            group_date = first_day + timedelta(days=day_index)
            # Minutes after the post: many answer at once, the rest through the day.
            delay = min(rng.lognormvariate(4.5, 1.0), 16 * 60)
            at = datetime.combine(group_date, POST_AT_UTC, tzinfo=UTC) + timedelta(
                minutes=delay, microseconds=rng.randrange(1_000_000)
            )
            kind, difficulty = day_challenges[day_index]
            first_try = rng.random() < skill
            completion = Completion(user_id, group_date, at, kind, difficulty, first_try_correct=first_try)
            entries = entries_for_completion(completion, streak, streak + 1)
            streak += 1
            stamp, day_text = to_db(at), group_date.isoformat()
            how = "done" if kind in (ChallengeKind.TASK, ChallengeKind.READING) else "answer"
            ledger.completions.append(
                (GUILD_ID, user_id, day_text, f"c{day_index:03d}", how, None, int(first_try), stamp)
            )
            ledger.points.extend((GUILD_ID, user_id, e.amount, e.reason.value, day_text, stamp) for e in entries)
            if rng.random() < SUBMIT_CHANCE:
                key = f"github:repository:m{index}/p{day_index}"
                url = f"https://github.com/m{index}/p{day_index}"
                ledger.submissions.append((GUILD_ID, user_id, key, url, stamp, day_text))
        ledger.members.append(user_id)
    return ledger


async def build(path: Path, members: int, days: int, seed: int, *, reuse: bool) -> Dataset:
    first_day, now = history_end(days)
    member_ids = [FIRST_MEMBER_ID + index * 7919 for index in range(members)]
    if reuse:
        async with Store(path) as store:
            counts = [
                await store._db.fetch_one(f"SELECT COUNT(*) FROM {table}")
                for table in ("points", "completions", "submissions")
            ]
        points_rows, completion_rows, submission_rows = (int(row[0]) if row else 0 for row in counts)
        return Dataset(path, member_ids, now, points_rows, completion_rows, submission_rows, None)
    started = time.perf_counter()
    ledger = generate(members, days, seed)
    # Seeding writes the ledger's own rows in bulk, through the real schema and its triggers:
    # going through record_completion one day at a time would take many minutes.
    async with Store(path) as store:
        settings = GroupSettings(1, POST_AT_UTC, "UTC", first_day, "full", None)
        await store.groups.save(GUILD_ID, settings, first_day, now, now)
        async with store._db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO completions (guild_id, user_id, group_date, challenge_id, how, link, first_try,"
                " completed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                ledger.completions,
            )
            await conn.executemany(
                "INSERT INTO points (guild_id, user_id, amount, reason, group_date, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                ledger.points,
            )
            await conn.executemany(
                "INSERT INTO submissions (guild_id, user_id, kind, type, key, url, status, created_at, group_date)"
                " VALUES (?, ?, 'github', 'repository', ?, ?, 'self_reported', ?, ?)",
                ledger.submissions,
            )
    elapsed = time.perf_counter() - started
    return Dataset(
        path, ledger.members, now, len(ledger.points), len(ledger.completions), len(ledger.submissions), elapsed
    )


def season_start(now: datetime) -> date:
    return now.date() - timedelta(days=89)


def periods(now: datetime) -> dict[str, PeriodKey]:
    today = now.date()  # the group posts at 07:00 UTC and "now" is 20:00 UTC: today's group day
    return {
        "week": period_key(Period.WEEK, today),
        "month": period_key(Period.MONTH, today),
        "season": period_key(Period.SEASON, today, season_start=season_start(now)),
        "all": period_key(Period.ALL, today),
    }


async def write_costs(store: Store, data: Dataset, samples: int) -> list[str]:
    """What the totals cost the writers at this size: a season change, and completions."""
    # Moved a day and back, so a reused database measures a real change both times.
    await store.fairness.set_season_start(GUILD_ID, season_start(data.now) - timedelta(days=1), data.now)
    started = time.perf_counter()
    await store.fairness.set_season_start(GUILD_ID, season_start(data.now), data.now)
    season = (time.perf_counter() - started) * 1000
    day = data.now.date() + timedelta(days=1)
    at = data.now + timedelta(hours=12)
    costs = []
    for user_id in data.members[:samples]:
        started = time.perf_counter()
        await store.ledger.record_completion(
            GUILD_ID,
            user_id,
            day,
            challenge_id="bench",
            how="answer",
            link=None,
            first_try=True,
            at=at,
            points=[NewPoints(15, "completion", day, at), NewPoints(5, "first_try", day, at)],
        )
        costs.append((time.perf_counter() - started) * 1000)
    # Leave the data set as it was, so a reused database measures the same boards.
    async with store._db.transaction() as conn:
        for table in ("points", "completions"):
            await conn.execute(
                f"DELETE FROM {table} WHERE guild_id = ? AND group_date = ?", (GUILD_ID, day.isoformat())
            )
    costs.sort()
    return [
        f"  season start set (rebuilds the season's totals): {season:.0f} ms",
        f"  a completion with two points rows, through record_completion ({samples} members):"
        f" p50 {percentile(costs, 50):.2f} ms, p95 {percentile(costs, 95):.2f} ms",
    ]


@dataclass(frozen=True)
class Scenario:
    """One board over one period, queried the way the bot would."""

    repo: LeaderboardRepository
    board: Board
    period: PeriodKey
    excluded: list[int]
    min_activity: int
    page_size: int

    async def page(self, offset: int) -> BoardPage:
        return await self.repo.page(
            GUILD_ID,
            self.board,
            self.period,
            excluded_user_ids=self.excluded,
            min_activity=self.min_activity,
            offset=offset,
            limit=self.page_size,
        )

    async def rank(self, user_id: int) -> RankEntry | None:
        return await self.repo.rank_of(
            GUILD_ID, user_id, self.board, self.period, excluded_user_ids=self.excluded, min_activity=self.min_activity
        )

    async def explain(self) -> list[str]:
        query = _BoardQuery(self.board, GUILD_ID, self.period, self.excluded, self.min_activity)
        lines: list[str] = []
        for label, (sql, params) in (("page", query.page(0, self.page_size)), ("rank_of", query.rank_of(0))):
            rows = await self.repo._db.fetch_all("EXPLAIN QUERY PLAN " + sql, params)
            lines.append(f"    {label}:")
            lines.extend(f"      {row['detail']}" for row in rows)
        return lines


def query_kinds(
    scenario: Scenario, total: int, members: list[int], rng: random.Random
) -> dict[str, Callable[[], Awaitable[object]]]:
    pages = max(1, math.ceil(total / scenario.page_size))
    return {
        "page 1": lambda: scenario.page(0),
        "random page": lambda: scenario.page(rng.randrange(pages) * scenario.page_size),
        "rank_of": lambda: scenario.rank(rng.choice(members)),  # some are off the board: None
    }


async def timed(call: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await call()
    return (time.perf_counter() - started) * 1000


async def measure(args: argparse.Namespace, folder: Path) -> int:
    path = args.database or folder / "leaderboards.sqlite"
    print(f"data set: {args.members:,} members x {args.days} days at {path}", flush=True)
    data = await build(path, args.members, args.days, args.seed, reuse=args.reuse)
    size_mb = data.path.stat().st_size / 1e6
    print(
        f"  {data.points_rows:,} points rows, {data.completion_rows:,} completions,"
        f" {data.submission_rows:,} submissions, {size_mb:.0f} MB"
    )
    if data.build_seconds is None:
        print("  reused an existing database (no build time)")
    else:
        print(f"  built in {data.build_seconds:.1f} s (generate, then insert through the triggers)")
    rng = random.Random(args.seed + 1)
    excluded = rng.sample(data.members, EXCLUDED)
    failures: list[str] = []
    async with Store(data.path) as store:
        print("\n".join(await write_costs(store, data, args.writes)))
        repo = LeaderboardRepository(store._db)
        print(f"\n{'board':<12}{'period':<8}{'query':<12}{'on board':>9}{'p50':>9}{'p95':>9}{'p99':>9}  (ms)")
        for board in (Board(name) for name in args.boards.split(",")):
            for period, key in periods(data.now).items():
                scenario = Scenario(repo, board, key, excluded, args.min_activity, args.page_size)
                total = (await scenario.page(0)).total_members  # also warms the page cache; not counted
                for kind, call in query_kinds(scenario, total, data.members, rng).items():
                    samples = sorted([await timed(call) for _ in range(args.queries)])
                    p50, p95, p99 = (percentile(samples, p) for p in (50, 95, 99))
                    over = p95 > args.budget_ms
                    print(
                        f"{board.value:<12}{period:<8}{kind:<12}{total:>9,}{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}"
                        + ("  over budget" if over else ""),
                        flush=True,
                    )
                    if over:
                        failures.append(f"{board.value}/{period}/{kind} p95 {p95:.1f} ms")
                if args.explain:
                    print("\n".join(await scenario.explain()))
    print(
        f"\n{args.queries} timed queries per line after one warm-up, page size {args.page_size}, "
        f"{EXCLUDED} members excluded, min_activity {args.min_activity}; budget: p95 <= {args.budget_ms:g} ms"
    )
    if failures:
        print(f"OVER BUDGET ({len(failures)} lines): " + "; ".join(failures))
        return 1
    print("all within budget")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--queries", type=int, default=200, help="timed queries per line (default 200)")
    parser.add_argument("--page-size", type=int, default=10)
    parser.add_argument("--min-activity", type=int, default=0)
    parser.add_argument("--boards", default="points,completions,submissions", help="comma-separated board names")
    parser.add_argument("--writes", type=int, default=200, help="completions timed on the full data set")
    parser.add_argument("--budget-ms", type=float, default=20.0, help="the p95 every line must stay under")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--explain", action="store_true", help="print each query plan")
    parser.add_argument(
        "--database",
        type=Path,
        help="build the data set here and keep it, or reuse it if the file exists (default: a temp file)",
    )
    args = parser.parse_args()
    args.reuse = args.database is not None and args.database.exists()
    print(machine())
    with tempfile.TemporaryDirectory(prefix="backprop-bench-") as folder:
        return asyncio.run(measure(args, Path(folder)))


if __name__ == "__main__":
    sys.exit(main())
