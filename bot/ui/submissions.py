"""How submissions look in Discord: the reply, the one-line announcement, and the paged list.

A note is the member's own text: it is escaped (mentions and Markdown) and always sent with
mentions disabled, so it can neither ping anyone nor restyle the line around it.
"""

from __future__ import annotations

import logging
import math
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.core.verification import LABELS
from bot.services.submissions import Recorded
from bot.store.submissions import SubmissionRecord
from bot.tree import report_error
from bot.ui.paging import page_button
from bot.ui.roles import NotesRoles

if TYPE_CHECKING:
    from bot.client import StudyBot

log = logging.getLogger(__name__)

PAGE_SIZE = 5  # a URL may be 500 characters: five fit an embed description with their notes
WHAT = {
    "repository": "a GitHub repository",
    "pull_request": "a pull request",
    "commit": "a commit",
    "file": "a file on GitHub",
    "gist": "a gist",
    "competition": "a Kaggle competition entry",
    "notebook": "a Kaggle notebook",
    "dataset": "a Kaggle dataset",
    "model": "a Kaggle model",
}
SUBMISSIONS_BUTTON = r"bp:subs:(?P<user>\d{1,20}):(?P<kind>all|github|kaggle):(?P<page>\d{1,6}):(?P<nav>prev|next)"


def safe_text(text: str) -> str:
    """User text made inert: no mention syntax, no Markdown, one line."""
    line = " ".join(text.split())
    return discord.utils.escape_markdown(discord.utils.escape_mentions(line))


def announcement(submission: SubmissionRecord, *, anonymous: bool) -> str:
    who = "An anonymous learner" if anonymous else f"<@{submission.user_id}>"
    line = f"📦 {who} shared {WHAT.get(submission.type, 'their work')}: {submission.url}"
    if submission.note:
        line += f" — “{safe_text(submission.note)}”"
    return line


def recorded_reply(recorded: Recorded) -> str:
    submission = recorded.submission
    if not recorded.created:
        return f"ℹ️ You already recorded that work on {submission.created_at:%d %B %Y}: {submission.url}"
    lines = [f"✅ Recorded {WHAT.get(submission.type, 'your work')}: {submission.url} · {LABELS[submission.status]}"]
    if recorded.completion is not None:
        lines.append(f"{'✅' if recorded.completion.status == 'completed' else 'ℹ️'} {recorded.completion.message}")
    elif recorded.completion_problem:
        lines.append(f"ℹ️ Today's task was not completed: {recorded.completion_problem}")
    return "\n".join(lines)


async def announce(bot: StudyBot, recorded: Recorded) -> None:
    """Post the one-line announcement in the group's channel; a failure only costs the post."""
    channel_id = recorded.announce_channel_id
    if channel_id is None or not recorded.created:
        return
    submission = recorded.submission
    channel = bot.get_partial_messageable(channel_id, guild_id=submission.guild_id)
    try:
        message = await channel.send(
            announcement(submission, anonymous=recorded.anonymous),
            allowed_mentions=discord.AllowedMentions.none(),  # the note is user text
            suppress_embeds=True,
        )
    except discord.HTTPException as error:
        log.warning("could not announce submission %s in channel %s: HTTP %s", submission.id, channel_id, error.status)
        return
    await bot.store.submissions.set_announcement(submission.id, channel_id, message.id)


async def submissions_page(
    bot: StudyBot, guild_id: int, user_id: int, kind: str | None, page: int
) -> tuple[discord.Embed, discord.ui.View]:
    """One page of a member's work, newest first, with persistent Prev/Next buttons."""
    page = max(page, 0)
    records, total = await bot.store.submissions.for_member(
        guild_id, user_id, kind=kind, offset=page * PAGE_SIZE, limit=PAGE_SIZE
    )
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if page >= pages:  # fewer pages than when the button was drawn
        page = pages - 1
        records, total = await bot.store.submissions.for_member(
            guild_id, user_id, kind=kind, offset=page * PAGE_SIZE, limit=PAGE_SIZE
        )
    where = {"github": " on GitHub", "kaggle": " on Kaggle"}.get(kind or "", "")
    embed = discord.Embed(title=f"Recorded work{where}", colour=discord.Colour.teal())
    if not records:
        embed.description = f"<@{user_id}> has not recorded any work{where} yet. `/submit` records a link."
    else:
        lines = [f"<@{user_id}> · {total} piece{'s' if total != 1 else ''} of work"]
        for record in records:
            line = f"`{record.created_at:%d %b %Y}` {LABELS[record.status]} · {record.url}"
            if record.note:
                line += f"\n  “{safe_text(record.note)}”"
            lines.append(line)
        embed.description = "\n".join(lines)
    embed.set_footer(text=f"Page {page + 1}/{pages} · newest first")
    view = discord.ui.View(timeout=None)
    stamp = f"{user_id}:{kind or 'all'}"
    view.add_item(SubmissionsButton(stamp, max(page - 1, 0), "prev", disabled=page == 0))
    view.add_item(SubmissionsButton(stamp, min(page + 1, pages - 1), "next", disabled=page >= pages - 1))
    return embed, view


class SubmissionsButton(NotesRoles, discord.ui.DynamicItem[discord.ui.Button[Any]], template=SUBMISSIONS_BUTTON):
    def __init__(self, stamp: str, page: int, nav: str, *, disabled: bool = False) -> None:
        super().__init__(page_button(f"bp:subs:{stamp}:{page}:{nav}", nav, disabled=disabled))
        user, _, kind = stamp.partition(":")
        self.user_id, self.kind, self.page = int(user), kind, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> SubmissionsButton:
        return cls(f"{match['user']}:{match['kind']}", int(match["page"]), match["nav"])

    async def callback(self, interaction: discord.Interaction[StudyBot]) -> None:  # type: ignore[override]
        try:
            assert interaction.guild_id is not None
            kind = None if self.kind == "all" else self.kind
            embed, view = await submissions_page(
                interaction.client, interaction.guild_id, self.user_id, kind, self.page
            )
            await interaction.response.edit_message(embed=embed, view=view)
        except Exception as error:
            await report_error(interaction, error)
