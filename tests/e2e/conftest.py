from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.endpoints import point_discord_at
from bot.standin import DiscordStandIn
from tests.e2e.harness import BotRunner, World, make_world


@pytest.fixture
async def standin() -> AsyncIterator[DiscordStandIn]:
    async with DiscordStandIn() as running:
        yield running


@pytest.fixture
def world(standin: DiscordStandIn) -> World:
    return make_world(standin)


@pytest.fixture
async def bots(standin: DiscordStandIn, tmp_path: Path) -> AsyncIterator[BotRunner]:
    runner = BotRunner(standin, tmp_path / "backprop.db")
    try:
        yield runner
    finally:
        await runner.stop_all()
        point_discord_at(None, None)


@pytest.fixture(autouse=True)
def no_unexpected_errors(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail an end-to-end test when the bot logged an error it did not expect.

    A double interaction response or an exception in a view callback leaves the member's reply
    intact but logs an error; without this the test would pass.
    """
    caplog.set_level(logging.WARNING)
    yield
    if request.node.get_closest_marker("allow_errors"):
        return
    errors = [
        r
        for r in caplog.get_records("call")
        if r.levelno >= logging.ERROR and r.name.startswith(("bot", "cogs", "discord"))
    ]
    assert not errors, "the bot logged errors:\n" + "\n".join(f"{r.name}: {r.getMessage()}" for r in errors)
