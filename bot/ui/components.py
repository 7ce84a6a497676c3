"""Views that only carry persistent components to Discord.

Backprop's buttons and selects are `DynamicItem`s: a click is routed by its custom_id through the
templates registered in each cog's `setup`, never through the view object it was sent with. Yet
discord.py keeps every view it sends in its view store, and gives an ephemeral view without a
timeout a 15-minute timer task, for nothing. A view stopped before sending is neither stored nor
timed, and it can be built once and sent any number of times.
"""

from __future__ import annotations

from typing import Any

import discord


def static_view(*items: discord.ui.DynamicItem[Any]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for item in items:
        if not isinstance(item, discord.ui.DynamicItem):
            raise TypeError(f"{item!r} is not a DynamicItem: a stopped view would never route its clicks")
        view.add_item(item)
    view.stop()
    return view
