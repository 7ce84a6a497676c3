"""`main()`: build settings, logging and collaborators once, then run the bot."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys

import discord
import httpx
from pydantic import ValidationError

from bot.client import StudyBot
from bot.core.clock import SystemClock
from bot.core.retrieval import ConceptIndex
from bot.curriculum import CurriculumError, load_curriculum
from bot.curriculum.cli import default_curriculum_path
from bot.endpoints import point_discord_at
from bot.github import make_github_client
from bot.llm import LLMClient, make_http_client
from bot.settings import TOKEN_HELP, Settings
from bot.store import SchemaTooNewError, Store

log = logging.getLogger("bot")


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s", stream=sys.stderr)
    # discord.py's gateway chatter at DEBUG drowns everything else.
    logging.getLogger("discord").setLevel(max(logging.getLevelName(level), logging.INFO))


def load_settings() -> Settings | None:
    try:
        return Settings()
    except ValidationError as error:
        for problem in error.errors():
            field = ".".join(str(part) for part in problem["loc"]).upper()
            print(f"backprop: setting {field}: {problem['msg']}", file=sys.stderr)
        return None


def run_bot(*, force_sync: bool, exit_after_sync: bool = False) -> int:
    settings = load_settings()
    if settings is None:
        return 2
    if not settings.token_is_usable():
        print(f"backprop: {TOKEN_HELP}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    try:
        return asyncio.run(_serve(settings, force_sync=force_sync, exit_after_sync=exit_after_sync))
    except KeyboardInterrupt:
        return 0
    except SchemaTooNewError as error:
        print(f"backprop: {error}", file=sys.stderr)
        return 1
    except CurriculumError as error:
        print(f"backprop: the curriculum is invalid:\n{error}", file=sys.stderr)
        return 1


async def _serve(settings: Settings, *, force_sync: bool, exit_after_sync: bool) -> int:
    assert settings.discord_token is not None
    token = settings.discord_token.get_secret_value().strip()
    point_discord_at(settings.discord_api_url, settings.discord_gateway_url)
    curriculum = load_curriculum(settings.curriculum_path or default_curriculum_path())
    clock = SystemClock()
    github = make_github_client(settings, clock)  # None unless GITHUB_VERIFY=true
    # One HTTP client for every /ask call, only when a model is configured; closed after the bot.
    llm_http = (
        make_http_client(settings.llm_connect_timeout, settings.llm_read_timeout) if settings.llm_configured else None
    )
    bot = StudyBot(
        settings=settings,
        store=Store(settings.database_path),
        clock=clock,
        curriculum=curriculum,
        github=github,
        llm=_llm_client(settings, llm_http),
        concepts=ConceptIndex.from_curriculum(curriculum),
        force_sync=force_sync,
    )
    async with (
        contextlib.aclosing(llm_http) if llm_http else contextlib.nullcontext(),
        bot,
        contextlib.aclosing(github) if github else contextlib.nullcontext(),
    ):
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            # Docker stops containers with SIGTERM: close the gateway and the database cleanly.
            loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
        try:
            if exit_after_sync:
                await bot.login(token)  # login runs setup_hook, which syncs
                print(f"backprop: command sync: {bot.sync_result or 'failed'}")
                return 0 if bot.sync_result else 1
            await bot.login(token)  # runs setup_hook: the database, the cogs, the command sync
            _freeze_startup_heap()
            await bot.connect()
        except discord.LoginFailure:
            print("backprop: Discord rejected DISCORD_TOKEN. " + TOKEN_HELP, file=sys.stderr)
            return 2
    return 0


def _freeze_startup_heap() -> None:
    """Leave what start-up built (modules, the curriculum, the concept index, the cogs) out of the
    garbage collector's full passes: it lives as long as the process.

    Otherwise every full pass walks those ~100,000 objects, stopping the event loop for 30-70 ms
    about once every thousand interactions, and every command in flight waits. Frozen before the
    gateway connects, so the guild cache, which Discord may replace, stays collectable.
    """
    gc.collect()
    gc.freeze()


def _llm_client(settings: Settings, http: httpx.AsyncClient | None) -> LLMClient | None:
    if http is None or not settings.llm_base_url or not settings.llm_model:
        return None
    log.info("/ask answers with the model %s", settings.llm_model)  # the URL may embed credentials
    return LLMClient(http, base_url=settings.llm_base_url, model=settings.llm_model, api_key=settings.llm_api_key)
