"""/ask end to end: the real bot against the Discord stand-in and the fake chat-completions server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from bot.llm import LLMClient, make_http_client
from bot.llm.fake_server import Answer, FakeLLM, Status
from bot.services.ask import MODEL_UNAVAILABLE
from bot.standin import DiscordStandIn, InteractionHandle, Message
from bot.store import Store
from bot.store.ask import NewAnswer
from tests.e2e.daily_helpers import MONDAY, post_instant, setup_group
from tests.e2e.harness import BotRunner, World, eventually, shipped_curriculum

# The features /ask touches; other features' cogs are covered by their own tests.
EXTENSIONS = ("cogs.guilds", "cogs.help", "cogs.daily", "cogs.challenge", "cogs.ask", "cogs.profile")
NO_COOLDOWN = {"ask_cooldown_seconds": 0}
EDIT_ROUTE = "PATCH /webhooks/{app}/{token}/messages/{message}"
OVERFITTING = (
    "Overfitting is when a model learns its training data too well, noise included, so it does great on "
    "the training set and poorly on new data. Regularisation, more data and early stopping all help."
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeLLM]:
    async with FakeLLM() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with make_http_client(connect_timeout=1.0, read_timeout=0.5) as client:
        yield client


@pytest.fixture
def llm(fake: FakeLLM, http: httpx.AsyncClient) -> LLMClient:
    return LLMClient(http, base_url=fake.base_url, model="tutor-7b", api_key="sk-test", backoff=0.01)


async def ask(standin: DiscordStandIn, world: World, question: str, **options: object) -> InteractionHandle:
    return await standin.slash(
        "ask", guild=world.guild, channel=world.channel, user=world.member, options={"question": question, **options}
    )


async def final(handle: InteractionHandle, timeout: float = 10.0) -> Message:
    """The answer once it is complete: the message carrying the feedback buttons or the notes footer."""
    await handle.wait_for_edit(lambda m: "Grounded on" in m.content or "Grounded on" in _last_text(handle), timeout)
    return handle.followups()[-1] if handle.followups() else await handle.message()


def _last_text(handle: InteractionHandle) -> str:
    followups = handle.followups()
    return followups[-1].content if followups else ""


def edits_of(standin: DiscordStandIn, handle: InteractionHandle) -> list[dict[str, object]]:
    return [r.json for r in standin.requests_to(EDIT_ROUTE) if handle.record.token in r.path]


async def test_a_streamed_answer_edits_the_original_response_and_ends_with_its_notes(
    standin: DiscordStandIn, bots: BotRunner, world: World, fake: FakeLLM, llm: LLMClient
) -> None:
    await bots.start(extensions=EXTENSIONS, llm=llm, **NO_COOLDOWN)
    fake.script(Answer(OVERFITTING, chunks=8, delay=0.06))  # 12 events in halves: about 1.4 s of streaming

    handle = await ask(standin, world, "what is overfiting?")

    assert (await handle.response())["type"] == 5  # deferred at once: "Backprop is thinking..."
    reply = await final(handle)
    assert reply.id == (await handle.message()).id and handle.followups() == []
    assert reply.content.startswith(OVERFITTING)
    assert reply.content.endswith("📚 Grounded on: Overfitting · Dropout · Public and private leaderboards")
    assert not reply.ephemeral and not reply.pinged_anyone
    assert [b["label"] for b in reply.buttons()] == ["Helpful", "Not helpful"]

    edits = edits_of(standin, handle)
    assert all(r.path.endswith("/messages/@original") for r in standin.requests_to(EDIT_ROUTE))
    partial = [str(e["content"]) for e in edits[:-1]]
    assert len(partial) >= 2, "the answer should appear piece by piece"
    assert all(OVERFITTING.startswith(text) for text in partial) and partial[0] != OVERFITTING
    assert partial == sorted(partial, key=len)
    assert all(e.get("allowed_mentions") == {"parse": []} for e in edits)


async def test_a_long_answer_is_split_at_2000_characters_with_the_notes_and_buttons_last(
    standin: DiscordStandIn, bots: BotRunner, world: World, fake: FakeLLM, llm: LLMClient
) -> None:
    await bots.start(extensions=EXTENSIONS, llm=llm, **NO_COOLDOWN)
    paragraphs = [f"Paragraph {i}: " + " ".join(f"gradient{i}x{j}" for j in range(50)) for i in range(6)]
    code = "```python\n" + "\n".join(f"loss_{i} = (y - y_hat) ** 2  # step {i}" for i in range(40)) + "\n```"
    text = "\n\n".join([*paragraphs[:3], code, *paragraphs[3:]])
    assert 4000 < len(text) < 6000
    fake.script(Answer(text, chunks=4))

    handle = await ask(standin, world, "explain gradient descent with code")
    last = await final(handle)

    parts = [await handle.message(), *handle.followups()]
    assert len(parts) >= 3 and last.id == parts[-1].id
    assert all(len(part.content) <= 2000 for part in parts)
    assert all(part.content.count("```") % 2 == 0 for part in parts)
    assert [bool(part.buttons()) for part in parts] == [False] * (len(parts) - 1) + [True]
    assert "Grounded on" in parts[-1].content and "Grounded on" not in parts[0].content
    words = " ".join(part.content for part in parts).split()
    assert all(word in words for word in text.split() if not word.startswith("```"))
    assert all(r.status == 200 for r in standin.requests if handle.record.token in r.path)


async def test_when_the_model_fails_the_notes_answer_saying_so(
    standin: DiscordStandIn, bots: BotRunner, world: World, fake: FakeLLM, llm: LLMClient
) -> None:
    await bots.start(extensions=EXTENSIONS, llm=llm, **NO_COOLDOWN)
    fake.script(*[Status(500)] * 4)

    reply = await final(await ask(standin, world, "what is overfitting"))

    overfitting = shipped_curriculum().concept("overfitting")
    assert overfitting is not None
    assert reply.content.startswith(MODEL_UNAVAILABLE)
    assert overfitting.explanation in reply.content and reply.buttons()
    assert len(fake.requests) == 4


async def test_a_private_answer_and_one_full_of_mentions_ping_nobody(
    standin: DiscordStandIn, bots: BotRunner, world: World, fake: FakeLLM, llm: LLMClient
) -> None:
    role = standin.create_role(world.guild, "learners")
    await bots.start(extensions=EXTENSIONS, llm=llm, **NO_COOLDOWN)
    fake.script(Answer(f"@everyone @here <@&{role.id}> <@{world.owner.id}> overfitting means memorising."))

    handle = await ask(standin, world, f"@everyone <@&{role.id}> what is overfitting", private=True)
    reply = await final(handle)

    assert (await handle.response())["data"]["flags"] & 64
    assert reply.ephemeral and standin.channel_messages(world.channel) == []
    assert "overfitting means memorising" in reply.content
    assert not reply.pinged_anyone
    fake.script(Answer("@everyone this one is public"))
    public = await final(await ask(standin, world, "what is dropout"))
    assert not public.ephemeral and not public.pinged_anyone


async def test_refusals_are_private_and_say_why(standin: DiscordStandIn, bots: BotRunner, world: World) -> None:
    await bots.start(extensions=EXTENSIONS, ask_cooldown_seconds=30)
    first = await (await ask(standin, world, "what is overfitting")).message()
    assert not first.ephemeral and "Overfitting" in first.content

    bots.clock.advance(timedelta(seconds=10))
    handle = await ask(standin, world, "what is dropout")
    too_soon = await handle.message()
    assert (await handle.response())["type"] == 4  # refused before deferring: nothing public
    assert too_soon.ephemeral and "you can ask again in 20 s" in too_soon.content

    bots.clock.advance(timedelta(seconds=20))
    too_long = await (await ask(standin, world, "why " * 130)).message()
    assert too_long.ephemeral and "up to 500 characters; yours has 519" in too_long.content
    again = await (await ask(standin, world, "what is dropout")).message()
    assert not again.ephemeral and "Dropout" in again.content


# A few rows of the retrieval table (tests/unit/core/retrieval_questions.yaml), typos included.
TABLE_ROWS = [
    ("gradiant decent", "gradient-descent"),
    ("loc vs iloc", "pandas-loc-iloc"),
    ("what is data leakage", "data-leakage"),
    ("how do I make a virtual enviroment", "virtual-environment"),
]


async def test_without_a_model_the_notes_give_grounded_answers_with_no_limits(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    await bots.start(extensions=EXTENSIONS, **NO_COOLDOWN)

    for question, note in TABLE_ROWS:
        concept = shipped_curriculum().concept(note)
        assert concept is not None
        handle = await ask(standin, world, question)
        reply = await final(handle)
        assert (await handle.response())["type"] == 5
        assert reply.content.startswith(f"**{concept.term}**"), question
        assert concept.explanation in reply.content and "📖 Learn more:" in reply.content
        assert f"Grounded on: {concept.term}" in reply.content
        assert not reply.pinged_anyone and reply.buttons()

    handle = await standin.slash("profile usage", guild=world.guild, channel=world.channel, user=world.member)
    usage = await handle.message()
    assert usage.ephemeral and "No model is configured" in usage.text()


async def test_feedback_buttons_vote_once_survive_a_restart_and_show_in_config(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    bots.clock.set(post_instant(MONDAY) + timedelta(seconds=1))
    bot = await bots.start(extensions=EXTENSIONS, **NO_COOLDOWN)
    assert "Study group ready" in (await (await setup_group(standin, world, start=MONDAY)).message()).text()
    question = "what is a confusion matrix"
    answer = await final(await ask(standin, world, question))

    voted = await (await standin.click(answer, "Helpful", user=world.member, guild=world.guild)).message()
    assert voted.ephemeral and "Noted as helpful" in voted.content
    again = await (await standin.click(answer, "Helpful", user=world.member, guild=world.guild)).message()
    assert "already marked" in again.content

    await bots.stop(bot)
    await bots.start(extensions=EXTENSIONS, **NO_COOLDOWN)
    changed = await (await standin.click(answer, "Not helpful", user=world.member, guild=world.guild)).message()
    assert "Changed your vote to not helpful" in changed.content
    await standin.click(answer, "Not helpful", user=world.owner, guild=world.guild)

    handle = await standin.slash("config show", guild=world.guild, channel=world.channel, user=world.owner)
    shown = await handle.message()
    [field] = [f for f in shown.embeds[0]["fields"] if f["name"] == "/ask (last 30 days)"]
    assert "1 answer: 1 from the notes" in field["value"]
    assert "👍 0 · 👎 2" in field["value"] and f"“{question}”" in field["value"]


async def test_profile_usage_shows_what_is_left_and_a_spent_budget_is_explained(
    standin: DiscordStandIn, bots: BotRunner, world: World, fake: FakeLLM, llm: LLMClient
) -> None:
    await bots.start(extensions=EXTENSIONS, llm=llm, ask_member_daily_requests=1, **NO_COOLDOWN)
    fake.script(Answer(OVERFITTING))
    await final(await ask(standin, world, "what is overfitting"))

    spent = await final(await ask(standin, world, "what is dropout"))
    assert spent.content.startswith("⏳ You've used your 1 model answer for today")
    assert "Dropout" in spent.content and len(fake.requests) == 1

    handle = await standin.slash("profile usage", guild=world.guild, channel=world.channel, user=world.member)
    usage = await handle.message()
    assert usage.ephemeral
    text = usage.text()
    assert "**0** of 1 answers left" in text and "**199** of 200 answers left" in text
    assert "renew <t:" in text and "you can ask now" in text


async def test_the_bot_forgets_questions_past_their_retention_when_it_starts(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    now = bots.clock.now()
    async with Store(bots.database) as store:
        ids = [
            await store.ask.record_answer(
                NewAnswer(world.guild.id, world.channel.id, world.member.id, question, "notes", (), at)
            )
            for question, at in (("old", now - timedelta(days=91)), ("recent", now - timedelta(days=89)))
        ]
    bot = await bots.start(extensions=EXTENSIONS, ask_keep_days=90)

    async def forgotten() -> bool:
        return await bot.store.ask.answer(ids[0]) is None

    await eventually(forgotten, "the old question forgotten")
    recent = await bot.store.ask.answer(ids[1])
    assert recent is not None and recent.question == "recent"
