"""/streak show|history|repair: streaks explained day by day, from the ledger."""

from __future__ import annotations

import io
from datetime import timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import StudyBot
from bot.core.errors import UserFacingError
from bot.core.messages import plural
from bot.core.streaks import DayStatus as StreakDay
from bot.render import DayStatus, render_streak_calendar
from bot.services.challenges import schedule_of
from cogs.daily import parse_start_date, require_manage_guild

_ICONS = {
    StreakDay.COMPLETED: "✅ completed",
    StreakDay.FROZEN: "🧊 frozen (a freeze covered it)",
    StreakDay.EXCUSED: "🕊️ excused",
    StreakDay.MISSED: "❌ missed",
    StreakDay.PENDING: "⏳ today, not done yet",
}


def _member_or_self(interaction: discord.Interaction[StudyBot], member: discord.Member | None) -> discord.abc.User:
    return member or interaction.user


@app_commands.guild_only()
class Streak(commands.GroupCog, group_name="streak", group_description="Streaks and points"):
    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="show", description="Current and longest streak, freezes, points and a 12-week calendar")
    @app_commands.describe(member="Whose streak (default: yours)")
    async def streak_show(
        self, interaction: discord.Interaction[StudyBot], member: discord.Member | None = None
    ) -> None:
        assert interaction.guild_id is not None
        who = _member_or_self(interaction, member)
        summary = await self.bot.challenges.streak(interaction.guild_id, who.id)
        points = await self.bot.store.ledger.points_total(interaction.guild_id, who.id)
        group = await self.bot.challenges.group(interaction.guild_id)
        today = self.bot.challenges.group_date(group)
        picture = render_streak_calendar(
            {day: DayStatus(status.value) for day, status in summary.history.items()},
            today,
            title=f"{who.display_name} - {summary.current}-day streak",
        )
        embed = discord.Embed(title=f"{who.display_name}'s streak", colour=discord.Colour.green())
        embed.add_field(name="Current", value=plural(summary.current, "day"))
        embed.add_field(name="Longest", value=plural(summary.longest, "day"))
        embed.add_field(name="Freezes", value=f"{summary.freezes} held ({summary.toward_next_freeze}/7 to the next)")
        embed.add_field(name="Points", value=str(points))
        embed.set_image(url="attachment://streak.png")
        await interaction.response.send_message(
            embed=embed, file=discord.File(io.BytesIO(picture), filename="streak.png"), ephemeral=member is None
        )

    @app_commands.command(name="history", description="The last two weeks, day by day, with the reason for each")
    @app_commands.describe(member="Whose history (default: yours)")
    async def streak_history(
        self, interaction: discord.Interaction[StudyBot], member: discord.Member | None = None
    ) -> None:
        assert interaction.guild_id is not None
        who = _member_or_self(interaction, member)
        summary = await self.bot.challenges.streak(interaction.guild_id, who.id)
        reasons = {
            e.group_date: e.reason for e in await self.bot.store.ledger.excused_days(interaction.guild_id, who.id)
        }
        days = sorted(summary.history.items(), reverse=True)[:14]
        if not days:
            text = f"{who.display_name} has not completed a challenge yet."
        else:
            lines = []
            for day, status in days:
                line = f"`{day:%a %d %b}` {_ICONS[status]}"
                if status is StreakDay.EXCUSED and day in reasons:
                    line += f": {reasons[day]}"
                lines.append(line)
            text = f"**{who.display_name}** — streak {summary.current}, longest {summary.longest}\n" + "\n".join(lines)
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(name="repair", description="Excuse a member's day so it doesn't break their streak (admins)")
    # Discord hides only top-level commands by permission; this subcommand relies on the runtime check.
    @app_commands.describe(member="Whose day", day="The group day, YYYY-MM-DD", reason="Why, for the record")
    async def streak_repair(
        self,
        interaction: discord.Interaction[StudyBot],
        member: discord.Member,
        day: app_commands.Range[str, 10, 10],
        reason: app_commands.Range[str, 3, 200],
    ) -> None:
        assert interaction.guild_id is not None
        require_manage_guild(interaction)
        group = await self.bot.challenges.group(interaction.guild_id)
        now = self.bot.clock.now()
        today = schedule_of(group).group_date_at(now)
        repaired = parse_start_date(day, today)
        if repaired > today:
            raise UserFacingError("That day hasn't happened yet.")
        if repaired < group.start_date or repaired < today - timedelta(days=365):
            raise UserFacingError("That day is outside the group's history.")
        await self.bot.store.ledger.excuse(
            group.guild_id,
            repaired,
            f"repaired by {interaction.user.display_name}: {reason}",
            now,
            user_id=member.id,
            by_user_id=interaction.user.id,
        )
        summary = await self.bot.challenges.streak(group.guild_id, member.id)
        await interaction.response.send_message(
            f"🛠️ {repaired:%a %d %b} is excused for {member.mention}. Their streak is now {summary.current}.",
            ephemeral=True,
        )


async def setup(bot: StudyBot) -> None:
    await bot.add_cog(Streak(bot))
