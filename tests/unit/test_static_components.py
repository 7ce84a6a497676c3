"""Embeds and views built once are serialized once, to the same payload discord.py would send."""

from __future__ import annotations

from datetime import UTC, datetime

import discord

from bot.ui.challenge import DayButton
from bot.ui.components import frozen, static_view


def test_a_frozen_embed_sends_what_the_embed_would() -> None:
    embed = discord.Embed(title="Day 3", description="d", colour=discord.Colour.gold(), timestamp=datetime.now(UTC))
    embed.add_field(name="Task", value="v", inline=False).set_footer(text="f")
    copy = frozen(embed)
    assert copy.to_dict() == embed.to_dict()
    assert copy.to_dict() is copy.to_dict()  # computed once


async def test_a_static_view_sends_what_a_view_would() -> None:
    buttons = [DayButton("answer", "2026-11-23"), DayButton("hint", "2026-11-23")]
    plain = discord.ui.View(timeout=None)
    for button in buttons:
        plain.add_item(button)
    view = static_view(*buttons)
    assert view.to_components() == plain.to_components()
    assert view.to_components() is view.to_components()
    assert view.is_finished()  # so discord.py neither stores nor times it
