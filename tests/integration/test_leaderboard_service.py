"""Leaderboards through the service: ordering, tie-breaks, pages, fairness, streaks and the export."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.core.points import Period
from bot.core.verification import SubmissionStatus
from bot.services.challenges import ChallengeService, schedule_of
from bot.services.leaderboards import PAGE_SIZE, BoardKind, BoardView, LeaderboardService
from bot.store import GroupSettings, NewPoints, Store
from bot.store.submissions import NewSubmission
from tests.e2e.harness import shipped_curriculum

GUILD = 7
START = date(2027, 1, 4)  # a Monday
TODAY = date(2027, 1, 20)  # a Wednesday, the group's day 17
NOW = datetime(2027, 1, 20, 12, 0, tzinfo=UTC)  # posts go out at 09:00 UTC
VIEWER = 999


@dataclass
class Env:
    store: Store
    clock: FakeClock
    challenges: ChallengeService
    boards: LeaderboardService

    def post(self, day: date) -> datetime:
        return datetime.combine(day, time(9), tzinfo=UTC)

    async def day(self, user: int, day: date, *, amount: int = 10, after: timedelta = timedelta(hours=1)) -> None:
        """A completed group day with its points, at the same instant, as the bot records them."""
        at = self.post(day) + after
        recorded = await self.store.ledger.record_completion(
            GUILD,
            user,
            day,
            challenge_id="c",
            how="done",
            link=None,
            first_try=False,
            at=at,
            points=[NewPoints(amount, "completion", day, at)],
        )
        assert recorded

    async def submission(self, user: int, key: str, at: datetime, status: SubmissionStatus) -> None:
        _, created = await self.store.submissions.add(
            NewSubmission(
                GUILD,
                user,
                "github",
                "repository",
                key,
                f"https://github.com/{key}",
                None,
                None,
                None,
                status,
                None,
                at,
                at.date(),
            )
        )
        assert created

    async def view(
        self, board: BoardKind, period: Period = Period.ALL, page: int = 0, viewer: int = VIEWER
    ) -> BoardView:
        return await self.boards.view(GUILD, board, period, page, viewer)


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    async with Store(tmp_path / "db.sqlite") as store:
        clock = FakeClock(NOW)
        challenges = ChallengeService(store, shipped_curriculum(), clock)
        settings = GroupSettings(1, time(9), "UTC", START, "full", None)
        await store.groups.save(GUILD, settings, TODAY, datetime.combine(TODAY, time(9), tzinfo=UTC), NOW)
        yield Env(store, clock, challenges, LeaderboardService(store, challenges))


def ranking(view: BoardView) -> list[tuple[int, int, int]]:
    return [(s.rank, s.user_id, s.score) for s in view.entries]


# --- points: ordering and tie-breaks ------------------------------------------------------------


async def test_points_ties_go_to_who_got_there_first_then_the_lower_id(env: Env) -> None:
    await env.day(30, START, amount=20)
    await env.day(30, START + timedelta(days=1), amount=10, after=timedelta(hours=5))  # 30 at Tue 14:00
    await env.day(20, START, amount=30, after=timedelta(hours=2))  # 30 at Mon 11:00: first to 30
    await env.day(10, START + timedelta(days=1), amount=30, after=timedelta(hours=5))  # 30 at Tue 14:00, as 30
    await env.day(40, START, amount=50)
    view = await env.view(BoardKind.POINTS)
    assert ranking(view) == [(1, 40, 50), (2, 20, 30), (3, 10, 30), (3, 30, 30)]
    assert view.total == 4 and view.pages == 1
    again = await env.view(BoardKind.POINTS)
    assert ranking(again) == ranking(view), "the same order every time"


async def test_pages_of_ten_and_the_viewers_rank_off_the_page(env: Env) -> None:
    for user in range(1, 26):
        await env.day(user, START, amount=1000 - user)  # user 1 leads
    await env.day(VIEWER, START, amount=1)  # last: rank 26
    first = await env.view(BoardKind.POINTS)
    assert [s.user_id for s in first.entries] == list(range(1, 11))
    assert first.pages == 3 and first.total == 26
    assert first.viewer is not None and first.viewer.rank == 26 and not first.viewer_on_page
    last = await env.view(BoardKind.POINTS, page=2)
    assert [s.user_id for s in last.entries] == [21, 22, 23, 24, 25, VIEWER]
    assert last.viewer_on_page
    beyond = await env.view(BoardKind.POINTS, page=9)
    assert beyond.page == 2 and ranking(beyond) == ranking(last)
    assert PAGE_SIZE == 10


async def test_periods_are_weeks_months_and_seasons_in_the_groups_time(env: Env) -> None:
    await env.day(1, date(2027, 1, 11), amount=100)  # last week
    await env.day(2, date(2027, 1, 18), amount=10)  # this week (Monday)
    await env.day(3, date(2027, 1, 20), amount=5)  # today
    assert ranking(await env.view(BoardKind.POINTS, Period.WEEK)) == [(1, 2, 10), (2, 3, 5)]
    assert [s.user_id for s in (await env.view(BoardKind.POINTS, Period.MONTH)).entries] == [1, 2, 3]
    await env.store.fairness.set_season_start(GUILD, date(2027, 1, 19), NOW)
    season = await env.view(BoardKind.POINTS, Period.SEASON)
    assert ranking(season) == [(1, 3, 5)] and season.season_start == date(2027, 1, 19)


async def test_excluded_roles_minimum_activity_and_anonymous_members(env: Env) -> None:
    for user, days in ((1, 5), (2, 3), (3, 1), (VIEWER, 2)):
        for offset in range(days):
            await env.day(user, START + timedelta(days=offset), amount=10)
    moderators = 555
    await env.store.fairness.record_member_roles(GUILD, 1, {moderators, 556})
    await env.store.fairness.set_role_excluded(GUILD, moderators, True)
    await env.store.profiles.set_anonymous(2, True, NOW)

    view = await env.view(BoardKind.POINTS)
    assert ranking(view) == [(1, 2, 30), (2, VIEWER, 20), (3, 3, 10)]
    assert [s.anonymous for s in view.entries] == [True, False, False]

    await env.store.fairness.set_min_activity(GUILD, 2, NOW)
    view = await env.view(BoardKind.POINTS, viewer=3)
    assert ranking(view) == [(1, 2, 30), (2, VIEWER, 20)]
    assert view.viewer is None and not view.viewer_excluded
    assert (await env.view(BoardKind.POINTS, viewer=1)).viewer_excluded

    await env.store.fairness.record_member_roles(GUILD, 1, {556})  # the role was taken away
    assert [s.user_id for s in (await env.view(BoardKind.POINTS)).entries] == [1, 2, VIEWER]


# --- the submissions board ----------------------------------------------------------------------


async def test_submissions_board_counts_visible_work_and_breaks_ties_by_time(env: Env) -> None:
    t = env.post(START)
    await env.submission(1, "a/1", t + timedelta(hours=3), SubmissionStatus.VERIFIED)
    await env.submission(1, "a/2", t + timedelta(hours=4), SubmissionStatus.SELF_REPORTED)
    await env.submission(2, "b/1", t + timedelta(hours=1), SubmissionStatus.MATCHED)
    await env.submission(2, "b/2", t + timedelta(hours=2), SubmissionStatus.UNVERIFIED)
    await env.submission(2, "b/3", t + timedelta(hours=9), SubmissionStatus.NOT_FOUND)  # does not count
    await env.submission(3, "c/1", t + timedelta(hours=5), SubmissionStatus.PRIVATE)  # does not count
    await env.submission(4, "d/1", t + timedelta(hours=2), SubmissionStatus.SELF_REPORTED)
    await env.submission(5, "e/1", t + timedelta(hours=2), SubmissionStatus.SELF_REPORTED)
    view = await env.view(BoardKind.SUBMISSIONS, viewer=5)
    assert ranking(view) == [(1, 2, 2), (2, 1, 2), (3, 4, 1), (3, 5, 1)]
    assert view.viewer is not None and view.viewer.rank == 3
    assert (await env.view(BoardKind.SUBMISSIONS, Period.WEEK)).entries == ()


# --- the streak board -----------------------------------------------------------------------------


async def test_streak_board_current_streaks_with_freezes_and_ties(env: Env) -> None:
    for offset in range(17):  # every day to today: 17
        await env.day(1, START + timedelta(days=offset))
    for offset in range(7):  # 4..10 earns a freeze, 11 frozen, 12..19 done, today still open: 15
        await env.day(2, START + timedelta(days=offset))
    for offset in range(8, 16):
        await env.day(2, START + timedelta(days=offset))
    for offset in range(3):  # 4..6, then nothing: reset
        await env.day(3, START + timedelta(days=offset))
    for offset in (13, 14, 15, 16):  # 17..20 but done later today than user 5: 4
        await env.day(4, START + timedelta(days=offset), after=timedelta(hours=2))
    for offset in (13, 14, 15, 16):  # 17..20: 4, reached first
        await env.day(5, START + timedelta(days=offset), after=timedelta(hours=1))
    view = await env.view(BoardKind.STREAK)
    assert ranking(view) == [(1, 1, 17), (2, 2, 15), (3, 5, 4), (4, 4, 4)]
    week = await env.view(BoardKind.STREAK, Period.WEEK)  # counted from Monday the 18th
    # Users 1 and 5 reached 3 at the same instant: they share the rank, listed by id.
    assert ranking(week) == [(1, 1, 3), (1, 5, 3), (3, 4, 3), (4, 2, 2)]


@pytest.mark.parametrize("seed", [5, 6, 13])
async def test_streak_board_matches_each_members_own_streak(env: Env, seed: int) -> None:
    """The board read from stored streak states agrees with /streak's full replay for every member."""
    rng = random.Random(seed)
    start = TODAY - timedelta(days=49)
    settings = GroupSettings(1, time(9), "UTC", start, "full", None)
    await env.store.groups.save(GUILD, settings, TODAY, env.post(TODAY), NOW)
    pause = rng.randrange(5, 40)
    group_excused = {start + timedelta(days=d) for d in (*range(pause, pause + 4), rng.randrange(50))}
    for day in group_excused:
        await env.store.ledger.excuse(GUILD, day, "paused", NOW)
    users = list(range(1, 41))
    for user in users:
        habit = rng.choice([0.3, 0.6, 0.85, 0.95, 1.0])
        for offset in range(50):
            day = start + timedelta(days=offset)
            if day not in group_excused and rng.random() < habit:
                await env.day(user, day, after=timedelta(minutes=rng.randint(1, 600)))
        for _ in range(rng.choice([0, 0, 1, 3])):  # admin repairs, anywhere in the history
            await env.store.ledger.excuse(GUILD, start + timedelta(days=rng.randrange(49)), "repair", NOW, user_id=user)
    # Gaps that look like resets but are not: across the pause, covered by two freezes, repaired.
    for offset in range(50):
        day = start + timedelta(days=offset)
        if day not in group_excused:
            await env.day(101, day)
        if day not in group_excused and offset not in (30, 31):
            await env.day(102, day)
        if day not in group_excused and offset not in (40, 41, 42):
            await env.day(103, day)
    await env.store.ledger.excuse(GUILD, start + timedelta(days=41), "repair", NOW, user_id=103)
    users += [101, 102, 103]
    expected = {}
    for user in users:
        current = (await env.challenges.streak(GUILD, user)).current
        if current:
            expected[user] = current
    first = await env.view(BoardKind.STREAK)
    ranked = list(first.entries)
    for page in range(1, first.pages):
        ranked += (await env.view(BoardKind.STREAK, page=page)).entries
    assert len(ranked) == first.total
    assert {s.user_id: s.score for s in ranked} == expected
    assert [s.score for s in ranked] == sorted((s.score for s in ranked), reverse=True)


# --- the admin export -----------------------------------------------------------------------------


async def test_export_has_every_members_totals(env: Env) -> None:
    for offset in range(3):
        await env.day(1, START + timedelta(days=offset) + timedelta(days=14))  # 18..20: streak 3
    await env.day(2, START, amount=25)
    await env.submission(2, "b/1", env.post(START), SubmissionStatus.VERIFIED)
    await env.submission(2, "b/2", env.post(START), SubmissionStatus.SELF_REPORTED)
    await env.submission(3, "c/1", env.post(START), SubmissionStatus.MATCHED)  # no points at all
    await env.store.profiles.set_anonymous(3, True, NOW)
    rows = list(csv.DictReader(io.StringIO(await env.boards.export_csv(GUILD))))
    assert [r["user_id"] for r in rows] == ["1", "2", "3"]
    assert rows[0] | {} == {
        "user_id": "1",
        "points": "30",
        "completed_days": "3",
        "current_streak": "3",
        "longest_streak": "3",
        "submissions": "0",
        "verified_or_matched_submissions": "0",
        "first_completed": "2027-01-18",
        "last_completed": "2027-01-20",
        "anonymous": "no",
    }
    assert (rows[1]["points"], rows[1]["current_streak"], rows[1]["longest_streak"]) == ("25", "0", "1")
    assert (rows[1]["submissions"], rows[1]["verified_or_matched_submissions"]) == ("2", "1")
    assert (rows[2]["points"], rows[2]["submissions"], rows[2]["anonymous"]) == ("0", "1", "yes")
    assert schedule_of(await env.challenges.group(GUILD)).group_date_at(NOW) == TODAY
