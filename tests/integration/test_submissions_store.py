"""Recording submissions: duplicates, listing, and completing today's task in the ledger."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.core.errors import UserFacingError
from bot.core.verification import SubmissionStatus
from bot.curriculum.models import TaskChallenge
from bot.services.challenges import ChallengeService
from bot.services.submissions import SubmissionService
from bot.store import GroupSettings, Store
from bot.store.submissions import NewSubmission
from tests.e2e.harness import shipped_curriculum

GUILD, OTHER_GUILD, ALICE, BOB = 1, 2, 100, 200
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class Env:
    store: Store
    clock: FakeClock
    challenges: ChallengeService
    submissions: SubmissionService

    async def submit(
        self, url: str, user: int = ALICE, *, note: str | None = None, challenge: str | None = None, guild: int = GUILD
    ) -> tuple[str | None, bool, str | None]:
        """(challenge id, completed a day, outcome status) of a recorded submission."""
        draft = await self.submissions.prepare(guild, user, url, challenge)
        recorded = await self.submissions.record(draft, note)
        assert recorded.created
        outcome = recorded.completion.status if recorded.completion else None
        return recorded.submission.challenge_id, draft.completes_today, outcome


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    async with Store(tmp_path / "db.sqlite") as store:
        clock = FakeClock(NOW)
        challenges = ChallengeService(store, shipped_curriculum(), clock)
        yield Env(store, clock, challenges, SubmissionService(store, challenges, clock))


def new(user: int, key: str, *, guild: int = GUILD, at: datetime = NOW) -> NewSubmission:
    return NewSubmission(
        guild,
        user,
        "github",
        "repository",
        key,
        f"https://github.com/{key}",
        "x",
        None,
        None,
        SubmissionStatus.SELF_REPORTED,
        None,
        at,
        at.date(),
    )


async def test_the_same_work_twice_is_one_row(env: Env) -> None:
    first, created = await env.store.submissions.add(new(ALICE, "a/b"))
    assert created
    again, created_again = await env.store.submissions.add(new(ALICE, "a/b", at=NOW + timedelta(hours=1)))
    assert not created_again and again == first
    assert (await env.store.submissions.add(new(BOB, "a/b")))[1], "another member may record the same work"
    assert (await env.store.submissions.add(new(ALICE, "a/b", guild=OTHER_GUILD)))[1], "and so may another group"


async def test_a_duplicate_in_another_spelling_is_refused_before_anything_is_recorded(env: Env) -> None:
    await env.submit("https://github.com/Alice/MatMul/")
    for spelling in (
        "github.com/alice/matmul",
        "http://www.github.com/ALICE/matmul.git",
        "<https://github.com/alice/matmul?tab=readme#top>",
        "https://github.com/alice/matmul/tree/main",
    ):
        with pytest.raises(UserFacingError, match="already recorded"):
            await env.submissions.prepare(GUILD, ALICE, spelling)
    assert len(await env.store.submissions.of_user(ALICE)) == 1


async def test_notes_are_one_bounded_line(env: Env) -> None:
    await env.submit("https://github.com/a/b", note="  line one\n\nline two  " + "x" * 300)
    (record,) = await env.store.submissions.of_user(ALICE)
    assert record.note is not None and record.note.startswith("line one line two x") and len(record.note) == 200


async def test_listing_is_newest_first_by_page_and_kind(env: Env) -> None:
    for minute in range(7):
        env.clock.set(NOW + timedelta(minutes=minute))
        await env.submit(f"https://github.com/alice/repo{minute}")
    env.clock.set(NOW + timedelta(minutes=10))
    await env.submit("https://www.kaggle.com/code/alice/eda")
    page, total = await env.store.submissions.for_member(GUILD, ALICE, offset=0, limit=3)
    assert total == 8 and [r.url.rsplit("/", 1)[1] for r in page] == ["eda", "repo6", "repo5"]
    page, total = await env.store.submissions.for_member(GUILD, ALICE, kind="github", offset=6, limit=3)
    assert total == 7 and [r.url.rsplit("/", 1)[1] for r in page] == ["repo0"]
    assert (await env.store.submissions.for_member(GUILD, BOB))[1] == 0


# --- completing today's task ------------------------------------------------------------------


def task_index(kind: str) -> int:
    days = shipped_curriculum().track_days("full")
    return next(i for i, c in enumerate(days) if isinstance(c, TaskChallenge) and c.submit == kind)


async def group_on_day(env: Env, index: int) -> str:
    """A group whose current day (at NOW) is day `index`; returns that day's challenge id."""
    today = date(2027, 3, 1)
    start = today - timedelta(days=index)
    settings = GroupSettings(1, time(9), "UTC", start, "full", None)
    await env.store.groups.save(GUILD, settings, today, datetime.combine(today, time(9), tzinfo=UTC), NOW)
    return shipped_curriculum().track_days("full")[index].id


async def test_a_github_link_completes_todays_github_task_once(env: Env) -> None:
    challenge_id = await group_on_day(env, task_index("github"))
    assert await env.submit("https://www.kaggle.com/code/alice/eda") == (None, False, None)
    assert await env.submit("https://github.com/alice/matmul") == (challenge_id, True, "completed")
    completion = await env.store.ledger.completion(GUILD, ALICE, date(2027, 3, 1))
    assert completion is not None and completion.how == "link" and completion.link == "https://github.com/alice/matmul"
    assert await env.store.ledger.points_total(GUILD, ALICE) == 10
    assert await env.submit("https://github.com/alice/other") == (challenge_id, True, "already")
    assert await env.store.ledger.points_total(GUILD, ALICE) == 10, "a day pays once"


async def test_the_challenge_option(env: Env) -> None:
    challenge_id = await group_on_day(env, task_index("kaggle"))
    with pytest.raises(UserFacingError, match="no challenge with that id"):
        await env.submissions.prepare(GUILD, ALICE, "https://www.kaggle.com/code/alice/eda", "no-such-challenge")
    with pytest.raises(UserFacingError, match="asks for a Kaggle link"):
        await env.submissions.prepare(GUILD, ALICE, "https://github.com/alice/x", challenge_id)
    # Naming another (past) challenge tags the work without completing anything.
    other = shipped_curriculum().track_days("full")[0].id
    assert await env.submit("https://www.kaggle.com/code/alice/eda", challenge=other) == (other, False, None)
    assert await env.submit("https://www.kaggle.com/code/alice/eda2", challenge=challenge_id) == (
        challenge_id,
        True,
        "completed",
    )


async def test_without_a_group_work_is_still_recorded(env: Env) -> None:
    draft = await env.submissions.prepare(GUILD, ALICE, "https://github.com/alice/x")
    recorded = await env.submissions.record(draft)
    assert recorded.created and recorded.announce_channel_id is None and recorded.completion is None
