"""/help: every slash command with its one-line description."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import StudyBot
from bot.ui.components import frozen


def command_lines(tree: app_commands.CommandTree[StudyBot]) -> list[str]:
    lines: list[str] = []
    for command in sorted(tree.walk_commands(), key=lambda c: c.qualified_name):
        if isinstance(command, app_commands.Command):
            lines.append(f"`/{command.qualified_name}` — {command.description}")
    return lines


def help_embed(lines: list[str]) -> discord.Embed:
    embed = discord.Embed(title="Backprop commands", description="\n".join(lines), colour=discord.Colour.blurple())
    embed.set_footer(text="Backprop keeps your study group moving along the ML-engineer roadmap.")
    return embed


class Help(commands.Cog):
    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot
        self._embed: tuple[tuple[object, ...], discord.Embed] | None = None

    @app_commands.command(name="help", description="List Backprop's commands")
    async def help(self, interaction: discord.Interaction[StudyBot]) -> None:
        await interaction.response.send_message(embed=self.embed(), ephemeral=True)

    def embed(self) -> discord.Embed:
        """Built once (walking the tree costs more than the rest of the reply), again if commands change."""
        top = tuple(self.bot.tree.get_commands())
        if self._embed is None or self._embed[0] != top:
            self._embed = (top, frozen(help_embed(command_lines(self.bot.tree))))
        return self._embed[1]


async def setup(bot: StudyBot) -> None:
    await bot.add_cog(Help(bot))
