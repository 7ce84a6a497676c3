from __future__ import annotations

from collections.abc import AsyncIterator
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
