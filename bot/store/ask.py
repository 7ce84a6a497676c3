"""/ask's tables: answers and their feedback, daily usage, cooldowns and the answer cache."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import aiosqlite

from bot.store.database import Database
from bot.store.timeutil import from_db, to_db

WHOLE_GROUP = 0  # ask_usage.user_id of a server's total


@dataclass(frozen=True)
class NewAnswer:
    guild_id: int
    channel_id: int
    user_id: int
    question: str
    source: str  # llm, cache, notes, fallback, budget
    concepts: tuple[str, ...]
    at: datetime
    model: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: int | None = None
    spoiler_blocked: bool = False
    private: bool = False


@dataclass(frozen=True)
class AnswerRecord:
    id: int
    guild_id: int
    channel_id: int
    user_id: int
    question: str
    source: str
    model: str | None
    concepts: tuple[str, ...]
    spoiler_blocked: bool
    created_at: datetime


@dataclass(frozen=True)
class CachedAnswer:
    text: str
    concepts: tuple[str, ...]
    model: str
    created_at: datetime


@dataclass(frozen=True)
class UsageCounts:
    requests: int = 0
    tokens: int = 0


@dataclass(frozen=True)
class FeedbackSummary:
    """Answers given since a moment, where they came from, and what members thought of them."""

    answers: int
    by_source: dict[str, int]
    helpful: int
    unhelpful: int
    recent_unhelpful: tuple[str, ...]  # questions of the latest answers voted unhelpful


class AskRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # ----- cooldown --------------------------------------------------------------------------------

    async def claim_cooldown(self, guild_id: int, user_id: int, now: datetime, cooldown: timedelta) -> datetime | None:
        """Record that the member asks now, unless they asked within `cooldown`.

        Returns None when claimed, else the moment they may ask again.
        """
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """
                INSERT INTO ask_cooldowns (guild_id, user_id, last_asked_at) VALUES (?, ?, ?)
                ON CONFLICT (guild_id, user_id) DO UPDATE SET last_asked_at = excluded.last_asked_at
                WHERE ask_cooldowns.last_asked_at <= ?
                """,
                (guild_id, user_id, to_db(now), to_db(now - cooldown)),
            )
            if cursor.rowcount == 1:
                return None
            last = await _last_asked(conn, guild_id, user_id)
        return (last or now) + cooldown

    async def last_asked(self, guild_id: int, user_id: int) -> datetime | None:
        row = await self._db.fetch_one(
            "SELECT last_asked_at FROM ask_cooldowns WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
        return from_db(row["last_asked_at"]) if row else None

    # ----- usage -----------------------------------------------------------------------------------

    async def usage(self, guild_id: int, user_id: int, day: date) -> UsageCounts:
        """A member's spending on `day`; `user_id` WHOLE_GROUP gives the server's total."""
        row = await self._db.fetch_one(
            "SELECT requests, tokens FROM ask_usage WHERE guild_id = ? AND user_id = ? AND day = ?",
            (guild_id, user_id, day.isoformat()),
        )
        return UsageCounts(int(row["requests"]), int(row["tokens"])) if row else UsageCounts()

    async def add_usage(self, guild_id: int, user_id: int, day: date, *, requests: int, tokens: int) -> None:
        """Add to the member's and the server's counters together."""
        async with self._db.transaction() as conn:
            await conn.executemany(
                """
                INSERT INTO ask_usage (guild_id, user_id, day, requests, tokens) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (guild_id, user_id, day) DO UPDATE
                    SET requests = requests + excluded.requests, tokens = max(0, tokens + excluded.tokens)
                """,
                [(guild_id, who, day.isoformat(), requests, tokens) for who in (user_id, WHOLE_GROUP)],
            )

    # ----- cache -----------------------------------------------------------------------------------

    async def cached(self, guild_id: int, key: str, fresh_since: datetime) -> CachedAnswer | None:
        row = await self._db.fetch_one(
            "SELECT * FROM ask_cache WHERE guild_id = ? AND key = ? AND created_at >= ?",
            (guild_id, key, to_db(fresh_since)),
        )
        if row is None:
            return None
        return CachedAnswer(str(row["answer"]), _ids(row["concepts"]), str(row["model"]), from_db(row["created_at"]))

    async def cache(
        self, guild_id: int, key: str, text: str, concepts: tuple[str, ...], model: str, now: datetime, stale: datetime
    ) -> None:
        """Keep an answer for `key`, and drop every entry (any server's) written before `stale`."""
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM ask_cache WHERE created_at < ?", (to_db(stale),))
            await conn.execute(
                """
                INSERT INTO ask_cache (guild_id, key, answer, concepts, model, created_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (guild_id, key) DO UPDATE
                    SET answer = excluded.answer, concepts = excluded.concepts, model = excluded.model,
                        created_at = excluded.created_at
                """,
                (guild_id, key, text, " ".join(concepts), model, to_db(now)),
            )

    # ----- answers and feedback --------------------------------------------------------------------

    async def record_answer(self, answer: NewAnswer) -> int:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """
                INSERT INTO ask_answers (guild_id, channel_id, user_id, question, source, model, prompt_tokens,
                                         completion_tokens, latency_ms, concepts, spoiler_blocked, private,
                                         created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                (
                    answer.guild_id,
                    answer.channel_id,
                    answer.user_id,
                    answer.question,
                    answer.source,
                    answer.model,
                    answer.prompt_tokens,
                    answer.completion_tokens,
                    answer.latency_ms,
                    " ".join(answer.concepts),
                    int(answer.spoiler_blocked),
                    int(answer.private),
                    to_db(answer.at),
                ),
            )
            assert cursor.lastrowid is not None
            return int(cursor.lastrowid)

    async def answer(self, answer_id: int) -> AnswerRecord | None:
        row = await self._db.fetch_one("SELECT * FROM ask_answers WHERE id = ?", (answer_id,))
        if row is None:
            return None
        return AnswerRecord(
            id=int(row["id"]),
            guild_id=int(row["guild_id"]),
            channel_id=int(row["channel_id"]),
            user_id=int(row["user_id"]),
            question=str(row["question"]),
            source=str(row["source"]),
            model=row["model"],
            concepts=_ids(row["concepts"]),
            spoiler_blocked=bool(row["spoiler_blocked"]),
            created_at=from_db(row["created_at"]),
        )

    async def vote(self, answer_id: int, user_id: int, helpful: bool, now: datetime) -> bool | None:
        """Record (or change) a member's vote; returns their previous vote, if any."""
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT helpful FROM ask_feedback WHERE answer_id = ? AND user_id = ?", (answer_id, user_id)
            ) as cursor:
                row = await cursor.fetchone()
            await conn.execute(
                """
                INSERT INTO ask_feedback (answer_id, user_id, helpful, voted_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (answer_id, user_id) DO UPDATE SET helpful = excluded.helpful, voted_at = excluded.voted_at
                """,
                (answer_id, user_id, int(helpful), to_db(now)),
            )
        return None if row is None else bool(row[0])

    async def prune(self, answers_before: datetime, usage_before: date, *, batch: int = 500) -> tuple[int, int]:
        """Delete answers created before `answers_before` (their votes go with them) and usage
        days before `usage_before`. Answers go in batches, each its own short transaction, so a
        long backlog never holds up the commands writing meanwhile."""
        answers = 0
        while True:
            async with self._db.transaction() as conn:
                cursor = await conn.execute(
                    "DELETE FROM ask_answers WHERE id IN"
                    " (SELECT id FROM ask_answers WHERE created_at < ? ORDER BY id LIMIT ?)",
                    (to_db(answers_before), batch),
                )
            answers += cursor.rowcount
            if cursor.rowcount < batch:
                break
        async with self._db.transaction() as conn:
            cursor = await conn.execute("DELETE FROM ask_usage WHERE day < ?", (usage_before.isoformat(),))
        return answers, cursor.rowcount

    async def feedback_summary(self, guild_id: int, since: datetime, *, recent: int = 3) -> FeedbackSummary:
        rows = await self._db.fetch_all(
            "SELECT source, count(*) AS n FROM ask_answers WHERE guild_id = ? AND created_at >= ? GROUP BY source",
            (guild_id, to_db(since)),
        )
        by_source = {str(row["source"]): int(row["n"]) for row in rows}
        votes = await self._db.fetch_one(
            """
            SELECT coalesce(sum(f.helpful), 0) AS yes, coalesce(sum(1 - f.helpful), 0) AS no
            FROM ask_feedback AS f JOIN ask_answers AS a ON a.id = f.answer_id
            WHERE a.guild_id = ? AND a.created_at >= ?
            """,
            (guild_id, to_db(since)),
        )
        unhelpful = await self._db.fetch_all(
            """
            SELECT a.question FROM ask_answers AS a
            WHERE a.guild_id = ? AND a.created_at >= ?
              AND EXISTS (SELECT 1 FROM ask_feedback AS f WHERE f.answer_id = a.id AND f.helpful = 0)
            ORDER BY a.created_at DESC, a.id DESC LIMIT ?
            """,
            (guild_id, to_db(since), recent),
        )
        return FeedbackSummary(
            answers=sum(by_source.values()),
            by_source=by_source,
            helpful=int(votes["yes"]) if votes else 0,
            unhelpful=int(votes["no"]) if votes else 0,
            recent_unhelpful=tuple(str(row["question"]) for row in unhelpful),
        )


async def _last_asked(conn: aiosqlite.Connection, guild_id: int, user_id: int) -> datetime | None:
    async with conn.execute(
        "SELECT last_asked_at FROM ask_cooldowns WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
    ) as cursor:
        row = await cursor.fetchone()
    return from_db(row[0]) if row else None


def _ids(text: str) -> tuple[str, ...]:
    return tuple(str(text).split())
