"""How a leaderboard looks in Discord, and its persistent paging buttons.

Names are rendered as mentions inside the embed: Discord shows each member's current name and
never notifies anyone from an embed, so the bot needs no member list (no privileged intent).
Each button's custom_id carries board, period and page (`bp:lb:points:week:2:next`), so paging
keeps working after a restart and never depends on memory.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import discord

from bot.core.errors import UserFacingError
from bot.core.points import Period
from bot.replies import send_ephemeral
from bot.services.challenges import schedule_of
from bot.services.leaderboards import UNITS, BoardKind, BoardView, Standing
from bot.tree import report_error
from bot.ui.components import static_view
from bot.ui.paging import page_button
from bot.ui.roles import NotesRoles

if TYPE_CHECKING:
    from bot.client import StudyBot

ANONYMOUS = "anonymous learner"
LEADERBOARD_BUTTON = (
    r"bp:lb:(?P<board>points|streak|submissions):(?P<period>week|month|season|all):(?P<page>\d{1,6}):(?P<nav>prev|next)"
)
_TITLES = {BoardKind.POINTS: "🏆 Points", BoardKind.STREAK: "🔥 Streaks", BoardKind.SUBMISSIONS: "📦 Submissions"}
_PERIODS = {Period.WEEK: "this week", Period.MONTH: "this month", Period.SEASON: "this season", Period.ALL: "all time"}
_MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}


def _name(standing: Standing, viewer_id: int) -> str:
    if standing.user_id == viewer_id:
        return f"<@{standing.user_id}> (you)"
    return ANONYMOUS if standing.anonymous else f"<@{standing.user_id}>"


def _line(standing: Standing, view: BoardView) -> str:
    place = _MEDALS.get(standing.rank, f"`#{standing.rank}`")
    unit = UNITS[view.board] if standing.score != 1 else UNITS[view.board].removesuffix("s")
    return f"{place} {_name(standing, view.viewer_id)} — **{standing.score}** {unit}"


def board_embed(view: BoardView) -> discord.Embed:
    embed = discord.Embed(title=f"{_TITLES[view.board]} · {_PERIODS[view.period]}", colour=discord.Colour.gold())
    if view.entries:
        embed.description = "\n".join(_line(s, view) for s in view.entries)
    else:
        embed.description = "Nobody is on this board yet. Complete a challenge or `/submit` your work to get on it."
    if view.viewer is not None and not view.viewer_on_page:
        embed.add_field(name="Your rank", value=_line(view.viewer, view), inline=False)
    elif view.viewer is None:
        embed.add_field(name="Your rank", value=_why_not_listed(view), inline=False)
    notes = [f"Page {view.page + 1}/{view.pages}", f"{view.total} member{'s' if view.total != 1 else ''}"]
    if view.season_start is not None:
        notes.append(f"season from {view.season_start:%d %b %Y}")
    if view.settings.min_activity:
        notes.append(f"at least {view.settings.min_activity} completed day(s) to appear")
    notes.append("ties: who got there first")
    embed.set_footer(text=" · ".join(notes))
    return embed


def _why_not_listed(view: BoardView) -> str:
    if view.viewer_excluded:
        return "You hold a role this server leaves off its leaderboards."
    if view.settings.min_activity:
        return (
            f"Not on this board yet: it lists members with at least {view.settings.min_activity} "
            f"completed day(s) {_PERIODS[view.period]}."
        )
    if view.board is BoardKind.STREAK:
        return "Not on this board yet: complete today's challenge to start a streak."
    return "Not on this board yet."


def board_buttons(view: BoardView) -> discord.ui.View:
    return _page_buttons(f"{view.board}:{view.period}", view.page, view.pages)


@lru_cache(maxsize=1024)  # the same few pages over and over; a static view can be sent again and again
def _page_buttons(stamp: str, page: int, pages: int) -> discord.ui.View:
    return static_view(
        LeaderboardButton(stamp, max(page - 1, 0), "prev", disabled=page == 0),
        LeaderboardButton(stamp, min(page + 1, pages - 1), "next", disabled=page >= pages - 1),
    )


async def show_board(
    interaction: discord.Interaction[StudyBot], board: BoardKind, period: Period, page: int, *, edit: bool
) -> None:
    """Answer with the board: a new private message, or an edit of the one whose button was pressed."""
    assert interaction.guild_id is not None
    bot = interaction.client
    await bot.challenges.group(interaction.guild_id)  # no group: say so before deferring
    slow = board is BoardKind.STREAK  # replayed in Python; may take longer than Discord's 3 s
    if slow:
        await (interaction.response.defer() if edit else interaction.response.defer(ephemeral=True, thinking=True))
    view = await bot.leaderboards.view(interaction.guild_id, board, period, page, interaction.user.id)
    embed, buttons = board_embed(view), board_buttons(view)
    if slow:
        await interaction.edit_original_response(embed=embed, view=buttons)
    elif edit:
        await interaction.response.edit_message(embed=embed, view=buttons)
    else:
        await interaction.response.send_message(embed=embed, view=buttons, ephemeral=True)


class LeaderboardButton(NotesRoles, discord.ui.DynamicItem[discord.ui.Button[Any]], template=LEADERBOARD_BUTTON):
    def __init__(self, stamp: str, page: int, nav: str, *, disabled: bool = False) -> None:
        super().__init__(page_button(f"bp:lb:{stamp}:{page}:{nav}", nav, disabled=disabled))
        board, _, period = stamp.partition(":")
        self.board, self.period, self.page = BoardKind(board), Period(period), page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> LeaderboardButton:
        return cls(f"{match['board']}:{match['period']}", int(match["page"]), match["nav"])

    async def callback(self, interaction: discord.Interaction[StudyBot]) -> None:  # type: ignore[override]
        try:
            await show_board(interaction, self.board, self.period, self.page, edit=True)
        except Exception as error:
            await report_error(interaction, error)


# --- /config leaderboard ---------------------------------------------------------------------


async def configure_fairness(
    interaction: discord.Interaction[StudyBot],
    *,
    exclude_role: int | None = None,
    include_role: int | None = None,
    min_activity: int | None = None,
    season_start: str | None = None,
) -> None:
    """Apply one fairness change (or none: show) and answer with the settings as they now are."""
    assert interaction.guild_id is not None
    bot = interaction.client
    group = await bot.challenges.group(interaction.guild_id)
    fairness, now = bot.store.fairness, bot.clock.now()
    done = ""
    if exclude_role is not None:
        if exclude_role == group.guild_id:  # the @everyone role shares the server's id
            raise UserFacingError("Excluding @everyone would leave the leaderboards empty; pick a narrower role.")
        changed = await fairness.set_role_excluded(group.guild_id, exclude_role, True)
        done = f"<@&{exclude_role}> is {'now' if changed else 'already'} left off the leaderboards."
    if include_role is not None:
        changed = await fairness.set_role_excluded(group.guild_id, include_role, False)
        done = f"<@&{include_role}> is {'counted again' if changed else 'not excluded'}."
    if min_activity is not None:
        await fairness.set_min_activity(group.guild_id, min_activity, now)
        done = "Minimum activity saved."
    if season_start is not None:
        today = schedule_of(group).group_date_at(now)
        try:
            start = date.fromisoformat(season_start.strip())
        except ValueError:
            raise UserFacingError("Give the season start as YYYY-MM-DD, for example 2027-01-04.") from None
        if start > today:
            raise UserFacingError("The season can't start in the future; give today or an earlier day.")
        await fairness.set_season_start(group.guild_id, start, now)
        done = f"The season now runs from {start:%A %d %B %Y}."
    settings = await fairness.get(group.guild_id)
    roles = ", ".join(f"<@&{role}>" for role in sorted(settings.excluded_role_ids)) or "none"
    season = settings.season_start or group.start_date
    lines = [
        f"✅ {done}" if done else "🏆 **Leaderboard settings**",
        f"**Excluded roles:** {roles}",
        f"**Minimum activity:** {settings.min_activity} completed day(s) in the period"
        + (" (everyone is listed)" if settings.min_activity == 0 else ""),
        f"**Season:** from {season:%d %B %Y}" + ("" if settings.season_start else " (the group's day 1)"),
        "-# Roles are learned from members' interactions with the bot (it has no member list): a member "
        "who gets an excluded role leaves the boards at their next command or click.",
    ]
    await send_ephemeral(interaction, "\n".join(lines))
