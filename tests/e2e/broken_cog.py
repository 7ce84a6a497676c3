"""A test-only extension with commands that fail, to exercise the global error handler."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import StudyBot
from bot.core.errors import UserFacingError


class Broken(commands.Cog):
    @app_commands.command(name="broken", description="Always fails with a bug")
    async def broken(self, interaction: discord.Interaction[StudyBot]) -> None:
        raise RuntimeError("a bug")

    @app_commands.command(name="echo-bad", description="Refuses its input, quoting it back")
    async def echo_bad(self, interaction: discord.Interaction[StudyBot], text: str) -> None:
        raise UserFacingError(f"I can't use {text!s}")


async def setup(bot: StudyBot) -> None:
    await bot.add_cog(Broken())
