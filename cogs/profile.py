"""/profile: a member's own settings and data."""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import StudyBot
from bot.ui.ask import usage_embed
from bot.ui.profile import (
    ForgetButton,
    ask_to_forget,
    export_own_data,
    link_accounts,
    set_anonymous,
    show_profile,
    verify_github,
)


@app_commands.guild_only()
class Profile(commands.GroupCog, group_name="profile", group_description="Your Backprop profile"):
    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot
        super().__init__()

    # ----- /profile usage: what is left of the member's /ask allowance (issue 7) ---------------------

    @app_commands.command(name="usage", description="What is left of your /ask allowance today (only you see it)")
    async def profile_usage(self, interaction: discord.Interaction[StudyBot]) -> None:
        assert interaction.guild_id is not None
        report = await self.bot.ask.usage(interaction.guild_id, interaction.user.id)
        await interaction.response.send_message(embed=usage_embed(report), ephemeral=True)

    # ----- linked accounts, anonymity and the member's own data (issue 5) --------------------------

    @app_commands.command(name="link", description="Link your GitHub or Kaggle account")
    @app_commands.describe(github="Your GitHub username", kaggle="Your Kaggle username")
    async def profile_link(
        self,
        interaction: discord.Interaction[StudyBot],
        github: app_commands.Range[str, 1, 40] | None = None,
        kaggle: app_commands.Range[str, 1, 50] | None = None,
    ) -> None:
        await link_accounts(interaction, github, kaggle)

    @app_commands.command(name="show", description="Linked GitHub and Kaggle accounts (only you see it)")
    @app_commands.describe(member="Whose profile (default: yours)")
    async def profile_show(
        self, interaction: discord.Interaction[StudyBot], member: discord.Member | None = None
    ) -> None:
        await show_profile(interaction, member or interaction.user)

    @app_commands.command(name="verify", description="Prove your linked GitHub account is yours (after /profile link)")
    async def profile_verify(self, interaction: discord.Interaction[StudyBot]) -> None:
        await verify_github(interaction)

    @app_commands.command(name="anonymous", description="Be listed on leaderboards as “anonymous learner”")
    @app_commands.describe(setting="on: listed anonymously · off: listed by name")
    async def profile_anonymous(
        self, interaction: discord.Interaction[StudyBot], setting: Literal["on", "off"]
    ) -> None:
        await set_anonymous(interaction, setting == "on")

    @app_commands.command(name="export", description="Download everything Backprop stores about you (only you see it)")
    async def profile_export(self, interaction: discord.Interaction[StudyBot]) -> None:
        await export_own_data(interaction)

    @app_commands.command(name="forget", description="Delete everything Backprop stores about you (asks first)")
    async def profile_forget(self, interaction: discord.Interaction[StudyBot]) -> None:
        await ask_to_forget(interaction)


async def setup(bot: StudyBot) -> None:
    bot.add_dynamic_items(ForgetButton)
    await bot.add_cog(Profile(bot))
