"""Submissions: the work members record, its verification status, and the GitHub answer cache."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

from bot.core.verification import SubmissionStatus
from bot.store.database import Database
from bot.store.timeutil import from_db, to_db


@dataclass(frozen=True)
class NewSubmission:
    guild_id: int
    user_id: int
    kind: str
    type: str
    key: str
    url: str
    owner: str | None
    note: str | None
    challenge_id: str | None
    status: SubmissionStatus
    checked_at: datetime | None
    created_at: datetime
    group_date: date  # the group day it was recorded on: the boards' periods count by it


@dataclass(frozen=True)
class SubmissionRecord:
    id: int
    guild_id: int
    user_id: int
    kind: str
    type: str
    key: str
    url: str
    owner: str | None
    note: str | None
    challenge_id: str | None
    status: SubmissionStatus
    checked_at: datetime | None
    created_at: datetime
    announce_channel_id: int | None
    announce_message_id: int | None


@dataclass(frozen=True)
class CachedCheck:
    state: str  # public | private | missing
    owner: str | None
    checked_at: datetime


def _record(row: sqlite3.Row) -> SubmissionRecord:
    return SubmissionRecord(
        id=int(row["id"]),
        guild_id=int(row["guild_id"]),
        user_id=int(row["user_id"]),
        kind=str(row["kind"]),
        type=str(row["type"]),
        key=str(row["key"]),
        url=str(row["url"]),
        owner=row["owner"],
        note=row["note"],
        challenge_id=row["challenge_id"],
        status=SubmissionStatus(row["status"]),
        checked_at=from_db(row["checked_at"]) if row["checked_at"] else None,
        created_at=from_db(row["created_at"]),
        announce_channel_id=row["announce_channel_id"],
        announce_message_id=row["announce_message_id"],
    )


class SubmissionRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, new: NewSubmission) -> tuple[SubmissionRecord, bool]:
        """Insert the submission; (the stored row, True) or (the earlier row, False) on a duplicate.

        The unique (guild, member, key) makes the same work recorded twice impossible, even from
        two clicks at once.
        """
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """
                INSERT INTO submissions (guild_id, user_id, kind, type, key, url, owner, note, challenge_id, status,
                                         checked_at, created_at, group_date)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (guild_id, user_id, key) DO NOTHING
                """,
                (
                    new.guild_id,
                    new.user_id,
                    new.kind,
                    new.type,
                    new.key,
                    new.url,
                    new.owner,
                    new.note,
                    new.challenge_id,
                    str(new.status),
                    to_db(new.checked_at) if new.checked_at else None,
                    to_db(new.created_at),
                    new.group_date.isoformat(),
                ),
            )
            created = cursor.rowcount == 1
            async with conn.execute(
                "SELECT * FROM submissions WHERE guild_id = ? AND user_id = ? AND key = ?",
                (new.guild_id, new.user_id, new.key),
            ) as rows:
                row = await rows.fetchone()
        assert row is not None
        return _record(row), created

    async def get(self, submission_id: int) -> SubmissionRecord | None:
        row = await self._db.fetch_one("SELECT * FROM submissions WHERE id = ?", (submission_id,))
        return None if row is None else _record(row)

    async def by_key(self, guild_id: int, user_id: int, key: str) -> SubmissionRecord | None:
        row = await self._db.fetch_one(
            "SELECT * FROM submissions WHERE guild_id = ? AND user_id = ? AND key = ?", (guild_id, user_id, key)
        )
        return None if row is None else _record(row)

    async def for_member(
        self, guild_id: int, user_id: int, *, kind: str | None = None, offset: int = 0, limit: int = 10
    ) -> tuple[list[SubmissionRecord], int]:
        """A page of the member's submissions, newest first, and how many there are in all."""
        kind_clause = " AND kind = ?" if kind else ""
        params: tuple[object, ...] = (guild_id, user_id, *((kind,) if kind else ()))
        rows = await self._db.fetch_all(
            f"SELECT * FROM submissions WHERE guild_id = ? AND user_id = ?{kind_clause}"
            " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        total = await self._db.fetch_one(
            f"SELECT COUNT(*) FROM submissions WHERE guild_id = ? AND user_id = ?{kind_clause}", params
        )
        return [_record(row) for row in rows], int(total[0]) if total else 0

    async def of_user(self, user_id: int) -> list[SubmissionRecord]:
        """Every submission of a person, in every server (for ownership re-stamping)."""
        rows = await self._db.fetch_all("SELECT * FROM submissions WHERE user_id = ? ORDER BY id", (user_id,))
        return [_record(row) for row in rows]

    async def set_status(self, submission_id: int, status: SubmissionStatus, checked_at: datetime | None) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE submissions SET status = ?, checked_at = COALESCE(?, checked_at) WHERE id = ?",
                (str(status), to_db(checked_at) if checked_at else None, submission_id),
            )

    async def set_announcement(self, submission_id: int, channel_id: int, message_id: int) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE submissions SET announce_channel_id = ?, announce_message_id = ? WHERE id = ?",
                (channel_id, message_id, submission_id),
            )

    async def awaiting_check(self, limit: int) -> list[SubmissionRecord]:
        """GitHub submissions still unverified, the least recently tried first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM submissions WHERE status = 'unverified' AND kind = 'github'"
            " ORDER BY checked_at IS NOT NULL, checked_at, id LIMIT ?",
            (limit,),
        )
        return [_record(row) for row in rows]

    async def counts(self, guild_id: int) -> dict[int, tuple[int, int]]:
        """Per member: (submissions, verified or matched submissions)."""
        rows = await self._db.fetch_all(
            "SELECT user_id, COUNT(*) AS n, SUM(status IN ('verified', 'matched')) AS ok"
            " FROM submissions WHERE guild_id = ? GROUP BY user_id",
            (guild_id,),
        )
        return {int(r["user_id"]): (int(r["n"]), int(r["ok"] or 0)) for r in rows}

    # --- GitHub's answers, cached --------------------------------------------------------------

    async def cached_check(self, target: str) -> CachedCheck | None:
        row = await self._db.fetch_one("SELECT * FROM github_cache WHERE target = ?", (target,))
        if row is None:
            return None
        return CachedCheck(str(row["state"]), row["owner"], from_db(row["checked_at"]))

    async def cache_check(self, target: str, state: str, owner: str | None, now: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                """
                INSERT INTO github_cache (target, state, owner, checked_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (target) DO UPDATE
                    SET state = excluded.state, owner = excluded.owner, checked_at = excluded.checked_at
                """,
                (target, state, owner, to_db(now)),
            )
