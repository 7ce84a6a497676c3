"""The core loop end to end: /setup, the daily post, answering, streaks, restarts and downtime."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.curriculum.models import NumericChallenge, QuizChallenge
from bot.standin import DiscordStandIn, StandInError
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


async def test_setup_then_the_post_appears_at_the_due_time_and_not_before(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    bots.clock.set(post_instant(MONDAY) - timedelta(hours=3))
    await bots.start()
    reply = await (await setup_group(standin, world, start=MONDAY)).message()
    assert reply.ephemeral and "Study group ready" in reply.text()
    assert "09:00 Europe/Berlin" in reply.text()

    bots.clock.set(post_instant(MONDAY) - timedelta(seconds=1))
    await asyncio.sleep(0.3)  # several scheduler ticks
    assert standin.channel_messages(world.channel) == []

    bots.clock.set(post_instant(MONDAY))
    post = await wait_for_post(standin, world, count=1)
    assert post.embeds[0]["title"].startswith("Day 1 ·")
    assert challenge_at(0).prompt.split()[0] in post.text()
    assert {b["label"] for b in post.buttons()} >= {"Hint"}
    assert not post.pinged_anyone
    await asyncio.sleep(0.3)
    assert len(standin.channel_messages(world.channel)) == 1, "posted twice"


async def test_the_post_pings_only_the_configured_role(standin: DiscordStandIn, bots: BotRunner, world: World) -> None:
    role = standin.create_role(world.guild, "learners")
    post = await started_group_on_day(standin, bots, world, 1, ping_role=role.id)
    assert post.pinged_roles == {role.id}
    assert not post.pinged_users and not post.pinged_everyone


async def test_setup_refuses_bad_input_kindly_and_saves_nothing(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    bot = await bots.start()
    for options, expected in [
        ({"time": "25:00"}, "hours go from 00 to 23"),
        ({"timezone": "Mars/Olympus"}, "time zone"),
        ({"timezone": "UTC+2"}, "fixed offset"),
        ({"start_date": "next week"}, "YYYY-MM-DD"),
        ({"track": "turbo"}, "track"),
    ]:
        reply = await (await setup_group(standin, world, start=MONDAY, **options)).message()
        assert reply.ephemeral and expected.lower() in reply.text().lower(), (options, reply.text())
    assert await bot.store.groups.get(world.guild.id) is None


async def test_setup_is_for_admins_even_if_discord_shows_it(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    bot = await bots.start()
    with pytest.raises(StandInError, match="hides /setup"):
        await standin.slash("setup", guild=world.guild, channel=world.channel, user=world.member, options={})
    options = {"channel": world.channel.id, "time": "09:00", "timezone": "Europe/Berlin"}
    interaction = await standin.slash(
        "setup", guild=world.guild, channel=world.channel, user=world.member, options=options, bypass_permissions=True
    )
    reply = await interaction.message()
    assert reply.ephemeral and "Manage Server" in reply.text()
    assert await bot.store.groups.get(world.guild.id) is None


async def test_timezone_autocomplete_suggests_iana_names(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    await bots.start()
    interaction = await standin.autocomplete(
        "setup",
        focused="timezone",
        guild=world.guild,
        channel=world.channel,
        user=world.owner,
        options={"timezone": "berl"},
    )
    assert "Europe/Berlin" in [choice["value"] for choice in await interaction.choices()]


async def test_quiz_through_the_button_and_the_select(standin: DiscordStandIn, bots: BotRunner, world: World) -> None:
    index = first_index("quiz")
    quiz = challenge_at(index)
    assert isinstance(quiz, QuizChallenge)
    post = await started_group_on_day(standin, bots, world, index)

    opened = await standin.click(post, "Answer", user=world.member, guild=world.guild)
    picker = await opened.message()
    assert picker.ephemeral and picker.selects()
    right = quiz.correct_letter
    wrong = next(letter for letter in "ABCDE"[: len(quiz.options)] if letter != right)

    first = await (await standin.select(picker, [wrong], user=world.member, guild=world.guild)).message()
    assert "Not quite" in first.text() and quiz.explanation not in first.text()
    second = await (await standin.select(picker, [right], user=world.member, guild=world.guild)).message()
    assert "Correct!" in second.text() and quiz.explanation in second.text()
    assert "first try" not in second.text()
    again = await (await standin.select(picker, [right], user=world.member, guild=world.guild)).message()
    assert "already completed" in again.text()


async def test_numeric_through_the_modal_accepts_common_forms(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    index = first_index("numeric")
    challenge = challenge_at(index)
    assert isinstance(challenge, NumericChallenge)
    post = await started_group_on_day(standin, bots, world, index)

    opened = await standin.click(post, "Answer", user=world.member, guild=world.guild)
    modal = await opened.modal()
    assert modal["custom_id"].startswith("bp:ans:")
    answer = f"  {challenge.answer:g} "
    submitted = await standin.submit_modal(opened, {"answer": answer}, user=world.member, guild=world.guild)
    reply = await submitted.message()
    assert reply.ephemeral and "Correct on the first try" in reply.text()
    assert challenge.explanation in reply.text()


async def test_slash_answer_wrong_three_times_shows_the_explanation_then_right_scores(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    index = first_index("numeric")
    challenge = challenge_at(index)
    assert isinstance(challenge, NumericChallenge)
    bot_post = await started_group_on_day(standin, bots, world, index)
    assert bot_post is not None

    async def say(text: str) -> str:
        handle = await standin.slash(
            "challenge answer", guild=world.guild, channel=world.channel, user=world.member, options={"answer": text}
        )
        return (await handle.message()).text()

    assert "number" in (await say("no idea")).lower()  # unreadable: not counted as a try
    wrong = str(challenge.answer + 1000)
    assert "2 more tries" in await say(wrong)
    assert "1 more try" in await say(wrong)
    third = await say(wrong)
    assert challenge.explanation in third
    right = await say(f"{challenge.answer:g}")
    base = {"easy": 10, "medium": 15, "hard": 20}[challenge.difficulty]
    assert f"Correct! +{base} points · streak 1 day." in right  # no first-try bonus after wrong tries


async def test_streak_show_returns_a_calendar_picture(standin: DiscordStandIn, bots: BotRunner, world: World) -> None:
    index = first_index("numeric")
    challenge = challenge_at(index)
    assert isinstance(challenge, NumericChallenge)
    await started_group_on_day(standin, bots, world, index)
    await (
        await standin.slash(
            "challenge answer",
            guild=world.guild,
            channel=world.channel,
            user=world.member,
            options={"answer": f"{challenge.answer:g}"},
        )
    ).message()
    reply = await (
        await standin.slash("streak show", guild=world.guild, channel=world.channel, user=world.member)
    ).message()
    assert "Current\n1 day\n" in reply.text() + "\n" and "1 days" not in reply.text()
    assert reply.files and reply.files[0][0] == "streak.png"
    assert reply.files[0][1].startswith(b"\x89PNG\r\n\x1a\n")
    assert reply.embeds[0]["image"]["url"] == "attachment://streak.png"


async def test_task_completed_with_a_link_and_bad_links_refused(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    index = first_index("task", submit="github")
    post = await started_group_on_day(standin, bots, world, index)

    async def submit(link: str) -> str:
        opened = await standin.click(post, "Submit link", user=world.member, guild=world.guild)
        done = await standin.submit_modal(opened, {"link": link}, user=world.member, guild=world.guild)
        message = await done.message()
        assert message.ephemeral and not message.pinged_anyone
        return message.text()

    assert "GitHub" in await submit("javascript:alert(1)")
    assert "GitHub link" in await submit("https://www.kaggle.com/code/alice/titanic")
    assert "Done!" in await submit("https://github.com/alice/matmul")
    assert "already recorded that work" in await submit("https://github.com/Alice/matmul/")
    # The link is a submission like any /submit: recorded once and announced without a ping.
    bot = bots._running[0][0]
    recorded = await bot.store.submissions.by_key(world.guild.id, world.member.id, "github:repository:alice/matmul")
    assert recorded is not None and recorded.url == "https://github.com/alice/matmul"
    announcement = standin.channel_messages(world.channel)[-1]
    assert "github.com/alice/matmul" in announcement.text() and not announcement.pinged_anyone


async def test_buttons_keep_working_after_a_restart(standin: DiscordStandIn, bots: BotRunner, world: World) -> None:
    index = first_index("quiz")
    post = await started_group_on_day(standin, bots, world, index)
    first = bots._running[0][0]
    await bots.stop(first)
    await bots.start()
    await asyncio.sleep(0.3)
    assert len(standin.channel_messages(world.channel)) == 1, "a restart must not post the day again"
    hint = await (await standin.click(post, "Hint", user=world.member, guild=world.guild)).message()
    assert challenge_at(index).hint in hint.text()


async def test_downtime_across_post_times_posts_only_the_latest_day_and_excuses_the_rest(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    await started_group_on_day(standin, bots, world, 3)
    bot = bots._running[0][0]
    await bots.stop(bot)
    bots.clock.set(post_instant(MONDAY + timedelta(days=3)) + timedelta(hours=2))  # down Tue, Wed, Thu morning
    bot = await bots.start()
    latest = await wait_for_post(standin, world, count=2)
    await asyncio.sleep(0.3)
    assert len(standin.channel_messages(world.channel)) == 2
    assert latest.embeds[0]["title"].startswith("Day 7 ·")  # Thursday is day 4 + 3
    excused = {e.group_date for e in await bot.store.ledger.excused_days(world.guild.id, world.member.id)}
    assert excused == {MONDAY + timedelta(days=1), MONDAY + timedelta(days=2), MONDAY + timedelta(days=3)}


async def test_a_lost_channel_is_reported_in_config_show_and_the_group_is_kept(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    await started_group_on_day(standin, bots, world, 2)
    world.channel.bot_can_send = False
    bots.clock.set(post_instant(MONDAY + timedelta(days=1)))
    bot = bots._running[0][0]
    await standin.wait_until(lambda: len(standin.requests_to("POST /channels/{channel}/messages")) >= 2, 5, "a retry")
    await asyncio.sleep(0.2)
    reply = await (
        await standin.slash("config show", guild=world.guild, channel=world.channel, user=world.owner)
    ).message()
    assert "lack permission" in reply.text()
    group = await bot.store.groups.get(world.guild.id)
    assert group is not None and group.next_post_date == MONDAY + timedelta(days=2)
    excused = {e.group_date for e in await bot.store.ledger.excused_days(world.guild.id, world.member.id)}
    assert MONDAY + timedelta(days=1) in excused


async def test_pause_and_resume_excuse_the_paused_days(standin: DiscordStandIn, bots: BotRunner, world: World) -> None:
    await started_group_on_day(standin, bots, world, 2)
    owner = {"guild": world.guild, "channel": world.channel, "user": world.owner}
    assert "paused" in (await (await standin.slash("config pause", **owner)).message()).text()
    bots.clock.set(post_instant(MONDAY + timedelta(days=2)) + timedelta(hours=1))
    await asyncio.sleep(0.3)
    assert len(standin.channel_messages(world.channel)) == 1
    assert "resumed" in (await (await standin.slash("config resume", **owner)).message()).text()
    await wait_for_post(standin, world, count=2)
    bot = bots._running[0][0]
    excused = {e.group_date for e in await bot.store.ledger.excused_days(world.guild.id, world.member.id)}
    assert MONDAY + timedelta(days=1) in excused
