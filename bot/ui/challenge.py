"""How a day's challenge looks in Discord, and its persistent buttons, select and modals.

Every component carries its group date in a namespaced custom_id (`bp:day:...`), so the
buttons keep working after a restart (DynamicItem) and a button on yesterday's post can
say the day has closed instead of grading the wrong question.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

import discord

from bot.core.errors import UserFacingError
from bot.curriculum.models import OPTION_LETTERS, NumericChallenge, QuizChallenge, TaskChallenge
from bot.replies import send_ephemeral
from bot.services.challenges import Day, Outcome
from bot.tree import report_error
from bot.ui.components import frozen, static_view
from bot.ui.roles import NotesRoles
from bot.ui.submissions import announce

if TYPE_CHECKING:
    from bot.client import StudyBot

DATE = r"(?P<date>\d{4}-\d{2}-\d{2})"
ANSWER_MODAL = re.compile(rf"bp:ans:{DATE}")
LINK_MODAL = re.compile(rf"bp:link:{DATE}")
_KIND_COLOURS = {"quiz": 0x5865F2, "numeric": 0x3BA55C, "short": 0xFAA61A, "task": 0xEB459E, "reading": 0x00B0F4}


def day_embed(day: Day) -> discord.Embed:
    challenge = day.challenge
    embed = discord.Embed(
        title=f"Day {day.index + 1} · {day.phase.title}",
        description=challenge.prompt,
        colour=_KIND_COLOURS.get(challenge.kind, 0x5865F2),
    )
    if isinstance(challenge, QuizChallenge):
        embed.add_field(
            name="Options",
            value="\n".join(f"**{OPTION_LETTERS[i]}**) {option}" for i, option in enumerate(day.options)),
            inline=False,
        )
    embed.add_field(name="Kind", value=_kind_text(day), inline=True)
    embed.add_field(name="Difficulty", value=challenge.difficulty, inline=True)
    embed.add_field(name="Time", value=f"~{challenge.minutes} min", inline=True)
    resource = _resource_text(day)
    if resource:
        embed.add_field(name="Resource", value=resource, inline=False)
    embed.set_footer(text=f"{day.group_date:%A %d %B %Y} · {challenge.id}")
    return embed


def _kind_text(day: Day) -> str:
    challenge = day.challenge
    if isinstance(challenge, TaskChallenge):
        return {"github": "task · submit a GitHub link", "kaggle": "task · submit a Kaggle link"}.get(
            challenge.submit, "task · mark it done"
        )
    if isinstance(challenge, NumericChallenge):
        return "number" + (f" ({challenge.unit})" if challenge.unit else "")
    return {"quiz": "quiz", "short": "short answer", "reading": "reading · mark it done"}[challenge.kind]


def _resource_text(day: Day) -> str | None:
    resource = day.resource
    if resource is None:
        return None
    return f"[{resource.title}]({resource.url})" if resource.url else resource.title


def _label(text: str, limit: int = 100) -> str:
    """Select labels stop at 100 characters; the embed above shows the option in full."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def day_view(day: Day) -> discord.ui.View:
    stamp = day.group_date.isoformat()
    buttons: list[DayButton] = []
    if day.challenge.auto_graded:
        buttons.append(DayButton("answer", stamp))
    else:
        if isinstance(day.challenge, TaskChallenge) and day.challenge.submit != "none":
            buttons.append(DayButton("link", stamp))
        buttons.append(DayButton("done", stamp))
    buttons.append(DayButton("hint", stamp))
    return static_view(*buttons)


class DayMessages:
    """`/challenge today`'s embed and buttons, built once per day rather than once per request.

    Keyed by the Day object itself: `ChallengeService.today` returns the same one until the day
    ends or the group is written, and the reply depends on nothing else.
    """

    def __init__(self, limit: int = 10_000) -> None:
        self._built: dict[int, tuple[Day, discord.Embed, discord.ui.View]] = {}
        self._limit = limit

    def get(self, day: Day) -> tuple[discord.Embed, discord.ui.View]:
        known = self._built.get(day.group.guild_id)
        if known is not None and known[0] is day:
            return known[1], known[2]
        embed, view = frozen(day_embed(day)), day_view(day)
        if len(self._built) >= self._limit:
            self._built.clear()
        self._built[day.group.guild_id] = (day, embed, view)
        return embed, view


_BUTTONS = {
    "answer": ("Answer", discord.ButtonStyle.primary, "✏️"),
    "hint": ("Hint", discord.ButtonStyle.secondary, "💡"),
    "done": ("Mark done", discord.ButtonStyle.success, "✅"),
    "link": ("Submit link", discord.ButtonStyle.primary, "🔗"),
}


DAY_BUTTON = rf"bp:day:(?P<action>answer|hint|done|link):{DATE}"


class DayButton(NotesRoles, discord.ui.DynamicItem[discord.ui.Button[Any]], template=DAY_BUTTON):
    def __init__(self, action: str, stamp: str) -> None:
        label, style, emoji = _BUTTONS[action]
        super().__init__(discord.ui.Button(label=label, style=style, emoji=emoji, custom_id=f"bp:day:{action}:{stamp}"))
        self.action = action
        self.group_date = date.fromisoformat(stamp)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> DayButton:
        return cls(match["action"], match["date"])

    async def callback(self, interaction: discord.Interaction[StudyBot]) -> None:  # type: ignore[override]
        try:
            await handle_button(interaction, self.action, self.group_date)
        except Exception as error:  # one path for every failure, as in the command tree
            await report_error(interaction, error)


class QuizSelect(NotesRoles, discord.ui.DynamicItem[discord.ui.Select[Any]], template=rf"bp:quiz:{DATE}"):
    def __init__(self, stamp: str, options: tuple[str, ...] = ()) -> None:
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=f"bp:quiz:{stamp}",
            placeholder="Choose your answer",
            options=[
                discord.SelectOption(label=_label(f"{OPTION_LETTERS[i]}) {option}"), value=OPTION_LETTERS[i])
                for i, option in enumerate(options)
            ],
        )
        super().__init__(select)
        self.group_date = date.fromisoformat(stamp)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> QuizSelect:
        # Never raise here: discord.py would drop the interaction unanswered. The callback checks the day.
        return cls(match["date"])

    async def callback(self, interaction: discord.Interaction[StudyBot]) -> None:  # type: ignore[override]
        try:
            values = self.item.values
            await answer(interaction, values[0] if values else "", self.group_date)
        except Exception as error:
            await report_error(interaction, error)


class AnswerModal(discord.ui.Modal):
    """Submitted modals are handled in `handle_modal`, keyed by custom_id, so a modal opened
    before a restart can still be submitted after it."""

    def __init__(self, day: Day) -> None:
        super().__init__(title=f"Day {day.index + 1}: your answer", custom_id=f"bp:ans:{day.group_date.isoformat()}")
        numeric = isinstance(day.challenge, NumericChallenge)
        self.add_item(
            discord.ui.TextInput(
                label="Your answer",
                custom_id="answer",
                placeholder="e.g. 0.25, 1/4 or 25%" if numeric else "a word or a short phrase",
                max_length=200,
            )
        )

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        return None  # see handle_modal


class LinkModal(discord.ui.Modal):
    def __init__(self, day: Day) -> None:
        super().__init__(
            title=f"Day {day.index + 1}: submit your link", custom_id=f"bp:link:{day.group_date.isoformat()}"
        )
        assert isinstance(day.challenge, TaskChallenge)
        where = "GitHub" if day.challenge.submit == "github" else "Kaggle"
        self.add_item(
            discord.ui.TextInput(
                label=f"{where} link", custom_id="link", placeholder=f"https://{where.lower()}.com/...", max_length=500
            )
        )

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        return None  # see handle_modal


async def handle_button(interaction: discord.Interaction[StudyBot], action: str, group_date: date) -> None:
    assert interaction.guild_id is not None
    service = interaction.client.challenges
    day = await service.open_day(interaction.guild_id, group_date)
    if action == "hint":
        await send_ephemeral(interaction, f"💡 {day.challenge.hint}")
    elif action == "done":
        outcome = await service.complete(interaction.guild_id, interaction.user.id, how="done", group_date=group_date)
        await send_outcome(interaction, day, outcome)
    elif action == "link":
        await interaction.response.send_modal(LinkModal(day))
    elif isinstance(day.challenge, QuizChallenge):
        view = static_view(QuizSelect(day.group_date.isoformat(), day.options))
        await interaction.response.send_message("Pick one:", view=view, ephemeral=True)
    else:
        await interaction.response.send_modal(AnswerModal(day))


async def answer(interaction: discord.Interaction[StudyBot], text: str, group_date: date | None) -> None:
    assert interaction.guild_id is not None
    service = interaction.client.challenges
    day = await service.open_day(interaction.guild_id, group_date)
    outcome = await service.answer(interaction.guild_id, interaction.user.id, text, day.group_date)
    await send_outcome(interaction, day, outcome)


async def send_outcome(interaction: discord.Interaction[Any], day: Day, outcome: Outcome) -> None:
    icon = {"correct": "✅", "completed": "✅", "incorrect": "❌", "already": "ℹ️", "unreadable": "🤔"}[outcome.status]
    text = f"{icon} {outcome.message}"
    if outcome.show_explanation:
        text += f"\n\n**Why:** {day.challenge.explanation}"
    await send_ephemeral(interaction, text)


def modal_value(interaction: discord.Interaction[Any], field: str) -> str:
    """Read a text input out of a modal submit payload (action rows or labels)."""
    data: Any = interaction.data or {}
    stack = list(data.get("components") or [])
    while stack:
        component = stack.pop()
        if component.get("custom_id") == field:
            return str(component.get("value") or "")
        stack.extend(component.get("components") or [])
        if isinstance(component.get("component"), dict):
            stack.append(component["component"])
    return ""


async def handle_modal(interaction: discord.Interaction[StudyBot]) -> bool:
    """Answer a submitted answer or link modal; False if the modal is not ours."""
    data: Any = interaction.data or {}
    custom_id = str(data.get("custom_id", ""))
    if match := ANSWER_MODAL.fullmatch(custom_id):
        await answer(interaction, modal_value(interaction, "answer"), date.fromisoformat(match["date"]))
        return True
    if match := LINK_MODAL.fullmatch(custom_id):
        await submit_link(interaction, modal_value(interaction, "link"), date.fromisoformat(match["date"]))
        return True
    return False


async def submit_link(interaction: discord.Interaction[StudyBot], text: str, group_date: date | None) -> None:
    """A task's link from the post's form: recorded as a submission (and announced) like /submit."""
    assert interaction.guild_id is not None
    bot = interaction.client
    day = await bot.challenges.open_day(interaction.guild_id, group_date)
    if not isinstance(day.challenge, TaskChallenge) or day.challenge.submit == "none":
        raise UserFacingError("Today's challenge doesn't take a link.")
    draft = await bot.submissions.prepare(interaction.guild_id, interaction.user.id, text, challenge=day.challenge.id)
    if bot.submissions.checks_on_github(draft):
        await interaction.response.defer(ephemeral=True, thinking=True)  # GitHub may take longer than 3 s
    recorded = await bot.submissions.record(draft)
    await announce(bot, recorded)
    outcome = recorded.completion or Outcome(
        "already", recorded.completion_problem or "Your link is recorded; today's challenge was already complete."
    )
    await send_outcome(interaction, day, outcome)
