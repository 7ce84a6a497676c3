"""A test-only extension with commands that fail, to exercise the global error handler, and one
that shows how Discord treats follow-ups to a deferred reply."""

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

    @app_commands.command(name="slow-bad", description="Thinks privately, then refuses")
    async def slow_bad(self, interaction: discord.Interaction[StudyBot]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        raise UserFacingError("That link is not on GitHub.")

    @app_commands.command(name="two-followups", description="Thinks in public, then sends two private follow-ups")
    async def two_followups(self, interaction: discord.Interaction[StudyBot]) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send("first", ephemeral=True)
        await interaction.followup.send("second", ephemeral=True)


async def setup(bot: StudyBot) -> None:
    await bot.add_cog(Broken())
