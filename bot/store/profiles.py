"""Profiles: a person's GitHub and Kaggle usernames, ownership proof, and the anonymous choice.

A profile belongs to a person, not to a server: the same GitHub account is theirs in every
group, and so is the choice to be listed anonymously.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from bot.store.cache import MISSING, WriteThroughCache
from bot.store.database import Database
from bot.store.timeutil import from_db, to_db


@dataclass(frozen=True)
class ProfileRecord:
    user_id: int
    github_username: str | None
    github_verified: bool
    github_code: str | None
    github_code_created_at: datetime | None
    kaggle_username: str | None
    anonymous: bool
    updated_at: datetime


def _profile(row: sqlite3.Row) -> ProfileRecord:
    return ProfileRecord(
        user_id=int(row["user_id"]),
        github_username=row["github_username"],
        github_verified=bool(row["github_verified"]),
        github_code=row["github_code"],
        github_code_created_at=from_db(row["github_code_created_at"]) if row["github_code_created_at"] else None,
        kaggle_username=row["kaggle_username"],
        anonymous=bool(row["anonymous"]),
        updated_at=from_db(row["updated_at"]),
    )


class ProfileRepository:
    def __init__(self, db: Database) -> None:
        self._db = db
        # Every leaderboard asks who of the listed members is anonymous. Only `set_anonymous` and a
        # person's forget (`forget_member`) change it, so it is kept per person, write-through.
        self._anonymous: WriteThroughCache[int, bool] = WriteThroughCache()

    async def get(self, user_id: int) -> ProfileRecord | None:
        row = await self._db.fetch_one("SELECT * FROM profiles WHERE user_id = ?", (user_id,))
        return None if row is None else _profile(row)

    async def link_github(self, user_id: int, username: str, code: str, now: datetime) -> None:
        """Link (or re-link) a GitHub username: unverified until the new code is found."""
        async with self._db.transaction() as conn:
            await conn.execute(
                """
                INSERT INTO profiles (user_id, github_username, github_verified, github_code, github_code_created_at,
                                      updated_at)
                VALUES (?, ?, 0, ?, ?, ?)
                ON CONFLICT (user_id) DO UPDATE SET
                    github_username = excluded.github_username, github_verified = 0,
                    github_code = excluded.github_code, github_code_created_at = excluded.github_code_created_at,
                    updated_at = excluded.updated_at
                """,
                (user_id, username, code, to_db(now), to_db(now)),
            )

    async def link_kaggle(self, user_id: int, username: str, now: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                """
                INSERT INTO profiles (user_id, kaggle_username, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (user_id) DO UPDATE SET
                    kaggle_username = excluded.kaggle_username, updated_at = excluded.updated_at
                """,
                (user_id, username, to_db(now)),
            )

    async def mark_github_verified(self, user_id: int, username: str, now: datetime) -> bool:
        """Verify `username` for this person, if it is still the one they linked.

        Whoever else had verified the same account loses it: the proof just given is newer.
        """
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE profiles SET github_verified = 1, github_code = NULL, github_code_created_at = NULL,"
                " updated_at = ? WHERE user_id = ? AND github_username = ?",
                (to_db(now), user_id, username),
            )
            if cursor.rowcount != 1:
                return False
            await conn.execute(
                "UPDATE profiles SET github_verified = 0, updated_at = ?"
                " WHERE user_id != ? AND github_verified = 1 AND lower(github_username) = lower(?)",
                (to_db(now), user_id, username),
            )
        return True

    async def set_anonymous(self, user_id: int, anonymous: bool, now: datetime) -> None:
        with self._anonymous.writing(user_id):
            async with self._db.transaction() as conn:
                await conn.execute(
                    """
                    INSERT INTO profiles (user_id, anonymous, updated_at) VALUES (?, ?, ?)
                    ON CONFLICT (user_id) DO UPDATE SET anonymous = excluded.anonymous,
                                                        updated_at = excluded.updated_at
                    """,
                    (user_id, int(anonymous), to_db(now)),
                )

    def forget_member(self, user_id: int) -> None:
        """The person's profile was deleted behind this repository's back (a privacy forget)."""
        self._anonymous.drop(user_id)

    async def anonymous_among(self, user_ids: Collection[int]) -> set[int]:
        anonymous: set[int] = set()
        unknown: list[int] = []
        for user_id in set(user_ids):
            cached = self._anonymous.get(user_id)
            if cached is MISSING:
                unknown.append(user_id)
            elif cached:
                anonymous.add(user_id)
        if not unknown:
            return anonymous
        ticket = self._anonymous.ticket()
        rows = await self._db.fetch_all(
            "SELECT user_id FROM profiles WHERE anonymous = 1 AND user_id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(unknown)),),
        )
        found = {int(row[0]) for row in rows}
        for user_id in unknown:
            self._anonymous.put(user_id, user_id in found, ticket)
        return anonymous | found
