"""The bot: a commands.Bot that receives every collaborator through its constructor."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from discord.ext import commands

from bot.core.clock import Clock
from bot.core.retrieval import ConceptIndex
from bot.curriculum import Curriculum
from bot.github import GitHubClient
from bot.llm import LLMClient
from bot.services.ask import AskLimits, AskService
from bot.services.challenges import ChallengeService
from bot.services.leaderboards import LeaderboardService
from bot.services.profiles import ProfileService
from bot.services.submissions import SubmissionService
from bot.settings import Settings
from bot.store import Store
from bot.sync import sync_commands
from bot.tree import BackpropTree, report_error
from bot.ui.roles import note_roles

log = logging.getLogger(__name__)

# Answers a submitted form if its custom_id is one of the route's; False if it is not.
ModalRoute = Callable[[discord.Interaction["StudyBot"]], Awaitable[bool]]

EXTENSIONS = (
    "cogs.guilds",
    "cogs.help",
    "cogs.daily",
    "cogs.challenge",
    "cogs.streak",
    "cogs.submit",
    "cogs.leaderboard",
    "cogs.profile",
    "cogs.ask",
    "cogs.milestones",
)


class StudyBot(commands.Bot):
    def __init__(
        self,
        *,
        settings: Settings,
        store: Store,
        clock: Clock,
        curriculum: Curriculum,
        scheduler: AsyncIOScheduler | None = None,
        github: GitHubClient | None = None,
        llm: LLMClient | None = None,
        concepts: ConceptIndex | None = None,
        force_sync: bool = False,
        extensions: tuple[str, ...] = EXTENSIONS,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        # Slash commands and components need no privileged intents, and no message content.
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=BackpropTree,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            # discord.py waits this long after the last GUILD_CREATE before READY; local runs
            # (tests, the sandbox) know every guild has arrived and pass a shorter wait.
            guild_ready_timeout=guild_ready_timeout,
        )
        self.settings = settings
        self.store = store
        self.clock = clock
        self.curriculum = curriculum
        self.challenges = ChallengeService(store, curriculum, clock)
        # None unless GITHUB_VERIFY is on; then submissions and accounts are checked on GitHub.
        self.github = github
        self.submissions = SubmissionService(store, self.challenges, clock, github)
        self.profiles = ProfileService(store, clock, github)
        self.leaderboards = LeaderboardService(store, self.challenges)
        # /ask: the model is optional (None: answers come from the concept notes alone).
        self.llm = llm
        self.concepts = concepts if concepts is not None else ConceptIndex.from_curriculum(curriculum)
        self.ask = AskService(
            store, curriculum, self.concepts, self.challenges, clock, AskLimits.from_settings(settings), llm
        )
        # Jobs only say "look at the database now"; what is due lives in the database.
        self.scheduler = scheduler or AsyncIOScheduler(timezone="UTC")
        self.force_sync = force_sync
        self.initial_extensions = extensions
        self.sync_result: str | None = None
        self.failed_extensions: list[str] = []
        self._modal_routes: list[ModalRoute] = []
        self._modal_tasks: set[asyncio.Task[None]] = set()

    async def setup_hook(self) -> None:
        # Runs after login and before the gateway connects: never wait for READY in here.
        await self.store.open()
        for extension in self.initial_extensions:
            try:
                await self.load_extension(extension)
            except Exception:
                # One broken feature must not take the whole bot down with it.
                log.exception("failed to load extension %s", extension)
                self.failed_extensions.append(extension)
        self.scheduler.start()
        try:
            self.sync_result = await sync_commands(
                self.tree, self.store, dev_guild_id=self.settings.dev_guild_id, force=self.force_sync
            )
        except discord.HTTPException:
            log.exception("command sync failed; the previous commands stay in place until the next start")

    def add_modal_route(self, route: ModalRoute) -> None:
        """Submitted forms are answered by custom_id, not by discord.py's in-memory modal store,
        so a form opened before a restart is still answered after it."""
        if route not in self._modal_routes:
            self._modal_routes.append(route)

    def remove_modal_route(self, route: ModalRoute) -> None:
        if route in self._modal_routes:
            self._modal_routes.remove(route)

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        # discord.py also dispatches every interaction as an event. A listener for it would start
        # a task for every command and click to find the rare form among them (about a tenth of
        # a light command's CPU), so forms are picked out here.
        if event_name == "interaction" and args[0].type is discord.InteractionType.modal_submit:
            task = asyncio.create_task(self._submit_modal(args[0]), name="backprop: modal submit")
            self._modal_tasks.add(task)
            task.add_done_callback(self._modal_tasks.discard)
        super().dispatch(event_name, *args, **kwargs)

    async def _submit_modal(self, interaction: discord.Interaction[StudyBot]) -> None:
        await note_roles(self, interaction)
        try:
            for route in self._modal_routes:
                if await route(interaction):
                    return
        except Exception as error:
            await report_error(interaction, error)

    async def close(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        try:
            await super().close()
        finally:
            await self.store.close()
