"""Point discord.py at another Discord (the local stand-in) instead of discord.com.

discord.py has no public setting for its endpoints; both live in class attributes. Changing
them here, once, before the client is built, keeps the bot itself unmodified.
"""

from __future__ import annotations

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

_DISCORD_API = Route.BASE
_DISCORD_GATEWAY = DiscordWebSocket.DEFAULT_GATEWAY


def point_discord_at(api_url: str | None, gateway_url: str | None) -> None:
    """Use these endpoints; None restores discord.py's own."""
    Route.BASE = api_url.rstrip("/") if api_url else _DISCORD_API
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url) if gateway_url else _DISCORD_GATEWAY
