"""The foundation end to end: start-up, command sync, /help, faults, reconnects, restarts."""

from __future__ import annotations

import logging

import pytest

from bot.standin import DiscordStandIn, StandInError
from tests.e2e.harness import BotRunner, World

pytestmark = pytest.mark.usefixtures("world")


async def test_startup_syncs_commands_globally_once(standin: DiscordStandIn, bots: BotRunner) -> None:
    await bots.start()
    syncs = standin.requests_to("PUT /applications/{app}/commands")
    assert len(syncs) == 1
    assert "help" in {command["name"] for command in syncs[0].json}
    assert standin.gateway.identifies == 1


async def test_help_lists_commands_privately(standin: DiscordStandIn, bots: BotRunner, world: World) -> None:
    await bots.start()
    reply = await (await standin.slash("help", guild=world.guild, channel=world.channel, user=world.member)).message()
    assert reply.ephemeral
    assert "/help" in reply.text()
    assert not reply.pinged_anyone


async def test_rate_limited_callback_is_retried(standin: DiscordStandIn, bots: BotRunner, world: World) -> None:
    await bots.start()
    standin.faults.rate_limit("POST /interactions/{id}/{token}/callback", times=1, retry_after=0.2)
    interaction = await standin.slash("help", guild=world.guild, channel=world.channel, user=world.member)
    reply = await interaction.message()
    assert "/help" in reply.text()
    assert [r.status for r in standin.requests_to("POST /interactions/{id}/{token}/callback")] == [429, 200]


async def test_forced_reconnect_resumes_and_a_command_sent_meanwhile_is_answered(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    await bots.start()
    await standin.force_reconnect()
    # Sent while the bot is between connections: Discord replays it on RESUME.
    during = await standin.slash("help", guild=world.guild, channel=world.channel, user=world.member)
    await standin.wait_until(lambda: standin.gateway.resumes == 1 and standin.gateway.connected, 10, "a RESUME")
    assert "/help" in (await during.message()).text()
    after = await standin.slash("help", guild=world.guild, channel=world.channel, user=world.owner)
    assert "/help" in (await after.message()).text()
    assert standin.gateway.identifies == 1


async def test_restart_on_the_same_database_keeps_data_and_skips_the_sync(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    first = await bots.start()
    record = await first.store.guilds.get(world.guild.id)
    assert record is not None
    await bots.stop(first)

    bots.clock.advance(__import__("datetime").timedelta(hours=5))
    second = await bots.start()
    again = await second.store.guilds.get(world.guild.id)
    assert again is not None
    assert again.first_seen_at == record.first_seen_at
    assert again.last_seen_at > record.last_seen_at
    assert second.sync_result == "skipped"
    assert len(standin.requests_to("PUT /applications/{app}/commands")) == 1


async def test_dev_guild_gets_commands_at_every_start(standin: DiscordStandIn, bots: BotRunner, world: World) -> None:
    bot = await bots.start(dev_guild_id=world.guild.id)
    assert bot.sync_result == "guild"
    assert standin.requests_to("PUT /applications/{app}/commands") == []
    assert len(standin.requests_to("PUT /applications/{app}/guilds/{guild}/commands")) == 1


async def test_a_bot_that_stops_answering_fails_the_test(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    bot = await bots.start()
    await bots.stop(bot)  # commands stay synced, but nothing answers any more
    interaction = await standin.slash("help", guild=world.guild, channel=world.channel, user=world.member)
    with pytest.raises(AssertionError, match="timed out"):
        await interaction.message(timeout=1.0)


@pytest.mark.allow_errors
async def test_unexpected_errors_are_logged_and_the_member_gets_an_apology(
    standin: DiscordStandIn, bots: BotRunner, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    await bots.start(extensions=("cogs.help", "tests.e2e.broken_cog"))
    with caplog.at_level(logging.ERROR, logger="bot.tree"):
        reply = await (
            await standin.slash("broken", guild=world.guild, channel=world.channel, user=world.member)
        ).message()
    assert reply.ephemeral
    assert "something went wrong" in reply.text()
    assert any("unhandled error in broken" in r.getMessage() and r.exc_info for r in caplog.records)


async def test_an_error_after_thinking_replaces_the_thinking_reply(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    await bots.start(extensions=("cogs.help", "tests.e2e.broken_cog"))
    interaction = await standin.slash("slow-bad", guild=world.guild, channel=world.channel, user=world.member)
    assert (await interaction.response())["type"] == 5
    reply = await interaction.message()  # no longer "thinking"
    assert reply.ephemeral and "That link is not on GitHub." in reply.text()
    assert interaction.followups() == []


async def test_the_first_follow_up_to_a_deferred_reply_is_that_reply(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    """Discord's rule, which the stand-in keeps: the loading message becomes the first follow-up,
    public or private as the defer said, whatever the follow-up asks; later ones are new messages."""
    await bots.start(extensions=("cogs.help", "tests.e2e.broken_cog"))
    interaction = await standin.slash("two-followups", guild=world.guild, channel=world.channel, user=world.member)
    second = await interaction.followup(0)
    first = await interaction.message()
    assert (first.text(), first.ephemeral) == ("first", False)
    assert (second.text(), second.ephemeral) == ("second", True)
    assert interaction.followups() == [second]


async def test_user_facing_errors_echo_input_without_pinging(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    await bots.start(extensions=("cogs.help", "tests.e2e.broken_cog"))
    text = f"@everyone <@{world.owner.id}> hi"
    interaction = await standin.slash(
        "echo-bad", guild=world.guild, channel=world.channel, user=world.member, options={"text": text}
    )
    reply = await interaction.message()
    assert reply.ephemeral and text in reply.text()
    assert not reply.pinged_anyone


async def test_a_command_removed_since_the_last_sync_gets_a_friendly_reply(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    bot = await bots.start()
    await bot.remove_cog("Help")  # Discord still shows /help until the next sync
    reply = await (await standin.slash("help", guild=world.guild, channel=world.channel, user=world.member)).message()
    assert reply.ephemeral and "no longer available" in reply.text()


async def test_commands_must_exist_in_the_synced_schema(standin: DiscordStandIn, bots: BotRunner, world: World) -> None:
    await bots.start()
    with pytest.raises(StandInError, match="not synced"):
        await standin.slash("nope", guild=world.guild, channel=world.channel, user=world.member)
