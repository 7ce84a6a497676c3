"""Shared steps for the daily-challenge end-to-end tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.curriculum.models import Challenge
from bot.standin import DiscordStandIn, InteractionHandle, Message
from tests.e2e.harness import BotRunner, World, shipped_curriculum

ZONE = "Europe/Berlin"  # UTC+1 in January
POST_UTC_HOUR = 8  # 09:00 local
MONDAY = date(2027, 1, 4)


def first_index(kind: str, **fields: object) -> int:
    days = shipped_curriculum().track_days("full")
    for index, challenge in enumerate(days):
        if challenge.kind == kind and all(getattr(challenge, k) == v for k, v in fields.items()):
            return index
    raise LookupError(kind)


def challenge_at(index: int) -> Challenge:
    return shipped_curriculum().track_days("full")[index]


def post_instant(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, POST_UTC_HOUR, tzinfo=UTC)


async def setup_group(standin: DiscordStandIn, world: World, *, start: date, **extra: object) -> InteractionHandle:
    options: dict[str, object] = {
        "channel": world.channel.id,
        "time": "09:00",
        "timezone": ZONE,
        "start_date": start.isoformat(),
    }
    options.update(extra)
    return await standin.slash("setup", guild=world.guild, channel=world.channel, user=world.owner, options=options)


async def started_group_on_day(
    standin: DiscordStandIn, bots: BotRunner, world: World, index: int, **extra: object
) -> Message:
    """A running bot and group whose post for `index` (0-based) has just gone out on MONDAY.

    The group is set up a second after Monday's post time with a start date `index` days
    earlier, so Monday is the current group day and its post is due at once.
    """
    bots.clock.set(post_instant(MONDAY) + timedelta(seconds=1))
    await bots.start()
    reply = await (await setup_group(standin, world, start=MONDAY - timedelta(days=index), **extra)).message()
    assert "Study group ready" in reply.text(), reply.text()
    post = await wait_for_post(standin, world, count=1)
    assert post.embeds[0]["title"].startswith(f"Day {index + 1} ·")
    return post


async def wait_for_post(standin: DiscordStandIn, world: World, *, count: int, timeout: float = 5.0) -> Message:
    await standin.wait_until(
        lambda: len(standin.channel_messages(world.channel)) >= count, timeout, f"{count} post(s) in the channel"
    )
    return standin.channel_messages(world.channel)[count - 1]
