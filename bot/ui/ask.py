"""How /ask looks in Discord: the streaming reply, its feedback buttons, /profile usage and the
feedback summary in /config show."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord

from bot.core.messages import neutralise_mentions, split_message
from bot.services.ask import AskResult, UsageReport
from bot.store.ask import FeedbackSummary
from bot.tree import report_error
from bot.ui.roles import NotesRoles

if TYPE_CHECKING:
    from bot.client import StudyBot

NO_PINGS = discord.AllowedMentions.none()
FEEDBACK_BUTTON = r"bp:ask:(?P<vote>yes|no):(?P<answer>\d+)"
_SOURCES = {
    "llm": "model",
    "cache": "cache",
    "notes": "notes",
    "fallback": "notes (model down)",
    "budget": "notes (budget)",
}


class AnswerMessages:
    """The reply to one /ask: the original (deferred) response, plus follow-ups past 2,000 characters.

    `update` and `finish` take the whole text so far; only messages whose part changed are
    edited, follow-ups are sent as the text grows and deleted if a final text is shorter.
    """

    def __init__(self, interaction: discord.Interaction[Any], *, ephemeral: bool) -> None:
        self._interaction = interaction
        self._ephemeral = ephemeral
        self._shown: list[str] = []  # what each message shows, [0] being the original response
        self._followups: list[discord.WebhookMessage] = []

    async def update(self, text: str) -> None:
        await self._show(split_message(text), None)

    async def finish(self, result: AskResult) -> None:
        view = feedback_view(result.answer_id) if result.wants_feedback else None
        await self._show(split_message(result.text), view)

    async def _show(self, parts: list[str], view: discord.ui.View | None) -> None:
        parts = parts or ["…"]
        for index, part in enumerate(parts):
            last_view = view if index == len(parts) - 1 else None
            if index >= len(self._shown):
                await self._send(part, last_view)
            elif self._shown[index] != part or last_view is not None:
                await self._edit(index, part, last_view)
        while len(self._shown) > len(parts):
            await self._followups.pop().delete()
            self._shown.pop()

    async def _edit(self, index: int, part: str, view: discord.ui.View | None) -> None:
        extra: dict[str, Any] = {"view": view} if view is not None else {}
        if index == 0:
            await self._interaction.edit_original_response(content=part, allowed_mentions=NO_PINGS, **extra)
        else:
            await self._followups[index - 1].edit(content=part, allowed_mentions=NO_PINGS, **extra)
        self._shown[index] = part

    async def _send(self, part: str, view: discord.ui.View | None) -> None:
        if not self._shown:  # the deferred "thinking" message becomes the first part
            self._shown.append("")
            await self._edit(0, part, view)
            return
        extra: dict[str, Any] = {"view": view} if view is not None else {}
        message = await self._interaction.followup.send(
            part, ephemeral=self._ephemeral, allowed_mentions=NO_PINGS, wait=True, **extra
        )
        self._followups.append(message)
        self._shown.append(part)


class FeedbackButton(NotesRoles, discord.ui.DynamicItem[discord.ui.Button[Any]], template=FEEDBACK_BUTTON):
    """👍/👎 under an answer; the answer id in the custom_id keeps it working across restarts."""

    def __init__(self, vote: str, answer_id: int) -> None:
        helpful = vote == "yes"
        super().__init__(
            discord.ui.Button(
                label="Helpful" if helpful else "Not helpful",
                emoji="👍" if helpful else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"bp:ask:{vote}:{answer_id}",
            )
        )
        self.helpful = helpful
        self.answer_id = answer_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> FeedbackButton:
        return cls(match["vote"], int(match["answer"]))

    async def callback(self, interaction: discord.Interaction[StudyBot]) -> None:  # type: ignore[override]
        try:
            assert interaction.guild_id is not None
            reply = await interaction.client.ask.vote(
                interaction.guild_id, self.answer_id, interaction.user.id, self.helpful
            )
            await interaction.response.send_message(reply, ephemeral=True, allowed_mentions=NO_PINGS)
        except Exception as error:
            await report_error(interaction, error)


def feedback_view(answer_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(FeedbackButton("yes", answer_id))
    view.add_item(FeedbackButton("no", answer_id))
    return view


# ----- /profile usage ------------------------------------------------------------------------------


def usage_embed(report: UsageReport) -> discord.Embed:
    embed = discord.Embed(title="Your /ask allowance today", colour=discord.Colour.blurple())
    if not report.llm_enabled:
        embed.description = (
            "No model is configured on this bot, so `/ask` answers from the course notes: no daily limits."
        )
    else:
        member, group = report.member_left, report.group_left
        embed.description = f"Budgets count model answers per UTC day and renew {_ts(report.resets_at, 'R')}."
        embed.add_field(
            name="You",
            value=_left_line(member.requests, report.member_allowance.requests, "answers")
            + "\n"
            + _left_line(member.tokens, report.member_allowance.tokens, "tokens"),
        )
        embed.add_field(
            name="This server",
            value=_left_line(group.requests, report.group_allowance.requests, "answers")
            + "\n"
            + _left_line(group.tokens, report.group_allowance.tokens, "tokens"),
        )
        if member.requests == 0 or group.requests == 0:
            embed.add_field(
                name="Spent",
                value="Until the budgets renew, `/ask` answers from the course notes.",
                inline=False,
            )
    cooldown = int(report.cooldown.total_seconds())
    wait = f"you can ask again {_ts(report.ready_at, 'R')}" if report.ready_at else "you can ask now"
    embed.add_field(name="Cooldown", value=f"{cooldown} s between questions; {wait}.", inline=False)
    embed.set_footer(text="Answers from the group's cache and from the notes are free.")
    return embed


def _left_line(left: int, allowance: int, unit: str) -> str:
    return f"**{left:,}** of {allowance:,} {unit} left"


def _ts(moment: datetime | None, style: str) -> str:
    return f"<t:{int(moment.timestamp())}:{style}>" if moment else "now"


# ----- /config show ----------------------------------------------------------------------------------


async def add_ask_feedback_field(embed: discord.Embed, bot: StudyBot, guild_id: int) -> None:
    """The "/ask" field of /config show: answers of the last 30 days and what members thought."""
    summary = await bot.ask.feedback(guild_id)
    embed.add_field(name="/ask (last 30 days)", value=feedback_text(summary), inline=False)


def feedback_text(summary: FeedbackSummary) -> str:
    if summary.answers == 0:
        return "No questions yet."
    sources = ", ".join(
        f"{count} from the {_SOURCES.get(source, source)}" for source, count in summary.by_source.items()
    )
    votes = summary.helpful + summary.unhelpful
    rate = f" ({round(100 * summary.helpful / votes)}% helpful)" if votes else ""
    lines = [
        f"{summary.answers} answer{'' if summary.answers == 1 else 's'}: {sources}",
        f"👍 {summary.helpful} · 👎 {summary.unhelpful}{rate}",
    ]
    if summary.recent_unhelpful:
        lines.append("Not helpful lately: " + "; ".join(f"“{_clip(q)}”" for q in summary.recent_unhelpful))
    return neutralise_mentions("\n".join(lines))[:1024]


def _clip(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
