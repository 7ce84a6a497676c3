"""The baseline: the smallest discord.py bot that answers /ping with "pong".

Run by the benchmarks against the same local stand-in as Backprop, so the ratio shows what
Backprop itself costs on top of discord.py.
"""

from __future__ import annotations

import asyncio
import os

import discord
from discord import app_commands

from bot.endpoints import point_discord_at


class Bare(discord.Client):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents(guilds=True))
        self.tree = app_commands.CommandTree(self)

    async def setup_hook(self) -> None:
        @self.tree.command(name="ping", description="pong")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong", ephemeral=True)

        await self.tree.sync()


async def main() -> None:
    point_discord_at(os.environ["DISCORD_API_URL"], os.environ["DISCORD_GATEWAY_URL"])
    async with Bare() as client:
        await client.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    asyncio.run(main())
