"""What commands read from memory is never stale: a change shows in the very next command.

Groups, leaderboard settings, members' roles, the anonymous choice, today's rendered challenge
and the page buttons are kept in memory between commands (issue 8: latency). Each test asks
first, so everything is cached, then changes it the way an admin or a member would.
"""

from __future__ import annotations

from datetime import timedelta

import discord
from discord import app_commands

from bot.standin import DiscordStandIn
from bot.standin.world import Message, Role, User
from tests.e2e.daily_helpers import (
    MONDAY,
    challenge_at,
    first_index,
    post_instant,
    setup_group,
    started_group_on_day,
    wait_for_post,
)
from tests.e2e.harness import BotRunner, World
from tests.e2e.test_leaderboard import award


async def test_challenge_today_follows_setup_the_next_post_and_pause(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    await started_group_on_day(standin, bots, world, 3)
    member = {"guild": world.guild, "channel": world.channel, "user": world.member}
    owner = {"guild": world.guild, "channel": world.channel, "user": world.owner}

    first = await (await standin.slash("challenge today", **member)).message()
    second = await (await standin.slash("challenge today", **member)).message()
    assert first.embeds == second.embeds and first.embeds[0]["title"].startswith("Day 4 ·")
    assert first.buttons() == second.buttons()
    for reply in (first, second):  # one set of buttons, sent twice: each copy still answers
        hint = await (await standin.click(reply, "Hint", user=world.member, guild=world.guild)).message()
        assert challenge_at(3).hint in hint.text()

    updated = await (await setup_group(standin, world, start=MONDAY - timedelta(days=9))).message()
    assert "Study group updated" in updated.text()
    moved = await (await standin.slash("challenge today", **member)).message()
    assert moved.embeds[0]["title"].startswith("Day 10 ·"), moved.embeds[0]["title"]
    hint = await (await standin.click(moved, "Hint", user=world.member, guild=world.guild)).message()
    assert challenge_at(9).hint in hint.text()

    bots.clock.set(post_instant(MONDAY + timedelta(days=1)) + timedelta(seconds=1))
    await wait_for_post(standin, world, count=2)
    tomorrow = await (await standin.slash("challenge today", **member)).message()
    assert tomorrow.embeds[0]["title"].startswith("Day 11 ·")
    stale = await (await standin.click(moved, "Hint", user=world.member, guild=world.guild)).message()
    assert "it has closed" in stale.text(), "yesterday's buttons know their day is over"

    assert "paused" in (await (await standin.slash("config pause", **owner)).message()).text()
    again = await (await standin.slash("config pause", **owner)).message()
    assert "already paused" in again.text()
    assert "resumed" in (await (await standin.slash("config resume", **owner)).message()).text()
    again = await (await standin.slash("config resume", **owner)).message()
    assert "not paused" in again.text()


async def test_the_leaderboard_follows_config_roles_and_the_anonymous_choice(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    moderators = standin.create_role(world.guild, "moderators")
    mod = standin.create_user("mod")
    standin.add_member(world.guild, mod)  # no role yet
    await started_group_on_day(standin, bots, world, first_index("quiz") + 3)
    bot = bots._running[0][0]
    guild = world.guild.id
    await award(bot, guild, mod.id, 100)
    for days_ago in (0, 1):
        await award(bot, guild, world.member.id, 10, days_ago=days_ago)
    owner = {"guild": world.guild, "channel": world.channel, "user": world.owner}
    as_mod = {"guild": world.guild, "channel": world.channel, "user": mod}
    as_member = {"guild": world.guild, "channel": world.channel, "user": world.member}

    board = await (await standin.slash("leaderboard", **as_mod)).message()
    assert f"🥇 <@{mod.id}> (you) — **100** points" in board.text()

    await (await standin.slash("config leaderboard exclude", **owner, options={"role": moderators.id})).message()
    standin.add_member(world.guild, mod, roles=[moderators])  # given the role; the bot learns it at mod's next command
    board = await (await standin.slash("leaderboard", **as_mod)).message()
    assert "You hold a role this server leaves off its leaderboards" in board.text()
    assert f"<@{mod.id}>" not in board.text().split("Your rank")[0]

    standin.add_member(world.guild, mod)  # the role taken away again
    board = await (await standin.slash("leaderboard", **as_mod)).message()
    assert f"🥇 <@{mod.id}> (you) — **100** points" in board.text()
    standin.add_member(world.guild, mod, roles=[moderators])
    await (await standin.slash("challenge today", **as_mod)).message()  # any interaction tells the bot
    board = await (await standin.slash("leaderboard", **owner)).message()
    assert f"<@{mod.id}>" not in board.text() and f"🥇 <@{world.member.id}>" in board.text()
    await (await standin.slash("config leaderboard include", **owner, options={"role": moderators.id})).message()
    board = await (await standin.slash("leaderboard", **owner)).message()
    assert f"🥇 <@{mod.id}> — **100** points" in board.text()

    await (await standin.slash("profile anonymous", **as_member, options={"setting": "on"})).message()
    board = await (await standin.slash("leaderboard", **owner)).message()
    assert "🥈 anonymous learner — **20** points" in board.text()
    await (await standin.slash("profile anonymous", **as_member, options={"setting": "off"})).message()
    board = await (await standin.slash("leaderboard", **owner)).message()
    assert f"🥈 <@{world.member.id}> — **20** points" in board.text()

    await (await standin.slash("config leaderboard min-activity", **owner, options={"days": 2})).message()
    board = await (await standin.slash("leaderboard", **owner)).message()
    assert "1 member ·" in board.text() and "at least 2 completed day(s) to appear" in board.text()


async def test_help_lists_a_command_added_after_it_was_first_shown(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    bot = await bots.start()
    member = {"guild": world.guild, "channel": world.channel, "user": world.member}
    first = await (await standin.slash("help", **member)).message()
    assert "`/challenge today`" in first.text()

    @app_commands.command(name="zz-extra", description="Added while running")
    async def extra(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("extra", ephemeral=True)

    bot.tree.add_command(extra)
    second = await (await standin.slash("help", **member)).message()
    assert "/zz-extra" not in first.text() and "`/zz-extra` — Added while running" in second.text()


async def _mod_leads_a_board_that_leaves_off_moderators(
    standin: DiscordStandIn, bots: BotRunner, world: World, index: int
) -> tuple[Message, User, Role]:
    """A group on day `index`, a "moderators" role left off the boards, and mod leading without it."""
    moderators = standin.create_role(world.guild, "moderators")
    mod = standin.create_user("mod")
    standin.add_member(world.guild, mod)
    post = await started_group_on_day(standin, bots, world, index)
    await award(bots._running[0][0], world.guild.id, mod.id, 100)
    owner = {"guild": world.guild, "channel": world.channel, "user": world.owner}
    await (await standin.slash("config leaderboard exclude", **owner, options={"role": moderators.id})).message()
    assert f"🥇 <@{mod.id}> — **100** points" in await _board(standin, world)
    return post, mod, moderators


async def _board(standin: DiscordStandIn, world: World) -> str:
    board = await (
        await standin.slash("leaderboard", guild=world.guild, channel=world.channel, user=world.owner)
    ).message()
    return board.text()


async def test_a_click_tells_the_bot_a_members_roles(standin: DiscordStandIn, bots: BotRunner, world: World) -> None:
    """A button is not a command: the item's own check notes the roles, before its callback."""
    post, mod, moderators = await _mod_leads_a_board_that_leaves_off_moderators(
        standin, bots, world, first_index("quiz") + 3
    )
    standin.add_member(world.guild, mod, roles=[moderators])
    await (await standin.click(post, "Hint", user=mod, guild=world.guild)).message()
    assert f"<@{mod.id}>" not in await _board(standin, world)


async def test_a_submitted_form_tells_the_bot_a_members_roles(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    """Modals are routed by a listener, which notes the roles before answering."""
    post, mod, moderators = await _mod_leads_a_board_that_leaves_off_moderators(
        standin, bots, world, first_index("numeric")
    )
    opened = await standin.click(post, "Answer", user=mod, guild=world.guild)
    await opened.modal()
    standin.add_member(world.guild, mod, roles=[moderators])  # the role arrives while the form is open
    submitted = await standin.submit_modal(opened, {"answer": "not a number"}, user=mod, guild=world.guild)
    await submitted.message()
    assert f"<@{mod.id}>" not in await _board(standin, world)
