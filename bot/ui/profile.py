"""/profile link|show|verify|anonymous|export|forget as Discord sees them, and forget's confirm buttons.

The confirm buttons carry the member's id and the time they were offered
(`bp:forget:yes:<user>:<unix>`), so they work after a restart, answer only that member, and
expire after FORGET_CONFIRM_WINDOW.
"""

from __future__ import annotations

import io
import json
import logging
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import discord

from bot.core.errors import UserFacingError
from bot.replies import send_ephemeral
from bot.services.profiles import CHECKS_OFF, CODE_VALID_FOR
from bot.tree import report_error
from bot.ui.roles import NotesRoles

if TYPE_CHECKING:
    from bot.client import StudyBot

log = logging.getLogger(__name__)

FORGET_CONFIRM_WINDOW = timedelta(minutes=10)
FORGET_BUTTON = r"bp:forget:(?P<action>yes|no):(?P<user>\d{1,20}):(?P<at>\d{1,12})"
_NONE = discord.AllowedMentions.none()


async def link_accounts(interaction: discord.Interaction[StudyBot], github: str | None, kaggle: str | None) -> None:
    if not github and not kaggle:
        raise UserFacingError("Give your `github` username, your `kaggle` username, or both.")
    bot = interaction.client
    lines = []
    if kaggle:
        name = await bot.profiles.link_kaggle(interaction.user.id, kaggle)
        lines.append(f"🔗 Linked Kaggle **{name}**: your Kaggle work owned by {name} is now marked *matched*.")
    if github:
        code = await bot.profiles.link_github(interaction.user.id, github)
        profile = await bot.profiles.get(interaction.user.id)
        name = (profile.github_username if profile else None) or github
        if bot.github is None:
            lines.append(f"🔗 Linked GitHub **{name}**. {CHECKS_OFF}")
        else:
            hours = int(CODE_VALID_FOR.total_seconds() // 3600)
            lines.append(
                f"🔗 Linked GitHub **{name}** (not verified yet). To prove it's yours, put `{code}` in your "
                "GitHub profile bio (<https://github.com/settings/profile>) or in the description of a public "
                f"gist, then run `/profile verify`. The code works for {hours} hours; you can remove it afterwards."
            )
    await send_ephemeral(interaction, "\n".join(lines))


async def show_profile(interaction: discord.Interaction[StudyBot], user: discord.abc.User) -> None:
    bot = interaction.client
    profile = await bot.profiles.get(user.id)
    embed = discord.Embed(title="Profile", description=f"<@{user.id}>", colour=discord.Colour.teal())
    if profile is None or not (profile.github_username or profile.kaggle_username):
        embed.description = f"<@{user.id}> has not linked a GitHub or Kaggle account yet (`/profile link`)."
    if profile is not None and profile.github_username:
        state = "✅ verified" if profile.github_verified else "not verified"
        embed.add_field(
            name="GitHub", value=f"[{profile.github_username}](https://github.com/{profile.github_username}) · {state}"
        )
    if profile is not None and profile.kaggle_username:
        embed.add_field(
            name="Kaggle", value=f"[{profile.kaggle_username}](https://www.kaggle.com/{profile.kaggle_username})"
        )
    if user.id == interaction.user.id:
        anonymous = profile is not None and profile.anonymous
        embed.add_field(
            name="Leaderboards", value="listed anonymously" if anonymous else "listed by name", inline=False
        )
    await interaction.response.send_message(embed=embed, ephemeral=True)


async def verify_github(interaction: discord.Interaction[StudyBot]) -> None:
    bot = interaction.client
    profile = await bot.profiles.get(interaction.user.id)
    if profile is None or not profile.github_username or profile.github_verified or bot.github is None:
        await bot.profiles.verify_github(interaction.user.id)  # raises the reason, before any network
    await interaction.response.defer(ephemeral=True, thinking=True)  # GitHub may be slow
    try:
        upgraded = await bot.profiles.verify_github(interaction.user.id)
    except UserFacingError as error:
        await interaction.edit_original_response(content=f"⚠️ {error.user_message}", allowed_mentions=_NONE)
        return
    profile = await bot.profiles.get(interaction.user.id)
    name = profile.github_username if profile else "your account"
    more = f" {upgraded} of your submissions are now marked verified." if upgraded else ""
    await interaction.edit_original_response(
        content=f"✅ Verified: GitHub **{name}** is yours.{more} You can remove the code from GitHub now.",
        allowed_mentions=_NONE,
    )


async def set_anonymous(interaction: discord.Interaction[StudyBot], on: bool) -> None:
    await interaction.client.profiles.set_anonymous(interaction.user.id, on)
    if on:
        text = (
            "🕶️ You're now listed as “anonymous learner” on leaderboards, "
            "and your submissions are announced without your name."
        )
    else:
        text = "👋 You're listed by name on leaderboards again."
    await send_ephemeral(interaction, text)


async def export_own_data(interaction: discord.Interaction[StudyBot]) -> None:
    bot = interaction.client
    data = await bot.profiles.export(interaction.user.id)
    body = json.dumps(data, indent=2, ensure_ascii=False, default=str).encode("utf-8")
    rows = sum(len(rows) for rows in data["tables"].values())
    file = discord.File(io.BytesIO(body), filename=f"backprop-my-data-{interaction.user.id}.json")
    await interaction.response.send_message(
        f"📄 Everything Backprop stores about you, in every server: {rows} record{'s' if rows != 1 else ''}.",
        file=file,
        ephemeral=True,
    )


async def ask_to_forget(interaction: discord.Interaction[StudyBot]) -> None:
    at = int(interaction.client.clock.now().timestamp())
    view = discord.ui.View(timeout=None)
    view.add_item(ForgetButton("yes", interaction.user.id, at))
    view.add_item(ForgetButton("no", interaction.user.id, at))
    await interaction.response.send_message(
        "⚠️ This deletes **everything** Backprop stores about you, in every server: completed days, points, "
        "streaks, submissions (and their announcements), linked accounts and settings. It can't be undone. "
        "`/profile export` gives you a copy first.",
        view=view,
        ephemeral=True,
    )


class ForgetButton(NotesRoles, discord.ui.DynamicItem[discord.ui.Button[Any]], template=FORGET_BUTTON):
    def __init__(self, action: str, user_id: int, at: int) -> None:
        label, style = ("Delete everything", discord.ButtonStyle.danger) if action == "yes" else ("Cancel", None)
        super().__init__(
            discord.ui.Button(
                label=label,
                style=style or discord.ButtonStyle.secondary,
                custom_id=f"bp:forget:{action}:{user_id}:{at}",
            )
        )
        self.action, self.user_id, self.at = action, user_id, at

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ForgetButton:
        return cls(match["action"], int(match["user"]), int(match["at"]))

    async def callback(self, interaction: discord.Interaction[StudyBot]) -> None:  # type: ignore[override]
        try:
            await self._confirm(interaction)
        except Exception as error:
            await report_error(interaction, error)

    async def _confirm(self, interaction: discord.Interaction[StudyBot]) -> None:
        bot = interaction.client
        if interaction.user.id != self.user_id:
            raise UserFacingError("Only the member who asked can confirm this.")
        if self.action == "no":
            await interaction.response.edit_message(content="Nothing was deleted.", view=None)
            return
        if bot.clock.now().timestamp() - self.at > FORGET_CONFIRM_WINDOW.total_seconds():
            await interaction.response.edit_message(
                content="This confirmation has expired; nothing was deleted. Run `/profile forget` again.", view=None
            )
            return
        forgotten = await bot.profiles.forget(self.user_id)
        rows = sum(forgotten.rows.values())
        await interaction.response.edit_message(
            content=f"🗑️ Done. Deleted {rows} record{'s' if rows != 1 else ''} about you"
            f"{' and ' + str(len(forgotten.announcements)) + ' announcement(s)' if forgotten.announcements else ''}.",
            view=None,
        )
        for channel_id, message_id in forgotten.announcements:
            try:
                await bot.http.delete_message(channel_id, message_id, reason="the member asked to be forgotten")
            except discord.HTTPException as error:
                log.info(
                    "could not delete announcement %s in channel %s: HTTP %s", message_id, channel_id, error.status
                )
