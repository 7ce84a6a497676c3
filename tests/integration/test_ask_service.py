"""The /ask service against a real database and the fake chat-completions server (real HTTP).

The sink records what a member would see while the answer streams; the service's sleep is
recorded instead of waited, so the once-a-second pacing is checked without real waiting.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.core.ask_rules import ANSWER_TOKENS, Usage
from bot.core.clock import FakeClock
from bot.core.errors import UserFacingError
from bot.core.messages import ZERO_WIDTH_SPACE
from bot.core.retrieval import ConceptIndex
from bot.core.schedule import GroupSchedule
from bot.curriculum import Curriculum, load_curriculum
from bot.curriculum.cli import default_curriculum_path
from bot.curriculum.models import Challenge, NumericChallenge, QuizChallenge
from bot.llm import LLMClient, make_http_client
from bot.llm.fake_server import Answer, FakeLLM, Hang, Malformed, Status
from bot.services.ask import MODEL_UNAVAILABLE, SPOILER_HELD_BACK, AskLimits, AskResult, AskService, Question
from bot.services.challenges import ChallengeService
from bot.standin.mentions import resolve_pings
from bot.store import GroupSettings, Store
from bot.store.ask import WHOLE_GROUP

GUILD, OTHER_GUILD = 1000, 2000
ALICE, BOB = 1, 2
MONDAY = date(2027, 1, 4)
NOW = datetime(2027, 1, 4, 12, 0, tzinfo=UTC)  # after the 09:00 UTC post
READ_TIMEOUT = 0.3
OVERFITTING = "Overfitting is when a model memorises its training data instead of learning the pattern."


@cache
def curriculum() -> Curriculum:
    return load_curriculum(default_curriculum_path())


@cache
def index() -> ConceptIndex:
    return ConceptIndex.from_curriculum(curriculum())


def first_day(kind: str) -> tuple[int, Challenge]:
    days = curriculum().track_days("full")
    return next((i, c) for i, c in enumerate(days) if c.kind == kind)


class Screen:
    """The sink: every text the member was shown while streaming, and the pacing around it."""

    def __init__(self) -> None:
        self.updates: list[str] = []
        self.events: list[tuple[str, object]] = []

    async def update(self, text: str) -> None:
        self.updates.append(text)
        self.events.append(("update", text))

    async def sleep(self, seconds: float) -> None:
        self.events.append(("sleep", seconds))
        await asyncio.sleep(0)


def limits(**changes: object) -> AskLimits:
    values: dict[str, Any] = {
        "cooldown": timedelta(0),
        "member": Usage(20, 30_000),
        "group": Usage(200, 300_000),
        "cache_ttl": timedelta(hours=24),
        "max_question_chars": 500,
    }
    values.update(changes)
    return AskLimits(**values)


@dataclass
class World:
    store: Store
    clock: FakeClock
    fake: FakeLLM
    http: httpx.AsyncClient
    screen: Screen = field(default_factory=Screen)

    def llm(self, **kwargs: Any) -> LLMClient:
        return LLMClient(
            self.http, base_url=self.fake.base_url, model="tutor-7b", api_key="sk-test", backoff=0.01, **kwargs
        )

    def service(self, *, llm: LLMClient | bool | None = True, **changes: object) -> AskService:
        client = self.llm() if llm is True else (llm or None)
        challenges = ChallengeService(self.store, curriculum(), self.clock)
        return AskService(
            self.store,
            curriculum(),
            index(),
            challenges,
            self.clock,
            limits(**changes),
            client,
            sleep=self.screen.sleep,
        )

    async def start_group(self, guild_id: int = GUILD, *, day_index: int = 0) -> None:
        """A group whose current day (Monday) is day `day_index` of the full track."""
        start = MONDAY - timedelta(days=day_index)
        settings = GroupSettings(
            channel_id=guild_id + 1,
            post_time=time(9),
            timezone="UTC",
            start_date=start,
            track="full",
            ping_role_id=None,
        )
        schedule = GroupSchedule(time(9), "UTC", start)
        await self.store.groups.save(guild_id, settings, MONDAY, schedule.post_at(MONDAY), self.clock.now())


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with (
        Store(tmp_path / "ask.db") as store,
        FakeLLM() as fake,
        make_http_client(connect_timeout=1.0, read_timeout=READ_TIMEOUT) as http,
    ):
        yield World(store, FakeClock(NOW), fake, http)


async def ask(service: AskService, screen: Screen, text: str, *, user: int = ALICE, guild: int = GUILD) -> AskResult:
    question = await service.admit(guild, guild + 1, user, text)
    return await service.answer(question, screen)


def no_pings(text: str) -> bool:
    everything = {"parse": ["users", "roles", "everyone"]}
    return resolve_pings(text, everything, known_roles={42, 555}, can_mention_everyone=True) == (set(), set(), False)


# ----- streamed answers ----------------------------------------------------------------------------


async def test_a_streamed_answer_is_grounded_paced_and_recorded(world: World) -> None:
    world.fake.script(Answer(OVERFITTING, chunks=4, delay=0.01))
    service = world.service()

    result = await ask(service, world.screen, "what is overfiting?")

    assert result.source == "llm"
    assert result.text.startswith(OVERFITTING)
    assert result.text.endswith("-# 📚 Grounded on: Overfitting · Dropout · Public and private leaderboards")
    # What streamed was the answer growing, never anything else.
    assert world.screen.updates and all(OVERFITTING.startswith(text) for text in world.screen.updates)
    # Never two edits without the one-second pause between them.
    kinds = [kind for kind, _ in world.screen.events]
    assert "update,update" not in ",".join(kinds)
    assert all(seconds == 1.0 for kind, seconds in world.screen.events if kind == "sleep")

    [request] = world.fake.requests
    system, user = request.body["messages"]
    assert user == {"role": "user", "content": "what is overfiting?"}
    assert "patient tutor" in system["content"]
    overfitting = curriculum().concept("overfitting")
    assert overfitting is not None and overfitting.explanation in system["content"]
    assert request.body["max_tokens"] == ANSWER_TOKENS and request.body["stream"] is True

    record = await world.store.ask.answer(result.answer_id)
    assert record is not None and record.source == "llm" and record.model == "tutor-7b"
    assert record.concepts == result.concepts == ("overfitting", "dropout", "kaggle-private-leaderboard")
    # Usage is what the server reported (the fake counts words), not the estimate.
    words = len(system["content"].split()) + len(user["content"].split()) + len(OVERFITTING.split())
    assert await world.store.ask.usage(GUILD, ALICE, MONDAY) == await world.store.ask.usage(GUILD, WHOLE_GROUP, MONDAY)
    assert (await world.store.ask.usage(GUILD, ALICE, MONDAY)).tokens == words


async def test_the_group_phase_and_todays_prompt_ground_the_model_but_never_the_key(world: World) -> None:
    index, numeric = first_day("numeric")
    assert isinstance(numeric, NumericChallenge)
    await world.start_group(day_index=index)
    world.fake.script(Answer("A vector is an arrow."))

    await ask(world.service(), world.screen, "what is a vector")

    system = world.fake.requests[0].body["messages"][0]["content"]
    assert "Math foundations" in system and numeric.prompt in system
    assert f"{numeric.answer:g}" not in system.replace(numeric.prompt, "")


class ObservedLLM(LLMClient):
    """The real client, telling the test when the model's stream has been read to the end."""

    finished: asyncio.Event

    async def stream(
        self, messages: Sequence[Mapping[str, str]], *, max_tokens: int | None = None, temperature: float = 0.3
    ) -> AsyncGenerator[str, None]:
        async for delta in super().stream(messages, max_tokens=max_tokens, temperature=temperature):
            yield delta
        self.finished.set()


async def test_a_fast_stream_is_coalesced_into_one_edit_while_the_pause_lasts(world: World) -> None:
    text = " ".join(f"word{i}" for i in range(40))
    world.fake.script(Answer(text, chunks=20))
    llm = ObservedLLM(world.http, base_url=world.fake.base_url, model="m", api_key=None)
    llm.finished = asyncio.Event()

    async def pause_until_the_stream_ends(seconds: float) -> None:
        world.screen.events.append(("sleep", seconds))
        await llm.finished.wait()

    challenges = ChallengeService(world.store, curriculum(), world.clock)
    service = AskService(
        world.store, curriculum(), index(), challenges, world.clock, limits(), llm, sleep=pause_until_the_stream_ends
    )
    result = await ask(service, world.screen, "what is a tensor")

    # Twenty pieces arrived; the member saw one partial edit, then the whole answer (the cog's final edit).
    [partial] = world.screen.updates
    assert text.startswith(partial) and result.text.startswith(text)


async def test_a_slow_stream_shows_each_piece_as_it_arrives(world: World) -> None:
    world.fake.script(Answer(OVERFITTING, chunks=5, delay=0.02))
    result = await ask(world.service(), world.screen, "what is overfitting")

    assert len(world.screen.updates) >= 4
    assert world.screen.updates == sorted(world.screen.updates, key=len)
    assert result.text.startswith(OVERFITTING)


async def test_429_then_success_answers_from_the_model(world: World) -> None:
    world.fake.script(Status(429, retry_after=0), Answer(OVERFITTING))
    result = await ask(world.service(), world.screen, "what is overfitting")

    assert result.source == "llm" and result.text.startswith(OVERFITTING)
    assert len(world.fake.requests) == 2
    assert (await world.store.ask.usage(GUILD, ALICE, MONDAY)).requests == 1


@pytest.mark.parametrize(
    "failure",
    [[Status(500)] * 4, [Status(503)] * 4, [Hang(seconds=5)], [Malformed()]],
    ids=["500s", "503s", "timeout", "malformed-sse"],
)
async def test_a_failing_model_falls_back_to_the_notes_saying_so(
    world: World, failure: list[Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    world.fake.script(*failure)
    result = await ask(world.service(), world.screen, "what is overfitting")

    overfitting = curriculum().concept("overfitting")
    assert overfitting is not None
    assert result.source == "fallback"
    assert result.text.startswith(MODEL_UNAVAILABLE)
    assert overfitting.explanation in result.text and "Grounded on: Overfitting" in result.text
    record = await world.store.ask.answer(result.answer_id)
    assert record is not None and record.source == "fallback"
    assert (await world.store.ask.usage(GUILD, ALICE, MONDAY)).requests == 1
    # The client logged the failure with the model and latency, and never the key.
    failed = [r.getMessage() for r in caplog.records if r.name == "bot.llm.client" and r.levelno == logging.WARNING]
    assert failed and "model=tutor-7b" in failed[-1] and "latency=" in failed[-1]
    assert "sk-test" not in caplog.text


async def test_a_failed_answer_is_not_cached(world: World) -> None:
    world.fake.script(Malformed(), Answer(OVERFITTING))
    service = world.service()
    assert (await ask(service, world.screen, "what is overfitting")).source == "fallback"
    assert (await ask(service, world.screen, "what is overfitting")).source == "llm"


async def test_mentions_the_model_writes_ping_nobody(world: World) -> None:
    world.fake.script(Answer("@everyone look: <@&555> and <@42> and @here — overfitting!", chunks=3))
    result = await ask(world.service(), world.screen, "what is overfitting")

    assert ZERO_WIDTH_SPACE in result.text
    assert no_pings(result.text)
    assert world.screen.updates and all(no_pings(text) for text in world.screen.updates)


async def test_mentions_in_the_question_ping_nobody_either(world: World) -> None:
    result = await ask(world.service(llm=None), world.screen, "@everyone <@&555> what is overfitting")
    assert no_pings(result.text)


# ----- no spoilers ---------------------------------------------------------------------------------


async def test_an_answer_leaking_todays_key_is_held_back_even_mid_stream(world: World) -> None:
    index, numeric = first_day("numeric")
    assert isinstance(numeric, NumericChallenge)
    await world.start_group(day_index=index)
    leak = f"Compute each component in turn. The third one comes out so the answer is {numeric.answer:g}. Easy!"
    world.fake.script(Answer(leak, chunks=8))
    service = world.service()

    result = await ask(service, world.screen, "how do I compute a linear combination of vectors")

    assert result.text == SPOILER_HELD_BACK and result.spoiler_blocked and not result.wants_feedback
    assert all(f"{numeric.answer:g}" not in text for text in world.screen.updates)
    record = await world.store.ask.answer(result.answer_id)
    assert record is not None and record.spoiler_blocked

    # Once the member has solved today's challenge, the same answer is theirs.
    outcome = await service.challenges.answer(GUILD, ALICE, f"{numeric.answer:g}")
    assert outcome.status == "correct"
    world.fake.script(Answer(leak))
    solved = await ask(service, world.screen, "how do I compute a linear combination of vectors")
    assert solved.text.startswith(leak)


async def test_a_quiz_letter_and_option_are_held_back_for_those_who_have_not_solved_it(world: World) -> None:
    index, quiz = first_day("quiz")
    assert isinstance(quiz, QuizChallenge)
    await world.start_group(day_index=index)
    service = world.service(llm=None)  # notes answers are checked too

    leak = f"Easy: the answer is {quiz.correct_letter}. {quiz.answer}."
    world.fake.script(Answer(leak), Answer(leak))
    llm_service = world.service()
    held = await ask(llm_service, world.screen, "what does a zero dot product mean")
    assert held.text == SPOILER_HELD_BACK

    # Alice solves it; now the model's answer is hers, and the group's cache keeps it.
    assert (await llm_service.challenges.answer(GUILD, ALICE, quiz.correct_letter)).status == "correct"
    mine = await ask(llm_service, world.screen, "what does a zero dot product mean")
    assert mine.text.startswith(leak) and len(world.fake.requests) == 2

    # Bob's copy from the cache is checked against Bob's progress.
    again = await ask(llm_service, world.screen, "What does a zero dot product mean?", user=BOB)
    assert again.source == "cache" and again.text == SPOILER_HELD_BACK and len(world.fake.requests) == 2

    fine = await ask(service, world.screen, "what is a matrix")
    assert not fine.spoiler_blocked


async def test_a_task_day_has_nothing_to_give_away(world: World) -> None:
    index, _ = first_day("task")
    await world.start_group(day_index=index)
    world.fake.script(Answer("The answer is B, 0.25, -14."))
    result = await ask(world.service(), world.screen, "what is a vector")
    assert not result.spoiler_blocked


# ----- cache ---------------------------------------------------------------------------------------


async def test_the_same_question_is_answered_from_the_groups_cache(world: World) -> None:
    world.fake.script(Answer(OVERFITTING))
    service = world.service()

    first = await ask(service, world.screen, "What is overfitting?")
    second = await ask(service, world.screen, "what is   OVERFITTING", user=BOB)

    assert len(world.fake.requests) == 1
    assert second.source == "cache" and second.text.startswith(OVERFITTING)
    assert "Answered from the group's cache" in second.text and "cache" not in first.text
    assert (await world.store.ask.usage(GUILD, BOB, MONDAY)).requests == 0  # a cache hit is free

    world.fake.script(Answer("Another server's answer."))
    elsewhere = await ask(service, world.screen, "what is overfitting", guild=OTHER_GUILD)
    assert elsewhere.source == "llm" and len(world.fake.requests) == 2

    world.clock.advance(timedelta(hours=25))
    world.fake.script(Answer("A fresher answer about overfitting."))
    expired = await ask(service, world.screen, "what is overfitting")
    assert expired.source == "llm" and expired.text.startswith("A fresher answer")


async def test_a_ttl_of_zero_turns_the_cache_off(world: World) -> None:
    service = world.service(cache_ttl=timedelta(0))
    await ask(service, world.screen, "what is overfitting")
    await ask(service, world.screen, "what is overfitting")
    assert len(world.fake.requests) == 2


# ----- limits --------------------------------------------------------------------------------------


async def test_a_spent_member_budget_answers_from_the_notes_and_says_when_it_renews(world: World) -> None:
    service = world.service(member=Usage(2, 30_000), cache_ttl=timedelta(0))
    for _ in range(2):
        assert (await ask(service, world.screen, "what is overfitting")).source == "llm"

    spent = await ask(service, world.screen, "what is overfitting")

    assert spent.source == "budget" and len(world.fake.requests) == 2
    renews = int(datetime(2027, 1, 5, tzinfo=UTC).timestamp())
    assert spent.text.startswith(f"⏳ You've used your 2 model answers for today; the allowance renews <t:{renews}:R>.")
    assert "Overfitting" in spent.text
    assert (await ask(service, world.screen, "what is overfitting", user=BOB)).source == "llm"  # Bob has his own

    report = await service.usage(GUILD, ALICE)
    assert report.member_left.requests == 0 and report.group_left.requests == 200 - 3
    world.clock.advance(timedelta(hours=12))  # past midnight UTC
    assert (await ask(service, world.screen, "what is overfitting")).source == "llm"


async def test_a_spent_group_budget_says_so(world: World) -> None:
    service = world.service(group=Usage(200, 2_000), cache_ttl=timedelta(0))
    results = [await ask(service, world.screen, "what is overfitting", user=user) for user in range(1, 6)]
    assert results[0].source == "llm"
    assert results[-1].source == "budget" and "This server has used its 2,000 model tokens" in results[-1].text


async def test_the_answer_is_capped_at_the_tokens_left(world: World) -> None:
    service = world.service(member=Usage(20, 1_000))
    await ask(service, world.screen, "what is overfitting")
    max_tokens = world.fake.requests[0].body["max_tokens"]
    assert 150 <= max_tokens < ANSWER_TOKENS


async def test_concurrent_questions_never_overspend_the_group(world: World) -> None:
    world.fake.script(*[Answer(OVERFITTING, delay=0.01)] * 6)
    service = world.service(group=Usage(3, 300_000), cache_ttl=timedelta(0))
    results = await asyncio.gather(*(ask(service, Screen(), "what is overfitting", user=u) for u in range(1, 7)))
    assert sorted(r.source for r in results) == ["budget"] * 3 + ["llm"] * 3
    assert (await world.store.ask.usage(GUILD, WHOLE_GROUP, MONDAY)).requests == 3


async def test_questions_over_the_length_limit_or_blank_are_refused_clearly(world: World) -> None:
    service = world.service(max_question_chars=100)
    with pytest.raises(UserFacingError, match="up to 100 characters; yours has 101"):
        await service.admit(GUILD, 1, ALICE, "x" * 101)
    with pytest.raises(UserFacingError, match="Ask a question"):
        await service.admit(GUILD, 1, ALICE, "   ")
    assert await service.admit(GUILD, 1, ALICE, "  " + "x" * 100 + "  ") == Question(GUILD, 1, ALICE, "x" * 100)


async def test_the_cooldown_refuses_a_second_question_and_says_how_long(world: World) -> None:
    service = world.service(cooldown=timedelta(seconds=30))
    await service.admit(GUILD, 1, ALICE, "what is overfitting")
    world.clock.advance(timedelta(seconds=12))
    with pytest.raises(UserFacingError, match="ask again in 18 s"):
        await service.admit(GUILD, 1, ALICE, "what is dropout")
    await service.admit(GUILD, 1, BOB, "what is dropout")
    report = await service.usage(GUILD, ALICE)
    assert report.ready_at == NOW + timedelta(seconds=30)
    world.clock.advance(timedelta(seconds=18))
    await service.admit(GUILD, 1, ALICE, "what is dropout")


# ----- without a model -----------------------------------------------------------------------------


async def test_without_a_model_the_notes_answer_with_explanation_related_terms_and_resource(world: World) -> None:
    result = await ask(world.service(llm=None), world.screen, "bagging vs boosting")

    bagging, boosting = curriculum().concept("bagging"), curriculum().concept("gradient-boosting")
    assert bagging is not None and boosting is not None
    assert result.source == "notes" and world.fake.requests == [] and world.screen.updates == []
    assert bagging.explanation in result.text and boosting.explanation in result.text
    assert "**Related:**" in result.text and "📖 Learn more: [" in result.text
    assert (await world.store.ask.usage(GUILD, ALICE, MONDAY)).requests == 0


async def test_a_loose_match_says_what_it_matched_and_suggests_terms(world: World) -> None:
    result = await ask(world.service(llm=None), world.screen, "how do I cook pasta")
    assert result.text.startswith("I couldn't find a note that answers exactly that.")
    assert "*past*" in result.text or "matched" in result.text
    assert "Try asking about one of these terms:" in result.text


async def test_nothing_matched_suggests_concepts_of_the_groups_phase(world: World) -> None:
    index, _ = first_day("quiz")
    await world.start_group(day_index=index)
    result = await ask(world.service(llm=None), world.screen, "xyzzy plugh")
    vector = curriculum().concept("vector")
    assert vector is not None
    assert "Math foundations" in result.text and vector.term in result.text
    assert "can't help" not in result.text


# ----- feedback ------------------------------------------------------------------------------------


async def test_feedback_is_one_changeable_vote_per_member_summarised_per_server(world: World) -> None:
    service = world.service(llm=None)
    result = await ask(service, world.screen, "what is overfitting")

    assert "Thanks" in await service.vote(GUILD, result.answer_id, ALICE, True)
    assert "already" in await service.vote(GUILD, result.answer_id, ALICE, True)
    assert "Changed your vote to not helpful" in await service.vote(GUILD, result.answer_id, ALICE, False)
    await service.vote(GUILD, result.answer_id, BOB, True)
    with pytest.raises(UserFacingError, match="no longer available"):
        await service.vote(OTHER_GUILD, result.answer_id, BOB, True)

    summary = await service.feedback(GUILD)
    assert (summary.answers, summary.helpful, summary.unhelpful) == (1, 1, 1)
    assert summary.recent_unhelpful == ("what is overfitting",)


async def test_questions_are_forgotten_once_older_than_the_limits_keep_them(world: World) -> None:
    service = world.service(llm=None, keep=timedelta(days=30))
    kept_to_the_end = await ask(service, world.screen, "what is overfitting")
    world.clock.advance(timedelta(days=1))
    later = await ask(service, world.screen, "what is dropout", user=BOB)

    world.clock.advance(timedelta(days=29))  # the first is exactly 30 days old: still kept
    assert (await service.prune())[0] == 0
    world.clock.advance(timedelta(seconds=1))
    assert (await service.prune())[0] == 1
    with pytest.raises(UserFacingError, match="no longer available"):  # its 👍 button says so kindly
        await service.vote(GUILD, kept_to_the_end.answer_id, ALICE, True)
    assert "Thanks" in await service.vote(GUILD, later.answer_id, ALICE, True)
