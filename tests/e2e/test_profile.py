"""/profile link|show|export|forget end to end: a member's accounts and their own data."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.standin import DiscordStandIn
from tests.e2e.daily_helpers import first_index, started_group_on_day
from tests.e2e.harness import BotRunner, World


async def test_link_and_show_accounts(standin: DiscordStandIn, bots: BotRunner, world: World) -> None:
    await bots.start()
    member = {"guild": world.guild, "channel": world.channel, "user": world.member}
    nothing = await (await standin.slash("profile link", **member)).message()
    assert "github" in nothing.text() and "kaggle" in nothing.text()
    bad = await (await standin.slash("profile link", **member, options={"kaggle": "<@&1> x"})).message()
    assert "isn't a Kaggle username" in bad.text() and not bad.pinged_anyone
    linked = await (
        await standin.slash("profile link", **member, options={"kaggle": "alice", "github": "alice-gh"})
    ).message()
    assert "Linked Kaggle **alice**" in linked.text()
    assert "GitHub checks are turned off" in linked.text(), "GITHUB_VERIFY is off in this test"
    shown = await (
        await standin.slash(
            "profile show",
            guild=world.guild,
            channel=world.channel,
            user=world.owner,
            options={"member": world.member.id},
        )
    ).message()
    assert "alice-gh" in shown.text() and "not verified" in shown.text() and "kaggle.com/alice" in shown.text()
    assert "Leaderboards" not in shown.text(), "someone else's anonymity setting is theirs"
    verify = await (await standin.slash("profile verify", **member)).message()
    assert "GitHub checks are turned off" in verify.text()


async def test_export_gives_the_member_their_own_data_as_a_file(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    await started_group_on_day(standin, bots, world, first_index("task", submit="github"))
    member = {"guild": world.guild, "channel": world.channel, "user": world.member}
    link = {"link": "https://github.com/alice/matmul", "note": "first model"}
    await (await standin.slash("submit", **member, options=link)).message()
    await (await standin.slash("profile link", **member, options={"kaggle": "alice"})).message()
    # Someone else's data must not leak into it.
    other = {"guild": world.guild, "channel": world.channel, "user": world.owner}
    await (await standin.slash("submit", **other, options={"link": "https://github.com/olivia/x"})).message()

    await standin.wait_until(lambda: len(standin.channel_messages(world.channel)) == 3, 5, "two announcements")
    reply = await (await standin.slash("profile export", **member)).message()
    assert reply.ephemeral
    ((name, content),) = reply.files
    assert name == f"backprop-my-data-{world.member.id}.json"
    data = json.loads(content)
    tables = data["tables"]
    assert data["user_id"] == str(world.member.id)
    assert [row["url"] for row in tables["submissions"]] == ["https://github.com/alice/matmul"]
    assert tables["submissions"][0]["note"] == "first model"
    assert tables["completions"][0]["how"] == "link" and tables["points"][0]["amount"] == 10
    assert tables["profiles"][0]["kaggle_username"] == "alice"
    assert str(world.owner.id) not in content.decode()


async def test_forget_asks_first_then_deletes_everything_including_the_announcement(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    await started_group_on_day(standin, bots, world, first_index("task", submit="github"))
    bot = bots._running[0][0]
    member = {"guild": world.guild, "channel": world.channel, "user": world.member}
    await (await standin.slash("submit", **member, options={"link": "https://github.com/alice/matmul"})).message()
    await (await standin.slash("profile anonymous", **member, options={"setting": "on"})).message()
    await (await standin.slash("submit", **member, options={"link": "https://github.com/alice/other"})).message()
    await standin.wait_until(lambda: len(standin.channel_messages(world.channel)) == 3, 5, "two announcements")
    anonymous = standin.channel_messages(world.channel)[2]
    assert anonymous.content.startswith("📦 An anonymous learner shared")
    assert await bot.store.ledger.points_total(world.guild.id, world.member.id) == 10

    cancel = await (await standin.slash("profile forget", **member)).message()
    assert cancel.ephemeral and "can't be undone" in cancel.text()
    cancelled = await (await standin.click(cancel, "Cancel", user=world.member, guild=world.guild)).message()
    assert "Nothing was deleted" in cancelled.text() and cancelled.buttons() == []
    assert await bot.store.ledger.points_total(world.guild.id, world.member.id) == 10

    ask = await (await standin.slash("profile forget", **member)).message()
    bots.clock.advance(timedelta(minutes=1))
    done = await (await standin.click(ask, "Delete everything", user=world.member, guild=world.guild)).message()
    assert "Done. Deleted" in done.text() and "2 announcement(s)" in done.text() and done.buttons() == []
    await standin.wait_until(lambda: len(standin.channel_messages(world.channel)) == 1, 5, "announcements deleted")
    assert await bot.store.ledger.points_total(world.guild.id, world.member.id) == 0
    assert await bot.store.submissions.of_user(world.member.id) == []
    assert await bot.store.profiles.get(world.member.id) is None
    export = await (await standin.slash("profile export", **member)).message()
    assert json.loads(export.files[0][1])["tables"] == {}


async def test_an_old_forget_confirmation_expires(standin: DiscordStandIn, bots: BotRunner, world: World) -> None:
    bot = await bots.start()
    member = {"guild": world.guild, "channel": world.channel, "user": world.member}
    await (await standin.slash("profile link", **member, options={"kaggle": "alice"})).message()
    ask = await (await standin.slash("profile forget", **member)).message()
    bots.clock.advance(timedelta(minutes=11))
    late = await (await standin.click(ask, "Delete everything", user=world.member, guild=world.guild)).message()
    assert "expired; nothing was deleted" in late.text()
    assert await bot.store.profiles.get(world.member.id) is not None
