"""More of the daily loop: the ephemeral copies, history and repairs, and a modal across a restart."""

from __future__ import annotations

from datetime import timedelta

from bot.curriculum.models import NumericChallenge
from bot.standin import DiscordStandIn
from tests.e2e.daily_helpers import MONDAY, challenge_at, first_index, post_instant, started_group_on_day
from tests.e2e.harness import BotRunner, World


async def test_today_and_hint_are_private_copies_with_the_same_buttons(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    index = first_index("quiz")
    post = await started_group_on_day(standin, bots, world, index)
    member = {"guild": world.guild, "channel": world.channel, "user": world.member}
    today = await (await standin.slash("challenge today", **member)).message()
    assert today.ephemeral
    assert today.embeds[0]["title"] == post.embeds[0]["title"]
    assert [b["custom_id"] for b in today.buttons()] == [b["custom_id"] for b in post.buttons()]
    hint = await (await standin.slash("challenge hint", **member)).message()
    assert hint.ephemeral and challenge_at(index).hint in hint.text()


async def test_commands_before_setup_explain_what_to_do(standin: DiscordStandIn, bots: BotRunner, world: World) -> None:
    await bots.start()
    reply = await (
        await standin.slash("challenge today", guild=world.guild, channel=world.channel, user=world.member)
    ).message()
    assert reply.ephemeral and "/setup" in reply.text()


async def test_yesterdays_buttons_say_the_day_has_closed(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    post = await started_group_on_day(standin, bots, world, first_index("quiz"))
    bots.clock.set(post_instant(MONDAY + timedelta(days=1)) + timedelta(minutes=1))
    await standin.wait_until(lambda: len(standin.channel_messages(world.channel)) == 2, 5, "Tuesday's post")
    reply = await (await standin.click(post, "Answer", user=world.member, guild=world.guild)).message()
    assert reply.ephemeral and "has closed" in reply.text()


async def test_a_modal_opened_before_a_restart_is_answered_after_it(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    index = first_index("numeric")
    challenge = challenge_at(index)
    assert isinstance(challenge, NumericChallenge)
    post = await started_group_on_day(standin, bots, world, index)
    opened = await standin.click(post, "Answer", user=world.member, guild=world.guild)
    await opened.modal()
    await bots.stop(bots._running[0][0])
    bot = await bots.start()
    submitted = await standin.submit_modal(
        opened, {"answer": f"{challenge.answer:g}"}, user=world.member, guild=world.guild
    )
    assert "Correct" in (await submitted.message()).text()
    assert await bot.store.ledger.completion(world.guild.id, world.member.id, MONDAY) is not None


async def test_history_explains_each_day_and_an_admin_repair_restores_the_streak(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    index = first_index("numeric")
    await started_group_on_day(standin, bots, world, index)
    member = {"guild": world.guild, "channel": world.channel, "user": world.member}
    owner = {"guild": world.guild, "channel": world.channel, "user": world.owner}

    async def answer_today() -> None:
        text = (await (await standin.slash("challenge today", **member)).message()).text()
        day = next(c for c in (challenge_at(i) for i in range(index, index + 40)) if c.prompt[:40] in text)
        assert isinstance(day, NumericChallenge), "pick a stretch of numeric days for this test"
        reply = await (
            await standin.slash("challenge answer", options={"answer": f"{day.answer:g}"}, **member)
        ).message()
        assert "Correct" in reply.text(), reply.text()

    await answer_today()  # Monday
    # Tuesday missed, Wednesday answered: the streak restarted.
    for offset in (1, 2):
        bots.clock.set(post_instant(MONDAY + timedelta(days=offset)) + timedelta(minutes=1))
        await standin.wait_until(lambda o=offset: len(standin.channel_messages(world.channel)) == o + 1, 5, "post")
    if challenge_at(index + 2).kind == "numeric":
        await answer_today()
    history = await (await standin.slash("streak history", **member)).message()
    assert "missed" in history.text() and history.ephemeral

    # Discord can only hide whole top-level commands, so /streak repair is visible: the runtime check refuses.
    refused = await (
        await standin.slash(
            "streak repair", options={"member": world.member.id, "day": "2027-01-05", "reason": "please"}, **member
        )
    ).message()
    assert refused.ephemeral and "Manage Server" in refused.text()
    repair = await (
        await standin.slash(
            "streak repair",
            options={"member": world.member.id, "day": (MONDAY + timedelta(days=1)).isoformat(), "reason": "outage"},
            **owner,
        )
    ).message()
    assert "excused" in repair.text() and not repair.pinged_anyone
    after = await (await standin.slash("streak history", **member)).message()
    assert "outage" in after.text() and "missed" not in after.text()
