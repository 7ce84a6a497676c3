"""/challenge today|answer|hint, and the daily post's buttons, select and modals."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import StudyBot
from bot.replies import send_ephemeral
from bot.ui.challenge import DayButton, DayMessages, QuizSelect, handle_modal
from bot.ui.challenge import answer as grade_answer


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

    async def cog_load(self) -> None:
        self.bot.add_modal_route(handle_modal)  # the day's answer and link forms

    async def cog_unload(self) -> None:
        self.bot.remove_modal_route(handle_modal)


async def setup(bot: StudyBot) -> None:
    bot.add_dynamic_items(DayButton, QuizSelect)
    await bot.add_cog(Challenge(bot))
