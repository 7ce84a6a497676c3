"""The streak board read from stored streak states (migration 008), against replays of the ledger.

Members complete days through ChallengeService, the way the bot does, so each completion writes
its member's state; excuses are written the way the poster, /config resume and /streak repair
write them.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import FakeClock
from bot.core.points import Period, period_key
from bot.core.streaks import DayStatus, summarize_streak
from bot.curriculum.models import NumericChallenge, QuizChallenge, ShortChallenge
from bot.services.challenges import ChallengeService, Outcome, schedule_of
from bot.services.leaderboards import BoardKind, BoardView, LeaderboardService
from bot.store import GroupSettings, Store, StreakHistory
from tests.e2e.harness import shipped_curriculum

GUILD = 7
START = date(2027, 1, 4)  # a Monday


@dataclass
class Env:
    path: Path
    store: Store
    clock: FakeClock
    challenges: ChallengeService
    boards: LeaderboardService
    zone: ZoneInfo

    def at(self, day: date, minutes: int = 30) -> datetime:
        """An instant during `day`'s group day: `minutes` after its 09:00 local post."""
        local = datetime.combine(day, time(9), tzinfo=self.zone) + timedelta(minutes=minutes)
        return local.astimezone(UTC)

    async def complete(self, user: int, day: date, minutes: int = 30) -> Outcome:
        """Complete `day` as the member would, on that day: answer it right or mark it done."""
        self.clock.set(self.at(day, minutes))
        today = await self.challenges.today(GUILD)
        assert today.group_date == day
        challenge = today.challenge
        if isinstance(challenge, QuizChallenge):
            assert today.correct_index is not None
            outcome = await self.challenges.answer(GUILD, user, "ABCDEFGH"[today.correct_index])
        elif isinstance(challenge, NumericChallenge):
            outcome = await self.challenges.answer(GUILD, user, str(challenge.answer))
        elif isinstance(challenge, ShortChallenge):
            outcome = await self.challenges.answer(GUILD, user, challenge.answers[0])
        else:
            outcome = await self.challenges.complete(GUILD, user, how="done")
        assert outcome.status in ("correct", "completed"), outcome
        return outcome

    async def view(self, period: Period = Period.ALL, page: int = 0, viewer: int = 999) -> BoardView:
        return await self.boards.view(GUILD, BoardKind.STREAK, period, page, viewer)

    async def board(self, period: Period = Period.ALL) -> list[tuple[int, int, int]]:
        """The whole board, every page: (rank, user, score)."""
        first = await self.view(period)
        entries = list(first.entries)
        for page in range(1, first.pages):
            entries += (await self.view(period, page)).entries
        assert len(entries) == first.total
        return [(s.rank, s.user_id, s.score) for s in entries]


async def open_env(path: Path, clock: FakeClock, timezone: str = "UTC") -> Env:
    store = await Store(path).open()
    challenges = ChallengeService(store, shipped_curriculum(), clock)
    return Env(path, store, clock, challenges, LeaderboardService(store, challenges), ZoneInfo(timezone))


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    clock = FakeClock(datetime.combine(START, time(12), tzinfo=UTC))
    opened = await open_env(tmp_path / "db.sqlite", clock)
    settings = GroupSettings(1, time(9), "UTC", START, "full", None)
    await opened.store.groups.save(GUILD, settings, START, opened.at(START, 0), clock.now())
    yield opened
    await opened.store.close()


def day(n: int) -> date:
    return START + timedelta(days=n)


# --- the state is written with the completion ---------------------------------------------------


async def test_each_completion_writes_its_state_and_a_restart_reads_it_back(env: Env) -> None:
    for n in range(9):
        outcome = await env.complete(1, day(n), minutes=10 + n)
    assert outcome.streak == 9
    state = await env.store.streaks.get(GUILD, 1)
    assert state is not None
    assert (state.last_date, state.streak, state.freezes, state.run_start) == (day(8), 9, 1, day(0))
    assert state.achieved_at == env.at(day(8), 18)
    assert not await env.store.streaks.waiting(GUILD), "nothing left to replay: the completion wrote it"

    await env.store.close()  # a restart: the state is in the database
    env = await open_env(env.path, env.clock)
    try:
        assert await env.store.streaks.get(GUILD, 1) == state
        assert not await env.store.streaks.waiting(GUILD)
        env.clock.set(env.at(day(9)))
        assert await env.board() == [(1, 1, 9)]
    finally:
        await env.store.close()


async def test_a_completion_written_without_its_state_is_replayed_before_the_board_reads(env: Env) -> None:
    await env.complete(1, day(0))
    await env.complete(1, day(1))
    # A writer that doesn't pass the state (an import, a fix by hand): the member is listed.
    at = env.at(day(2))
    await env.store.ledger.record_completion(
        GUILD, 1, day(2), challenge_id="c", how="done", link=None, first_try=False, at=at, points=[]
    )
    assert await env.store.streaks.waiting(GUILD)
    env.clock.set(env.at(day(2), 60))
    assert await env.board() == [(1, 1, 3)]
    assert not await env.store.streaks.waiting(GUILD)
    state = await env.store.streaks.get(GUILD, 1)
    assert state is not None and (state.last_date, state.streak, state.achieved_at) == (day(2), 3, at)


async def test_a_completion_removed_from_the_ledger_is_replayed(env: Env) -> None:
    for n in range(4):
        await env.complete(1, day(n))
    async with env.store._db.transaction() as conn:  # an admin's fix by hand
        await conn.execute("DELETE FROM completions WHERE user_id = 1 AND group_date = ?", (day(3).isoformat(),))
    env.clock.set(env.at(day(3), 600))  # day 3 is open again: 3 days
    assert await env.board() == [(1, 1, 3)]
    async with env.store._db.transaction() as conn:
        await conn.execute("DELETE FROM completions WHERE user_id = 1")
    assert await env.board() == []
    assert await env.store.streaks.get(GUILD, 1) is None


# --- reading: freezes, excused days, repairs ------------------------------------------------------


async def test_freezes_cover_misses_until_they_run_out(env: Env) -> None:
    for n in range(7):  # 7 completed days earn a freeze
        await env.complete(1, day(n))
    for n in range(4, 7):  # a 3-day streak, no freeze
        await env.complete(2, day(n))
    env.clock.set(env.at(day(7), 600))  # today still open: nobody has missed anything
    assert await env.board() == [(1, 1, 7), (2, 2, 3)]
    env.clock.set(env.at(day(8)))  # day 7 missed: user 1's freeze covers it, user 2 is out
    assert await env.board() == [(1, 1, 7)]
    env.clock.set(env.at(day(9)))  # days 7 and 8 missed: one freeze isn't enough
    assert await env.board() == []


async def test_days_excused_for_the_whole_group_break_nothing(env: Env) -> None:
    for n in range(3):
        await env.complete(1, day(n))
    # Day 3's post failed, days 4-5 the bot was offline (the poster excuses them).
    await env.store.ledger.excuse(GUILD, day(3), "the daily post failed", env.at(day(3)))
    await env.store.ledger.excuse_range(GUILD, day(4), day(5), "no post: the bot was offline", env.at(day(6)))
    env.clock.set(env.at(day(6)))
    assert await env.board() == [(1, 1, 3)], "nothing stored changed: read with the excused days"
    assert not await env.store.streaks.waiting(GUILD)
    await env.complete(1, day(6))
    assert await env.board() == [(1, 1, 4)]
    env.clock.set(env.at(day(8)))  # day 7 missed, no freeze
    assert await env.board() == []


async def test_an_admin_repair_after_the_last_day_keeps_the_streak_on(env: Env) -> None:
    for n in range(3):
        await env.complete(1, day(n))
        await env.complete(2, day(n), minutes=45)
    env.clock.set(env.at(day(5)))  # days 3 and 4 missed
    assert await env.board() == []
    for missed in (day(3), day(4)):  # /streak repair, for user 1 only
        await env.store.ledger.excuse(
            GUILD, missed, "repaired by an admin: ill", env.clock.now(), user_id=1, by_user_id=9
        )
    assert not await env.store.streaks.waiting(GUILD), "after the last day: read, not replayed"
    assert await env.board() == [(1, 1, 3)]
    assert (await env.challenges.streak(GUILD, 1)).current == 3


async def test_a_repair_committed_while_a_completion_is_being_scored_is_not_lost(env: Env) -> None:
    """The member's history is read before the completion's transaction; a repair committed in
    between must not leave a stored state computed without it."""
    for n in range(3):
        await env.complete(1, day(n))
    read = env.store.ledger.streak_history

    async def read_then_an_admin_repairs(guild_id: int, user_id: int) -> StreakHistory:
        history = await read(guild_id, user_id)
        for missed in (day(3), day(4)):  # after the member's last day: no replay is listed for it
            await env.store.ledger.excuse(GUILD, missed, "repaired: ill", env.clock.now(), user_id=1, by_user_id=9)
        return history

    env.store.ledger.streak_history = read_then_an_admin_repairs  # type: ignore[method-assign]
    env.clock.set(env.at(day(5)))
    await env.complete(1, day(5))
    env.store.ledger.streak_history = read  # type: ignore[method-assign]

    assert await env.board() == [(1, 1, 4)], "days 0-2, 3-4 excused, 5: a run of four"
    state = await env.store.streaks.get(GUILD, 1)
    assert state is not None and (state.last_date, state.streak) == (day(5), 4)


async def test_an_admin_repair_inside_the_history_joins_two_runs(env: Env) -> None:
    for n in (0, 1, 2, 4, 5):  # day 3 missed: a 2-day streak
        await env.complete(1, day(n))
    env.clock.set(env.at(day(6)))
    assert await env.board() == [(1, 1, 2)]
    await env.store.ledger.excuse(GUILD, day(3), "repaired: the bot was down for them", env.clock.now(), user_id=1)
    assert await env.store.streaks.waiting(GUILD), "before the last day: the stored state is replayed"
    assert await env.board() == [(1, 1, 5)]
    state = await env.store.streaks.get(GUILD, 1)
    assert state is not None and state.run_start == day(0)
    await env.complete(1, day(6))  # the next completion builds on the repaired streak
    assert (await env.store.streaks.get(GUILD, 1)) is not None
    assert await env.board() == [(1, 1, 6)]


async def test_a_group_excuse_written_late_rewrites_past_streaks(env: Env) -> None:
    for n in (0, 1, 3, 4, 5):  # missed day 2: streak 3
        await env.complete(1, day(n))
    for n in (3, 4, 5):
        await env.complete(2, day(n), minutes=20)
    await env.complete(3, day(2))  # completed the day later excused: unchanged
    env.clock.set(env.at(day(5), 600))
    assert await env.board() == [(1, 2, 3), (2, 1, 3)]
    # Day 2 excused for everyone after the fact (an outage found late, /config resume).
    await env.store.ledger.excuse_range(GUILD, day(2), day(2), "the group was paused", env.clock.now())
    await env.store.close()  # a restart before anyone reads the board: who to replay is stored
    env = await open_env(env.path, env.clock)
    try:
        assert await env.store.streaks.waiting(GUILD)
        assert await env.board() == [(1, 1, 5), (2, 2, 3)]
    finally:
        await env.store.close()


async def test_a_pause_longer_than_two_months_breaks_no_streak(env: Env) -> None:
    for n in range(3):
        await env.complete(1, day(n))
    for n in range(3):
        await env.complete(2, day(n + 1), minutes=10)
    await env.store.ledger.excuse_range(GUILD, day(3), day(80), "the group was paused", env.at(day(81)))
    env.clock.set(env.at(day(81)))
    assert await env.board() == [(1, 1, 3), (2, 2, 3)]
    env.clock.set(env.at(day(83)))  # days 81 and 82 missed, no freezes
    assert await env.board() == []


async def test_the_part_of_the_streak_inside_the_week(env: Env) -> None:
    # Monday 4 Jan starts week 1; Monday 11 Jan week 2.
    for n in range(0, 10):  # 4..13 Jan: streak 10, of which 11..13 in this week
        await env.complete(1, day(n))
    for n in (3, 8, 9):  # 7 Jan, then a reset, 12..13 Jan: 2 (the earlier day is another run)
        await env.complete(2, day(n))
    for n in (7, 8, 9):  # 11..13 Jan: a run that began this week
        await env.complete(3, day(n), minutes=20)
    env.clock.set(env.at(day(9), 60))
    # Users 3 and 1 both have 3 this week; user 3 reached it first (Wednesday, 10 minutes earlier).
    assert await env.board(Period.WEEK) == [(1, 3, 3), (2, 1, 3), (3, 2, 2)]
    assert await env.board(Period.ALL) == [(1, 1, 10), (2, 3, 3), (3, 2, 2)]
    await env.store.fairness.set_min_activity(GUILD, 3, env.clock.now())  # completed days in the period
    assert await env.board(Period.WEEK) == [(1, 3, 3), (2, 1, 3)]


async def test_dates_not_clocks_decide_streaks_across_a_dst_change(tmp_path: Path) -> None:
    """Berlin moves its clocks on Sunday 28 March 2027: group days are dates, nothing shifts."""
    clock = FakeClock(datetime(2027, 3, 24, 12, tzinfo=UTC))
    env = await open_env(tmp_path / "db.sqlite", clock, "Europe/Berlin")
    try:
        first = date(2027, 3, 24)
        settings = GroupSettings(1, time(9), "Europe/Berlin", first, "full", None)
        await env.store.groups.save(GUILD, settings, first, env.at(first, 0), clock.now())
        for n in range(9):  # 24 March .. 1 April, each at 09:05 local: 08:05 UTC, then 07:05 UTC
            await env.complete(1, first + timedelta(days=n), minutes=5)
            await env.complete(2, first + timedelta(days=n), minutes=60 * 23 + 50)  # 08:50 the next morning
        env.clock.set(env.at(date(2027, 4, 2), 1))
        assert await env.board() == [(1, 1, 9), (2, 2, 9)]
        state = await env.store.streaks.get(GUILD, 2)
        assert state is not None and state.last_date == date(2027, 4, 1) and state.run_start == first
        assert state.achieved_at == datetime(2027, 4, 2, 6, 50, tzinfo=UTC)
        # Monday 29 March starts the week: 29..1 April, both members.
        assert await env.board(Period.WEEK) == [(1, 1, 4), (2, 2, 4)]
    finally:
        await env.store.close()


# --- the reference: the board equals a plain replay of everyone's ledger --------------------------


async def reference(env: Env, period: Period, *, excluded: set[int], min_activity: int) -> list[tuple[int, int, int]]:
    """The board by definition: each member's full replay, the completed days of the current run
    inside the period, ordered by score, the time that score was reached, then id."""
    group = await env.challenges.group(GUILD)
    settings = await env.store.fairness.get(GUILD)
    today = schedule_of(group).group_date_at(env.clock.now())
    start = period_key(period, today, season_start=settings.season_start or group.start_date).start
    rows = await env.store._db.fetch_all("SELECT DISTINCT user_id FROM completions WHERE guild_id = ?", (GUILD,))
    standings = []
    for user in sorted(int(r[0]) for r in rows):
        completed = (await env.store.standings.completed_days(GUILD))[user]
        excused = [e.group_date for e in await env.store.ledger.excused_days(GUILD, user)]
        summary = summarize_streak(completed, excused, completed[0], today)
        missed = [d for d, status in summary.history.items() if status is DayStatus.MISSED]
        run = [d for d in completed if d <= today and (not missed or d > missed[-1])]
        in_period = [d for d in completed if start is None or d >= start]
        score = len([d for d in run if start is None or d >= start]) if summary.current else 0
        assert len(run) == summary.current or not summary.current
        if score == 0 or user in excluded or len(in_period) < min_activity:
            continue
        record = await env.store.ledger.completion(GUILD, user, completed[-1])
        assert record is not None
        standings.append((score, record.completed_at, user))
    standings.sort(key=lambda s: (-s[0], s[1], s[2]))
    ranked: list[tuple[int, int, int]] = []
    for position, (score, at, user) in enumerate(standings, start=1):
        tied = position > 1 and standings[position - 2][:2] == (score, at)
        ranked.append((ranked[-1][0] if tied else position, user, score))
    return ranked


@pytest.mark.parametrize("seed", [1, 2])
async def test_the_board_matches_a_replay_of_random_ledgers(env: Env, seed: int) -> None:
    rng = random.Random(seed)
    users = list(range(1, 31))
    habits = {user: rng.choice([0.3, 0.6, 0.8, 0.9, 1.0]) for user in users}
    excluded: set[int] = set()
    checks = ties = 0
    for n in range(45):
        today = day(n)
        if rng.random() < 0.08:  # the post failed or went out late
            await env.store.ledger.excuse(GUILD, today, "the daily post failed", env.at(today))
        if rng.random() < 0.12 and n > 3:  # an outage excused after the fact
            back = rng.randrange(1, 4)
            await env.store.ledger.excuse_range(GUILD, day(n - back), day(n - 1), "late", env.at(today))
        if rng.random() < 0.2 and n > 2:  # an admin repair, anywhere in the past
            repaired, member = day(rng.randrange(n)), rng.choice(users)
            await env.store.ledger.excuse(GUILD, repaired, "repair", env.at(today), user_id=member, by_user_id=9)
        if rng.random() < 0.4:  # an admin excuses a member's recent absence, up to yesterday
            member = rng.choice(users)
            done = (await env.store.standings.completed_days(GUILD)).get(member, [])
            absent = [d for d in (day(n - 3), day(n - 2), day(n - 1)) if d >= START and (not done or d > done[-1])]
            for missed in absent:
                await env.store.ledger.excuse(GUILD, missed, "away", env.at(today), user_id=member, by_user_id=9)
        for user in users:
            if rng.random() < habits[user]:
                await env.complete(user, today, minutes=rng.choice([5, 10, 10, 20, 30 + user]))
        if n % 6 == 5 or n == 44:
            env.clock.set(env.at(today, 600))  # later that day: some still to answer
            if rng.random() < 0.7:  # a past day excused for everyone just before the board is read
                past = day(rng.randrange(max(0, n - 6), n))
                await env.store.ledger.excuse_range(GUILD, past, past, "found late", env.clock.now())
            if n == 44:
                excluded = set(rng.sample(users, 3))
                for user in excluded:
                    await env.store.fairness.record_member_roles(GUILD, user, {555})
                await env.store.fairness.set_role_excluded(GUILD, 555, True)
                await env.store.fairness.set_min_activity(GUILD, 2, env.clock.now())
            minimum = (await env.store.fairness.get(GUILD)).min_activity
            for period in (Period.ALL, Period.WEEK, Period.MONTH, Period.SEASON):
                expected = await reference(env, period, excluded=excluded, min_activity=minimum)
                ties += sum(1 for a, b in pairwise(expected) if a[0] == b[0])
                assert await env.board(period) == expected, (n, period)
                viewer = rng.choice(users)
                mine = (await env.view(period, viewer=viewer)).viewer
                assert ((mine.rank, mine.user_id, mine.score) if mine else None) == next(
                    (row for row in expected if row[1] == viewer), None
                )
                checks += 1
    assert checks == 32
    assert ties > 0, "shared ranks were exercised"
