"""Leaderboards as members see them: a board, a period, a page, and where the viewer stands.

Three boards:
- points: the sum of points entries in the period;
- submissions: work recorded in the period, not counting links GitHub reports missing or
  private;
  both read per-member totals kept with the ledger (`bot.store.leaderboards`), for the period
  holding today's group day;
- streak: current streaks (the rules of `bot.core.streaks`), read from each member's stored
  streak state (`bot.store.streaks`, `bot.core.streak_state`): one statement over the members
  whose latest completed day is recent enough for their streak to be on, so the cost follows
  the members on the board, not the history. For a week, month or season the score is the part
  of the current streak inside the period: its completed days from the period's first group day
  (this week's board tops out at 7). Members whose past changed since their state was written
  (an excuse, a ledger fix) are replayed from the ledger first.

Every board orders the same way: score, then who reached it first (the completion that brought
the score), then user id, with competition ranks. Members holding an excluded role are left out,
and so are members below the group's minimum activity (completed days in the period). Anonymous
members are listed, under no name.
"""

from __future__ import annotations

import asyncio
import csv
import io
import math
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.core.points import Period, PeriodKey, period_key
from bot.core.streak_state import StreakState, alive_floors, current_streak, replay_state
from bot.core.streaks import summarize_streak
from bot.services.challenges import ChallengeService
from bot.store import GroupRecord, Store
from bot.store.fairness import FairnessSettings
from bot.store.leaderboards import Board
from bot.store.streaks import MemberLedger

PAGE_SIZE = 10
# The whole group's excused days read first to find who can still be on a streak: enough unless
# more than two months of the most recent days were excused (then everything is read).
FLOORS_LOOK_BACK = timedelta(days=64)


class BoardKind(StrEnum):
    POINTS = "points"
    STREAK = "streak"
    SUBMISSIONS = "submissions"


UNITS = {BoardKind.POINTS: "points", BoardKind.STREAK: "days", BoardKind.SUBMISSIONS: "submissions"}


@dataclass(frozen=True)
class Standing:
    rank: int
    user_id: int
    score: int
    achieved_at: datetime
    anonymous: bool = False


@dataclass(frozen=True)
class BoardView:
    board: BoardKind
    period: Period
    page: int  # 0-based, clamped to the pages there are
    pages: int
    total: int  # members on the board
    entries: tuple[Standing, ...]
    viewer_id: int
    viewer: Standing | None  # the viewer's place, wherever it is; None when not on the board
    viewer_excluded: bool  # holds an excluded role
    season_start: date | None  # the season's first day, for the season period
    settings: FairnessSettings

    @property
    def viewer_on_page(self) -> bool:
        return any(e.user_id == self.viewer_id for e in self.entries)


class LeaderboardService:
    def __init__(self, store: Store, challenges: ChallengeService) -> None:
        self.store = store
        self.challenges = challenges  # the group and its date now, on the service's clock

    async def view(self, guild_id: int, board: BoardKind, period: Period, page: int, viewer_id: int) -> BoardView:
        group = await self.challenges.group(guild_id)
        settings = await self.store.fairness.get(guild_id)
        season_start = settings.season_start or group.start_date
        excluded = await self.store.fairness.excluded_members(guild_id)
        page = max(page, 0)
        key = period_key(period, self.challenges.group_date(group), season_start=season_start)
        if board is BoardKind.STREAK:
            entries, total, viewer, page = await self._streak_board(group, key, settings, excluded, page, viewer_id)
        else:
            table = Board.POINTS if board is BoardKind.POINTS else Board.SUBMISSIONS
            entries, total, viewer = await self._sql_board(guild_id, table, key, settings, excluded, page, viewer_id)
            if page >= _pages(total):  # the board shrank since the button was drawn
                page = _pages(total) - 1
                entries, total, viewer = await self._sql_board(
                    guild_id, table, key, settings, excluded, page, viewer_id
                )
        shown = [*entries, *([viewer] if viewer else [])]
        anonymous = await self.store.profiles.anonymous_among({s.user_id for s in shown})
        return BoardView(
            board=board,
            period=period,
            page=page,
            pages=_pages(total),
            total=total,
            entries=tuple(_mark(s, anonymous) for s in entries),
            viewer_id=viewer_id,
            viewer=_mark(viewer, anonymous) if viewer else None,
            viewer_excluded=viewer_id in excluded,
            season_start=season_start if period is Period.SEASON else None,
            settings=settings,
        )

    async def _sql_board(
        self,
        guild_id: int,
        board: Board,
        key: PeriodKey,
        settings: FairnessSettings,
        excluded: Collection[int],
        page: int,
        viewer_id: int,
    ) -> tuple[list[Standing], int, Standing | None]:
        boards, minimum = self.store.leaderboards, settings.min_activity
        result = await boards.page(
            guild_id, board, key, excluded_user_ids=excluded, min_activity=minimum, offset=page * PAGE_SIZE
        )
        # The viewer's place is already known when the page shows them or the board is empty.
        me = next((e for e in result.entries if e.user_id == viewer_id), None)
        if me is None and result.total_members:
            me = await boards.rank_of(guild_id, viewer_id, board, key, excluded_user_ids=excluded, min_activity=minimum)
        entries = [Standing(e.rank, e.user_id, e.score, e.achieved_at) for e in result.entries]
        viewer = Standing(me.rank, me.user_id, me.score, me.achieved_at) if me else None
        return entries, result.total_members, viewer

    # --- the streak board -------------------------------------------------------------------

    async def _streak_board(
        self,
        group: GroupRecord,
        key: PeriodKey,
        settings: FairnessSettings,
        excluded: Collection[int],
        page: int,
        viewer_id: int,
    ) -> tuple[list[Standing], int, Standing | None, int]:
        """A page of the streak board (moved back to the last page when past it), the board's
        size, the viewer's place and the page shown."""
        guild_id, streaks = group.guild_id, self.store.streaks
        if await streaks.waiting(guild_id):
            await streaks.restate(guild_id, replay_members)
        today = self.challenges.group_date(group)
        # Days a member's own repair excused after their latest completed day: few, judged here.
        own = await streaks.excused_after_last(guild_id, today)
        since = min([today - FLOORS_LOOK_BACK, *(state.last_date for state, _ in own.values())])
        group_excused = await self.store.standings.group_excused_dates(guild_id, since)
        floors = alive_floors(today, group_excused, since)
        if floors is None:  # a long pause: the floors lie further back
            since = date.min
            group_excused = await self.store.standings.group_excused_dates(guild_id, since)
            floors = alive_floors(today, group_excused, since)
            assert floors is not None, "finitely many excused days"
        revived = [
            user
            for user, (state, days) in own.items()
            if state.last_date < floors[state.freezes] and current_streak(state, group_excused | days, today) > 0
        ]
        result = await streaks.board(
            guild_id,
            floors=floors,
            revived=revived,
            period=key,
            excluded_user_ids=excluded,
            min_activity=settings.min_activity,
            offset=page * PAGE_SIZE,
            limit=PAGE_SIZE,
            viewer_id=viewer_id,
        )
        page = min(page, _pages(result.total) - 1)
        entries = [Standing(r.rank, r.user_id, r.score, r.achieved_at) for r in result.page]
        mine = result.viewer
        viewer = Standing(mine.rank, mine.user_id, mine.score, mine.achieved_at) if mine else None
        return entries, result.total, viewer, page

    # --- the admin export -------------------------------------------------------------------

    async def export_csv(self, guild_id: int) -> str:
        """One row per member: points, completed days, streaks and submissions (all time)."""
        group = await self.challenges.group(guild_id)
        today = self.challenges.group_date(group)
        totals = await self.store.standings.member_totals(guild_id)
        submissions = await self.store.submissions.counts(guild_id)
        completed = await self.store.standings.completed_days(guild_id)
        own_excused = await self.store.standings.member_excused_days(guild_id, None)
        group_excused = await self.store.standings.group_excused_dates(guild_id, date.min)
        members = sorted(totals.keys() | submissions.keys())
        anonymous = await self.store.profiles.anonymous_among(members)
        streaks = await asyncio.to_thread(_all_streaks, completed, own_excused, group_excused, today)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            [
                "user_id",
                "points",
                "completed_days",
                "current_streak",
                "longest_streak",
                "submissions",
                "verified_or_matched_submissions",
                "first_completed",
                "last_completed",
                "anonymous",
            ]
        )
        rows: list[tuple[int, int, list[object]]] = []
        for user_id in members:
            total = totals.get(user_id)
            points = total.points if total else 0
            current, longest = streaks.get(user_id, (0, 0))
            sent, vouched = submissions.get(user_id, (0, 0))
            row: list[object] = [
                str(user_id),
                points,
                total.completions if total else 0,
                current,
                longest,
                sent,
                vouched,
                total.first_completed.isoformat() if total and total.first_completed else "",
                total.last_completed.isoformat() if total and total.last_completed else "",
                "yes" if user_id in anonymous else "no",
            ]
            rows.append((-points, user_id, row))
        rows.sort(key=lambda r: (r[0], r[1]))
        writer.writerows(row for _, _, row in rows)
        return out.getvalue()


def _pages(total: int) -> int:
    return max(1, math.ceil(total / PAGE_SIZE))


def _mark(standing: Standing, anonymous: set[int]) -> Standing:
    if standing.user_id not in anonymous:
        return standing
    return Standing(standing.rank, standing.user_id, standing.score, standing.achieved_at, anonymous=True)


def _all_streaks(
    completed: dict[int, list[date]],
    own_excused: dict[int, set[date]],
    group_excused: set[date],
    today: date,
) -> dict[int, tuple[int, int]]:
    """(current, longest) for every member, over their whole history (the export is rare)."""
    result: dict[int, tuple[int, int]] = {}
    for user_id, days in completed.items():
        dates = [d for d in days if d <= today]
        if not dates:
            continue
        summary = summarize_streak(dates, group_excused | own_excused.get(user_id, set()), dates[0], today)
        result[user_id] = (summary.current, summary.longest)
    return result


def replay_members(ledgers: dict[int, MemberLedger], group_excused: frozenset[date]) -> dict[int, StreakState | None]:
    """Members' streak states replayed from the ledger (`StreakStateRepository.restate`)."""
    return {
        user: replay_state(
            ledger.completed,
            group_excused | ledger.excused if ledger.excused else group_excused,
            ledger.last_completed_at,
        )
        for user, ledger in ledgers.items()
    }
