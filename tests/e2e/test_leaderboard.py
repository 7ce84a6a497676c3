"""/leaderboard, /config leaderboard and /export end to end."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from bot.client import StudyBot
from bot.standin import DiscordStandIn, StandInError
from bot.store import NewPoints
from tests.e2e.daily_helpers import MONDAY, first_index, started_group_on_day
from tests.e2e.harness import BotRunner, World

OTHERS = list(range(1001, 1026))  # 25 members who never touch the bot: ids are enough for the ledger


async def award(bot: StudyBot, guild_id: int, user_id: int, amount: int, *, days_ago: int = 0) -> None:
    """A completed day with its points, written the way the bot writes them."""
    day = MONDAY - timedelta(days=days_ago)
    at = bot.clock.now() - timedelta(days=days_ago)
    await bot.store.ledger.record_completion(
        guild_id,
        user_id,
        day,
        challenge_id="c",
        how="done",
        link=None,
        first_try=False,
        at=at,
        points=[NewPoints(amount, "completion", day, at)],
    )


async def test_pages_of_ten_with_buttons_and_my_rank_when_off_the_page(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    await started_group_on_day(standin, bots, world, first_index("quiz"))
    bot = bots._running[0][0]
    for n, user in enumerate(OTHERS):
        await award(bot, world.guild.id, user, 500 - n)
    await award(bot, world.guild.id, world.member.id, 5)  # last: #26

    handle = await standin.slash("leaderboard", guild=world.guild, channel=world.channel, user=world.member)
    first = await handle.message()
    assert first.ephemeral and not first.pinged_anyone
    text = first.text()
    assert "Points · all time" in text and "Page 1/3" in text and "26 members" in text
    assert f"<@{OTHERS[0]}> — **500** points" in text and f"<@{OTHERS[9]}>" in text and f"<@{OTHERS[10]}>" not in text
    assert "Your rank" in text and f"`#26` <@{world.member.id}> (you) — **5** points" in text
    assert [b["custom_id"] for b in first.buttons()] == ["bp:lb:points:all:0:prev", "bp:lb:points:all:1:next"]
    assert [b.get("disabled", False) for b in first.buttons()] == [True, False]

    second = await (await standin.click(first, "Next", user=world.member, guild=world.guild)).message()
    assert "Page 2/3" in second.text() and f"`#11` <@{OTHERS[10]}>" in second.text()
    third = await (await standin.click(second, "Next", user=world.member, guild=world.guild)).message()
    assert "Page 3/3" in third.text() and f"`#26` <@{world.member.id}> (you)" in third.text()
    assert "Your rank" not in third.text(), "on the page already"
    assert [b.get("disabled", False) for b in third.buttons()] == [False, True]

    # The buttons carry board, period and page: they keep working after a restart.
    await bots.stop(bot)
    await bots.start()
    back = await (await standin.click(third, "Prev", user=world.member, guild=world.guild)).message()
    assert "Page 2/3" in back.text()


async def test_week_streak_and_submissions_boards(standin: DiscordStandIn, bots: BotRunner, world: World) -> None:
    await started_group_on_day(standin, bots, world, first_index("quiz") + 3)
    bot = bots._running[0][0]
    guild = world.guild.id
    await award(bot, guild, 1001, 300, days_ago=7)  # last week
    for days_ago in (2, 1, 0):
        await award(bot, guild, world.member.id, 10, days_ago=days_ago)
    member = {"guild": world.guild, "channel": world.channel, "user": world.member}

    week = await (await standin.slash("leaderboard", **member, options={"period": "week"})).message()
    assert "this week" in week.text() and "<@1001>" not in week.text()
    assert f"🥇 <@{world.member.id}> (you) — **10** points" in week.text()  # only Monday is this week

    for user in OTHERS[:11]:
        await award(bot, guild, user, 10)
    streak = await (await standin.slash("leaderboard", **member, options={"board": "streak"})).message()
    assert "Streaks · all time" in streak.text() and "Page 1/2" in streak.text()
    assert f"🥇 <@{world.member.id}> (you) — **3** days" in streak.text()
    clicked = await standin.click(streak, "Next", user=world.member, guild=world.guild)
    following = await clicked.wait_for_edit(lambda m: "Page 2/2" in m.text())  # deferred, then edited
    # Eleven members reached 1 at the same instant: they share second place.
    assert "🥈 <@1011> — **1** day" in following.text() and "Your rank" in following.text()

    submissions = await (await standin.slash("leaderboard", **member, options={"board": "submissions"})).message()
    assert "Nobody is on this board yet" in submissions.text()


async def test_fairness_excluded_roles_minimum_activity_and_anonymous_members(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    moderators = standin.create_role(world.guild, "moderators")
    mod = standin.create_user("mod")
    standin.add_member(world.guild, mod, roles=[moderators])
    await started_group_on_day(standin, bots, world, first_index("quiz") + 3)
    bot = bots._running[0][0]
    guild = world.guild.id
    await award(bot, guild, mod.id, 100)
    for days_ago in (0, 1):
        await award(bot, guild, world.member.id, 10, days_ago=days_ago)
    await award(bot, guild, world.owner.id, 30)
    owner = {"guild": world.guild, "channel": world.channel, "user": world.owner}

    everyone = await (
        await standin.slash("config leaderboard exclude", **owner, options={"role": world.guild.id})
    ).message()
    assert "would leave the leaderboards empty" in everyone.text()
    excluded = await (
        await standin.slash("config leaderboard exclude", **owner, options={"role": moderators.id})
    ).message()
    assert excluded.ephemeral and "left off the leaderboards" in excluded.text() and not excluded.pinged_anyone

    as_mod = await (await standin.slash("leaderboard", guild=world.guild, channel=world.channel, user=mod)).message()
    assert "You hold a role this server leaves off its leaderboards" in as_mod.text()
    assert f"<@{mod.id}>" not in as_mod.text().split("Your rank")[0]

    anonymous = await (
        await standin.slash(
            "profile anonymous",
            guild=world.guild,
            channel=world.channel,
            user=world.member,
            options={"setting": "on"},
        )
    ).message()
    assert "anonymous learner" in anonymous.text()
    board = await (await standin.slash("leaderboard", **owner)).message()
    assert f"🥇 <@{world.owner.id}> (you) — **30** points" in board.text()
    assert "🥈 anonymous learner — **20** points" in board.text()
    assert f"<@{world.member.id}>" not in board.text()

    minimum = await (await standin.slash("config leaderboard min-activity", **owner, options={"days": 2})).message()
    assert "2 completed day(s)" in minimum.text()
    board = await (await standin.slash("leaderboard", **owner)).message()
    assert "anonymous learner" in board.text() and "1 member" in board.text()
    assert "at least 2 completed day(s) to appear" in board.text()

    season = await (
        await standin.slash("config leaderboard season", **owner, options={"start": "2099-01-01"})
    ).message()
    assert "can't start in the future" in season.text()
    with pytest.raises(StandInError, match="hides /config"):
        await standin.slash("config leaderboard show", guild=world.guild, channel=world.channel, user=world.member)


async def test_export_is_for_admins_and_holds_every_members_totals(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    await started_group_on_day(standin, bots, world, first_index("quiz"))
    bot = bots._running[0][0]
    await award(bot, world.guild.id, world.member.id, 15)
    await award(bot, world.guild.id, 1001, 40)
    member = {"guild": world.guild, "channel": world.channel, "user": world.member}
    await (await standin.slash("submit", **member, options={"link": "https://github.com/alice/matmul"})).message()
    await standin.wait_until(lambda: len(standin.channel_messages(world.channel)) == 2, 5, "the announcement")

    with pytest.raises(StandInError, match="hides /export"):
        await standin.slash("export", **member)
    refused = await (await standin.slash("export", **member, bypass_permissions=True)).message()
    assert refused.ephemeral and "Manage Server" in refused.text() and not refused.files

    reply = await (await standin.slash("export", guild=world.guild, channel=world.channel, user=world.owner)).message()
    assert reply.ephemeral and "2 members" in reply.text()
    ((name, content),) = reply.files
    assert name == "backprop-export-2027-01-04.csv"
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"))))
    assert [(r["user_id"], r["points"], r["completed_days"], r["submissions"]) for r in rows] == [
        ("1001", "40", "1", "0"),
        (str(world.member.id), "15", "1", "1"),
    ]
    assert rows[1]["current_streak"] == "1" and rows[1]["longest_streak"] == "1"
