"""Leaderboards as members see them: a board, a period, a page, and where the viewer stands.

Three boards:
- points: the sum of points entries in the period (SQL, `bot.store.leaderboards`);
- submissions: work recorded in the period, not counting links GitHub reports missing or
  private (SQL, `bot.store.submissions`);
- streak: current streaks, replayed in Python from the ledger with `bot.core.streaks`, counting
  only days inside the period (this week's board tops out at 7). The work is bounded: only
  members who can still be on a streak are replayed (see `_streak_candidates`), each over at
  most STREAK_HORIZON_DAYS days, and at most STREAK_MAX_MEMBERS members, those with the most
  completed days in the period first. A group with more members than that on a streak at once
  ranks those; nobody else is affected.

Every board orders the same way: score, then who reached it first, then user id. Members
holding an excluded role are left out, and so are members below the group's minimum activity
(completed days in the period). Anonymous members are listed, under no name.
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

from bot.core.clock import Clock
from bot.core.points import Period, Window, period_window
from bot.core.streaks import MAX_FREEZES, summarize_streak
from bot.services.challenges import ChallengeService, schedule_of
from bot.store import GroupRecord, Store
from bot.store.fairness import FairnessSettings
from bot.store.leaderboards import Board

PAGE_SIZE = 10
STREAK_HORIZON_DAYS = 366
STREAK_MAX_MEMBERS = 2000
STREAK_CHUNK_DAYS = 32  # the first look back; each further look is twice as long


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
    window: Window
    season_start: date | None  # the season's first day, for the season period
    settings: FairnessSettings

    @property
    def viewer_on_page(self) -> bool:
        return any(e.user_id == self.viewer_id for e in self.entries)


class LeaderboardService:
    def __init__(self, store: Store, challenges: ChallengeService, clock: Clock) -> None:
        self.store = store
        self.challenges = challenges
        self.clock = clock

    async def view(self, guild_id: int, board: BoardKind, period: Period, page: int, viewer_id: int) -> BoardView:
        group = await self.challenges.group(guild_id)
        settings = await self.store.fairness.get(guild_id)
        season_start = settings.season_start or group.start_date
        now = self.clock.now()
        window = period_window(period, now, group.timezone, season_start=season_start, day_start=group.post_time)
        excluded = await self.store.fairness.excluded_members(guild_id)
        page = max(page, 0)
        if board is BoardKind.STREAK:
            ranked = await self._streak_board(group, window, settings, excluded, viewer_id)
            total = len(ranked)
            page = min(page, _pages(total) - 1)
            entries = ranked[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
            viewer = next((s for s in ranked if s.user_id == viewer_id), None)
        else:
            entries, total, viewer = await self._sql_board(guild_id, board, window, settings, excluded, page, viewer_id)
            if page >= _pages(total):  # the board shrank since the button was drawn
                page = _pages(total) - 1
                entries, total, viewer = await self._sql_board(
                    guild_id, board, window, settings, excluded, page, viewer_id
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
            window=window,
            season_start=season_start if period is Period.SEASON else None,
            settings=settings,
        )

    async def _sql_board(
        self,
        guild_id: int,
        board: BoardKind,
        window: Window,
        settings: FairnessSettings,
        excluded: Collection[int],
        page: int,
        viewer_id: int,
    ) -> tuple[list[Standing], int, Standing | None]:
        start, end, minimum = window.start, window.end, settings.min_activity
        offset = page * PAGE_SIZE
        if board is BoardKind.POINTS:
            result = await self.store.leaderboards.points_board(
                guild_id,
                start=start,
                end=end,
                excluded_user_ids=excluded,
                min_activity=minimum,
                offset=offset,
                limit=PAGE_SIZE,
            )
            me = await self.store.leaderboards.rank_of(
                guild_id,
                viewer_id,
                Board.POINTS,
                start=start,
                end=end,
                excluded_user_ids=excluded,
                min_activity=minimum,
            )
            entries = [Standing(e.rank, e.user_id, e.score, e.achieved_at) for e in result.entries]
            viewer = Standing(me.rank, me.user_id, me.score, me.achieved_at) if me else None
            return entries, result.total_members, viewer
        rows, total = await self.store.submissions.board(
            guild_id,
            start=start,
            end=end,
            excluded_user_ids=excluded,
            min_activity=minimum,
            offset=offset,
            limit=PAGE_SIZE,
        )
        mine = await self.store.submissions.rank_of(
            guild_id, viewer_id, start=start, end=end, excluded_user_ids=excluded, min_activity=minimum
        )
        entries = [Standing(r.rank, r.user_id, r.score, r.achieved_at) for r in rows]
        return entries, total, Standing(mine.rank, mine.user_id, mine.score, mine.achieved_at) if mine else None

    # --- the streak board -------------------------------------------------------------------

    async def _streak_board(
        self,
        group: GroupRecord,
        window: Window,
        settings: FairnessSettings,
        excluded: Collection[int],
        viewer_id: int,
    ) -> list[Standing]:
        schedule = schedule_of(group)
        today = schedule.group_date_at(self.clock.now())
        first = today - timedelta(days=STREAK_HORIZON_DAYS - 1)
        if window.start is not None:
            first = max(first, schedule.group_date_at(window.start))
        first = max(first, group.start_date)
        if first > today:
            return []
        candidates = await self._streak_candidates(group, first, today) - set(excluded)
        if settings.min_activity > 0:
            counts = await self.store.standings.completed_days_in(group.guild_id, window.start, window.end)
            candidates = {u for u in candidates if counts.get(u, 0) >= settings.min_activity}
        standings = self.store.standings
        group_excused = {d.toordinal() for d in await standings.group_excused_dates(group.guild_id, first)}
        own_excused = {
            user: {d.toordinal() for d in days}
            for user, days in (await standings.member_excused_days(group.guild_id, candidates)).items()
        }
        tails = await self._tails(group.guild_id, candidates, first, today, group_excused, own_excused)
        if len(tails) > STREAK_MAX_MEMBERS:
            # A current streak is never longer than the completed days of its tail.
            keep = sorted(tails, key=lambda u: (u != viewer_id, -len(tails[u]), u))[:STREAK_MAX_MEMBERS]
            tails = {u: tails[u] for u in keep}
        streaks = await asyncio.to_thread(_replay, tails, group_excused, own_excused, today)
        reached = await standings.last_completed_at(group.guild_id, streaks.keys())
        return _rank([Standing(0, user, score, reached[user]) for user, score in streaks.items()])

    async def _tails(
        self,
        guild_id: int,
        candidates: set[int],
        first: date,
        today: date,
        group_excused: set[int],
        own_excused: dict[int, set[int]],
    ) -> dict[int, list[int]]:
        """Each candidate's completed days (ordinals, oldest first) since their streak last certainly reset.

        Read backwards from today in growing chunks and stop, member by member, at the first gap
        of more than MAX_FREEZES days that are neither completed nor excused: freezes can't cover
        it, so the streak was back at zero, with no freezes held, when the gap ended, and a
        replay from the day after it is exact. Most members have such a gap within weeks, so the
        rows read are about the length of the streaks themselves, not the history.
        """
        pending, tails = set(candidates), {}
        found: dict[int, list[int]] = {user: [] for user in candidates}  # latest first
        end, span, lowest = today.toordinal(), STREAK_CHUNK_DAYS, first.toordinal()
        while pending and end >= lowest:
            start = max(lowest, end - span + 1)
            chunk = await self.store.standings.completed_ordinals(
                guild_id, pending, date.fromordinal(start), date.fromordinal(end)
            )
            for user in list(pending):
                days, excused = found[user], own_excused.get(user, set()) | group_excused
                for day in chunk.get(user, ()):
                    if days and _certain_reset(day + 1, days[-1] - 1, excused):
                        break
                    days.append(day)
                else:
                    if not (days and _certain_reset(start, days[-1] - 1, excused)):
                        continue  # the run may go on before this chunk
                pending.discard(user)
                tails[user] = days[::-1]
            end, span = start - 1, span * 2
        for user in pending:  # reached `first`: the run starts at their first day in the window
            tails[user] = found[user][::-1]
        return {user: days for user, days in tails.items() if days}

    async def _streak_candidates(self, group: GroupRecord, first: date, today: date) -> set[int]:
        """Everyone who may be on a streak today; anyone else's current streak is certainly 0.

        A member with no completed day since `cutoff` has missed MAX_FREEZES + 1 unexcused days
        since their last one (today does not count: it is still open), more than freezes can
        cover, unless some of those days were excused for them alone.
        """
        group_excused = await self.store.standings.group_excused_dates(group.guild_id, first)
        cutoff, missable, day = first, 0, today - timedelta(days=1)
        while day >= first:
            if day not in group_excused:
                missable += 1
                if missable == MAX_FREEZES + 1:
                    cutoff = day
                    break
            day -= timedelta(days=1)
        since = schedule_of(group).post_at(cutoff)  # a day's completions come after its post
        recent = await self.store.standings.completers_since(group.guild_id, since)
        repaired = await self.store.standings.members_excused_since(group.guild_id, cutoff)
        return recent | repaired

    # --- the admin export -------------------------------------------------------------------

    async def export_csv(self, guild_id: int) -> str:
        """One row per member: points, completed days, streaks and submissions (all time)."""
        group = await self.challenges.group(guild_id)
        today = schedule_of(group).group_date_at(self.clock.now())
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


def _certain_reset(first: int, last: int, excused: set[int]) -> bool:
    """Whether ordinals first..last hold more unexcused days than freezes can cover."""
    missed, day = 0, last
    while day >= first:
        if day not in excused:
            missed += 1
            if missed > MAX_FREEZES:
                return True
        day -= 1
    return False


def _replay(
    tails: dict[int, list[int]], group_excused: set[int], own_excused: dict[int, set[int]], today: date
) -> dict[int, int]:
    """Current streaks, replayed over each member's tail; members on no streak are left out."""
    streaks: dict[int, int] = {}
    for user_id, days in tails.items():
        excused = {date.fromordinal(d) for d in group_excused | own_excused.get(user_id, set()) if d >= days[0]}
        done = [date.fromordinal(d) for d in days]
        current = summarize_streak(done, excused, done[0], today).current
        if current > 0:
            streaks[user_id] = current
    return streaks


def _rank(standings: list[Standing]) -> list[Standing]:
    """Competition ranks in board order; a tie needs the same score reached at the same instant."""
    ordered = sorted(standings, key=lambda s: (-s.score, s.achieved_at, s.user_id))
    ranked: list[Standing] = []
    for position, standing in enumerate(ordered, start=1):
        previous = ranked[-1] if ranked else None
        tied = previous is not None and (previous.score, previous.achieved_at) == (
            standing.score,
            standing.achieved_at,
        )
        rank = previous.rank if tied and previous is not None else position
        ranked.append(Standing(rank, standing.user_id, standing.score, standing.achieved_at))
    return ranked


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
