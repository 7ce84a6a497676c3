"""Learning members' roles from interactions, for the boards' excluded roles.

Without the privileged members intent the bot cannot ask Discord who holds a role. Every
interaction, though, carries the acting member's current roles (and those of any member given
as an option), so each one is recorded in `member_roles`. The limit: a member who got an
excluded role stays on the boards until their next interaction with the bot, and one who never
interacts is never known to hold it.

Each is noted before its handler runs, so a board already knows the caller's roles: commands and
autocomplete by the command tree's check, buttons and selects (all DynamicItems) by NotesRoles,
forms where they are routed (`StudyBot.dispatch`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

if TYPE_CHECKING:
    from bot.client import StudyBot

log = logging.getLogger(__name__)


async def note_roles(bot: StudyBot, interaction: discord.Interaction[Any]) -> None:
    """record_roles, never failing the interaction it came with: the roles are a by-product."""
    try:
        await record_roles(bot, interaction)
    except Exception:
        log.warning("could not record the roles of user %s", interaction.user.id, exc_info=True)


async def record_roles(bot: StudyBot, interaction: discord.Interaction[Any]) -> None:
    """Remember the roles Discord just told us about: the acting member's and any resolved member's.

    The repository keeps what it stored in memory, so an interaction whose roles did not change
    costs no database round trip.
    """
    guild_id = interaction.guild_id
    if guild_id is None:
        return
    seen: dict[int, frozenset[int]] = {}
    if isinstance(interaction.user, discord.Member):
        seen[interaction.user.id] = frozenset(role.id for role in interaction.user.roles if not role.is_default())
    data: Any = interaction.data or {}
    members = (data.get("resolved") or {}).get("members") or {}
    for user_id, member in members.items():
        seen[int(user_id)] = frozenset(int(role) for role in member.get("roles") or [])
    for user_id, roles in seen.items():
        if await bot.store.fairness.member_roles(guild_id, user_id) != roles:
            await bot.store.fairness.record_member_roles(guild_id, user_id, roles)


class NotesRoles:
    """Mixed into every DynamicItem, first among its bases: a click notes the member's roles before
    the item's callback runs (discord.py awaits a dynamic item's interaction_check first)."""

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        await note_roles(interaction.client, interaction)
        return True
