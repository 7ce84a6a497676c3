"""/leaderboard and /export, and learning members' roles for the boards' excluded roles.

Without the privileged members intent the bot cannot ask Discord who holds a role. Every
interaction, though, carries the acting member's current roles (and those of any member given
as an option), so each one is recorded in `member_roles`. The limit: a member who got an
excluded role stays on the boards until their next interaction with the bot, and one who never
interacts is never known to hold it.
"""

from __future__ import annotations

import io
import logging
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import StudyBot
from bot.core.points import Period
from bot.services.leaderboards import BoardKind
from bot.ui.leaderboard import LeaderboardButton, show_board
from cogs.daily import require_manage_guild

log = logging.getLogger(__name__)


async def record_roles(bot: StudyBot, interaction: discord.Interaction[Any]) -> None:
    """Remember the roles Discord just told us about: the acting member's and any resolved member's.

    This runs before every command and click; the repository keeps what it stored in memory, so an
    interaction whose roles did not change costs no database round trip.
    """
    guild_id = interaction.guild_id
    if guild_id is None:
        return
    seen: dict[int, frozenset[int]] = {}
    if isinstance(interaction.user, discord.Member):
        seen[interaction.user.id] = frozenset(role.id for role in interaction.user.roles if not role.is_default())
    data: Any = interaction.data or {}
    members = (data.get("resolved") or {}).get("members") or {}
    for user_id, member in members.items():
        seen[int(user_id)] = frozenset(int(role) for role in member.get("roles") or [])
    for user_id, roles in seen.items():
        if await bot.store.fairness.member_roles(guild_id, user_id) != roles:
            await bot.store.fairness.record_member_roles(guild_id, user_id, roles)


class Leaderboard(commands.Cog):
    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[StudyBot]) -> None:
        try:
            await record_roles(self.bot, interaction)
        except Exception:
            log.warning("could not record the roles of user %s", interaction.user.id, exc_info=True)

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
        # The caller's roles decide whether they are listed: know them before ranking.
        await record_roles(self.bot, interaction)
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
