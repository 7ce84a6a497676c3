"""The command tree and its one error handler.

Known, user-caused errors become a short ephemeral reply; anything else is logged with its
traceback and the member gets an apology instead of silence ("The application did not respond").
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.core.errors import UserFacingError
from bot.replies import send_ephemeral
from bot.ui.roles import note_roles

if TYPE_CHECKING:
    from bot.client import StudyBot

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on my side. It has been logged; please try again in a moment."

_PERMISSION_NAMES = {
    "manage_guild": "Manage Server",
    "manage_events": "Manage Events",
    "administrator": "Administrator",
}


def describe_error(error: BaseException) -> str | None:
    """The friendly text for an error a member caused, or None for a bug."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, UserFacingError):
        return error.user_message
    if isinstance(error, app_commands.MissingPermissions):
        names = ", ".join(_PERMISSION_NAMES.get(p, p.replace("_", " ").title()) for p in error.missing_permissions)
        return f"You need the **{names}** permission to do that."
    if isinstance(error, app_commands.BotMissingPermissions):
        names = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
        return f"I need the **{names}** permission here to do that. Ask a server admin."
    if isinstance(error, app_commands.CommandNotFound):
        return "That command is no longer available; Discord will refresh the command list shortly."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works inside a server, not in direct messages."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.TransformerError):
        return f"I couldn't understand `{error.value}` there. Check the value and try again."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here."
    return None


class BackpropTree(app_commands.CommandTree["StudyBot"]):
    async def interaction_check(self, interaction: discord.Interaction[StudyBot]) -> bool:
        # Here rather than in a listener: a listener runs beside the command, so /leaderboard
        # could rank a member before learning they now hold an excluded role.
        await note_roles(self.client, interaction)
        return True

    async def on_error(self, interaction: discord.Interaction[StudyBot], error: app_commands.AppCommandError) -> None:
        await report_error(interaction, error)


async def report_error(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """Shared by the tree and by views/modals, so every path answers the same way."""
    message = describe_error(error)
    if message is None:
        command = interaction.command.qualified_name if interaction.command else interaction.data
        log.error(
            "unhandled error in %s (user %s, guild %s)",
            command,
            interaction.user.id,
            interaction.guild_id,
            exc_info=error,
        )
        message = APOLOGY
    try:
        await send_ephemeral(interaction, message)
    except discord.HTTPException:
        log.warning("could not tell user %s about an error", interaction.user.id, exc_info=True)
