"""Daily fan-out: N guilds whose posts fall due in the same minute.

    python -m benchmarks.fanout [--guilds 1000]

The groups are written straight into a fresh database (as /setup would leave them) with the
same due instant a few seconds ahead; then the bot process starts and we time until the last
post, and count duplicates and misses per channel.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.common import machine, rss_mb, spawn, stop
from bot.core.schedule import GroupSchedule
from bot.standin import DiscordStandIn
from bot.store import GroupSettings, Store


async def main(guilds: int, tick: float) -> int:
    print(f"machine: {machine()}")
    async with DiscordStandIn() as standin:
        channels = []
        for n in range(guilds):
            guild = standin.create_guild(f"g{n}")
            channels.append((guild, standin.create_channel(guild, "daily-challenge")))
        with tempfile.TemporaryDirectory() as tmp:
            database = Path(tmp) / "fanout.db"
            due = (datetime.now(UTC) + timedelta(seconds=20)).replace(microsecond=0)
            async with Store(database) as store:
                for guild, channel in channels:
                    post_time = due.time()
                    schedule = GroupSchedule(post_time, "UTC", due.date())
                    settings = GroupSettings(channel.id, post_time, "UTC", due.date(), "full", None)
                    await store.groups.save(guild.id, settings, due.date(), schedule.post_at(due.date()), due)
            process = await spawn(
                ["-m", "bot", "run"], standin, DATABASE_PATH=str(database), SCHEDULER_TICK_SECONDS=str(tick)
            )
            try:
                await standin.wait_ready(120)

                def posted() -> int:
                    return sum(1 for m in standin.messages.values() if not m.ephemeral)

                await standin.wait_until(lambda: posted() >= guilds, 300, "every post")
                last = time.time()
                await asyncio.sleep(3 * tick)  # any duplicate would show up by now
                rss = rss_mb(process.pid)
            finally:
                await stop(process)
    per_channel = Counter(int(m.payload["channel_id"]) for m in standin.messages.values() if not m.ephemeral)
    duplicates = sum(count - 1 for count in per_channel.values() if count > 1)
    missed = sum(1 for _, channel in channels if per_channel[channel.id] == 0)
    print(f"{guilds} guilds due at {due:%H:%M:%S} UTC; scheduler tick {tick:g} s")
    print(f"time from due to the last post: {last - due.timestamp():.2f} s")
    print(f"duplicates: {duplicates}   missed: {missed}   bot RSS after: {rss:.1f} MB")
    return 0 if duplicates == 0 and missed == 0 else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--guilds", type=int, default=1000)
    parser.add_argument("--tick", type=float, default=1.0, help="SCHEDULER_TICK_SECONDS for the run")
    arguments = parser.parse_args()
    raise SystemExit(asyncio.run(main(arguments.guilds, arguments.tick)))
