"""/ask: concept questions, answered by the group's model (streamed) or from the concept notes."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import StudyBot
from bot.due_job import start_every, stop_jobs
from bot.ui.ask import AnswerMessages, FeedbackButton

log = logging.getLogger(__name__)

PRUNE_JOB = "ask-prune"


class Ask(commands.Cog):
    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        start_every(self.bot.scheduler, PRUNE_JOB, self.prune, 6 * 3600)

    async def cog_unload(self) -> None:
        stop_jobs(self.bot.scheduler, PRUNE_JOB)

    async def prune(self) -> None:
        try:
            answers, usage = await self.bot.ask.prune()
        except Exception:
            log.exception("pruning old /ask records failed")
            return
        if answers or usage:
            log.info("forgot %s /ask answer(s) past the retention and %s old usage row(s)", answers, usage)

    @app_commands.command(name="ask", description="Ask a concept question; the answer is grounded in the course notes")
    @app_commands.guild_only()
    @app_commands.describe(
        question="e.g. why does gradient descent need a learning rate?",
        private="Only you see the answer (by default the channel sees it, so the group learns too)",
    )
    async def ask(
        self,
        interaction: discord.Interaction[StudyBot],
        question: app_commands.Range[str, 1, 4000],
        private: bool = False,
    ) -> None:
        assert interaction.guild_id is not None and interaction.channel_id is not None
        # Refusals (too long, cooldown) come before the defer, so they stay private.
        admitted = await self.bot.ask.admit(
            interaction.guild_id, interaction.channel_id, interaction.user.id, question, private=private
        )
        await interaction.response.defer(thinking=True, ephemeral=private)
        reply = AnswerMessages(interaction, ephemeral=private)
        result = await self.bot.ask.answer(admitted, reply)
        await reply.finish(result)


async def setup(bot: StudyBot) -> None:
    bot.add_dynamic_items(FeedbackButton)
    await bot.add_cog(Ask(bot))
