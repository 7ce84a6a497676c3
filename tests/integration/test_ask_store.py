"""/ask's repository against a real SQLite file: cooldowns, usage, cache and feedback."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.store import Store
from bot.store.ask import WHOLE_GROUP, NewAnswer, UsageCounts

NOW = datetime(2027, 1, 4, 12, 0, tzinfo=UTC)
DAY = date(2027, 1, 4)
GUILD, OTHER_GUILD = 100, 200
ALICE, BOB = 1, 2


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with Store(tmp_path / "ask.db") as opened:
        yield opened


def answer(
    user_id: int = ALICE, guild_id: int = GUILD, question: str = "what is overfitting", **extra: object
) -> NewAnswer:
    values: dict[str, object] = {
        "guild_id": guild_id,
        "channel_id": 10,
        "user_id": user_id,
        "question": question,
        "source": "llm",
        "concepts": ("overfitting", "dropout"),
        "at": NOW,
    }
    values.update(extra)
    return NewAnswer(**values)  # type: ignore[arg-type]


async def test_the_cooldown_is_claimed_once_per_window(store: Store) -> None:
    cooldown = timedelta(seconds=30)
    assert await store.ask.claim_cooldown(GUILD, ALICE, NOW, cooldown) is None
    assert await store.ask.claim_cooldown(GUILD, ALICE, NOW + timedelta(seconds=10), cooldown) == NOW + cooldown
    assert await store.ask.claim_cooldown(GUILD, BOB, NOW, cooldown) is None  # per member
    assert await store.ask.claim_cooldown(OTHER_GUILD, ALICE, NOW, cooldown) is None  # per server
    assert await store.ask.claim_cooldown(GUILD, ALICE, NOW + cooldown, cooldown) is None
    assert await store.ask.last_asked(GUILD, ALICE) == NOW + cooldown


async def test_concurrent_claims_let_exactly_one_through(tmp_path: Path) -> None:
    async with Store(tmp_path / "db") as first, Store(tmp_path / "db") as second:
        results = await asyncio.gather(
            *(s.ask.claim_cooldown(GUILD, ALICE, NOW, timedelta(seconds=30)) for s in [first, second] * 5)
        )
    assert results.count(None) == 1


async def test_usage_adds_up_for_the_member_and_the_server(store: Store) -> None:
    await store.ask.add_usage(GUILD, ALICE, DAY, requests=1, tokens=400)
    await store.ask.add_usage(GUILD, ALICE, DAY, requests=0, tokens=250)
    await store.ask.add_usage(GUILD, BOB, DAY, requests=1, tokens=100)
    await store.ask.add_usage(GUILD, BOB, DAY + timedelta(days=1), requests=1, tokens=100)
    assert await store.ask.usage(GUILD, ALICE, DAY) == UsageCounts(1, 650)
    assert await store.ask.usage(GUILD, WHOLE_GROUP, DAY) == UsageCounts(2, 750)
    assert await store.ask.usage(GUILD, WHOLE_GROUP, DAY + timedelta(days=1)) == UsageCounts(1, 100)
    assert await store.ask.usage(OTHER_GUILD, ALICE, DAY) == UsageCounts(0, 0)


async def test_a_correction_never_drives_tokens_below_zero(store: Store) -> None:
    await store.ask.add_usage(GUILD, ALICE, DAY, requests=1, tokens=100)
    await store.ask.add_usage(GUILD, ALICE, DAY, requests=0, tokens=-500)
    assert await store.ask.usage(GUILD, ALICE, DAY) == UsageCounts(1, 0)


async def test_the_cache_serves_fresh_entries_per_server_and_forgets_stale_ones(store: Store) -> None:
    ttl = timedelta(hours=1)
    await store.ask.cache(GUILD, "what is overfitting", "Overfitting is...", ("overfitting",), "m", NOW, NOW - ttl)
    hit = await store.ask.cached(GUILD, "what is overfitting", NOW - ttl)
    assert hit is not None and (hit.text, hit.concepts, hit.model) == ("Overfitting is...", ("overfitting",), "m")
    assert await store.ask.cached(OTHER_GUILD, "what is overfitting", NOW - ttl) is None
    later = NOW + 2 * ttl
    assert await store.ask.cached(GUILD, "what is overfitting", later - ttl) is None
    # The next write drops stale rows of every server.
    await store.ask.cache(OTHER_GUILD, "what is a tensor", "A tensor...", (), "m", later, later - ttl)
    assert await store.ask.cached(GUILD, "what is overfitting", NOW - 10 * ttl) is None
    # Writing the same key again refreshes it.
    await store.ask.cache(OTHER_GUILD, "what is a tensor", "Tensors!", (), "m2", later, later - ttl)
    fresh = await store.ask.cached(OTHER_GUILD, "what is a tensor", later - ttl)
    assert fresh is not None and (fresh.text, fresh.model) == ("Tensors!", "m2")


async def test_answers_round_trip(store: Store) -> None:
    answer_id = await store.ask.record_answer(answer(model="tutor", prompt_tokens=10, completion_tokens=20))
    record = await store.ask.answer(answer_id)
    assert record is not None
    assert (record.guild_id, record.user_id, record.source, record.model) == (GUILD, ALICE, "llm", "tutor")
    assert record.concepts == ("overfitting", "dropout") and record.created_at == NOW
    assert await store.ask.answer(answer_id + 1) is None


async def test_one_vote_per_member_and_answer_which_they_can_change(store: Store) -> None:
    first = await store.ask.record_answer(answer())
    second = await store.ask.record_answer(answer(BOB, question="what is @everyone dropout", source="notes"))
    await store.ask.record_answer(answer(guild_id=OTHER_GUILD))
    assert await store.ask.vote(first, ALICE, True, NOW) is None
    assert await store.ask.vote(first, ALICE, True, NOW) is True
    assert await store.ask.vote(first, BOB, False, NOW) is None
    assert await store.ask.vote(first, BOB, True, NOW) is False  # changed their mind
    assert await store.ask.vote(second, ALICE, False, NOW) is None

    summary = await store.ask.feedback_summary(GUILD, NOW - timedelta(days=30))
    assert summary.answers == 2 and summary.by_source == {"llm": 1, "notes": 1}
    assert (summary.helpful, summary.unhelpful) == (2, 1)
    assert summary.recent_unhelpful == ("what is @everyone dropout",)
    assert (await store.ask.feedback_summary(GUILD, NOW + timedelta(seconds=1))).answers == 0


async def test_pruning_forgets_old_answers_with_their_votes_and_old_usage_days(store: Store) -> None:
    cutoff = NOW - timedelta(days=90)
    old = [await store.ask.record_answer(answer(at=cutoff - timedelta(days=1, minutes=n))) for n in range(7)]
    edge = await store.ask.record_answer(answer(BOB, at=cutoff))  # exactly at the cut-off: kept
    new = await store.ask.record_answer(answer(guild_id=OTHER_GUILD))
    for answer_id in (*old, edge, new):
        await store.ask.vote(answer_id, BOB, False, NOW)
    for day in (DAY - timedelta(days=8), DAY - timedelta(days=7), DAY):
        await store.ask.add_usage(GUILD, ALICE, day, requests=1, tokens=10)

    # Batches of 3: the seven old answers take three transactions, and nothing else goes.
    assert await store.ask.prune(cutoff, DAY - timedelta(days=7), batch=3) == (7, 2)  # Alice's and the server's
    assert [await store.ask.answer(a) is None for a in (*old, edge, new)] == [True] * 7 + [False, False]
    assert (await store.ask.feedback_summary(GUILD, cutoff - timedelta(days=30))).unhelpful == 1  # the edge's vote
    assert await store.ask.usage(GUILD, ALICE, DAY - timedelta(days=8)) == UsageCounts()
    assert await store.ask.usage(GUILD, ALICE, DAY - timedelta(days=7)) == UsageCounts(1, 10)
    assert await store.ask.usage(GUILD, WHOLE_GROUP, DAY) == UsageCounts(1, 10)
    assert await store.ask.prune(cutoff, DAY - timedelta(days=7)) == (0, 0)
    with sqlite3.connect(store._db.path) as conn:  # the votes went with their answers
        assert conn.execute("SELECT COUNT(*) FROM ask_feedback").fetchone()[0] == 2
