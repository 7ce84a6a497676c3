"""Remembers the servers the bot is in, so a restart knows them before the gateway says so."""

from __future__ import annotations

import discord
from discord.ext import commands

from bot.client import StudyBot


class Guilds(commands.Cog):
    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        await self.bot.store.guilds.seen(guild.id, guild.name, self.bot.clock.now())

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.bot.store.guilds.seen(guild.id, guild.name, self.bot.clock.now())

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.bot.store.guilds.left(guild.id, self.bot.clock.now())


async def setup(bot: StudyBot) -> None:
    await bot.add_cog(Guilds(bot))
