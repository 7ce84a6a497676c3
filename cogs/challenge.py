"""/challenge today|answer|hint, and the daily post's buttons, select and modals."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import StudyBot
from bot.replies import send_ephemeral
from bot.tree import report_error
from bot.ui.challenge import DayButton, DayMessages, QuizSelect, handle_modal
from bot.ui.challenge import answer as grade_answer
from bot.ui.roles import note_roles


@app_commands.guild_only()
class Challenge(commands.GroupCog, group_name="challenge", group_description="Today's challenge"):
    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot
        self.day_messages = DayMessages()
        super().__init__()

    @app_commands.command(name="today", description="Show today's challenge (only you see it)")
    async def challenge_today(self, interaction: discord.Interaction[StudyBot]) -> None:
        assert interaction.guild_id is not None
        day = await self.bot.challenges.today(interaction.guild_id)
        embed, view = self.day_messages.get(day)
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    @app_commands.command(name="answer", description="Answer today's challenge")
    @app_commands.describe(answer="A letter (A–E) for a quiz, a number such as 0.25, 1/4 or 25%, or a short answer")
    async def challenge_answer(
        self, interaction: discord.Interaction[StudyBot], answer: app_commands.Range[str, 1, 200]
    ) -> None:
        await grade_answer(interaction, answer, None)

    @app_commands.command(name="hint", description="A nudge for today's challenge (only you see it)")
    async def challenge_hint(self, interaction: discord.Interaction[StudyBot]) -> None:
        assert interaction.guild_id is not None
        day = await self.bot.challenges.today(interaction.guild_id)
        await send_ephemeral(interaction, f"💡 {day.challenge.hint}")

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[StudyBot]) -> None:
        # Modals are routed by custom_id here rather than by discord.py's in-memory modal store,
        # so a modal opened before a restart is still answered after it.
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        await note_roles(self.bot, interaction)
        try:
            await handle_modal(interaction)
        except Exception as error:
            await report_error(interaction, error)


async def setup(bot: StudyBot) -> None:
    bot.add_dynamic_items(DayButton, QuizSelect)
    await bot.add_cog(Challenge(bot))
