"""Milestones end to end: commands, reminders on the fake clock, opt-in pings, restarts, the
scheduled-event mirror (and its absence without Manage Events), leads, and the roadmap."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.client import StudyBot
from bot.core.links import parse_submission_link
from bot.standin import DiscordStandIn, InteractionHandle, Message
from bot.standin.world import User
from bot.store.timeutil import to_db
from tests.e2e.daily_helpers import MONDAY, setup_group
from tests.e2e.harness import BotRunner, World, eventually

LATER = date(2027, 6, 7)  # a start date far ahead: no daily posts get in the way
ROADMAP_PHASES = 8
EVENTS_ROUTE = "POST /guilds/{guild}/scheduled-events"


def ts(moment: datetime) -> int:
    return int(moment.timestamp())


async def ready_group(
    standin: DiscordStandIn, bots: BotRunner, world: World, *, start: date = LATER, **extra: object
) -> StudyBot:
    bot = await bots.start()
    reply = await (await setup_group(standin, world, start=start, **extra)).message()
    assert "Study group" in reply.text(), reply.text()

    await eventually(lambda: roadmap_synced(bot), "the roadmap milestones")
    return bot


async def roadmap_synced(bot: StudyBot) -> bool:
    # /setup saved new settings before it answered; the roadmap is synced once they are marked done.
    return not await bot.store.milestones.roadmap_stale_groups()


async def command(
    standin: DiscordStandIn, world: World, name: str, user: User | None = None, **options: Any
) -> InteractionHandle:
    return await standin.slash(
        name, guild=world.guild, channel=world.channel, user=user or world.owner, options=options
    )


async def reply_to(
    standin: DiscordStandIn, world: World, name: str, user: User | None = None, **options: Any
) -> Message:
    return await (await command(standin, world, name, user, **options)).message()


def milestone_id(message: Message) -> int:
    button = next(b for b in message.buttons() if b.get("label") == "Remind me")
    return int(button["custom_id"].rsplit(":", 1)[1])


def reminders(standin: DiscordStandIn, world: World) -> list[Message]:
    return [m for m in standin.channel_messages(world.channel) if m.content.startswith(("⏰", "🏁"))]


def event_named(standin: DiscordStandIn, world: World, name: str) -> dict[str, Any] | None:
    return next((e for e in standin.scheduled_events.in_guild(world.guild) if e["name"] == name), None)


async def test_add_list_done_and_remove(standin: DiscordStandIn, bots: BotRunner, world: World) -> None:
    bot = await ready_group(standin, bots, world)
    due = datetime(2027, 1, 20, 17, tzinfo=UTC)  # 18:00 in Berlin
    added = await reply_to(
        standin,
        world,
        "milestone add",
        title="Ship a model API @everyone",
        due="2027-01-20 18:00",
        description="FastAPI + Docker",
        reminders="1d,2h",
    )
    assert not added.ephemeral and not added.pinged_anyone
    text = added.text()
    assert "New milestone: Ship a model API @everyone" in text and "FastAPI + Docker" in text
    assert f"<t:{ts(due)}:F>" in text and f"<t:{ts(due)}:R>" in text
    assert "1 day, 2 hours before" in text and "listed in the server's events" in text
    number = milestone_id(added)

    event = event_named(standin, world, "Ship a model API @everyone")
    assert event is not None
    assert (event["entity_type"], event["privacy_level"], event["status"], event["channel_id"]) == (3, 2, 1, None)
    assert datetime.fromisoformat(event["scheduled_start_time"]) == due
    assert datetime.fromisoformat(event["scheduled_end_time"]) == due + timedelta(hours=1)
    assert str(world.channel.id) in event["entity_metadata"]["location"]
    assert event["description"] == "FastAPI + Docker"

    listing = await reply_to(standin, world, "milestone list", world.member)
    assert listing.ephemeral
    assert f"`#{number}` **Ship a model API @everyone** — <t:{ts(due)}:F> (<t:{ts(due)}:R>) · ✅ 0" in listing.text()
    assert "Finish phase 1: Math foundations" in listing.text()

    link = "https://github.com/alice/model-api"
    done = await reply_to(standin, world, "milestone done", world.member, milestone=str(number), link=link)
    assert done.ephemeral and "done" in done.text() and link in done.text()
    assert "recorded with your submissions" in done.text()
    key = parse_submission_link(link).key
    assert await bot.store.submissions.by_key(world.guild.id, world.member.id, key) is not None
    again = await reply_to(standin, world, "milestone done", world.member, milestone="ship a model api")
    assert "already marked" in again.text()
    assert "· ✅ 1" in (await reply_to(standin, world, "milestone list", world.member)).text()

    bad = await reply_to(standin, world, "milestone add", title="Past", due="2027-01-01")
    assert bad.ephemeral and "already passed" in bad.text()

    removed = await reply_to(standin, world, "milestone remove", milestone=str(number))
    assert removed.ephemeral and "Removed **Ship a model API @everyone**" in removed.text()
    assert not removed.pinged_anyone
    assert "Ship a model API" not in (await reply_to(standin, world, "milestone list", world.member)).text()
    assert event_named(standin, world, "Ship a model API @everyone") is None
    assert [r.status for r in standin.requests_to("DELETE /guilds/{guild}/scheduled-events/{event}")] == [204]


async def test_only_admins_and_leads_manage_milestones(standin: DiscordStandIn, bots: BotRunner, world: World) -> None:
    leads = standin.create_role(world.guild, "leads")
    lena = standin.create_user("lena")
    standin.add_member(world.guild, lena, roles=[leads])
    bot = await ready_group(standin, bots, world)  # no lead role yet: admins only

    refused = await reply_to(standin, world, "milestone add", world.member, title="Mine", due="in 3 days")
    assert refused.ephemeral and "Only server admins" in refused.text() and "lead_role" in refused.text()
    refused = await reply_to(standin, world, "milestone add", lena, title="Mine", due="in 3 days")
    assert "Only server admins" in refused.text()

    updated = await (await setup_group(standin, world, start=LATER, lead_role=leads.id)).message()
    assert f"<@&{leads.id}>" in updated.text()
    assert await _lead_role_is(bot, world, leads.id)
    refused = await reply_to(standin, world, "milestone add", world.member, title="Mine", due="in 3 days")
    assert f"<@&{leads.id}>" in refused.text() and not refused.pinged_anyone
    added = await reply_to(standin, world, "milestone add", lena, title="Lena's goal", due="in 3 days")
    assert "New milestone: Lena's goal" in added.text()
    number = str(milestone_id(added))
    for name, options in [("milestone edit", {"title": "Hijacked"}), ("milestone remove", {})]:
        refused = await reply_to(standin, world, name, world.member, milestone=number, **options)
        assert "Only server admins" in refused.text(), name
    renamed = await reply_to(standin, world, "milestone edit", lena, milestone=number, title="Lena's big goal")
    assert "Updated: Lena's big goal" in renamed.text()
    titles = [m.title for m in await bot.store.milestones.in_guild(world.guild.id) if not m.is_roadmap]
    assert titles == ["Lena's big goal"]


async def _lead_role_is(bot: StudyBot, world: World, role_id: int) -> bool:
    group = await bot.store.groups.get(world.guild.id)
    return group is not None and group.lead_role_id == role_id


async def test_a_reminder_fires_at_its_time_and_pings_only_those_who_opted_in(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    bot = await ready_group(standin, bots, world)
    bob = standin.create_user("bob")
    standin.add_member(world.guild, bob)
    added = await reply_to(standin, world, "milestone add", title="Titanic on Kaggle", due="in 2 days", reminders="1d")
    due = datetime(2027, 1, 6, 22, 59, tzinfo=UTC)  # Wednesday 23:59 in Berlin

    optin = await (await standin.click(added, "Remind me", user=world.member, guild=world.guild)).message()
    assert optin.ephemeral and "I'll ping you" in optin.text()
    for expected in ("I'll ping you", "No more pings"):
        toggled = await (await standin.click(added, "Remind me", user=bob, guild=world.guild)).message()
        assert expected in toggled.text()

    bots.clock.set(due - timedelta(days=1, seconds=1))
    await asyncio.sleep(0.3)  # several scheduler ticks
    assert reminders(standin, world) == []
    bots.clock.set(due - timedelta(days=1))
    await standin.wait_until(lambda: len(reminders(standin, world)) == 1, 5, "the day-before reminder")
    (reminder,) = reminders(standin, world)
    assert reminder.pinged_users == {world.member.id}
    assert not reminder.pinged_roles and not reminder.pinged_everyone
    assert "Titanic on Kaggle" in reminder.text() and f"<t:{ts(due)}:R>" in reminder.text()
    assert [b["label"] for b in reminder.buttons()] == ["Remind me"]

    await reply_to(standin, world, "milestone done", bob, milestone="titanic")
    bots.clock.set(due)
    await standin.wait_until(lambda: len(reminders(standin, world)) == 2, 5, "the wrap-up")
    wrap_up = reminders(standin, world)[1]
    assert "Time's up: Titanic on Kaggle" in wrap_up.text() and "Completed by 1: bob" in wrap_up.text()
    assert not wrap_up.pinged_anyone and wrap_up.buttons() == []
    bots.clock.advance(timedelta(hours=3))
    await asyncio.sleep(0.3)
    assert len(reminders(standin, world)) == 2, "a reminder went out twice"
    sent = [r for r in await bot.store.milestones.reminders(milestone_id(added)) if r.status == "sent"]
    assert len(sent) == 2


async def test_a_missed_reminder_goes_out_once_after_a_restart_and_its_button_still_works(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    bot = await ready_group(standin, bots, world)
    added = await reply_to(standin, world, "milestone add", title="Finish the CNN notebook", due="in 3 days")
    await (await standin.click(added, "Remind me", user=world.member, guild=world.guild)).message()
    await bots.stop(bot)

    due = datetime(2027, 1, 7, 22, 59, tzinfo=UTC)
    bots.clock.set(due - timedelta(hours=20))  # the 1-day reminder was missed by 4 hours: still useful
    await bots.start()
    await standin.wait_until(lambda: len(reminders(standin, world)) == 1, 5, "the missed reminder")
    await asyncio.sleep(0.3)
    (reminder,) = reminders(standin, world)
    assert reminder.pinged_users == {world.member.id}
    off = await (await standin.click(reminder, "Remind me", user=world.member, guild=world.guild)).message()
    assert "No more pings" in off.text()

    bots.clock.set(due + timedelta(minutes=30))  # the 1-hour reminder is stale; the wrap-up is not
    await standin.wait_until(lambda: len(reminders(standin, world)) == 2, 5, "the wrap-up")
    await asyncio.sleep(0.3)
    assert [m.content.split()[0] for m in reminders(standin, world)] == ["⏰", "🏁"]


async def test_edit_reschedules_reminders_and_the_event(standin: DiscordStandIn, bots: BotRunner, world: World) -> None:
    await ready_group(standin, bots, world)
    added = await reply_to(
        standin, world, "milestone add", title="Read the paper", due="2027-01-10 18:00", reminders="1d"
    )
    number = str(milestone_id(added))
    old_due, new_due = datetime(2027, 1, 10, 17, tzinfo=UTC), datetime(2027, 1, 17, 17, tzinfo=UTC)
    edited = await reply_to(
        standin, world, "milestone edit", milestone=number, title="Read two papers", due="2027-01-17 18:00"
    )
    assert edited.ephemeral and "Updated: Read two papers" in edited.text() and f"<t:{ts(new_due)}:F>" in edited.text()
    assert event_named(standin, world, "Read the paper") is None
    event = event_named(standin, world, "Read two papers")
    assert event is not None and datetime.fromisoformat(event["scheduled_start_time"]) == new_due
    assert len(standin.requests_to("PATCH /guilds/{guild}/scheduled-events/{event}")) == 1

    bots.clock.set(old_due - timedelta(days=1))
    await asyncio.sleep(0.3)
    assert reminders(standin, world) == []
    bots.clock.set(new_due - timedelta(days=1))
    await standin.wait_until(lambda: len(reminders(standin, world)) == 1, 5, "the rescheduled reminder")
    assert "Read two papers" in reminders(standin, world)[0].text()


async def test_without_manage_events_nothing_is_mirrored_and_everything_else_works(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    await standin.scheduled_events.revoke_manage_events(world.guild)
    await ready_group(standin, bots, world)
    added = await reply_to(standin, world, "milestone add", title="Deploy", due="in 2 days", reminders="1d")
    assert "not mirrored" in added.text() and "Manage Events" in added.text()
    number = str(milestone_id(added))
    assert "Deploy" in (await reply_to(standin, world, "milestone list", world.member)).text()
    await reply_to(standin, world, "milestone edit", milestone=number, due="in 3 days")
    bots.clock.set(datetime(2027, 1, 6, 22, 59, tzinfo=UTC))
    await standin.wait_until(lambda: len(reminders(standin, world)) == 1, 5, "the reminder")
    assert "Removed" in (await reply_to(standin, world, "milestone remove", milestone=number)).text()
    # The cached permissions said no: Discord was never even asked.
    assert [r for r in standin.requests if "scheduled-events" in r.path] == []


async def test_a_permission_lost_unnoticed_shows_as_a_403_and_is_taken_calmly(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    await ready_group(standin, bots, world)
    before = await reply_to(standin, world, "milestone add", title="Before", due="in 4 days")
    assert "listed in the server's events" in before.text()
    await standin.scheduled_events.revoke_manage_events(world.guild, tell_bot=False)
    after = await reply_to(standin, world, "milestone add", title="After", due="in 4 days")
    assert "not mirrored" in after.text()
    edited = await reply_to(standin, world, "milestone edit", milestone=str(milestone_id(before)), title="Renamed")
    assert "Updated: Renamed" in edited.text()
    assert "Removed" in (await reply_to(standin, world, "milestone remove", milestone=str(milestone_id(before)))).text()
    statuses = {r.route: r.status for r in standin.requests if r.status == 403}
    assert set(statuses) == {
        EVENTS_ROUTE,
        "PATCH /guilds/{guild}/scheduled-events/{event}",
        "DELETE /guilds/{guild}/scheduled-events/{event}",
    }
    # The autouse guard fails the test if any of this was logged as an error.


async def test_roadmap_milestones_after_setup_and_the_roadmap(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    bot = await ready_group(standin, bots, world, start=MONDAY - timedelta(days=50))  # day 51: Python, day 5
    roadmap = [m for m in await bot.store.milestones.in_guild(world.guild.id) if m.is_roadmap]
    assert roadmap[0].phase_id == "python"  # math ended two days ago: not a milestone
    assert len(roadmap) == ROADMAP_PHASES - 1
    assert len(standin.scheduled_events.in_guild(world.guild)) == ROADMAP_PHASES - 1
    listing = (await reply_to(standin, world, "milestone list", world.member)).text()
    assert "🗺️ **Finish phase 2: Python and data tools**" in listing
    assert "Finish phase 1" not in listing

    view = await reply_to(standin, world, "roadmap", world.member)
    text = view.text()
    assert view.ephemeral and "Day 51 of 370" in text
    assert "✅ Math foundations (days 1–46)" in text
    assert "▶️ **Python and data tools** (days 47–108) — day 5 of 62" in text
    assert "⬜ Data-science essentials (days 109–134)" in text
    assert "%" in text and "▰" in text

    # /setup again with the same settings: nothing new. With the fast track: the phase ends move.
    await (await setup_group(standin, world, start=MONDAY - timedelta(days=50))).message()
    await asyncio.sleep(0.3)
    assert len(standin.requests_to(EVENTS_ROUTE)) == ROADMAP_PHASES - 1
    await (await setup_group(standin, world, start=MONDAY - timedelta(days=50), track="fast")).message()

    await eventually(lambda: roadmap_synced(bot), "the roadmap to follow the new track")
    python = next(m for m in await bot.store.milestones.in_guild(world.guild.id) if m.phase_id == "python")
    assert python.due_at == datetime(2027, 2, 7, 8, tzinfo=UTC)  # day 85 is 34 days after day 51
    assert len([m for m in await bot.store.milestones.in_guild(world.guild.id) if m.is_roadmap]) == 7
    patches = standin.requests_to("PATCH /guilds/{guild}/scheduled-events/{event}")
    assert len(patches) == 7  # python and every later phase


async def test_roadmap_before_the_start_and_without_a_group(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    await bots.start()
    for name in ("roadmap", "milestone list"):
        refused = await reply_to(standin, world, name, world.member)
        assert refused.ephemeral and "/setup" in refused.text()
    await (await setup_group(standin, world, start=LATER)).message()
    view = await reply_to(standin, world, "roadmap", world.member)
    assert "The group starts" in view.text() and "0%" in view.text()


async def test_autocomplete_offers_the_groups_milestones(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    await ready_group(standin, bots, world)
    added = await reply_to(standin, world, "milestone add", title="Kaggle Titanic submission", due="2027-01-15")
    handle = await standin.autocomplete(
        "milestone done",
        focused="milestone",
        guild=world.guild,
        channel=world.channel,
        user=world.member,
        options={"milestone": "titanic"},
    )
    choices = await handle.choices()
    assert [c["value"] for c in choices] == [str(milestone_id(added))]
    assert choices[0]["name"].startswith("Kaggle Titanic submission · due")


async def _two_reminders_then_a_crash(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> tuple[int, list[Message]]:
    """The 2-day and 1-day reminders of one milestone went out; the process then died as if
    before recording the second, and the restart comes long after Discord's nonce window.
    The two look alike: the same header, title and button."""
    bot = await ready_group(standin, bots, world)
    added = await reply_to(standin, world, "milestone add", title="Ship the API", due="in 3 days", reminders="2d,1d")
    due = datetime(2027, 1, 7, 22, 59, tzinfo=UTC)
    for n, before in enumerate((timedelta(days=2), timedelta(days=1)), 1):
        bots.clock.set(due - before)
        await standin.wait_until(lambda n=n: len(reminders(standin, world)) == n, 5, f"reminder {n}")
    milestone = milestone_id(added)
    await eventually(lambda: _all_sent(bot, milestone, 2), "both reminders recorded")
    await bots.stop(bot)
    bots.clock.advance(timedelta(hours=2))
    with sqlite3.connect(bots.database) as conn:
        changed = conn.execute(
            "UPDATE milestone_reminders SET status = 'claimed', message_id = NULL, sent_at = NULL, claimed_at = ?"
            " WHERE milestone_id = ? AND offset_minutes = 1440",
            (to_db(bots.clock.now() - timedelta(hours=1)), milestone),
        ).rowcount
    assert changed == 1
    standin.forget_nonces()
    return milestone, reminders(standin, world)


async def _all_sent(bot: StudyBot, milestone: int, count: int) -> bool:
    records = await bot.store.milestones.reminders(milestone)
    return sum(r.status == "sent" for r in records) == count


async def _day_before(bot: StudyBot, milestone: int) -> tuple[str, int | None]:
    (record,) = [r for r in await bot.store.milestones.reminders(milestone) if r.offset == timedelta(days=1)]
    return record.status, record.message_id


async def test_a_reminder_that_went_out_before_a_crash_is_recorded_after_a_late_restart(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    milestone, (earlier, claimed) = await _two_reminders_then_a_crash(standin, bots, world)
    bot = await bots.start()
    await eventually(lambda: _all_sent(bot, milestone, 2), "the claimed reminder recorded")
    assert await _day_before(bot, milestone) == ("sent", claimed.id)
    assert [m.id for m in reminders(standin, world)] == [earlier.id, claimed.id]


async def test_a_reminder_sent_before_a_crash_is_recognised_after_the_milestone_was_renamed(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    milestone, (earlier, claimed) = await _two_reminders_then_a_crash(standin, bots, world)
    with sqlite3.connect(bots.database) as conn:  # renamed while the claim waited (another worker)
        conn.execute("UPDATE milestones SET title = 'Ship the model API' WHERE id = ?", (milestone,))
    bot = await bots.start()
    await eventually(lambda: _all_sent(bot, milestone, 2), "the claimed reminder recorded")
    assert await _day_before(bot, milestone) == ("sent", claimed.id)
    assert [m.id for m in reminders(standin, world)] == [earlier.id, claimed.id], "not sent again"


async def test_a_wrap_up_sent_before_a_crash_is_told_from_another_milestones_by_its_title(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    bot = await ready_group(standin, bots, world)
    for title in ("Ship the API", "Write the report"):
        await reply_to(standin, world, "milestone add", title=title, due="2027-01-07 23:59", reminders="none")
    by_title = {m.title: m.id for m in await bot.store.milestones.in_guild(world.guild.id)}
    ids = [by_title["Ship the API"], by_title["Write the report"]]
    bots.clock.set(datetime(2027, 1, 7, 22, 59, tzinfo=UTC))
    await standin.wait_until(lambda: len(reminders(standin, world)) == 2, 5, "both wrap-ups")
    for milestone in ids:
        await eventually(lambda milestone=milestone: _all_sent(bot, milestone, 1), "the wrap-ups recorded")
    wrap_ups = {m.embeds[0]["title"]: m.id for m in reminders(standin, world)}
    await bots.stop(bot)
    with sqlite3.connect(bots.database) as conn:  # the first wrap-up's record was lost in the crash
        conn.execute(
            "UPDATE milestone_reminders SET status = 'claimed', message_id = NULL, sent_at = NULL, claimed_at = ?"
            " WHERE milestone_id = ?",
            (to_db(bots.clock.now()), ids[0]),
        )
    bots.clock.advance(timedelta(hours=2))
    standin.forget_nonces()
    bot = await bots.start()
    await eventually(lambda: _all_sent(bot, ids[0], 1), "the claimed wrap-up recorded")
    [record] = await bot.store.milestones.reminders(ids[0])
    assert record.message_id == wrap_ups["🏁 Time's up: Ship the API"]
    assert len(reminders(standin, world)) == 2, "not sent again"


async def test_a_reminder_discord_never_got_is_sent_not_mistaken_for_the_one_before(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    milestone, (earlier, claimed) = await _two_reminders_then_a_crash(standin, bots, world)
    del standin.messages[claimed.id]  # the process died before Discord accepted it
    bot = await bots.start()
    await eventually(lambda: _all_sent(bot, milestone, 2), "the claimed reminder sent")
    (first, again) = reminders(standin, world)
    assert first.id == earlier.id and again.id != claimed.id
    assert await _day_before(bot, milestone) == ("sent", again.id)
