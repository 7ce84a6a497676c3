"""`board_totals` (migration 007) never disagrees with the ledger it sums.

Every test ends by comparing the whole table with a reference computed here in plain Python
from the raw ledger rows (points, completions, submissions, groups, leaderboard_settings): same
keys, same totals, same `*_at` instants, no empty rows left behind, and `board_changes` empty.
Ledger rows are written through the real repositories where one exists and with raw SQL only
where none does (deleting one row, rewriting one in place): the triggers must hold whoever writes.
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from bot.core.points import Period, Reason, period_key
from bot.core.verification import SubmissionStatus
from bot.store import GroupSettings, NewPoints, Store
from bot.store.database import load_migrations
from bot.store.leaderboards import Board
from bot.store.submissions import NewSubmission
from bot.store.timeutil import from_db, to_db

Key = tuple[int, str, str, int]  # (guild_id, period, period_start, user_id)
HIDDEN = frozenset({SubmissionStatus.NOT_FOUND.value, SubmissionStatus.PRIVATE.value})
NOW = datetime(2028, 3, 20, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Totals:
    """One board_totals row without its key."""

    points: int = 0
    points_n: int = 0
    points_at: str | None = None
    completions: int = 0
    completions_at: str | None = None
    submissions: int = 0
    submissions_at: str | None = None


# --- the reference: the same totals, summed in Python from the raw ledger ------------------------


@dataclass
class _Sum:
    points: int = 0
    points_n: int = 0
    points_at: list[str] = field(default_factory=list)
    completions: int = 0
    completions_at: list[str] = field(default_factory=list)
    submissions: int = 0
    submissions_at: list[str] = field(default_factory=list)

    def totals(self) -> Totals:
        def latest(instants: list[str]) -> str | None:
            # By instant, not by text: a trigger comparing text would be caught if formats differed.
            return max(instants, key=from_db) if instants else None

        return Totals(
            self.points,
            self.points_n,
            latest(self.points_at),
            self.completions,
            latest(self.completions_at),
            self.submissions,
            latest(self.submissions_at),
        )


def season_starts(groups: Sequence[dict[str, Any]], settings: Sequence[dict[str, Any]]) -> dict[int, date]:
    """Per guild with a group: the admin's season start, else the group's start date."""
    admin = {int(s["guild_id"]): s["season_start"] for s in settings if s["season_start"] is not None}
    return {int(g["guild_id"]): date.fromisoformat(admin.get(int(g["guild_id"]), g["start_date"])) for g in groups}


def periods_of(day: date, season: date | None) -> list[tuple[str, str]]:
    keys = [("all", "")]
    for period in (Period.WEEK, Period.MONTH):
        start = period_key(period, day).start
        assert start is not None
        keys.append((period.value, start.isoformat()))
    if season is not None and day >= season:
        keys.append(("season", season.isoformat()))
    return keys


def reference(
    points: Sequence[dict[str, Any]],
    completions: Sequence[dict[str, Any]],
    submissions: Sequence[dict[str, Any]],
    groups: Sequence[dict[str, Any]],
    settings: Sequence[dict[str, Any]],
) -> dict[Key, Totals]:
    seasons = season_starts(groups, settings)
    sums: dict[Key, _Sum] = {}

    def rows_of(guild_id: int, user_id: int, day: str) -> list[_Sum]:
        return [
            sums.setdefault((guild_id, period, start, user_id), _Sum())
            for period, start in periods_of(date.fromisoformat(day), seasons.get(guild_id))
        ]

    for p in points:
        if p["group_date"] is None:  # no group day, so no period it could belong to
            continue
        for s in rows_of(p["guild_id"], p["user_id"], p["group_date"]):
            s.points += p["amount"]
            s.points_n += 1
            s.points_at.append(p["created_at"])
    for c in completions:
        for s in rows_of(c["guild_id"], c["user_id"], c["group_date"]):
            s.completions += 1
            s.completions_at.append(c["completed_at"])
    for b in submissions:
        if b["group_date"] is None or b["status"] in HIDDEN:
            continue
        for s in rows_of(b["guild_id"], b["user_id"], b["group_date"]):
            s.submissions += 1
            s.submissions_at.append(b["created_at"])
    return {key: s.totals() for key, s in sums.items()}


async def rows(store: Store, table: str) -> list[dict[str, Any]]:
    return [dict(row) for row in await store._db.fetch_all(f"SELECT * FROM {table}")]


async def expected_totals(store: Store) -> dict[Key, Totals]:
    return reference(
        await rows(store, "points"),
        await rows(store, "completions"),
        await rows(store, "submissions"),
        await rows(store, "groups"),
        await rows(store, "leaderboard_settings"),
    )


async def board_totals(store: Store) -> dict[Key, Totals]:
    found: dict[Key, Totals] = {}
    for r in await rows(store, "board_totals"):
        key = (int(r.pop("guild_id")), str(r.pop("period")), str(r.pop("period_start")), int(r.pop("user_id")))
        found[key] = Totals(**r)
    return found


async def pending_changes(conn: aiosqlite.Connection) -> int:
    async with conn.execute("SELECT COUNT(*) FROM board_changes") as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def assert_matches_ledger(store: Store, context: str = "") -> dict[Key, Totals]:
    """board_totals is exactly the reference; returns it for further checks."""
    assert await pending_changes(store._db.conn) == 0, f"board_changes not drained {context}"
    actual = await board_totals(store)
    empty = [key for key, t in actual.items() if t.points_n == 0 and t.completions == 0 and t.submissions == 0]
    assert not empty, f"empty rows left behind {context}: {empty}"
    expected = await expected_totals(store)
    if actual != expected:
        differences = [
            f"  {key}: board_totals={actual.get(key)} ledger={expected.get(key)}"
            for key in sorted(set(actual) | set(expected))
            if actual.get(key) != expected.get(key)
        ]
        pytest.fail(f"board_totals disagrees with the ledger {context}:\n" + "\n".join(differences[:25]))
    return actual


# --- writing the ledger -------------------------------------------------------------------------


def at(day: str, hour: int = 12, minute: int = 0) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour, minute), tzinfo=UTC)


def db(moment: datetime) -> str:
    return to_db(moment)


@dataclass
class Ledger:
    store: Store
    keys: Counter[str] = field(default_factory=Counter)

    async def complete(
        self,
        guild_id: int,
        user_id: int,
        day: str,
        *,
        when: datetime | None = None,
        points: Sequence[int | tuple[int, str | None, datetime]] = (10,),
    ) -> bool:
        """A completed day and its points entries, as the bot records them (one transaction).

        An entry is an amount (dated the day, at the completion's instant) or (amount, group
        day or None, instant).
        """
        moment = when or at(day)
        entries = [
            NewPoints(p, Reason.COMPLETION, date.fromisoformat(day), moment)
            if isinstance(p, int)
            else NewPoints(p[0], Reason.STREAK_7, date.fromisoformat(p[1]) if p[1] else None, p[2])
            for p in points
        ]
        return await self.store.ledger.record_completion(
            guild_id,
            user_id,
            date.fromisoformat(day),
            challenge_id="c1",
            how="done",
            link=None,
            first_try=False,
            at=moment,
            points=entries,
        )

    async def submit(
        self,
        guild_id: int,
        user_id: int,
        day: str,
        *,
        when: datetime | None = None,
        status: SubmissionStatus = SubmissionStatus.SELF_REPORTED,
        key: str | None = None,
    ) -> int:
        if key is None:
            self.keys[f"{guild_id}/{user_id}"] += 1
            key = f"owner/repo-{self.keys[f'{guild_id}/{user_id}']}"
        record, _created = await self.store.submissions.add(
            NewSubmission(
                guild_id,
                user_id,
                "github",
                "repository",
                key,
                f"https://github.com/{key}",
                "owner",
                None,
                None,
                status,
                None,
                when or at(day),
                date.fromisoformat(day),
            )
        )
        return record.id

    async def group(self, guild_id: int, start: str) -> None:
        """/setup: create the group or change its settings (start date included)."""
        settings = GroupSettings(guild_id, time(9), "UTC", date.fromisoformat(start), "full", None)
        await self.store.groups.save(guild_id, settings, NOW.date(), NOW, NOW)

    async def season(self, guild_id: int, start: str | None) -> None:
        await self.store.fairness.set_season_start(guild_id, date.fromisoformat(start) if start else None, NOW)

    async def execute(self, sql: str, params: tuple[object, ...] = ()) -> int:
        """A writer with no repository method; returns the rows changed."""
        async with self.store._db.transaction() as conn:
            cursor = await conn.execute(sql, params)
            changed = cursor.rowcount
            assert await pending_changes(conn) == 0, f"board_changes not drained after {sql!r}"
        return changed

    async def points_ids(self, guild_id: int, user_id: int) -> list[int]:
        found = await self.store._db.fetch_all(
            "SELECT id FROM points WHERE guild_id = ? AND user_id = ? ORDER BY id", (guild_id, user_id)
        )
        return [int(r[0]) for r in found]


@pytest.fixture
async def ledger(tmp_path: Path) -> AsyncIterator[Ledger]:
    async with Store(tmp_path / "db.sqlite") as store:
        yield Ledger(store)


# --- periods ------------------------------------------------------------------------------------


async def test_inserts_land_in_the_week_month_and_season_of_their_group_day_per_guild(ledger: Ledger) -> None:
    await ledger.group(1, "2028-01-01")
    await ledger.group(2, "2028-01-15")
    sunday, monday = at("2028-01-30", 20), at("2028-01-31", 8)  # also Jan 31, then Feb 1
    await ledger.complete(1, 10, "2028-01-30", when=sunday, points=[10, (5, "2028-01-30", sunday)])
    await ledger.complete(1, 10, "2028-01-31", when=monday)
    await ledger.complete(1, 10, "2028-02-01", points=[15])
    leap_day = at("2028-02-29", 23, 59)
    await ledger.complete(1, 20, "2028-02-29", when=leap_day, points=[20])
    await ledger.complete(1, 20, "2028-03-01", points=[10])
    await ledger.submit(1, 20, "2028-02-28", when=at("2028-02-28", 7))
    await ledger.complete(2, 10, "2028-01-30", when=sunday, points=[99])  # the same person in another server

    totals = await assert_matches_ledger(ledger.store)

    assert totals[(1, "week", "2028-01-24", 10)] == Totals(15, 2, db(sunday), 1, db(sunday))
    assert totals[(1, "week", "2028-01-31", 10)] == Totals(25, 2, db(at("2028-02-01")), 2, db(at("2028-02-01")))
    assert totals[(1, "month", "2028-01-01", 10)] == Totals(25, 3, db(monday), 2, db(monday))
    assert totals[(1, "month", "2028-02-01", 10)] == Totals(15, 1, db(at("2028-02-01")), 1, db(at("2028-02-01")))
    assert totals[(1, "all", "", 10)] == Totals(40, 4, db(at("2028-02-01")), 3, db(at("2028-02-01")))
    assert totals[(1, "season", "2028-01-01", 10)] == totals[(1, "all", "", 10)]
    # The leap day is in February and in the week of Monday Feb 28, with Mar 1.
    assert totals[(1, "month", "2028-02-01", 20)] == Totals(
        20, 1, db(leap_day), 1, db(leap_day), 1, db(at("2028-02-28", 7))
    )
    assert totals[(1, "week", "2028-02-28", 20)] == Totals(
        30, 2, db(at("2028-03-01")), 2, db(at("2028-03-01")), 1, db(at("2028-02-28", 7))
    )
    assert totals[(1, "month", "2028-03-01", 20)] == Totals(10, 1, db(at("2028-03-01")), 1, db(at("2028-03-01")))
    # Nothing leaks between servers.
    assert {key for key in totals if key[0] == 2} == {
        (2, "all", "", 10),
        (2, "week", "2028-01-24", 10),
        (2, "month", "2028-01-01", 10),
        (2, "season", "2028-01-15", 10),
    }
    assert totals[(2, "all", "", 10)].points == 99
    # The keys the triggers write are the keys the leaderboard asks for.
    week = await ledger.store.leaderboards.page(1, Board.POINTS, period_key(Period.WEEK, date(2028, 3, 1)))
    assert [(e.user_id, e.score, e.achieved_at) for e in week.entries] == [(20, 30, at("2028-03-01"))]
    month = await ledger.store.leaderboards.page(1, Board.SUBMISSIONS, period_key(Period.MONTH, date(2028, 2, 29)))
    assert [(e.user_id, e.score) for e in month.entries] == [(20, 1)]


async def test_a_points_entry_without_a_group_day_counts_on_no_board_since_periods_are_keyed_by_group_day(
    ledger: Ledger,
) -> None:
    await ledger.group(1, "2028-01-01")
    dated, undated = at("2028-01-10"), at("2028-01-11")
    await ledger.complete(1, 10, "2028-01-10", when=dated, points=[10, (7, None, undated)])
    assert await ledger.store.ledger.points_total(1, 10) == 17  # the ledger has it...

    totals = await assert_matches_ledger(ledger.store)
    assert totals[(1, "all", "", 10)] == Totals(10, 1, db(dated), 1, db(dated))  # ...no board does

    (_, undated_id) = await ledger.points_ids(1, 10)
    assert await ledger.execute("DELETE FROM points WHERE id = ?", (undated_id,)) == 1
    assert await assert_matches_ledger(ledger.store) == totals


# --- deletes ------------------------------------------------------------------------------------


async def test_deleting_points_entries_falls_back_to_the_previous_latest_and_drops_emptied_rows(
    ledger: Ledger,
) -> None:
    await ledger.group(1, "2028-01-01")
    t1, t2, t3 = at("2028-01-03", 9), at("2028-01-04", 9), at("2028-01-04", 18)
    await ledger.complete(1, 10, "2028-01-03", when=t1, points=[10])
    await ledger.complete(1, 10, "2028-01-04", when=t2, points=[10, (5, "2028-01-04", t3)])
    await ledger.complete(1, 20, "2028-01-04", when=t2, points=[10])
    first, second, bonus = await ledger.points_ids(1, 10)
    week = (1, "week", "2028-01-03", 10)
    assert (await assert_matches_ledger(ledger.store))[week] == Totals(25, 3, db(t3), 2, db(t2))

    await ledger.execute("DELETE FROM points WHERE id = ?", (bonus,))
    assert (await assert_matches_ledger(ledger.store))[week] == Totals(20, 2, db(t2), 2, db(t2))

    await ledger.execute("DELETE FROM points WHERE id = ?", (second,))
    assert (await assert_matches_ledger(ledger.store))[week] == Totals(10, 1, db(t1), 2, db(t2))

    # No points left, but completed days: the row stays, with no points instant.
    await ledger.execute("DELETE FROM points WHERE id = ?", (first,))
    assert (await assert_matches_ledger(ledger.store))[week] == Totals(0, 0, None, 2, db(t2))

    await ledger.execute("DELETE FROM completions WHERE guild_id = 1 AND user_id = 10")
    totals = await assert_matches_ledger(ledger.store)
    assert not [key for key in totals if key[3] == 10]
    assert totals[(1, "week", "2028-01-03", 20)] == Totals(10, 1, db(t2), 1, db(t2))


async def test_entries_summing_to_zero_keep_the_member_on_the_points_board(ledger: Ledger) -> None:
    await ledger.group(1, "2028-01-01")
    await ledger.complete(1, 10, "2028-01-05", points=[10, (-10, "2028-01-05", at("2028-01-05", 13))])
    assert (await assert_matches_ledger(ledger.store))[(1, "all", "", 10)] == Totals(
        0, 2, db(at("2028-01-05", 13)), 1, db(at("2028-01-05"))
    )
    await ledger.execute("DELETE FROM completions")
    assert (await assert_matches_ledger(ledger.store))[(1, "all", "", 10)] == Totals(0, 2, db(at("2028-01-05", 13)))


async def test_a_delete_reads_the_latest_instant_again_within_its_period_only(ledger: Ledger) -> None:
    """The instants read again after a delete stop at the period's end, however long the period."""
    await ledger.group(1, "2028-01-01")
    days = ["2028-02-21", "2028-02-27", "2028-02-28", "2028-02-29", "2028-03-01", "2028-03-02"]
    for day in days:  # Mon, Sun | Mon, the leap day | Mar 1, Mar 2: each later than the one before
        await ledger.complete(1, 10, day, points=[10])
        await ledger.submit(1, 10, day)
    for table in ("points", "completions", "submissions"):
        await ledger.execute(f"DELETE FROM {table} WHERE group_date IN ('2028-02-27', '2028-02-29')")

    totals = await assert_matches_ledger(ledger.store)
    feb21, feb28, mar2 = db(at("2028-02-21")), db(at("2028-02-28")), db(at("2028-03-02"))
    assert totals[(1, "week", "2028-02-21", 10)] == Totals(10, 1, feb21, 1, feb21, 1, feb21)  # not Mon Feb 28
    assert totals[(1, "month", "2028-02-01", 10)] == Totals(20, 2, feb28, 2, feb28, 2, feb28)  # not Mar 1
    assert totals[(1, "week", "2028-02-28", 10)] == Totals(30, 3, mar2, 3, mar2, 3, mar2)


async def test_deleting_a_completed_day_falls_back_to_the_previous_one_and_leaves_its_month(ledger: Ledger) -> None:
    await ledger.group(1, "2028-01-01")
    jan, feb = at("2028-01-31", 22), at("2028-02-01", 6)
    await ledger.complete(1, 10, "2028-01-31", when=jan, points=[])
    await ledger.complete(1, 10, "2028-02-01", when=feb, points=[])
    assert (await assert_matches_ledger(ledger.store))[(1, "all", "", 10)] == Totals(
        completions=2, completions_at=db(feb)
    )

    await ledger.execute("DELETE FROM completions WHERE group_date = '2028-02-01'")
    totals = await assert_matches_ledger(ledger.store)
    assert totals[(1, "all", "", 10)] == Totals(completions=1, completions_at=db(jan))
    assert totals[(1, "week", "2028-01-31", 10)] == Totals(completions=1, completions_at=db(jan))
    assert (1, "month", "2028-02-01", 10) not in totals

    await ledger.execute("DELETE FROM completions WHERE group_date = '2028-01-31'")
    assert await assert_matches_ledger(ledger.store) == {}


# --- submission status --------------------------------------------------------------------------


async def test_a_submission_github_reports_missing_or_private_leaves_the_board_and_rejoins(ledger: Ledger) -> None:
    await ledger.group(1, "2028-01-01")
    t1, t2 = at("2028-01-10"), at("2028-01-12")
    first = await ledger.submit(1, 10, "2028-01-10", when=t1)
    second = await ledger.submit(1, 10, "2028-01-12", when=t2, status=SubmissionStatus.UNVERIFIED)
    hidden_from_start = await ledger.submit(1, 10, "2028-01-13", when=at("2028-01-13"), status=SubmissionStatus.PRIVATE)
    key = (1, "week", "2028-01-10", 10)
    assert (await assert_matches_ledger(ledger.store))[key] == Totals(submissions=2, submissions_at=db(t2))

    steps = [
        (second, SubmissionStatus.VERIFIED, Totals(submissions=2, submissions_at=db(t2))),  # still counted
        (second, SubmissionStatus.NOT_FOUND, Totals(submissions=1, submissions_at=db(t1))),
        (second, SubmissionStatus.PRIVATE, Totals(submissions=1, submissions_at=db(t1))),  # hidden either way
        (second, SubmissionStatus.VERIFIED, Totals(submissions=2, submissions_at=db(t2))),  # public again
        (first, SubmissionStatus.NOT_FOUND, Totals(submissions=1, submissions_at=db(t2))),
        (second, SubmissionStatus.PRIVATE, None),  # nothing counted: the row is gone
        (hidden_from_start, SubmissionStatus.SELF_REPORTED, Totals(submissions=1, submissions_at=db(at("2028-01-13")))),
    ]
    for submission_id, status, expected in steps:
        await ledger.store.submissions.set_status(submission_id, status, at("2028-01-20"))
        assert (await assert_matches_ledger(ledger.store, f"after {status}")).get(key) == expected, status

    # Deleting a hidden submission changes nothing; deleting a counted one removes it.
    await ledger.execute("DELETE FROM submissions WHERE id = ?", (second,))
    assert (await assert_matches_ledger(ledger.store)).get(key) == Totals(
        submissions=1, submissions_at=db(at("2028-01-13"))
    )
    await ledger.execute("DELETE FROM submissions WHERE id = ?", (hidden_from_start,))
    assert await assert_matches_ledger(ledger.store) == {}


# --- seasons ------------------------------------------------------------------------------------


async def test_season_rows_appear_when_the_group_is_created_after_the_history(ledger: Ledger) -> None:
    await ledger.submit(3, 10, "2028-01-05")
    await ledger.complete(3, 10, "2028-01-05", points=[10])
    await ledger.complete(3, 20, "2028-01-20", points=[15])
    await ledger.submit(3, 20, "2028-01-21", when=at("2028-01-21"))
    totals = await assert_matches_ledger(ledger.store)
    assert not [key for key in totals if key[1] == "season"], "no group, no season"

    await ledger.group(3, "2028-01-10")
    totals = await assert_matches_ledger(ledger.store)
    seasons = {key: t for key, t in totals.items() if key[1] == "season"}
    assert seasons == {
        (3, "season", "2028-01-10", 20): Totals(
            15, 1, db(at("2028-01-20")), 1, db(at("2028-01-20")), 1, db(at("2028-01-21"))
        )
    }


async def test_admin_season_start_moves_the_season_and_clearing_it_returns_to_the_group_start(ledger: Ledger) -> None:
    await ledger.group(1, "2028-01-01")
    await ledger.complete(1, 10, "2028-01-05", points=[10])
    await ledger.complete(1, 10, "2028-02-10", points=[20])
    await ledger.submit(1, 20, "2028-02-15")
    await ledger.complete(1, 20, "2028-03-01", points=[30])

    async def season_rows() -> dict[Key, Totals]:
        totals = await assert_matches_ledger(ledger.store)
        return {key: t for key, t in totals.items() if key[1] == "season"}

    assert {(k[2], k[3], t.points) for k, t in (await season_rows()).items()} == {
        ("2028-01-01", 10, 30),
        ("2028-01-01", 20, 30),
    }

    await ledger.season(1, "2028-02-10")  # the start day itself is in the season
    assert {(k[2], k[3], t.points, t.submissions) for k, t in (await season_rows()).items()} == {
        ("2028-02-10", 10, 20, 0),
        ("2028-02-10", 20, 30, 1),
    }

    # Rows written now fall in the season only from its first day on.
    await ledger.complete(1, 30, "2028-02-09", points=[40])
    await ledger.complete(1, 30, "2028-02-10", points=[100])
    await ledger.complete(1, 30, "2028-02-11", points=[1])
    assert (await season_rows())[(1, "season", "2028-02-10", 30)].points == 101

    await ledger.season(1, "2028-02-16")
    assert {(k[2], k[3], t.points, t.submissions) for k, t in (await season_rows()).items()} == {
        ("2028-02-16", 20, 30, 0),
    }

    await ledger.season(1, "2029-01-01")  # nothing yet
    assert await season_rows() == {}

    await ledger.store.fairness.set_min_activity(1, 3, NOW)  # other settings leave the season alone
    assert await season_rows() == {}

    await ledger.season(1, None)
    assert {(k[2], k[3], t.points) for k, t in (await season_rows()).items()} == {
        ("2028-01-01", 10, 30),
        ("2028-01-01", 20, 30),
        ("2028-01-01", 30, 141),
    }


async def test_setup_changing_the_start_date_moves_the_season_unless_an_admin_set_one(ledger: Ledger) -> None:
    await ledger.group(1, "2028-01-01")
    await ledger.complete(1, 10, "2028-01-05", points=[10])
    await ledger.complete(1, 10, "2028-02-05", points=[20])

    await ledger.group(1, "2028-02-01")
    totals = await assert_matches_ledger(ledger.store)
    assert totals[(1, "season", "2028-02-01", 10)].points == 20
    assert (1, "season", "2028-01-01", 10) not in totals

    await ledger.season(1, "2028-01-03")
    await ledger.group(1, "2028-03-01")  # the admin's start still rules
    totals = await assert_matches_ledger(ledger.store)
    assert totals[(1, "season", "2028-01-03", 10)].points == 30
    assert [key for key in totals if key[1] == "season"] == [(1, "season", "2028-01-03", 10)]

    await ledger.season(1, None)
    totals = await assert_matches_ledger(ledger.store)
    assert not [key for key in totals if key[1] == "season"], "the season starts 2028-03-01: nothing yet"


# --- privacy ------------------------------------------------------------------------------------


async def test_forget_leaves_no_totals_for_the_member_and_the_others_unchanged(ledger: Ledger) -> None:
    for guild in (1, 2):
        await ledger.group(guild, "2028-01-01")
        for user in (10, 20, 30):
            await ledger.complete(guild, user, "2028-01-05", when=at("2028-01-05", user // 10), points=[user])
            await ledger.complete(guild, user, "2028-02-05", points=[1])
            await ledger.submit(guild, user, "2028-02-06")
    before = await assert_matches_ledger(ledger.store)

    await ledger.store.privacy.forget(20)

    after = await assert_matches_ledger(ledger.store)
    assert after == {key: t for key, t in before.items() if key[3] != 20}

    await ledger.complete(1, 20, "2028-03-01", points=[5])  # coming back starts from nothing
    assert (await assert_matches_ledger(ledger.store))[(1, "all", "", 20)].points == 5


# --- the migration's backfill -------------------------------------------------------------------


async def build_version_6(path: Path) -> None:
    """A database as Backprop left it before 007, with history in it."""
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    try:
        for migration in load_migrations():
            if migration.version <= 6:
                await conn.executescript(migration.sql)
        await conn.execute("PRAGMA user_version = 6")
        await conn.execute("BEGIN")  # one commit for the history, not one per row
        group = (
            "INSERT INTO groups (guild_id, channel_id, post_time, timezone, start_date, track, next_post_date,"
            " next_post_at, created_at, updated_at)"
            " VALUES (?, 1, '09:00', 'UTC', ?, 'full', '2028-03-20', ?, ?, ?)"
        )
        for guild, start in ((1, "2028-01-01"), (2, "2028-01-20")):
            await conn.execute(group, (guild, start, db(NOW), db(NOW), db(NOW)))
        await conn.execute(
            "INSERT INTO leaderboard_settings (guild_id, min_activity, season_start, updated_at)"
            " VALUES (2, 0, '2028-02-01', ?), (3, 2, NULL, ?)",
            (db(NOW), db(NOW)),
        )
        rng = random.Random(6)
        for n in range(120):
            guild, user = rng.choice((1, 2, 3)), rng.choice((10, 20, 30, 40))
            day = date(2028, 1, 10) + timedelta(days=rng.randrange(60))
            moment = datetime.combine(day, time(rng.randrange(24), rng.choice((0, 30))), tzinfo=UTC)
            await conn.execute(
                "INSERT INTO points (guild_id, user_id, amount, reason, group_date, created_at)"
                " VALUES (?, ?, ?, 'completion', ?, ?)",
                (guild, user, rng.choice((-5, 0, 10, 15)), None if n % 17 == 0 else day.isoformat(), db(moment)),
            )
            await conn.execute(
                "INSERT INTO completions (guild_id, user_id, group_date, challenge_id, how, link, first_try,"
                " completed_at) VALUES (?, ?, ?, 'c1', 'done', NULL, 0, ?) ON CONFLICT DO NOTHING",
                (guild, user, day.isoformat(), db(moment + timedelta(hours=rng.choice((0, 30))))),
            )
            await conn.execute(
                "INSERT INTO submissions (guild_id, user_id, kind, type, key, url, status, created_at)"
                " VALUES (?, ?, 'github', 'repository', ?, 'https://github.com/o/r', ?, ?)",
                (guild, user, f"o/r{n}", rng.choice(sorted(set(SubmissionStatus))), db(moment)),
            )
        await conn.execute("COMMIT")
    finally:
        await conn.close()


async def test_the_migration_backfills_every_total_from_a_version_6_database(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    await build_version_6(path)

    async with Store(path) as store:
        totals = await assert_matches_ledger(store)
        # Submissions recorded before 007 kept no group day: their UTC day stands in.
        for submission in await rows(store, "submissions"):
            assert submission["group_date"] == submission["created_at"][:10]
        assert {key[0] for key in totals} == {1, 2, 3}
        assert {key[2] for key in totals if key[1] == "season"} == {"2028-01-01", "2028-02-01"}, (
            "guild 1 from its start date, guild 2 from its admin's season start, guild 3 has no group"
        )
        assert sum(1 for _ in totals) > 100

        # And the triggers carry on from there.
        ledger = Ledger(store)
        await ledger.complete(3, 50, "2028-03-02", points=[3])
        await ledger.execute("DELETE FROM points WHERE id = (SELECT MIN(id) FROM points WHERE group_date IS NOT NULL)")
        await ledger.season(2, None)
        await assert_matches_ledger(store)


# --- every statement drains board_changes -------------------------------------------------------


async def test_board_changes_is_empty_after_every_statement(ledger: Ledger) -> None:
    await ledger.group(1, "2028-01-01")
    await ledger.complete(1, 10, "2028-01-05", points=[10])
    await ledger.submit(1, 10, "2028-01-05")
    statements: list[tuple[str, tuple[object, ...]]] = [
        (
            "INSERT INTO points (guild_id, user_id, amount, reason, group_date, created_at)"
            " SELECT guild_id, user_id, 1, 'completion', group_date, completed_at FROM completions",
            (),
        ),
        (
            "INSERT INTO completions"
            " SELECT guild_id, 20, group_date, 'c', 'done', NULL, 1, completed_at FROM completions",
            (),
        ),
        ("UPDATE submissions SET status = 'not_found'", ()),
        ("UPDATE submissions SET status = 'verified'", ()),
        ("DELETE FROM points WHERE amount = 1", ()),
        ("UPDATE groups SET start_date = '2028-01-05'", ()),
        (
            "INSERT INTO leaderboard_settings (guild_id, season_start, updated_at) VALUES (1, '2028-01-06', ?)",
            (db(NOW),),
        ),
        ("UPDATE leaderboard_settings SET season_start = NULL", ()),
        ("DELETE FROM completions WHERE user_id = 20", ()),
        ("DELETE FROM submissions", ()),
    ]
    async with ledger.store._db.transaction() as conn:
        for sql, params in statements:
            await conn.execute(sql, params)
            assert await pending_changes(conn) == 0, sql
    await assert_matches_ledger(ledger.store)


# --- writers that bypass the repositories -------------------------------------------------------

IN_PLACE_EDITS = [
    "UPDATE points SET amount = amount + 5",
    "UPDATE points SET group_date = '2028-02-10'",
    "UPDATE points SET created_at = '2028-01-09T00:00:00.000000+00:00'",
    "UPDATE points SET user_id = 99",
    "UPDATE completions SET group_date = '2028-02-10'",
    "UPDATE completions SET completed_at = '2028-01-09T00:00:00.000000+00:00'",
    "UPDATE submissions SET group_date = '2028-02-10'",
    "UPDATE submissions SET created_at = '2028-01-02T00:00:00.000000+00:00'",
]


@pytest.mark.parametrize("sql", IN_PLACE_EDITS)
async def test_a_ledger_row_rewritten_in_place_is_refused_or_recounted(ledger: Ledger, sql: str) -> None:
    await ledger.group(1, "2028-01-01")
    await ledger.complete(1, 10, "2028-01-05", points=[10])
    await ledger.complete(1, 10, "2028-01-06", when=at("2028-01-06", 20), points=[10])
    await ledger.submit(1, 10, "2028-01-05")
    # Refusing the edit (a trigger raising) keeps the ledger and its totals as they were: also fine.
    with contextlib.suppress(sqlite3.IntegrityError):
        await ledger.execute(sql + " WHERE group_date = '2028-01-05'")
    await assert_matches_ledger(ledger.store, f"after {sql}")


REPLACEMENTS = [
    "INSERT OR REPLACE INTO completions SELECT guild_id, user_id, group_date, 'c2', how, link, first_try,"
    " '2028-01-05T23:00:00.000000+00:00' FROM completions",
    "INSERT OR REPLACE INTO points SELECT id, guild_id, user_id, 50, reason, group_date, created_at FROM points",
    "REPLACE INTO submissions (id, guild_id, user_id, kind, type, key, url, status, created_at, group_date)"
    " SELECT id, guild_id, user_id, kind, type, key, url, 'verified', created_at, group_date FROM submissions",
]


@pytest.mark.parametrize("sql", REPLACEMENTS)
async def test_a_ledger_row_replaced_is_counted_once(ledger: Ledger, sql: str) -> None:
    await ledger.group(1, "2028-01-01")
    await ledger.complete(1, 10, "2028-01-05", points=[10])
    await ledger.submit(1, 10, "2028-01-05")
    await ledger.execute(sql)
    await assert_matches_ledger(ledger.store, f"after {sql}")


@pytest.mark.parametrize("sql", ["DELETE FROM leaderboard_settings", "DELETE FROM groups"])
async def test_removing_a_groups_season_settings_moves_its_season(ledger: Ledger, sql: str) -> None:
    await ledger.group(1, "2028-01-01")
    await ledger.season(1, "2028-01-06")
    await ledger.complete(1, 10, "2028-01-05", points=[10])
    await ledger.complete(1, 10, "2028-01-07", points=[10])
    await ledger.execute(sql)
    await assert_matches_ledger(ledger.store, f"after {sql}")


# --- everything at once, at random --------------------------------------------------------------

GUILDS = (1, 2, 3)  # guild 3 gets its group part way through
USERS = (10, 20, 30, 40)
FIRST_DAY = date(2027, 12, 20)  # to mid-March 2028: a new year, Jan 31 / Feb 1, a leap day
DAYS = 86
# Half the rows land on the edges of a week or a month, where an off-by-one would show.
EDGES = [
    date.fromisoformat(day)
    for day in (
        "2027-12-31",
        "2028-01-01",
        "2028-01-02",  # a Sunday
        "2028-01-03",
        "2028-01-30",
        "2028-01-31",  # a Monday
        "2028-02-01",
        "2028-02-27",
        "2028-02-28",
        "2028-02-29",
        "2028-03-01",
        "2028-03-02",
    )
]


async def test_random_ledger_writes_never_let_the_totals_drift(ledger: Ledger) -> None:
    rng = random.Random(20280229)
    store = ledger.store
    await ledger.group(1, "2028-01-01")
    await ledger.group(2, "2027-12-25")
    done: Counter[str] = Counter()  # operations that changed something, per kind

    def some_day() -> date:
        return rng.choice(EDGES) if rng.random() < 0.5 else FIRST_DAY + timedelta(days=rng.randrange(DAYS))

    def instant(day: date) -> datetime:
        # Often late (the day after), minutes on a coarse grid so instants tie now and then.
        return datetime.combine(day, time(rng.randrange(24), rng.choice((0, 30))), tzinfo=UTC) + timedelta(
            days=rng.choice((0, 0, 0, 1))
        )

    async def pick(sql: str) -> list[Any]:
        found = await store._db.fetch_all(sql)
        return list(rng.choice(found)) if found else []

    async def complete() -> bool:
        day = some_day()
        moment = instant(day)
        entries: list[int | tuple[int, str | None, datetime]] = []
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            dated = day.isoformat() if rng.random() > 0.15 else None
            entries.append((rng.choice((-10, 0, 5, 10, 15, 20)), dated, rng.choice((moment, instant(day)))))
        return await ledger.complete(
            rng.choice(GUILDS), rng.choice(USERS), day.isoformat(), when=moment, points=entries
        )

    async def submit() -> bool:
        day = some_day()
        before = await submission_count()
        await ledger.submit(
            rng.choice(GUILDS),
            rng.choice(USERS),
            day.isoformat(),
            when=instant(day),
            status=rng.choice(sorted(SubmissionStatus)),
            key=f"o/r{rng.randrange(40)}",  # a small pool, so some are duplicates
        )
        return await submission_count() != before

    async def submission_count() -> int:
        row = await store._db.fetch_one("SELECT COUNT(*) FROM submissions")
        assert row is not None
        return int(row[0])

    async def set_status() -> bool:
        found = await pick("SELECT id FROM submissions ORDER BY id")
        if not found:
            return False
        await store.submissions.set_status(int(found[0]), rng.choice(sorted(SubmissionStatus)), NOW)
        return True

    async def delete_points() -> bool:
        found = await pick("SELECT id FROM points ORDER BY id")
        return bool(found) and await ledger.execute("DELETE FROM points WHERE id = ?", (found[0],)) == 1

    async def delete_completion() -> bool:
        found = await pick("SELECT guild_id, user_id, group_date FROM completions ORDER BY 1, 2, 3")
        sql = "DELETE FROM completions WHERE guild_id = ? AND user_id = ? AND group_date = ?"
        return bool(found) and await ledger.execute(sql, tuple(found)) == 1

    async def delete_submission() -> bool:
        found = await pick("SELECT id FROM submissions ORDER BY id")
        return bool(found) and await ledger.execute("DELETE FROM submissions WHERE id = ?", (found[0],)) == 1

    async def set_season() -> bool:
        start = None if rng.random() < 0.3 else some_day().isoformat()
        await ledger.season(rng.choice(GUILDS), start)
        return True

    async def setup_group() -> bool:
        await ledger.group(rng.choice(GUILDS), some_day().isoformat())
        return True

    async def min_activity() -> bool:
        await store.fairness.set_min_activity(rng.choice(GUILDS), rng.randrange(4), NOW)
        return True

    async def forget() -> bool:
        return bool(await store.privacy.forget(rng.choice(USERS)))

    operations = {
        complete: 30,
        submit: 15,
        set_status: 14,
        delete_points: 10,
        delete_completion: 8,
        delete_submission: 6,
        set_season: 6,
        setup_group: 4,
        min_activity: 2,
        forget: 1,
    }
    for step in range(300):
        (operation,) = rng.choices(list(operations), weights=list(operations.values()))
        if await operation():
            done[operation.__name__] += 1
        await assert_matches_ledger(store, f"at step {step} ({operation.__name__})")

    # The run exercised every kind of write, not just inserts.
    assert set(done) == {op.__name__ for op in operations}, done
    assert min(done[name] for name in ("delete_points", "delete_completion", "delete_submission")) >= 5, done
    seasons = {key[2] for key in await board_totals(store) if key[1] == "season"}
    assert seasons, "some season rows at the end"
