"""The group's settings (/setup, /config) and the daily post itself."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import StudyBot
from bot.core.errors import UserFacingError
from bot.core.schedule import GroupSchedule, parse_post_time, suggest_timezones, validate_timezone
from bot.due_job import DueJob
from bot.services.challenges import Day, schedule_of
from bot.services.poster import DailyPoster, PostFailed
from bot.store import GroupRecord, GroupSettings
from bot.ui.ask import add_ask_feedback_field
from bot.ui.challenge import day_embed, day_view
from bot.ui.components import custom_ids_of, find_own_message
from bot.ui.leaderboard import configure_fairness

log = logging.getLogger(__name__)

POST_PERMISSIONS = discord.Permissions(view_channel=True, send_messages=True, embed_links=True)


def parse_start_date(text: str | None, today: date) -> date:
    if not text:
        return today
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserFacingError("Give the start date as YYYY-MM-DD, for example 2027-01-04.") from None


def timestamp(moment: datetime, style: str = "F") -> str:
    """A Discord timestamp: every member sees it in their own time zone."""
    return f"<t:{int(moment.timestamp())}:{style}>"


class Daily(commands.Cog):
    """The daily post and /setup."""

    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot
        self.poster = DailyPoster(bot.store, bot.challenges, bot.clock, self)
        self.job = DueJob(
            bot.scheduler,
            "daily-posts",
            self.poster.tick,
            self.poster.next_wakeup,
            bot.clock,
            bot.settings.scheduler_tick_seconds,
        )

    async def cog_load(self) -> None:
        self.job.start()

    async def cog_unload(self) -> None:
        self.job.stop()

    @commands.Cog.listener()
    async def on_group_saved(self, guild_id: int) -> None:
        await self.job.arm()  # the new post time may come before the next tick

    # ----- the post (PostSender) -------------------------------------------------------------

    async def send_day(self, day: Day, *, nonce: str) -> int:
        channel = self.bot.get_partial_messageable(day.group.channel_id, guild_id=day.group.guild_id)
        role = day.group.ping_role_id
        try:
            message = await channel.send(
                content=f"<@&{role}> today's challenge is here!" if role else None,
                embed=day_embed(day),
                view=day_view(day),
                # The configured role is the one mention a post may make.
                allowed_mentions=discord.AllowedMentions(
                    everyone=False, users=False, roles=[discord.Object(role)] if role else False
                ),
                nonce=nonce,
            )
        except discord.NotFound:
            raise PostFailed("the challenge channel no longer exists; run /setup with another channel") from None
        except discord.Forbidden:
            raise PostFailed(
                "I lack permission to post in the challenge channel (View Channel, Send Messages, Embed Links)"
            ) from None
        except discord.HTTPException as error:
            raise PostFailed(f"Discord refused the post (HTTP {error.status})") from None
        return message.id

    async def find_day(self, day: Day) -> int | None:
        channel = self.bot.get_partial_messageable(day.group.channel_id, guild_id=day.group.guild_id)
        # The day's buttons name its date, so a post of the same day number from an earlier
        # round of the track never matches.
        wanted = {item.custom_id for item in day_view(day).children if isinstance(item, discord.ui.DynamicItem)}
        return await find_own_message(self.bot, channel, lambda message: bool(wanted & custom_ids_of(message)))

    @app_commands.command(name="setup", description="Start or update this server's study group (admins)")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.describe(
        channel="Where the daily challenge is posted",
        time="Local post time, 24-hour HH:MM, e.g. 18:30",
        timezone="Your IANA time zone, e.g. Europe/Berlin (start typing to search)",
        start_date="The group's day 1, YYYY-MM-DD (default: today)",
        track="full (about 12 months, from scratch) or fast (for people who already program)",
        ping_role="A role to ping with each daily post (optional)",
        lead_role="Members with this role may add and edit milestones, like admins (optional)",
    )
    async def setup_group(
        self,
        interaction: discord.Interaction[StudyBot],
        channel: discord.TextChannel,
        time: app_commands.Range[str, 3, 5],
        timezone: app_commands.Range[str, 1, 64],
        start_date: app_commands.Range[str, 8, 10] | None = None,
        track: str = "full",
        ping_role: discord.Role | None = None,
        lead_role: discord.Role | None = None,
    ) -> None:
        assert interaction.guild is not None
        require_manage_guild(interaction)
        if self.bot.curriculum.track(track) is None:
            names = ", ".join(t.id for t in self.bot.curriculum.tracks)
            raise UserFacingError(f"There is no track called that. Choose one of: {names}.")
        zone = validate_timezone(timezone)
        post_time = parse_post_time(time)
        me = interaction.guild.me
        if me is not None and not channel.permissions_for(me).is_superset(POST_PERMISSIONS):
            raise UserFacingError(
                f"I can't post in {channel.mention}: give me View Channel, Send Messages and Embed Links there."
            )
        now = self.bot.clock.now()
        local_today = now.astimezone(GroupSchedule(post_time, zone, date(2000, 1, 1)).zone).date()
        settings = GroupSettings(
            channel_id=channel.id,
            post_time=post_time,
            timezone=zone,
            start_date=parse_start_date(start_date, local_today),
            track=track,
            ping_role_id=ping_role.id if ping_role else None,
            lead_role_id=lead_role.id if lead_role else None,
        )
        schedule = GroupSchedule(settings.post_time, settings.timezone, settings.start_date)
        existing = await self.bot.store.groups.get(interaction.guild.id)
        last = await self.bot.store.groups.last_post(interaction.guild.id)
        if last is not None:
            following = max(last.group_date + timedelta(days=1), settings.start_date)
        else:
            following = max(schedule.group_date_at(now), settings.start_date)
        await self.bot.store.groups.save(interaction.guild.id, settings, following, schedule.post_at(following), now)
        self.bot.dispatch("group_saved", interaction.guild.id)  # e.g. the roadmap milestones follow the new settings
        group = await self.bot.challenges.group(interaction.guild.id)
        embed = settings_embed(group, self.bot)
        embed.title = "Study group updated" if existing else "Study group ready"
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @setup_group.autocomplete("timezone")
    async def timezone_choices(
        self, interaction: discord.Interaction[StudyBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=zone, value=zone) for zone in suggest_timezones(current, limit=25)]

    @setup_group.autocomplete("track")
    async def track_choices(
        self, interaction: discord.Interaction[StudyBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=t.title[:100], value=t.id)
            for t in self.bot.curriculum.tracks
            if current.casefold() in (t.id + t.title).casefold()
        ]


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Config(commands.GroupCog, group_name="config", group_description="The study group's settings (admins)"):
    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="show", description="Show the group's settings and the state of the daily post")
    async def config_show(self, interaction: discord.Interaction[StudyBot]) -> None:
        assert interaction.guild_id is not None
        require_manage_guild(interaction)
        group = await self.bot.challenges.group(interaction.guild_id)
        embed = settings_embed(group, self.bot)
        posts = await self.bot.store.groups.recent_posts(group.guild_id, limit=5)
        if posts:
            embed.add_field(
                name="Recent posts",
                value="\n".join(f"{p.group_date:%a %d %b}: {p.status}{' (late)' if p.late else ''}" for p in posts),
                inline=False,
            )
        if group.last_error:
            when = timestamp(group.last_error_at, "R") if group.last_error_at else ""
            embed.add_field(name="⚠️ Problem", value=f"{group.last_error} {when}", inline=False)
        await add_ask_feedback_field(embed, self.bot, group.guild_id)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="pause", description="Pause the daily posts; paused days never break streaks")
    async def config_pause(self, interaction: discord.Interaction[StudyBot]) -> None:
        assert interaction.guild_id is not None
        require_manage_guild(interaction)
        group = await self.bot.challenges.group(interaction.guild_id)
        if group.paused:
            raise UserFacingError("The daily posts are already paused. `/config resume` starts them again.")
        now = self.bot.clock.now()
        await self.bot.store.groups.set_paused(group.guild_id, now, now)
        await interaction.response.send_message(
            "⏸️ Daily posts paused. Days while paused are excused: nobody loses a streak.", ephemeral=True
        )

    @app_commands.command(name="resume", description="Resume the daily posts")
    async def config_resume(self, interaction: discord.Interaction[StudyBot]) -> None:
        assert interaction.guild_id is not None
        require_manage_guild(interaction)
        group = await self.bot.challenges.group(interaction.guild_id)
        if not group.paused:
            raise UserFacingError("The daily posts are not paused.")
        now = self.bot.clock.now()
        schedule = schedule_of(group)
        today = schedule.group_date_at(now)
        if group.next_post_date < today:
            await self.bot.store.ledger.excuse_range(
                group.guild_id, group.next_post_date, today - timedelta(days=1), "the group was paused", now
            )
        following = max(today, group.next_post_date)
        await self.bot.store.groups.reschedule(group.guild_id, following, schedule.post_at(following))
        await self.bot.store.groups.set_paused(group.guild_id, None, now)
        await interaction.response.send_message(
            f"▶️ Daily posts resumed; the next one is {timestamp(schedule.post_at(following))}.", ephemeral=True
        )

    # ----- /config leaderboard: who the boards count (issue 5) ------------------------------------

    leaderboard = app_commands.Group(
        name="leaderboard", description="Who the leaderboards count: excluded roles, minimum activity, season"
    )

    @leaderboard.command(name="show", description="Show the leaderboards' fairness settings")
    async def config_leaderboard_show(self, interaction: discord.Interaction[StudyBot]) -> None:
        require_manage_guild(interaction)
        await configure_fairness(interaction)

    @leaderboard.command(name="exclude", description="Leave members holding a role off the leaderboards")
    @app_commands.describe(role="e.g. the moderators or the study-group hosts")
    async def config_leaderboard_exclude(self, interaction: discord.Interaction[StudyBot], role: discord.Role) -> None:
        require_manage_guild(interaction)
        await configure_fairness(interaction, exclude_role=role.id)

    @leaderboard.command(name="include", description="Count an excluded role on the leaderboards again")
    @app_commands.describe(role="A role excluded earlier")
    async def config_leaderboard_include(self, interaction: discord.Interaction[StudyBot], role: discord.Role) -> None:
        require_manage_guild(interaction)
        await configure_fairness(interaction, include_role=role.id)

    @leaderboard.command(name="min-activity", description="Completed days in the period a member needs to appear")
    @app_commands.describe(days="0 lists everyone with any activity")
    async def config_leaderboard_min_activity(
        self, interaction: discord.Interaction[StudyBot], days: app_commands.Range[int, 0, 366]
    ) -> None:
        require_manage_guild(interaction)
        await configure_fairness(interaction, min_activity=days)

    @leaderboard.command(name="season", description="Start a new season: the season boards count from this day")
    @app_commands.describe(start="The season's first day, YYYY-MM-DD, in the group's time zone")
    async def config_leaderboard_season(
        self, interaction: discord.Interaction[StudyBot], start: app_commands.Range[str, 10, 10]
    ) -> None:
        require_manage_guild(interaction)
        await configure_fairness(interaction, season_start=start)


def require_manage_guild(interaction: discord.Interaction[StudyBot]) -> None:
    """Discord hides admin commands by default, but server admins can re-grant them: check again."""
    permissions = interaction.permissions
    if not (permissions.manage_guild or permissions.administrator):
        raise app_commands.MissingPermissions(["manage_guild"])


def settings_embed(group: GroupRecord, bot: StudyBot) -> discord.Embed:
    track = bot.curriculum.track(group.track)
    schedule = schedule_of(group)
    embed = discord.Embed(title="Study group", colour=discord.Colour.blurple())
    embed.add_field(name="Channel", value=f"<#{group.channel_id}>")
    embed.add_field(name="Post time", value=f"{group.post_time:%H:%M} {group.timezone}")
    embed.add_field(name="Track", value=track.title if track else group.track, inline=False)
    embed.add_field(name="Day 1", value=f"{group.start_date:%A %d %B %Y}")
    embed.add_field(name="Ping", value=f"<@&{group.ping_role_id}>" if group.ping_role_id else "nobody")
    embed.add_field(name="Milestone leads", value=f"<@&{group.lead_role_id}>" if group.lead_role_id else "admins only")
    if group.paused:
        embed.add_field(name="Status", value="⏸️ paused", inline=False)
    else:
        embed.add_field(
            name="Next post",
            value=f"Day {(schedule.day_index(group.next_post_date) or 0) + 1}, {timestamp(group.next_post_at)}",
            inline=False,
        )
    return embed


async def setup(bot: StudyBot) -> None:
    await bot.add_cog(Daily(bot))
    await bot.add_cog(Config(bot))
