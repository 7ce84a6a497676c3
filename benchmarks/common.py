"""Shared by the benchmarks: bot processes against a stand-in, percentiles, memory readings."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import math
import os
import platform
import sqlite3
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from bot.standin import DiscordStandIn

REPO = Path(__file__).resolve().parents[1]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"{platform.system()} {platform.release()}, load average {os.getloadavg()[0]:.2f} at start "
        "(other work on the machine skews the figures)"
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def placement() -> tuple[set[int], set[int]] | None:
    """CPUs for (this process, the bots): Discord's servers do not share the bot's CPU, so the
    stand-in playing them should not either. None when fewer than two CPUs are available."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return None
    if len(cpus) < 2:
        return None
    return {cpus[0]}, set(cpus[1:])


@contextlib.contextmanager
def quiet_collector() -> Iterator[None]:
    """No cyclic garbage collection in this process while a batch is measured.

    This process is the instrument (stand-in and load generator). A full collection here stalls
    every request in flight for 60-140 ms, whichever bot is being measured, so it would decide the
    p99 of whichever batch it happens to fall in. timeit switches the collector off while timing
    for the same reason. The bots' own collectors run as usual: their pauses are theirs.
    """
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def spawn(
    args: list[str], standin: DiscordStandIn, cpus: set[int] | None = None, **env: str
) -> asyncio.subprocess.Process:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "LLM_", "DATABASE_"))}
    full.update(
        DISCORD_TOKEN=standin.token,
        DISCORD_API_URL=standin.api_url,
        DISCORD_GATEWAY_URL=standin.gateway_url,
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(REPO),
    )
    full.update(env)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        cwd=REPO,
        env=full,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        # Set before exec so every thread the bot starts (aiosqlite's included) inherits it.
        preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
    )


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
            await process.wait()


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    def seconds(self) -> float:
        return time.perf_counter() - self.started
