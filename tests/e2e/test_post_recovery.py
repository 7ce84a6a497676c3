"""A daily post the process died in the middle of, recovered after a restart that came too late
for Discord's nonce to catch a second copy: the channel is read first."""

from __future__ import annotations

import asyncio
import sqlite3

import discord

from bot.standin import DiscordStandIn
from bot.store import PostRecord
from tests.e2e.daily_helpers import MONDAY, first_index, started_group_on_day
from tests.e2e.harness import BotRunner, World


def crash_before_marking_row(bots: BotRunner, world: World) -> None:
    """Monday's row as a process that died after sending the post and before recording it left it."""
    with sqlite3.connect(bots.database) as conn:
        changed = conn.execute(
            "UPDATE group_days SET status = 'claimed', posted_at = NULL, message_id = NULL"
            " WHERE guild_id = ? AND group_date = ?",
            (world.guild.id, MONDAY.isoformat()),
        ).rowcount
    assert changed == 1


async def crash_before_marking(standin: DiscordStandIn, bots: BotRunner, world: World) -> None:
    """Stop the bot, leave the row as after a crash; the restart comes after Discord's nonce window."""
    await bots.stop(bots._running[0][0])
    crash_before_marking_row(bots, world)
    standin.forget_nonces()


async def restart_and_recover(bots: BotRunner, world: World) -> PostRecord:
    """Start the bot again and wait until it has finished the claimed post."""
    bot = await bots.start()
    for _ in range(200):
        post = await bot.store.groups.post(world.guild.id, MONDAY)
        if post is not None and post.status != "claimed":
            return post
        await asyncio.sleep(0.02)
    raise AssertionError("the claimed post was never finished")


async def test_a_post_that_went_out_before_the_crash_is_recorded_not_sent_again(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    post = await started_group_on_day(standin, bots, world, first_index("quiz"))
    await crash_before_marking(standin, bots, world)

    record = await restart_and_recover(bots, world)

    assert (record.status, record.message_id) == ("posted", post.id)
    assert [m.id for m in standin.channel_messages(world.channel)] == [post.id]
    assert standin.requests_to("GET /channels/{channel}/messages")


async def test_a_post_discord_never_got_is_sent_after_the_restart(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    post = await started_group_on_day(standin, bots, world, first_index("task"))
    await crash_before_marking(standin, bots, world)
    del standin.messages[post.id]  # the process died before Discord accepted the message

    record = await restart_and_recover(bots, world)

    messages = standin.channel_messages(world.channel)
    assert len(messages) == 1 and messages[0].id != post.id
    assert (record.status, record.message_id) == ("posted", messages[0].id)
    assert messages[0].embeds[0]["title"] == post.embeds[0]["title"]


async def test_without_read_message_history_the_resend_is_caught_by_its_nonce(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    post = await started_group_on_day(standin, bots, world, first_index("quiz"))
    await bots.stop(bots._running[0][0])
    crash_before_marking_row(bots, world)  # restarted at once: Discord still holds the nonce
    standin.faults.forbidden("GET /channels/{channel}/messages")

    record = await restart_and_recover(bots, world)

    assert standin.faults.injected == 1
    assert (record.status, record.message_id) == ("posted", post.id)
    assert [m.id for m in standin.channel_messages(world.channel)] == [post.id]
    assert len(standin.requests_to("POST /channels/{channel}/messages")) == 2  # the resend was made


async def test_the_standin_pages_a_channels_history_as_discord_does(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    bot = await bots.start()
    channel = bot.get_partial_messageable(world.channel.id, guild_id=world.guild.id)
    sent = [(await channel.send(f"message {n}")).id for n in range(5)]

    assert [m.id async for m in channel.history(limit=3)] == sent[::-1][:3]
    assert [m.id async for m in channel.history(limit=None, after=discord.Object(sent[1]))] == sent[2:]
    assert [m.id async for m in channel.history(limit=None, before=discord.Object(sent[3]))] == sent[2::-1]
