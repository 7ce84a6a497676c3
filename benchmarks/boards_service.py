"""Whole `/leaderboard` answers at the issue's scale: every board through LeaderboardService.

Reuses the data set of `leaderboard_query.py` (10,000 members, a year, ~1M ledger rows), adds
the group itself, submissions and fairness settings, then times `LeaderboardService.view` —
everything a `/leaderboard` does before rendering: the page, the viewer's rank, excluded
members, anonymous names. The points and submissions boards read `board_totals` (migration 007);
the streak board reads each member's stored streak state (008), replaying only members whose
past changed. Also times the admin `/export` once. Run by hand, not by pytest:

    .venv/bin/python -m benchmarks.boards_service
    .venv/bin/python -m benchmarks.boards_service --members 2000 --queries 10
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import time as dtime
from pathlib import Path

from benchmarks.common import machine, percentile
from benchmarks.leaderboard_query import GUILD_ID, TIMEZONE, build, history_end
from bot.core.clock import FakeClock
from bot.core.points import Period
from bot.core.verification import SubmissionStatus
from bot.curriculum import load_curriculum
from bot.curriculum.cli import default_curriculum_path
from bot.services.challenges import ChallengeService
from bot.services.leaderboards import BoardKind, LeaderboardService
from bot.store import GroupSettings, Store
from bot.store.timeutil import to_db


async def seed_group(store: Store, members: list[int], days: int, seed: int) -> int:
    """The group row, ~2 submissions per member, a few anonymous members and an excluded role."""
    first_day, now = history_end(days)
    settings = GroupSettings(1, dtime(8, 0), TIMEZONE, first_day, "full", None)
    await store.groups.save(GUILD_ID, settings, now.date(), now, now)
    rng = random.Random(seed)
    rows = []
    for user_id in members:
        for n in range(rng.choice((0, 0, 1, 2, 3, 6))):
            at = now - (now - now.replace(month=1, day=1)) * rng.random() * 12
            key = f"github:repository:u{user_id}/r{n}"
            rows.append(
                (
                    GUILD_ID,
                    user_id,
                    "github",
                    "repository",
                    key,
                    f"https://github.com/u{user_id}/r{n}",
                    str(rng.choice(list(SubmissionStatus))),
                    to_db(at),
                )
            )
    async with store._db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO submissions (guild_id, user_id, kind, type, key, url, status, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    for user_id in rng.sample(members, 50):
        await store.profiles.set_anonymous(user_id, True, now)
    await store.fairness.set_role_excluded(GUILD_ID, 42, True)
    for user_id in rng.sample(members, 3):
        await store.fairness.record_member_roles(GUILD_ID, user_id, {42})
    return len(rows)


async def measure(args: argparse.Namespace, folder: Path) -> int:
    path = args.database or folder / "boards.sqlite"
    print(f"data set: {args.members:,} members x {args.days} days", flush=True)
    data = await build(path, args.members, args.days, args.seed, reuse=args.reuse)
    print(f"  {data.points_rows:,} points rows, {data.completion_rows:,} completions")
    rng = random.Random(args.seed + 2)
    async with Store(data.path) as store:
        if not args.reuse:
            print(f"  {await seed_group(store, data.members, args.days, args.seed):,} submissions")
        clock = FakeClock(data.now)
        challenges = ChallengeService(store, load_curriculum(default_curriculum_path()), clock)
        boards = LeaderboardService(store, challenges)
        print(f"\n{'board':<13}{'period':<8}{'on board':>9}{'p50':>9}{'p95':>9}{'max':>9}  (ms, whole view)")
        for board in BoardKind:
            for period in (Period.WEEK, Period.MONTH, Period.ALL):
                total = (await boards.view(GUILD_ID, board, period, 0, data.members[0])).total  # warm-up
                samples = []
                for _ in range(args.queries):
                    viewer = rng.choice(data.members)
                    started = time.perf_counter()
                    await boards.view(GUILD_ID, board, period, rng.randrange(max(1, total // 10)), viewer)
                    samples.append((time.perf_counter() - started) * 1000)
                samples.sort()
                p50, p95 = percentile(samples, 50), percentile(samples, 95)
                print(f"{board.value:<13}{period.value:<8}{total:>9,}{p50:>9.1f}{p95:>9.1f}{samples[-1]:>9.1f}")
        started = time.perf_counter()
        csv_text = await boards.export_csv(GUILD_ID)
        print(f"\n/export: {csv_text.count(chr(10)) - 1:,} members in {time.perf_counter() - started:.2f} s")
    print(f"{args.queries} timed views per line after one warm-up, each a random page and viewer.")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database", type=Path, help="keep the data set here, or reuse it if the file exists")
    args = parser.parse_args()
    args.reuse = args.database is not None and args.database.exists()
    print(machine())
    with tempfile.TemporaryDirectory(prefix="backprop-bench-") as folder:
        return asyncio.run(measure(args, Path(folder)))


if __name__ == "__main__":
    sys.exit(main())
