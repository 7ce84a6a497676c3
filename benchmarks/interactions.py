"""Interaction latency: Backprop's commands against a bare discord.py bot's /ping, same stand-in.

    python -m benchmarks.interactions [--count 2000] [--inflight 50]

Latency runs from the stand-in dispatching INTERACTION_CREATE to the interaction callback
arriving. Each bot runs in its own process; the load generator and the stand-in share this one.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.common import cpu_seconds, machine, percentile, spawn, stop
from bot.standin import DiscordStandIn
from bot.standin.world import Channel, Guild, User

TARGET_P50, TARGET_P99 = 1.3, 1.5


async def measure(
    standin: DiscordStandIn,
    command: str,
    options: dict[str, Any],
    guild: Guild,
    channel: Channel,
    users: list[User],
    count: int,
    inflight: int,
) -> list[float]:
    gate = asyncio.Semaphore(inflight)
    latencies: list[float] = []

    async def one(n: int) -> None:
        async with gate:
            handle = await standin.slash(
                command, guild=guild, channel=channel, user=users[n % len(users)], options=options
            )
            await handle.response(timeout=30)
            assert handle.record.callback_at is not None
            latencies.append((handle.record.callback_at - handle.record.created) * 1000)

    await asyncio.gather(*(one(n) for n in range(count)))
    return latencies


CPU_MS: dict[str, float] = {}


async def timed(
    name: str, pid: int, standin: DiscordStandIn, command: str, options: dict[str, Any], *args: Any
) -> list[float]:
    """measure(), also recording the bot process's CPU milliseconds per interaction."""
    before = cpu_seconds(pid)
    values = await measure(standin, command, options, *args)
    CPU_MS[name] = (cpu_seconds(pid) - before) * 1000 / len(values)
    return values


def world(standin: DiscordStandIn) -> tuple[Guild, Channel, User, list[User]]:
    owner = standin.create_user("owner")
    guild = standin.create_guild("Bench", owner=owner)
    channel = standin.create_channel(guild, "daily-challenge")
    users = [standin.create_user(f"u{n}") for n in range(200)]
    for user in users:
        standin.add_member(guild, user)
    return guild, channel, owner, users


async def backprop_run(count: int, inflight: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {}
    async with DiscordStandIn() as standin:
        guild, channel, owner, users = world(standin)
        with tempfile.TemporaryDirectory() as tmp:
            process = await spawn(["-m", "bot", "run"], standin, DATABASE_PATH=str(Path(tmp) / "bench.db"))
            try:
                await standin.wait_commands(60)
                await standin.wait_ready(60)
                setup = await standin.slash(
                    "setup",
                    guild=guild,
                    channel=channel,
                    user=owner,
                    options={"channel": channel.id, "time": "00:00", "timezone": "UTC"},
                )
                await setup.message(timeout=10)
                await measure(standin, "challenge today", {}, guild, channel, users, 100, inflight)  # warm-up
                results["/help"] = await timed(
                    "/help", process.pid, standin, "help", {}, guild, channel, users, count, inflight
                )
                results["/challenge today"] = await timed(
                    "/challenge today",
                    process.pid,
                    standin,
                    "challenge today",
                    {},
                    guild,
                    channel,
                    users,
                    count,
                    inflight,
                )
                if any(c["name"] == "leaderboard" for c in standin.global_commands):
                    board = {"period": "week"}
                    await measure(standin, "leaderboard", board, guild, channel, users, 100, inflight)
                    results["/leaderboard"] = await timed(
                        "/leaderboard",
                        process.pid,
                        standin,
                        "leaderboard",
                        board,
                        guild,
                        channel,
                        users,
                        count,
                        inflight,
                    )
            finally:
                await stop(process)
    return results


async def bare_run(count: int, inflight: int) -> list[float]:
    async with DiscordStandIn() as standin:
        guild, channel, _, users = world(standin)
        process = await spawn(["-m", "benchmarks.bare_bot"], standin)
        try:
            await standin.wait_commands(60)
            await standin.wait_ready(60)
            await measure(standin, "ping", {}, guild, channel, users, 100, inflight)
            return await timed("bare /ping", process.pid, standin, "ping", {}, guild, channel, users, count, inflight)
        finally:
            await stop(process)


def row(name: str, values: list[float]) -> str:
    return (
        f"{name:<20} n={len(values):<5} p50={percentile(values, 50):7.2f} ms  "
        f"p90={percentile(values, 90):7.2f} ms  p99={percentile(values, 99):7.2f} ms  "
        f"bot CPU {CPU_MS.get(name, float('nan')):5.2f} ms/interaction"
    )


async def main(count: int, inflight: int) -> int:
    print(f"machine: {machine()}")
    print(f"{count} interactions per command, {inflight} in flight\n")
    bare = await bare_run(count, inflight)
    ours = await backprop_run(count, inflight)
    print(row("bare /ping", bare))
    failed = False
    for name, values in ours.items():
        p50 = percentile(values, 50) / percentile(bare, 50)
        p99 = percentile(values, 99) / percentile(bare, 99)
        ok = p50 <= TARGET_P50 and p99 <= TARGET_P99
        failed |= not ok
        print(row(name, values) + f"  ratio p50 {p50:.2f}x p99 {p99:.2f}x {'ok' if ok else 'OVER TARGET'}")
    print(f"\ntargets: p50 within {TARGET_P50}x of the bare bot, p99 within {TARGET_P99}x")
    return 1 if failed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--inflight", type=int, default=50)
    arguments = parser.parse_args()
    raise SystemExit(asyncio.run(main(arguments.count, arguments.inflight)))
