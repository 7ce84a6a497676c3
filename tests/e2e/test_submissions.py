"""/submit and /submissions end to end: recorded, refused, duplicates, announcements that ping nobody."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot.core.links import ACCEPTED
from bot.github import GitHubClient
from bot.github_fake import FakeGitHub
from bot.standin import DiscordStandIn, Message
from tests.e2e.daily_helpers import challenge_at, first_index, started_group_on_day
from tests.e2e.harness import BotRunner, World


async def submit(standin: DiscordStandIn, world: World, link: str, **options: str) -> Message:
    handle = await standin.slash(
        "submit", guild=world.guild, channel=world.channel, user=world.member, options={"link": link, **options}
    )
    reply = await handle.message()
    assert reply.ephemeral and not reply.pinged_anyone
    return reply


async def test_a_link_is_recorded_completes_todays_task_and_is_announced_without_pings(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    role = standin.create_role(world.guild, "learners")
    index = first_index("task", submit="github")
    await started_group_on_day(standin, bots, world, index)
    choices = await (
        await standin.autocomplete(
            "submit",
            focused="challenge",
            guild=world.guild,
            channel=world.channel,
            user=world.member,
            options={"link": "x", "challenge": ""},
        )
    ).choices()
    assert [c["value"] for c in choices] == [challenge_at(index).id] and choices[0]["name"].startswith("Today: ")
    note = f"@everyone @here look <@{world.owner.id}> <@&{role.id}> **bold**\nsecond line"

    reply = await submit(standin, world, "https://www.github.com/Alice/MatMul/tree/main?tab=readme", note=note)

    assert "Recorded a GitHub repository: https://github.com/Alice/MatMul" in reply.text()
    assert "self-reported" in reply.text()
    assert "Done! +10 points" in reply.text(), "today's task asks for a GitHub link: this one completes it"
    await standin.wait_until(lambda: len(standin.channel_messages(world.channel)) == 2, 5, "the announcement")
    announcement = standin.channel_messages(world.channel)[1]
    text = announcement.content
    assert text.startswith(f"📦 <@{world.member.id}> shared a GitHub repository: https://github.com/Alice/MatMul")
    assert "look" in text and "second line" in text and "\n" not in text, "one short line"
    assert not announcement.pinged_anyone
    assert not announcement.pinged_everyone and not announcement.pinged_users and not announcement.pinged_roles
    assert "**bold**" not in text, "the note can't restyle the line"


@pytest.mark.parametrize(
    ("link", "problem"),
    [
        ("javascript:alert(1)", "Only web links"),
        ("https://github.com.evil.io/alice/matmul", "only looks like github.com"),
        ("https://alice:hunter2@github.com/alice/matmul", "username or password"),
        ("https://example.com/@everyone", "isn't on GitHub or Kaggle"),
        ("https://github.com/alice/matmul/" + "a" * 600, "too long"),
        ("<@&123> @everyone", "spaces or hidden characters"),
    ],
)
async def test_anything_else_is_refused_with_what_is_accepted(
    standin: DiscordStandIn, bots: BotRunner, world: World, link: str, problem: str
) -> None:
    bot = await bots.start()
    reply = await submit(standin, world, link)
    assert problem in reply.text() and ACCEPTED in reply.text()
    assert await bot.store.submissions.of_user(world.member.id) == []


async def test_the_same_work_twice_is_already_recorded(standin: DiscordStandIn, bots: BotRunner, world: World) -> None:
    await started_group_on_day(standin, bots, world, first_index("quiz"))
    first = await submit(standin, world, "https://www.kaggle.com/code/alice/titanic-eda")
    assert "Recorded a Kaggle notebook" in first.text() and "Done!" not in first.text()
    again = await submit(standin, world, "kaggle.com/code/ALICE/titanic-eda/edit?x=1")
    assert "already recorded" in again.text()
    await standin.wait_until(lambda: len(standin.channel_messages(world.channel)) == 2, 5, "the announcement")
    await asyncio.sleep(0.2)
    assert len(standin.channel_messages(world.channel)) == 2, "the post and one announcement, not two"


async def test_submissions_pages_with_buttons_newest_first(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    await started_group_on_day(standin, bots, world, first_index("quiz"))
    for n in range(7):
        bots.clock.advance(timedelta(minutes=1))
        await submit(standin, world, f"https://github.com/alice/repo{n}", note=f"note {n} <@{world.owner.id}>")
    await standin.wait_until(lambda: len(standin.channel_messages(world.channel)) == 8, 5, "7 announcements")
    handle = await standin.slash(
        "submissions", guild=world.guild, channel=world.channel, user=world.owner, options={"member": world.member.id}
    )
    page = await handle.message()
    assert page.ephemeral and "Page 1/2" in page.text() and "7 pieces of work" in page.text()
    assert page.text().index("repo6") < page.text().index("repo2") and "repo1" not in page.text()
    assert {b["label"]: b.get("disabled", False) for b in page.buttons()} == {"Prev": True, "Next": False}
    assert all(b["custom_id"].startswith(f"bp:subs:{world.member.id}:all:") for b in page.buttons())

    clicked = await standin.click(page, "Next", user=world.owner, guild=world.guild)
    second = await clicked.message()
    assert "Page 2/2" in second.text() and "repo1" in second.text() and "repo0" in second.text()
    assert "repo2" not in second.text()
    assert {b["label"]: b.get("disabled", False) for b in second.buttons()} == {"Prev": False, "Next": True}

    kaggle = await (
        await standin.slash(
            "submissions", guild=world.guild, channel=world.channel, user=world.member, options={"kind": "kaggle"}
        )
    ).message()
    assert "has not recorded any work on Kaggle yet" in kaggle.text()


# --- with GitHub checks on ----------------------------------------------------------------------


@pytest.fixture
async def github() -> AsyncIterator[FakeGitHub]:
    async with FakeGitHub() as fake:
        yield fake


async def test_with_github_checks_a_verified_account_gets_verified_work(
    standin: DiscordStandIn, bots: BotRunner, world: World, github: FakeGitHub
) -> None:
    github.add_repo("alice", "matmul")
    async with httpx.AsyncClient(timeout=2.0) as http:
        client = GitHubClient(http, clock=bots.clock, base_url=github.base_url)
        bots.clock.set(datetime(2027, 1, 4, 8, 0, 1, tzinfo=UTC))
        bot = await bots.start(github=client, github_recheck_minutes=0.002)  # re-checks every 0.12 s
        member = {"guild": world.guild, "channel": world.channel, "user": world.member}

        linked = await (await standin.slash("profile link", **member, options={"github": "alice"})).message()
        code = linked.text().split("`")[1]
        assert code.startswith("backprop-") and "not verified yet" in linked.text()
        github.add_user("alice", bio=f"learning ML {code}")
        verify = await standin.slash("profile verify", **member)
        verified = await verify.message()
        assert verified.ephemeral and "Verified: GitHub **alice** is yours" in verified.text()

        reply = await submit(standin, world, "https://github.com/alice/matmul")
        assert "✅ verified" in reply.text()
        missing = await submit(standin, world, "https://github.com/alice/nope")
        assert "not found on GitHub" in missing.text()
        github.rate_limited = True
        github.reset_at = int((bots.clock.now() + timedelta(minutes=10)).timestamp())
        github.add_repo("alice", "later")
        limited = await submit(standin, world, "https://github.com/alice/later")
        assert "not checked yet" in limited.text(), "a rate limit never blocks recording"

        # The scheduler's re-check job asks again once the limit has reset.
        github.rate_limited = False
        await asyncio.sleep(0.3)
        assert [r.path for r in github.requests].count("/repos/alice/later") == 1, "not before the reset"
        bots.clock.advance(timedelta(minutes=10))
        for _ in range(100):
            (later,) = [s for s in await bot.store.submissions.of_user(world.member.id) if s.url.endswith("later")]
            if later.status != "unverified":
                break
            await asyncio.sleep(0.05)
        assert later.status == "verified"
