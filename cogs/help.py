"""/help: every slash command with its one-line description."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import StudyBot


def command_lines(tree: app_commands.CommandTree[StudyBot]) -> list[str]:
    lines: list[str] = []
    for command in sorted(tree.walk_commands(), key=lambda c: c.qualified_name):
        if isinstance(command, app_commands.Command):
            lines.append(f"`/{command.qualified_name}` — {command.description}")
    return lines


class Help(commands.Cog):
    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="List Backprop's commands")
    async def help(self, interaction: discord.Interaction[StudyBot]) -> None:
        embed = discord.Embed(
            title="Backprop commands",
            description="\n".join(command_lines(self.bot.tree)),
            colour=discord.Colour.blurple(),
        )
        embed.set_footer(text="Backprop keeps your study group moving along the ML-engineer roadmap.")
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: StudyBot) -> None:
    await bot.add_cog(Help(bot))
