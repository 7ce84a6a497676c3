"""Views that only carry persistent components to Discord, and reading those components back.

Backprop's buttons and selects are `DynamicItem`s: a click is routed by its custom_id through the
templates registered in each cog's `setup`, never through the view object it was sent with. Yet
discord.py keeps every view it sends in its view store, and gives an ephemeral view without a
timeout a 15-minute timer task, for nothing. A view stopped before sending is neither stored nor
timed, and it can be built once and sent any number of times.

What is built once is also serialized once: discord.py turns an embed and a view into their
payloads on every send, and for the day's challenge or /help that was the largest part of the
bot's own work per reply.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import discord

from bot.services.poster import RECOVERY_LOOK_BACK

log = logging.getLogger(__name__)


class _StaticView(discord.ui.View):
    _components: list[dict[str, Any]] | None = None

    def to_components(self) -> list[dict[str, Any]]:
        if self._components is None:  # a static view's items never change once it is stopped
            self._components = super().to_components()
        return self._components


class FrozenEmbed(discord.Embed):
    """An embed that is not changed after its first send, so its payload is computed once."""

    _payload: Any = None  # an instance attribute once set; Embed's own fields live in its slots

    def to_dict(self) -> Any:
        if self._payload is None:
            self._payload = super().to_dict()
        return self._payload


def frozen(embed: discord.Embed) -> FrozenEmbed:
    """The same embed, serialized once from now on: never change it after this."""
    return FrozenEmbed.from_dict(embed.to_dict())


def static_view(*items: discord.ui.DynamicItem[Any]) -> discord.ui.View:
    view = _StaticView(timeout=None)
    for item in items:
        if not isinstance(item, discord.ui.DynamicItem):
            raise TypeError(f"{item!r} is not a DynamicItem: a stopped view would never route its clicks")
        view.add_item(item)
    view.stop()
    return view


def custom_ids_of(message: discord.Message) -> set[str]:
    """The custom_ids of a message's buttons and selects: what Backprop's own posts are known by."""
    return {
        child.custom_id
        for row in message.components
        if isinstance(row, discord.ActionRow)
        for child in row.children
        if isinstance(child, discord.Button | discord.SelectMenu) and child.custom_id
    }


async def find_own_message(
    bot: discord.Client,
    channel: discord.abc.Messageable,
    matches: Callable[[discord.Message], bool],
    *,
    newer_than: int = 0,
) -> int | None:
    """The newest of the bot's own messages among the channel's last RECOVERY_LOOK_BACK, newer
    than message `newer_than`, that `matches`: a post sent before a crash and never recorded.
    None if there is none, or if the history cannot be read (then the resend's nonce must do)."""
    me = bot.user
    if me is None:
        return None
    try:
        async for message in channel.history(limit=RECOVERY_LOOK_BACK):
            if message.id <= newer_than:
                break  # newest first: everything further is older still
            if message.author.id == me.id and matches(message):
                return message.id
    except discord.HTTPException as error:  # no Read Message History, say
        log.warning("could not read a channel to find a post sent before a restart: HTTP %s", error.status)
    return None
