"""Answering an interaction correctly whether or not it was already acknowledged."""

from __future__ import annotations

from typing import Any

import discord


async def send_ephemeral(interaction: discord.Interaction[Any], content: str) -> None:
    """Reply privately; mentions are always off because the text may echo user input."""
    mentions = discord.AllowedMentions.none()
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=True, allowed_mentions=mentions)
    else:
        await interaction.response.send_message(content, ephemeral=True, allowed_mentions=mentions)
