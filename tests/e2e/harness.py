"""Runs the real StudyBot against the local Discord stand-in, in the test's event loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.client import EXTENSIONS, StudyBot
from bot.core.clock import FakeClock
from bot.core.retrieval import ConceptIndex
from bot.curriculum import Curriculum, load_curriculum
from bot.curriculum.cli import default_curriculum_path
from bot.endpoints import point_discord_at
from bot.github import GitHubClient
from bot.llm import LLMClient
from bot.settings import Settings
from bot.standin import DiscordStandIn
from bot.standin.world import Channel, Guild, User
from bot.store import Store

_CURRICULUM: list[Curriculum] = []
_CONCEPTS: list[ConceptIndex] = []


def shipped_curriculum() -> Curriculum:
    """Loaded once per test session: it is immutable and takes ~0.2 s to validate."""
    if not _CURRICULUM:
        _CURRICULUM.append(load_curriculum(default_curriculum_path()))
    return _CURRICULUM[0]


def shipped_concepts() -> ConceptIndex:
    """The concept index for /ask, built once per session like the curriculum it reads."""
    if not _CONCEPTS:
        _CONCEPTS.append(ConceptIndex.from_curriculum(shipped_curriculum()))
    return _CONCEPTS[0]


@dataclass
class World:
    """A study server as a test starts with it: an owner (admin), a member and a study channel."""

    guild: Guild
    channel: Channel
    owner: User
    member: User


def make_world(standin: DiscordStandIn) -> World:
    owner = standin.create_user("olivia")
    guild = standin.create_guild("ML Study Group", owner=owner)
    channel = standin.create_channel(guild, "daily-challenge")
    member = standin.create_user("alice")
    standin.add_member(guild, member)
    return World(guild, channel, owner, member)


class BotRunner:
    """Starts and stops bots; a restart is a new StudyBot on the same database file."""

    def __init__(self, standin: DiscordStandIn, database: Path) -> None:
        self.standin = standin
        self.database = database
        self.clock = FakeClock(datetime(2027, 1, 4, 12, 0, tzinfo=UTC))
        self._running: list[tuple[StudyBot, asyncio.Task[None]]] = []

    def settings(self, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "discord_token": self.standin.token,
            "database_path": self.database,
            "discord_api_url": self.standin.api_url,
            "discord_gateway_url": self.standin.gateway_url,
            "dev_guild_id": None,
            # The fake clock jumps; the scheduler must notice within a blink, not 30 s.
            "scheduler_tick_seconds": 0.05,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    async def start(
        self,
        *,
        extensions: tuple[str, ...] = EXTENSIONS,
        llm: LLMClient | None = None,
        github: GitHubClient | None = None,
        **overrides: object,
    ) -> StudyBot:
        settings = self.settings(**overrides)
        point_discord_at(settings.discord_api_url, settings.discord_gateway_url)
        bot = StudyBot(
            settings=settings,
            store=Store(self.database),
            clock=self.clock,
            curriculum=shipped_curriculum(),
            llm=llm,
            github=github,
            concepts=shipped_concepts(),
            extensions=extensions,
            guild_ready_timeout=0.05,
        )
        task = asyncio.create_task(bot.start(self.standin.token))
        self._running.append((bot, task))
        ready = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait({ready, task}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            ready.cancel()
            task.result()  # raises what stopped the bot
            raise AssertionError("the bot stopped before it was ready")
        if ready not in done:
            ready.cancel()
            raise AssertionError("the bot did not become ready within 15 s")
        return bot

    async def stop(self, bot: StudyBot) -> None:
        for index, (running, task) in enumerate(self._running):
            if running is bot:
                del self._running[index]
                await bot.close()
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait_for(task, 10)
                return

    async def stop_all(self) -> None:
        while self._running:
            await self.stop(self._running[-1][0])


async def eventually(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 5.0) -> None:
    """Poll the bot's own state (the database), which the stand-in cannot watch for us."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)
