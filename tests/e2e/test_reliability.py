"""Reliability: a bot process killed mid-answer, and a storm of REST faults with a reconnect."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.curriculum.models import NumericChallenge
from bot.standin import DiscordStandIn, InteractionHandle
from bot.store import Store
from tests.e2e.daily_helpers import challenge_at, first_index, started_group_on_day
from tests.e2e.harness import BotRunner, World

REPO = Path(__file__).resolve().parents[2]


async def _spawn_bot(standin: DiscordStandIn, database: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "LLM_", "DATABASE_"))}
    env.update(
        DISCORD_TOKEN=standin.token,
        DISCORD_API_URL=standin.api_url,
        DISCORD_GATEWAY_URL=standin.gateway_url,
        DATABASE_PATH=str(database),
        SCHEDULER_TICK_SECONDS="0.2",
        LOG_LEVEL="WARNING",
    )
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def test_sigkill_while_members_answer_loses_no_acknowledged_answer(
    standin: DiscordStandIn, world: World, tmp_path: Path
) -> None:
    database = tmp_path / "backprop.db"
    index = first_index("numeric")
    challenge = challenge_at(index)
    assert isinstance(challenge, NumericChallenge)
    members = [standin.create_user(f"m{n}") for n in range(60)]
    for member in members:
        standin.add_member(world.guild, member)

    process = await _spawn_bot(standin, database)
    try:
        await standin.wait_commands(timeout=30)
        await standin.wait_ready(timeout=30)
        today = datetime.now(UTC).date()
        setup = await standin.slash(
            "setup",
            guild=world.guild,
            channel=world.channel,
            user=world.owner,
            options={
                "channel": world.channel.id,
                "time": "00:00",
                "timezone": "UTC",
                "start_date": (today - timedelta(days=index)).isoformat(),
            },
        )
        await setup.message(timeout=10)
        await standin.wait_until(lambda: len(standin.channel_messages(world.channel)) == 1, 10, "the day's post")

        answers: list[tuple[int, InteractionHandle]] = []

        async def answer_steadily() -> None:
            # Paced, as members really answer: whatever the machine's load, some answers are
            # acknowledged, some in flight and some not yet sent when the process dies.
            for member in members:
                handle = await standin.slash(
                    "challenge answer",
                    guild=world.guild,
                    channel=world.channel,
                    user=member,
                    options={"answer": f"{challenge.answer:g}"},
                )
                answers.append((member.id, handle))
                await asyncio.sleep(0.05)

        sender = asyncio.create_task(answer_steadily())
        await standin.wait_until(
            lambda: sum(h.record.callback is not None for _, h in answers) >= 15, 30, "the first answers"
        )
        process.send_signal(signal.SIGKILL)
        await process.wait()
        await sender
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    acknowledged = {
        user_id
        for user_id, handle in answers
        if handle.record.original_id is not None and "Correct" in standin.messages[handle.record.original_id].text()
    }
    assert acknowledged, "the bot answered nobody before it was killed"
    assert len(acknowledged) < len(members), "every answer was done before the kill; nothing was tested"

    restarted = await _spawn_bot(standin, database)
    try:
        await standin.wait_until(lambda: standin.gateway.connected and standin.gateway.identifies == 2, 30, "restart")
        await asyncio.sleep(1.0)  # a few scheduler ticks: a restart must not post the day again
    finally:
        restarted.send_signal(signal.SIGTERM)
        await asyncio.wait_for(restarted.wait(), 20)

    assert len(standin.channel_messages(world.channel)) == 1
    async with Store(database) as store:
        recorded = {
            user_id
            for user_id, _ in answers
            if await store.ledger.completion(world.guild.id, user_id, today) is not None
        }
    assert acknowledged <= recorded, f"acknowledged but lost: {acknowledged - recorded}"


@pytest.mark.allow_errors  # discord.py logs the 5xx it retries
async def test_rest_fault_storm_and_a_reconnect_mid_command_lose_nothing(
    standin: DiscordStandIn, bots: BotRunner, world: World
) -> None:
    index = first_index("numeric")
    challenge = challenge_at(index)
    assert isinstance(challenge, NumericChallenge)
    await started_group_on_day(standin, bots, world, index)
    members = [standin.create_user(f"s{n}") for n in range(20)]
    for member in members:
        standin.add_member(world.guild, member)

    standin.faults.rate_limit("POST /interactions/{id}/{token}/callback", times=8, retry_after=0.05)
    standin.faults.server_error("POST /interactions/{id}/{token}/callback", times=2, status=502)
    standin.faults.latency = 0.01
    handles = []
    for n, member in enumerate(members):
        if n == 10:
            await standin.force_reconnect()  # some of these arrive while the bot is reconnecting
        handles.append(
            await standin.slash(
                "challenge answer",
                guild=world.guild,
                channel=world.channel,
                user=member,
                options={"answer": f"{challenge.answer:g}"},
            )
        )
    replies = await asyncio.gather(*(h.message(timeout=20) for h in handles))
    assert all("Correct" in reply.text() for reply in replies)
    assert standin.faults.injected == 10
    assert standin.gateway.resumes == 1
    bot = bots._running[0][0]
    for member in members:
        assert await bot.store.ledger.completion(world.guild.id, member.id, datetime(2027, 1, 4).date()) is not None
