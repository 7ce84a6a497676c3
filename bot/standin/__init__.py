"""A local Discord for tests and the sandbox: real gateway and REST (API v10) on 127.0.0.1."""

from bot.standin.interactions import InteractionHandle, StandInError
from bot.standin.server import DEFAULT_TOKEN, DiscordStandIn, RecordedRequest
from bot.standin.world import Channel, Guild, Message, Role, User

__all__ = [
    "DEFAULT_TOKEN",
    "Channel",
    "DiscordStandIn",
    "Guild",
    "InteractionHandle",
    "Message",
    "RecordedRequest",
    "Role",
    "StandInError",
    "User",
]
