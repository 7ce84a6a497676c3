"""Start-up time and memory with N guilds, Backprop against a bare discord.py bot.

    python -m benchmarks.startup_memory [--guilds 1000]

Time to ready runs from spawning the process to the first answered command in the last
guild; RSS is read from /proc after that answer.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from benchmarks.common import machine, rss_mb, spawn, stop
from bot.standin import DiscordStandIn

TARGET_MB = 150


async def one(args: list[str], command: str, guilds: int, **env: str) -> tuple[float, float]:
    async with DiscordStandIn() as standin:
        member = standin.create_user("member")
        worlds = []
        for n in range(guilds):
            guild = standin.create_guild(f"g{n}")
            standin.add_member(guild, member)
            worlds.append((guild, standin.create_channel(guild, "general")))
        started = time.perf_counter()
        process = await spawn(args, standin, **env)
        try:
            await standin.wait_commands(120)
            await standin.wait_ready(120)
            guild, channel = worlds[-1]
            while True:  # the bot is ready when it answers in the last guild it was told about
                handle = await standin.slash(command, guild=guild, channel=channel, user=member)
                try:
                    await handle.message(timeout=2)
                    break
                except AssertionError:
                    continue
            ready = time.perf_counter() - started
            await asyncio.sleep(1)
            return ready, rss_mb(process.pid)
        finally:
            await stop(process)


async def main(guilds: int) -> int:
    print(f"machine: {machine()}")
    bare_ready, bare_rss = await one(["-m", "benchmarks.bare_bot"], "ping", guilds)
    with tempfile.TemporaryDirectory() as tmp:
        ready, rss = await one(["-m", "bot", "run"], "help", guilds, DATABASE_PATH=str(Path(tmp) / "s.db"))
    print(f"{guilds} guilds")
    print(f"bare discord.py bot: ready in {bare_ready:.2f} s, RSS {bare_rss:.1f} MB")
    print(f"Backprop:            ready in {ready:.2f} s, RSS {rss:.1f} MB (target < {TARGET_MB} MB)")
    return 0 if rss < TARGET_MB else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--guilds", type=int, default=1000)
    raise SystemExit(asyncio.run(main(parser.parse_args().guilds)))
