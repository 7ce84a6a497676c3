"""How milestones look in Discord: embeds, the reminder and wrap-up posts, the "Remind me" button,
and the scheduled-event payload that mirrors a milestone.

Titles and descriptions are member text: they only ever go in embeds (which never ping) or in
messages whose allowed_mentions name exactly the members who asked to be pinged.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord.utils import escape_markdown

from bot.core.milestones import describe_reminders
from bot.core.roadmap import progress_bar
from bot.replies import send_ephemeral
from bot.services.milestones import Listing, MilestoneService, RoadmapView
from bot.services.reminders import ReminderPost
from bot.store.milestones import MilestoneRecord, MilestoneSummary
from bot.tree import report_error
from bot.ui.roles import NotesRoles

if TYPE_CHECKING:
    from bot.client import StudyBot

COLOUR = discord.Colour.gold()
EVENT_LENGTH = timedelta(hours=1)  # an external event needs an end; the hour after the deadline is the wrap-up
WRAP_UP_NAMES = 40


def timestamp(moment: datetime, style: str = "F") -> str:
    """A Discord timestamp: every member sees it in their own time zone."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def due_text(moment: datetime) -> str:
    return f"{timestamp(moment)} ({timestamp(moment, 'R')})"


def safe(text: str, limit: int) -> str:
    cleaned = escape_markdown(text)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def milestone_embed(milestone: MilestoneRecord, *, heading: str, mirrored: bool | None = None) -> discord.Embed:
    embed = discord.Embed(title=f"{heading}: {milestone.title}"[:256], colour=COLOUR)
    if milestone.description:
        embed.description = milestone.description[:4000]
    embed.add_field(name="Due", value=due_text(milestone.due_at), inline=False)
    embed.add_field(name="Reminders", value=describe_reminders(milestone.reminders), inline=False)
    if mirrored is not None:
        embed.add_field(
            name="Server event",
            value="listed in the server's events" if mirrored else "not mirrored (I need **Manage Events** for that)",
            inline=False,
        )
    embed.set_footer(text=f"Milestone #{milestone.id} · mark it done with /milestone done")
    return embed


def _line(summary: MilestoneSummary) -> str:
    m = summary.milestone
    badge = "🗺️ " if m.is_roadmap else ""
    return (
        f"`#{m.id}` {badge}**{safe(m.title, 80)}** — {timestamp(m.due_at)} ({timestamp(m.due_at, 'R')})"
        f" · ✅ {summary.completed}"
    )


def listing_embed(listing: Listing) -> discord.Embed:
    embed = discord.Embed(title="Milestones", colour=COLOUR)
    parts = ["**Upcoming**"]
    parts += [_line(s) for s in listing.upcoming] or ["Nothing ahead. Leads add one with `/milestone add`."]
    if listing.more_upcoming:
        parts.append(f"…and {listing.more_upcoming} more further out.")
    if listing.recent:
        parts += ["", "**Recently due**", *(_line(s) for s in listing.recent)]
    embed.description = "\n".join(parts)[:4096]
    embed.set_footer(text="✅ members who completed it · 🗺️ a phase of the roadmap")
    return embed


def reminder_content(post: ReminderPost) -> tuple[str, discord.Embed, discord.AllowedMentions]:
    milestone = post.milestone
    if post.is_wrap_up:
        embed = discord.Embed(title=f"🏁 Time's up: {milestone.title}"[:256], colour=COLOUR)
        names = [safe(name, 50) for name in post.completed_by[:WRAP_UP_NAMES]]
        if names:
            extra = post.completed - len(names)
            listed = ", ".join(names) + (f" and {extra} more" if extra > 0 else "")
            embed.description = f"Due {timestamp(milestone.due_at)}. Completed by {post.completed}: {listed}. 🎉"
        else:
            embed.description = f"Due {timestamp(milestone.due_at)}. Nobody marked it done yet."
        embed.set_footer(text="Late is better than never: /milestone done")
        return "🏁 Milestone wrap-up", embed, discord.AllowedMentions.none()
    embed = discord.Embed(title=f"⏰ {milestone.title}"[:256], colour=COLOUR)
    embed.description = f"Due {due_text(milestone.due_at)}."
    if milestone.description:
        embed.description += "\n\n" + milestone.description[:3000]
    embed.add_field(name="Completed so far", value=str(post.completed))
    embed.set_footer(text="Done? /milestone done · Press Remind me to be pinged by the next reminders")
    content = "⏰ Milestone reminder"
    if post.ping_user_ids:
        content += " " + " ".join(f"<@{user}>" for user in post.ping_user_ids)
    # Exactly the members who opted in, and nothing else, may be notified.
    mentions = discord.AllowedMentions(
        everyone=False, roles=False, users=[discord.Object(user) for user in post.ping_user_ids] or False
    )
    return content, embed, mentions


def opt_in_view(milestone_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(OptInButton(milestone_id))
    return view


class OptInButton(NotesRoles, discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"bp:ms:optin:(?P<id>\d+)"):
    """Toggles the member's pings for one milestone; persistent across restarts."""

    def __init__(self, milestone_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Remind me",
                style=discord.ButtonStyle.secondary,
                emoji="🔔",
                custom_id=f"bp:ms:optin:{milestone_id}",
            )
        )
        self.milestone_id = milestone_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> OptInButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction[StudyBot]) -> None:  # type: ignore[override]
        try:
            assert interaction.guild_id is not None
            bot = interaction.client
            service = MilestoneService(bot.store, bot.curriculum, bot.clock)  # toggling needs no event mirror
            milestone, opted_in = await service.toggle_ping(
                interaction.guild_id, self.milestone_id, interaction.user.id
            )
            title = safe(milestone.title, 100)
            if opted_in:
                text = f"🔔 I'll ping you with the next reminders for **{title}**. Press again to stop."
            else:
                text = f"🔕 No more pings for **{title}**."
            await send_ephemeral(interaction, text)
        except Exception as error:  # one path for every failure, as in the command tree
            await report_error(interaction, error)


def roadmap_embed(view: RoadmapView) -> discord.Embed:
    where = view.position
    embed = discord.Embed(title=f"Roadmap · {view.track_title}", colour=discord.Colour.blurple())
    if not where.started:
        embed.description = f"The group starts {due_text(view.starts_at)}."
    elif where.finished:
        embed.description = f"🎓 The group has finished all {where.total_days} days of the track."
    else:
        assert where.day_index is not None
        embed.description = f"**Day {where.day_index + 1} of {where.total_days}**"
    lines = []
    for index, item in enumerate(view.stages):
        stage = item.stage
        days = f"days {stage.start + 1}–{stage.end}"
        if where.stage == index and where.day_index is not None:
            into = where.day_index - stage.start + 1
            lines.append(
                f"▶️ **{stage.title}** ({days}) — day {into} of {stage.length}\n"
                f"{progress_bar(into - 1, stage.length)} · ends {timestamp(item.ends_at, 'R')}"
            )
        elif where.day_index is not None and where.day_index >= stage.end:
            lines.append(f"✅ {stage.title} ({days})")
        else:
            lines.append(f"⬜ {stage.title} ({days}) · ends {timestamp(item.ends_at, 'd')}")
    embed.add_field(name="Phases", value="\n".join(lines)[:1024] or "This track has no phases.", inline=False)
    embed.add_field(name="Overall", value=progress_bar(where.days_done, where.total_days), inline=False)
    embed.set_footer(text="Each phase end is a milestone: /milestone list")
    return embed


def event_payload(milestone: MilestoneRecord, location: str) -> dict[str, Any]:
    """A GUILD_ONLY external scheduled event (Discord API v10) for the milestone."""
    description = milestone.description or "A study-group milestone. Mark it done with /milestone done."
    return {
        "name": milestone.title[:100],
        "description": description[:1000],
        "privacy_level": 2,  # GUILD_ONLY, the only level Discord accepts
        "entity_type": 3,  # EXTERNAL: no voice or stage channel, a location instead
        "entity_metadata": {"location": location[:100]},
        "scheduled_start_time": milestone.due_at.isoformat(),
        "scheduled_end_time": (milestone.due_at + EVENT_LENGTH).isoformat(),
    }
