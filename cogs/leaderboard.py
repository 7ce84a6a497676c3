"""/leaderboard and /export."""

from __future__ import annotations

import io
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import StudyBot
from bot.core.points import Period
from bot.services.leaderboards import BoardKind
from bot.ui.leaderboard import LeaderboardButton, show_board
from cogs.daily import require_manage_guild


class Leaderboard(commands.Cog):
    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot

    @app_commands.command(name="leaderboard", description="The group's leaderboard: points, streaks or submissions")
    @app_commands.guild_only()
    @app_commands.describe(
        board="What to rank by (default: points)",
        period="This week, this month, this season or all time (default: all time)",
    )
    async def leaderboard(
        self,
        interaction: discord.Interaction[StudyBot],
        board: Literal["points", "streak", "submissions"] = "points",
        period: Literal["week", "month", "season", "all"] = "all",
    ) -> None:
        await show_board(interaction, BoardKind(board), Period(period), 0, edit=False)

    @app_commands.command(
        name="export", description="Every member's points, streaks, completions and submissions as CSV (admins)"
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def export(self, interaction: discord.Interaction[StudyBot]) -> None:
        assert interaction.guild_id is not None
        require_manage_guild(interaction)
        await self.bot.challenges.group(interaction.guild_id)  # no group: say so before deferring
        await interaction.response.defer(ephemeral=True, thinking=True)
        text = await self.bot.leaderboards.export_csv(interaction.guild_id)
        members = text.count("\n") - 1
        today = self.bot.clock.now().date()
        file = discord.File(io.BytesIO(text.encode("utf-8")), filename=f"backprop-export-{today.isoformat()}.csv")
        await interaction.edit_original_response(
            content=f"📄 {members} member{'s' if members != 1 else ''}: points, completed days, streaks and "
            "submissions (all time). Ids are Discord user ids.",
            attachments=[file],
        )


async def setup(bot: StudyBot) -> None:
    bot.add_dynamic_items(LeaderboardButton)
    await bot.add_cog(Leaderboard(bot))
