"""/submit and /submissions: members' GitHub and Kaggle work, recorded and announced without pings."""

from __future__ import annotations

import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import StudyBot
from bot.curriculum.models import TaskChallenge
from bot.due_job import start_every, stop_jobs
from bot.ui.submissions import SubmissionsButton, announce, recorded_reply, submissions_page

log = logging.getLogger(__name__)

RECHECK_JOB = "github-recheck"


class Submit(commands.Cog):
    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        if self.bot.github is None:
            return
        # At start-up too: submissions left unchecked before a restart.
        start_every(self.bot.scheduler, RECHECK_JOB, self.recheck, self.bot.settings.github_recheck_minutes * 60)

    async def cog_unload(self) -> None:
        stop_jobs(self.bot.scheduler, RECHECK_JOB)

    async def recheck(self) -> None:
        try:
            await self.bot.submissions.recheck_pending()
        except Exception:
            log.exception("re-checking submissions on GitHub failed")

    @app_commands.command(name="submit", description="Record a link to your work on GitHub or Kaggle")
    @app_commands.guild_only()
    @app_commands.describe(
        link="Link to a GitHub repo, PR, commit, file or gist, or a Kaggle competition, notebook, dataset or model",
        note="A few words about it (optional; shown with the link)",
        challenge="The challenge this completes (optional; today's task is picked automatically)",
    )
    async def submit(
        self,
        interaction: discord.Interaction[StudyBot],
        link: str,
        note: app_commands.Range[str, 1, 200] | None = None,
        challenge: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        service = self.bot.submissions
        draft = await service.prepare(interaction.guild_id, interaction.user.id, link, challenge)
        if service.checks_on_github(draft):
            # Asking GitHub may take longer than the 3 s Discord gives an interaction.
            await interaction.response.defer(ephemeral=True, thinking=True)
        recorded = await service.record(draft, note)
        text = recorded_reply(recorded)
        if interaction.response.is_done():
            await interaction.edit_original_response(content=text, allowed_mentions=discord.AllowedMentions.none())
        else:
            await interaction.response.send_message(
                text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none(), suppress_embeds=True
            )
        await announce(self.bot, recorded)

    @submit.autocomplete("challenge")
    async def challenge_choices(
        self, interaction: discord.Interaction[StudyBot], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None or await self.bot.store.groups.get(interaction.guild_id) is None:
            return []
        try:
            day = await self.bot.challenges.today(interaction.guild_id)
        except Exception:
            return []
        challenge = day.challenge
        if not isinstance(challenge, TaskChallenge) or challenge.submit == "none":
            return []
        label = f"Today: {challenge.prompt}"
        if current.casefold() not in (challenge.id + label).casefold():
            return []
        return [app_commands.Choice(name=label[:97] + ("…" if len(label) > 97 else ""), value=challenge.id)]

    @app_commands.command(name="submissions", description="A member's recorded work, newest first")
    @app_commands.guild_only()
    @app_commands.describe(member="Whose work (default: yours)", kind="Only GitHub or only Kaggle")
    async def submissions(
        self,
        interaction: discord.Interaction[StudyBot],
        member: discord.Member | None = None,
        kind: Literal["github", "kaggle"] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        who = member or interaction.user
        embed, view = await submissions_page(self.bot, interaction.guild_id, who.id, kind, 0)
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)


async def setup(bot: StudyBot) -> None:
    bot.add_dynamic_items(SubmissionsButton)
    await bot.add_cog(Submit(bot))
