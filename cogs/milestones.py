"""/milestone add|list|done|edit|remove, /roadmap, the reminder job and the scheduled-event mirror."""

from __future__ import annotations

import asyncio
import logging
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import StudyBot
from bot.due_job import DueJob
from bot.replies import send_ephemeral
from bot.services.milestones import MilestoneService
from bot.services.poster import PostFailed
from bot.services.reminders import MilestoneReminders, ReminderPost
from bot.store import GroupRecord
from bot.store.milestones import MilestoneRecord
from bot.ui.components import custom_ids_of, find_own_message
from bot.ui.milestones import (
    OptInButton,
    event_payload,
    listing_embed,
    milestone_embed,
    opt_in_view,
    reminder_content,
    roadmap_embed,
    safe,
)

log = logging.getLogger(__name__)

JOB_ID = "milestone-reminders"
_MILESTONE = "The milestone (start typing to search)"


class DiscordEvents:
    """Mirrors milestones as external scheduled events, when the bot may manage events."""

    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot

    def _may_manage(self, guild_id: int) -> bool:
        guild = self.bot.get_guild(guild_id)
        if guild is None or guild.me is None:
            return True  # unknown here: try, and read a 403 as "no"
        return guild.me.guild_permissions.manage_events

    async def publish(self, milestone: MilestoneRecord, group: GroupRecord) -> int | None:
        if not self._may_manage(group.guild_id):
            return milestone.scheduled_event_id
        location = f"https://discord.com/channels/{group.guild_id}/{group.channel_id}"
        payload = event_payload(milestone, location)
        http = self.bot.http
        try:
            if milestone.scheduled_event_id is not None:
                try:
                    await http.edit_scheduled_event(group.guild_id, milestone.scheduled_event_id, **payload)
                    return milestone.scheduled_event_id
                except discord.NotFound:
                    pass  # someone deleted the event by hand: create it again
            created = await http.create_guild_scheduled_event(group.guild_id, **payload)
            return int(created["id"])
        except discord.Forbidden:
            log.info("no permission to manage events in guild %s; milestones are not mirrored", group.guild_id)
        except discord.HTTPException as error:
            log.warning("could not mirror milestone %s as an event: HTTP %s", milestone.id, error.status)
        return milestone.scheduled_event_id

    async def withdraw(self, guild_id: int, event_id: int) -> None:
        try:
            await self.bot.http.delete_scheduled_event(guild_id, event_id)
        except discord.NotFound:
            pass
        except discord.HTTPException as error:
            log.info("could not delete scheduled event %s in guild %s: HTTP %s", event_id, guild_id, error.status)


@app_commands.guild_only()
class Milestones(commands.GroupCog, group_name="milestone", group_description="Group milestones: goals with deadlines"):
    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot
        self.service = MilestoneService(bot.store, bot.curriculum, bot.clock, DiscordEvents(bot), bot.submissions)
        self.reminders = MilestoneReminders(bot.store, bot.clock, self, self.service)
        self.job = DueJob(
            bot.scheduler,
            JOB_ID,
            self.reminders.tick,
            self.reminders.next_wakeup,
            bot.clock,
            bot.settings.scheduler_tick_seconds,
        )
        self._nudges: set[asyncio.Task[object]] = set()
        super().__init__()

    async def cog_load(self) -> None:
        self.job.start()

    async def cog_unload(self) -> None:
        self.job.stop()
        # The bot closes its database right after unloading: stop a tick still running from a nudge.
        # Whatever it left half done is in the database and is finished by the next start.
        for task in self._nudges:
            task.cancel()
        await asyncio.gather(*self._nudges, return_exceptions=True)

    @commands.Cog.listener()
    async def on_group_saved(self, guild_id: int) -> None:
        # /setup changed the group: build its roadmap milestones now rather than at the next tick.
        task = asyncio.current_task()
        if task is None:  # pragma: no cover - listeners always run in a task
            return
        self._nudges.add(task)
        try:
            await self.job.run()
        finally:
            self._nudges.discard(task)

    # ----- the reminder post (ReminderSender) ----------------------------------------------------

    async def send_reminder(self, post: ReminderPost, *, nonce: str) -> int:
        channel = self.bot.get_partial_messageable(post.channel_id, guild_id=post.milestone.guild_id)
        content, embed, mentions = reminder_content(post)
        view = discord.utils.MISSING if post.is_wrap_up else opt_in_view(post.milestone.id)
        try:
            message = await channel.send(content, embed=embed, view=view, allowed_mentions=mentions, nonce=nonce)
        except discord.NotFound:
            raise PostFailed("the challenge channel no longer exists; run /setup with another channel") from None
        except discord.Forbidden:
            raise PostFailed("I lack permission to post milestone reminders in the challenge channel") from None
        except discord.HTTPException as error:
            raise PostFailed(f"Discord refused the reminder (HTTP {error.status})") from None
        return message.id

    async def find_reminder(self, post: ReminderPost, *, after_message_id: int) -> int | None:
        channel = self.bot.get_partial_messageable(post.channel_id, guild_id=post.milestone.guild_id)
        content, embed, _ = reminder_content(post)
        header = content.partition(" <@")[0]  # the pings after it may have changed since

        def is_this(message: discord.Message) -> bool:
            if not message.content.startswith(header):
                return False
            if post.is_wrap_up:  # no button: known by its title
                return [e.title for e in message.embeds] == [embed.title]
            # The button names the milestone however it was renamed since; of its reminders, only
            # ones newer than the last recorded can be this one.
            return OptInButton(post.milestone.id).custom_id in custom_ids_of(message)

        return await find_own_message(self.bot, channel, is_this, newer_than=after_message_id)

    # ----- commands ----------------------------------------------------------------------------------

    async def _require_manager(self, interaction: discord.Interaction[StudyBot]) -> None:
        assert interaction.guild_id is not None
        group = await self.service.group(interaction.guild_id)
        permissions = interaction.permissions
        user = interaction.user
        roles = [role.id for role in user.roles] if isinstance(user, discord.Member) else []
        self.service.require_manager(
            group, is_admin=permissions.manage_guild or permissions.administrator, role_ids=roles
        )

    @app_commands.command(name="add", description="Add a group milestone with reminders (admins and leads)")
    @app_commands.describe(
        title="What the group should get done, e.g. Ship a deployed model API",
        due="When: 2027-03-01, 2027-03-01 18:00, in 10 days, tomorrow 18:00, next friday 18:00",
        description="Details: what counts as done, useful links",
        reminders="Before the due time, e.g. 7d,1d,2h or 30m (default 7d,1d,1h; none for no reminders)",
    )
    async def milestone_add(
        self,
        interaction: discord.Interaction[StudyBot],
        title: app_commands.Range[str, 1, 100],
        due: app_commands.Range[str, 1, 60],
        description: app_commands.Range[str, 1, 1000] | None = None,
        reminders: app_commands.Range[str, 1, 60] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        await self._require_manager(interaction)
        milestone = await self.service.add(
            interaction.guild_id,
            title=title,
            due=due,
            description=description,
            reminders=reminders,
            created_by=interaction.user.id,
        )
        await self.job.arm()  # a reminder may be due before the next tick
        await interaction.response.defer(thinking=True)  # mirroring the event is a call to Discord
        milestone = await self.service.mirror_event(milestone)
        await interaction.edit_original_response(
            embed=milestone_embed(
                milestone, heading="📌 New milestone", mirrored=milestone.scheduled_event_id is not None
            ),
            view=opt_in_view(milestone.id) if milestone.reminders else discord.utils.MISSING,
        )

    @app_commands.command(name="list", description="Upcoming and recent milestones, and who completed them")
    async def milestone_list(self, interaction: discord.Interaction[StudyBot]) -> None:
        assert interaction.guild_id is not None
        listing = await self.service.listing(interaction.guild_id)
        await interaction.response.send_message(embed=listing_embed(listing), ephemeral=True)

    @app_commands.command(name="done", description="Mark a milestone done, optionally with a GitHub or Kaggle link")
    @app_commands.describe(milestone=_MILESTONE, link="Your work: a GitHub or Kaggle link (optional)")
    async def milestone_done(
        self,
        interaction: discord.Interaction[StudyBot],
        milestone: app_commands.Range[str, 1, 100],
        link: app_commands.Range[str, 1, 500] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        outcome = await self.service.done(
            interaction.guild_id,
            milestone,
            user_id=interaction.user.id,
            display_name=interaction.user.display_name,
            link=link,
        )
        title = safe(outcome.milestone.title, 100)
        if not outcome.recorded:
            await send_ephemeral(interaction, f"ℹ️ You already marked **{title}** done.")
            return
        text = f"✅ **{title}** done. Well played!"
        if outcome.link is None:
            await send_ephemeral(interaction, text)
            return
        if self.service.submission_needs_network(outcome):
            await interaction.response.defer(ephemeral=True, thinking=True)  # the link is checked on GitHub
        new_submission = await self.service.record_submission(outcome)
        text += f"\n🔗 {outcome.link.url}" + (" · recorded with your submissions" if new_submission else "")
        if interaction.response.is_done():
            await interaction.edit_original_response(content=text)
        else:
            await send_ephemeral(interaction, text)

    @app_commands.command(name="edit", description="Change a milestone; a new due time reschedules its reminders")
    @app_commands.describe(
        milestone=_MILESTONE,
        title="A new title",
        due="A new due time (reminders are rescheduled)",
        description="A new description, or - to clear it",
        reminders="New reminder offsets, e.g. 7d,1d,2h",
    )
    async def milestone_edit(
        self,
        interaction: discord.Interaction[StudyBot],
        milestone: app_commands.Range[str, 1, 100],
        title: app_commands.Range[str, 1, 100] | None = None,
        due: app_commands.Range[str, 1, 60] | None = None,
        description: app_commands.Range[str, 1, 1000] | None = None,
        reminders: app_commands.Range[str, 1, 60] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        await self._require_manager(interaction)
        updated = await self.service.edit(
            interaction.guild_id, milestone, title=title, due=due, description=description, reminders=reminders
        )
        await self.job.arm()
        await interaction.response.defer(ephemeral=True, thinking=True)
        updated = await self.service.mirror_event(updated)
        await interaction.edit_original_response(embed=milestone_embed(updated, heading="✏️ Updated"))

    @app_commands.command(name="remove", description="Remove a milestone and its reminders (admins and leads)")
    @app_commands.describe(milestone=_MILESTONE)
    async def milestone_remove(
        self, interaction: discord.Interaction[StudyBot], milestone: app_commands.Range[str, 1, 100]
    ) -> None:
        assert interaction.guild_id is not None
        await self._require_manager(interaction)
        removed = await self.service.remove(interaction.guild_id, milestone)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.service.withdraw_event(removed)
        await interaction.edit_original_response(content=f"🗑️ Removed **{safe(removed.title, 100)}** and its reminders.")

    @milestone_done.autocomplete("milestone")
    @milestone_edit.autocomplete("milestone")
    @milestone_remove.autocomplete("milestone")
    async def milestone_choices(
        self, interaction: discord.Interaction[StudyBot], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        group = await self.bot.store.groups.get(interaction.guild_id)
        if group is None:
            return []
        zone = ZoneInfo(group.timezone)  # choices are plain text: show the group's local date
        found = await self.service.choices(interaction.guild_id, current)
        return [
            app_commands.Choice(name=f"{m.title[:70]} · due {m.due_at.astimezone(zone):%d %b %Y}", value=str(m.id))
            for m in found
        ]


class Roadmap(commands.Cog):
    def __init__(self, bot: StudyBot, service: MilestoneService) -> None:
        self.bot = bot
        self.service = service

    @app_commands.command(name="roadmap", description="The track's phases and where the group is on it")
    @app_commands.guild_only()
    async def roadmap(self, interaction: discord.Interaction[StudyBot]) -> None:
        assert interaction.guild_id is not None
        view = await self.service.roadmap(interaction.guild_id)
        await interaction.response.send_message(embed=roadmap_embed(view), ephemeral=True)


async def setup(bot: StudyBot) -> None:
    bot.add_dynamic_items(OptInButton)
    milestones = Milestones(bot)
    await bot.add_cog(milestones)
    await bot.add_cog(Roadmap(bot, milestones.service))
