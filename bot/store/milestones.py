"""Milestones, their reminders, completions and opt-in pings; roadmap bookkeeping."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from bot.core.milestones import DueDecision, PlannedReminder
from bot.store.database import Database
from bot.store.groups import GroupRecord
from bot.store.timeutil import from_db, to_db


@dataclass(frozen=True)
class MilestoneRecord:
    id: int
    guild_id: int
    title: str
    description: str | None
    due_at: datetime
    reminders: tuple[timedelta, ...]  # the offsets asked for, longest first
    created_by: int | None
    phase_id: str | None  # set for roadmap milestones
    scheduled_event_id: int | None
    created_at: datetime
    updated_at: datetime

    @property
    def is_roadmap(self) -> bool:
        return self.phase_id is not None


@dataclass(frozen=True)
class MilestoneSummary:
    milestone: MilestoneRecord
    completed: int


@dataclass(frozen=True)
class ReminderRecord:
    id: int
    milestone_id: int
    guild_id: int
    offset: timedelta  # zero for the wrap-up
    fire_at: datetime
    status: str
    claimed_at: datetime | None
    message_id: int | None

    @property
    def is_wrap_up(self) -> bool:
        return self.offset == timedelta(0)


@dataclass(frozen=True)
class MilestoneCompletion:
    milestone_id: int
    user_id: int
    display_name: str
    link: str | None
    completed_at: datetime


Decide = Callable[[Sequence[ReminderRecord], datetime], DueDecision[ReminderRecord]]


def _minutes(offset: timedelta) -> int:
    return int(offset.total_seconds() // 60)


def _milestone(r: sqlite3.Row) -> MilestoneRecord:
    text = str(r["reminder_minutes"])
    return MilestoneRecord(
        id=int(r["id"]),
        guild_id=int(r["guild_id"]),
        title=str(r["title"]),
        description=r["description"],
        due_at=from_db(r["due_at"]),
        reminders=tuple(timedelta(minutes=int(m)) for m in text.split(",")) if text else (),
        created_by=r["created_by"],
        phase_id=r["phase_id"],
        scheduled_event_id=r["scheduled_event_id"],
        created_at=from_db(r["created_at"]),
        updated_at=from_db(r["updated_at"]),
    )


def _reminder(r: sqlite3.Row) -> ReminderRecord:
    return ReminderRecord(
        id=int(r["id"]),
        milestone_id=int(r["milestone_id"]),
        guild_id=int(r["guild_id"]),
        offset=timedelta(minutes=int(r["offset_minutes"])),
        fire_at=from_db(r["fire_at"]),
        status=str(r["status"]),
        claimed_at=from_db(r["claimed_at"]) if r["claimed_at"] else None,
        message_id=r["message_id"],
    )


_REMINDER_COLUMNS = "r.*, m.guild_id AS guild_id"


class MilestoneRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- milestones ------------------------------------------------------------------------------

    async def create(
        self,
        guild_id: int,
        *,
        title: str,
        description: str | None,
        due_at: datetime,
        reminders: Sequence[timedelta],
        plan: Sequence[PlannedReminder],
        created_by: int | None,
        now: datetime,
        phase_id: str | None = None,
    ) -> MilestoneRecord | None:
        """Add a milestone with its reminder plan; None if the roadmap phase already has one."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """
                INSERT INTO milestones (guild_id, title, description, due_at, reminder_minutes, created_by,
                                        phase_id, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (guild_id, phase_id) DO NOTHING
                """,
                (
                    guild_id,
                    title,
                    description,
                    to_db(due_at),
                    ",".join(str(_minutes(o)) for o in reminders),
                    created_by,
                    phase_id,
                    to_db(now),
                    to_db(now),
                ),
            )
            if cursor.rowcount != 1 or cursor.lastrowid is None:
                return None
            milestone_id = int(cursor.lastrowid)
            await _insert_plan(conn, milestone_id, plan)
        return await self.get(milestone_id)

    async def update(
        self,
        milestone_id: int,
        *,
        title: str,
        description: str | None,
        due_at: datetime,
        reminders: Sequence[timedelta],
        plan: Sequence[PlannedReminder] | None,
        now: datetime,
    ) -> MilestoneRecord | None:
        """Change a milestone; a new `plan` replaces every reminder row (sent ones included).

        Replacing is safe: reminders whose moment already passed are planned as skipped, so
        nothing already sent can go out again for the same moment.
        """
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE milestones SET title = ?, description = ?, due_at = ?, reminder_minutes = ?, updated_at = ?"
                " WHERE id = ?",
                (
                    title,
                    description,
                    to_db(due_at),
                    ",".join(str(_minutes(o)) for o in reminders),
                    to_db(now),
                    milestone_id,
                ),
            )
            if cursor.rowcount != 1:
                return None
            if plan is not None:
                await conn.execute("DELETE FROM milestone_reminders WHERE milestone_id = ?", (milestone_id,))
                await _insert_plan(conn, milestone_id, plan)
        return await self.get(milestone_id)

    async def delete(self, milestone_id: int) -> bool:
        async with self._db.transaction() as conn:
            cursor = await conn.execute("DELETE FROM milestones WHERE id = ?", (milestone_id,))
            return cursor.rowcount == 1

    async def set_event(self, milestone_id: int, event_id: int | None) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE milestones SET scheduled_event_id = ? WHERE id = ?", (event_id, milestone_id))

    async def get(self, milestone_id: int) -> MilestoneRecord | None:
        row = await self._db.fetch_one("SELECT * FROM milestones WHERE id = ?", (milestone_id,))
        return None if row is None else _milestone(row)

    async def in_guild(self, guild_id: int) -> list[MilestoneRecord]:
        rows = await self._db.fetch_all("SELECT * FROM milestones WHERE guild_id = ? ORDER BY due_at, id", (guild_id,))
        return [_milestone(row) for row in rows]

    async def summaries(
        self, guild_id: int, *, due_from: datetime, due_before: datetime | None = None, newest_first: bool = False
    ) -> list[MilestoneSummary]:
        """Milestones due in [due_from, due_before) with how many members completed each."""
        order = "DESC" if newest_first else "ASC"
        rows = await self._db.fetch_all(
            f"""
            SELECT m.*, (SELECT COUNT(*) FROM milestone_completions c WHERE c.milestone_id = m.id) AS completed
            FROM milestones m
            WHERE m.guild_id = ? AND m.due_at >= ? AND (? IS NULL OR m.due_at < ?)
            ORDER BY m.due_at {order}, m.id {order}
            """,
            (guild_id, to_db(due_from), *(2 * [to_db(due_before) if due_before else None])),
        )
        return [MilestoneSummary(_milestone(row), int(row["completed"])) for row in rows]

    async def count_upcoming(self, guild_id: int, now: datetime) -> int:
        row = await self._db.fetch_one(
            "SELECT COUNT(*) AS n FROM milestones WHERE guild_id = ? AND due_at > ? AND phase_id IS NULL",
            (guild_id, to_db(now)),
        )
        return int(row["n"]) if row else 0

    # --- reminders ---------------------------------------------------------------------------------

    async def reminders(self, milestone_id: int) -> list[ReminderRecord]:
        rows = await self._db.fetch_all(
            f"SELECT {_REMINDER_COLUMNS} FROM milestone_reminders r JOIN milestones m ON m.id = r.milestone_id"
            " WHERE r.milestone_id = ? ORDER BY r.fire_at",
            (milestone_id,),
        )
        return [_reminder(row) for row in rows]

    async def next_fire_at(self) -> datetime | None:
        row = await self._db.fetch_one("SELECT MIN(fire_at) AS at FROM milestone_reminders WHERE status = 'planned'")
        return from_db(row["at"]) if row is not None and row["at"] else None

    async def has_due(self, now: datetime) -> bool:
        row = await self._db.fetch_one(
            "SELECT 1 FROM milestone_reminders WHERE status = 'planned' AND fire_at <= ? LIMIT 1", (to_db(now),)
        )
        return row is not None

    async def claim_due(self, now: datetime, decide: Decide, limit: int = 200) -> list[ReminderRecord]:
        """Decide what is due and claim it in one transaction; return the claimed reminders.

        Whole milestones are read at once (not a LIMIT over reminders) so that the choice between
        two overdue reminders of one milestone is always made with both in view.
        """
        async with self._db.transaction() as conn:
            async with conn.execute(
                f"""
                SELECT {_REMINDER_COLUMNS} FROM milestone_reminders r JOIN milestones m ON m.id = r.milestone_id
                WHERE r.status = 'planned' AND r.fire_at <= ? AND r.milestone_id IN (
                    SELECT milestone_id FROM milestone_reminders
                    WHERE status = 'planned' AND fire_at <= ? ORDER BY fire_at LIMIT ?
                )
                ORDER BY r.fire_at
                """,
                (to_db(now), to_db(now), limit),
            ) as cursor:
                due = [_reminder(row) for row in await cursor.fetchall()]
            decision = decide(due, now)
            claimed: list[ReminderRecord] = []
            for reminder in decision.send:
                cursor = await conn.execute(
                    "UPDATE milestone_reminders SET status = 'claimed', claimed_at = ?"
                    " WHERE id = ? AND status = 'planned'",
                    (to_db(now), reminder.id),
                )
                if cursor.rowcount == 1:
                    claimed.append(reminder)
            await conn.executemany(
                "UPDATE milestone_reminders SET status = 'skipped' WHERE id = ? AND status = 'planned'",
                [(reminder.id,) for reminder in decision.skip],
            )
        return claimed

    async def unsent_claims(self, claimed_before: datetime) -> list[ReminderRecord]:
        """Reminders claimed before `claimed_before` and never marked sent: their sender died."""
        rows = await self._db.fetch_all(
            f"SELECT {_REMINDER_COLUMNS} FROM milestone_reminders r JOIN milestones m ON m.id = r.milestone_id"
            " WHERE r.status = 'claimed' AND r.claimed_at <= ? ORDER BY r.fire_at",
            (to_db(claimed_before),),
        )
        return [_reminder(row) for row in rows]

    async def mark_sent(self, reminder_id: int, message_id: int, now: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE milestone_reminders SET status = 'sent', message_id = ?, sent_at = ?, error = NULL"
                " WHERE id = ? AND status = 'claimed'",
                (message_id, to_db(now), reminder_id),
            )

    async def mark_failed(self, reminder_id: int, error: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE milestone_reminders SET status = 'failed', error = ? WHERE id = ? AND status = 'claimed'",
                (error, reminder_id),
            )

    # --- completions and pings ---------------------------------------------------------------------

    async def complete(
        self, milestone_id: int, user_id: int, display_name: str, link: str | None, now: datetime
    ) -> bool:
        """Record a completion; False if the member had already completed it."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO milestone_completions (milestone_id, user_id, display_name, link, completed_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (milestone_id, user_id, display_name, link, to_db(now)),
            )
            return cursor.rowcount == 1

    async def completions(self, milestone_id: int) -> list[MilestoneCompletion]:
        rows = await self._db.fetch_all(
            "SELECT * FROM milestone_completions WHERE milestone_id = ? ORDER BY completed_at, user_id",
            (milestone_id,),
        )
        return [
            MilestoneCompletion(
                milestone_id=int(r["milestone_id"]),
                user_id=int(r["user_id"]),
                display_name=str(r["display_name"]),
                link=r["link"],
                completed_at=from_db(r["completed_at"]),
            )
            for r in rows
        ]

    async def toggle_ping(self, milestone_id: int, user_id: int, now: datetime) -> bool:
        """Opt a member in, or out if they were in; True when they are now opted in."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM milestone_pings WHERE milestone_id = ? AND user_id = ?", (milestone_id, user_id)
            )
            if cursor.rowcount == 1:
                return False
            await conn.execute(
                "INSERT INTO milestone_pings (milestone_id, user_id, created_at) VALUES (?, ?, ?)",
                (milestone_id, user_id, to_db(now)),
            )
            return True

    async def pings(self, milestone_id: int) -> list[int]:
        rows = await self._db.fetch_all(
            "SELECT user_id FROM milestone_pings WHERE milestone_id = ? ORDER BY created_at, user_id", (milestone_id,)
        )
        return [int(r["user_id"]) for r in rows]

    # --- roadmap bookkeeping -----------------------------------------------------------------------

    async def roadmap_stale_groups(self, limit: int = 100) -> list[int]:
        """Groups whose roadmap milestones were never built, or built from other settings."""
        rows = await self._db.fetch_all(
            """
            SELECT g.guild_id FROM groups g LEFT JOIN milestone_roadmaps r ON r.guild_id = g.guild_id
            WHERE r.guild_id IS NULL OR r.track != g.track OR r.start_date != g.start_date
               OR r.post_time != g.post_time OR r.timezone != g.timezone
            LIMIT ?
            """,
            (limit,),
        )
        return [int(r["guild_id"]) for r in rows]

    async def mark_roadmap_synced(self, group: GroupRecord, now: datetime) -> None:
        # Written exactly as GroupRepository.save writes these columns, so the comparison above holds.
        async with self._db.transaction() as conn:
            await conn.execute(
                """
                INSERT INTO milestone_roadmaps (guild_id, track, start_date, post_time, timezone, synced_at)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (guild_id) DO UPDATE SET
                    track = excluded.track, start_date = excluded.start_date, post_time = excluded.post_time,
                    timezone = excluded.timezone, synced_at = excluded.synced_at
                """,
                (
                    group.guild_id,
                    group.track,
                    group.start_date.isoformat(),
                    group.post_time.strftime("%H:%M"),
                    group.timezone,
                    to_db(now),
                ),
            )


async def _insert_plan(conn: aiosqlite.Connection, milestone_id: int, plan: Sequence[PlannedReminder]) -> None:
    await conn.executemany(
        "INSERT INTO milestone_reminders (milestone_id, offset_minutes, fire_at, status) VALUES (?, ?, ?, ?)",
        [(milestone_id, _minutes(p.offset), to_db(p.fire_at), "skipped" if p.skipped else "planned") for p in plan],
    )
