"""The ◀️ Prev / Next ▶️ buttons shared by every paginated reply."""

from __future__ import annotations

from typing import Any

import discord


def page_button(custom_id: str, nav: str, *, disabled: bool = False) -> discord.ui.Button[Any]:
    label, emoji = ("Prev", "◀️") if nav == "prev" else ("Next", "▶️")
    return discord.ui.Button(
        label=label, emoji=emoji, style=discord.ButtonStyle.secondary, custom_id=custom_id, disabled=disabled
    )
