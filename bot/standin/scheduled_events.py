"""Guild scheduled events (API v10) in the stand-in: list, create, get, modify and delete.

Payloads have the shape of Discord's GuildScheduledEvent object. Creating or changing an event
needs MANAGE_EVENTS (or the newer CREATE_EVENTS) on the bot, which the stand-in's bot role has by
default; `revoke_manage_events` takes it away, as a server admin would.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web

from bot.standin import world as w

if TYPE_CHECKING:
    from bot.standin.server import DiscordStandIn, _Call

CREATE_EVENTS = 1 << 44
SCHEDULED, ACTIVE, COMPLETED, CANCELED = 1, 2, 3, 4
STAGE_INSTANCE, VOICE, EXTERNAL = 1, 2, 3
GUILD_ONLY = 2
_WRITABLE = (
    "channel_id",
    "entity_metadata",
    "name",
    "privacy_level",
    "scheduled_start_time",
    "scheduled_end_time",
    "description",
    "entity_type",
    "status",
    "image",
)


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


def _error(status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if errors:
        body["errors"] = errors
    return _json(body, status)


def _invalid(field: str, message: str) -> web.Response:
    errors = {field: {"_errors": [{"code": "BASE_TYPE_BAD_REQUEST", "message": message}]}}
    return _error(400, 50035, "Invalid Form Body", errors)


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


class ScheduledEvents:
    def __init__(self, standin: DiscordStandIn) -> None:
        self.standin = standin
        self.events: dict[int, dict[str, Any]] = {}
        route = standin.add_route
        route("GET", "/guilds/{guild}/scheduled-events", self._list)
        route("POST", "/guilds/{guild}/scheduled-events", self._create)
        route("GET", "/guilds/{guild}/scheduled-events/{event}", self._get)
        route("PATCH", "/guilds/{guild}/scheduled-events/{event}", self._modify)
        route("DELETE", "/guilds/{guild}/scheduled-events/{event}", self._delete)

    # ----- for tests ---------------------------------------------------------------------------

    def in_guild(self, guild: w.Guild) -> list[dict[str, Any]]:
        return [e for e in self.events.values() if int(e["guild_id"]) == guild.id]

    async def revoke_manage_events(self, guild: w.Guild, *, tell_bot: bool = True) -> None:
        """Take Manage Events (and Create Events) from the bot's roles.

        With `tell_bot` a connected bot gets GUILD_ROLE_UPDATE, as from Discord, so its cached
        permissions follow; without it the bot only learns from a 403.
        """
        member = guild.members[self.standin.bot_user.id]
        for role_id in [guild.id, *member.roles]:
            role = guild.roles[role_id]
            role.permissions &= ~(w.MANAGE_EVENTS | CREATE_EVENTS)
            if tell_bot and self.standin.gateway.connected:
                await self.standin.gateway.dispatch(
                    "GUILD_ROLE_UPDATE", {"guild_id": str(guild.id), "role": role.payload()}
                )

    # ----- routes ------------------------------------------------------------------------------

    def _guild(self, call: _Call) -> w.Guild | None:
        return self.standin.guilds.get(int(call.params["guild"]))

    def _event(self, call: _Call) -> dict[str, Any] | None:
        event = self.events.get(int(call.params["event"]))
        if event is None or event["guild_id"] != call.params["guild"]:
            return None
        return event

    def _may_manage(self, guild: w.Guild) -> bool:
        return bool(guild.permissions_of(self.standin.bot_user.id) & (w.MANAGE_EVENTS | CREATE_EVENTS))

    async def _list(self, call: _Call) -> web.StreamResponse:
        guild = self._guild(call)
        if guild is None:
            return _error(404, 10004, "Unknown Guild")
        return _json(self.in_guild(guild))

    async def _get(self, call: _Call) -> web.StreamResponse:
        event = self._event(call)
        if event is None:
            return _error(404, 10070, "Unknown Guild Scheduled Event")
        if call.request.query.get("with_user_count") == "true":
            return _json(event | {"user_count": 0})
        return _json(event)

    async def _create(self, call: _Call) -> web.StreamResponse:
        guild = self._guild(call)
        if guild is None:
            return _error(404, 10004, "Unknown Guild")
        if not self._may_manage(guild):
            return _error(403, 50013, "Missing Permissions")
        body = call.body or {}
        event_id = self.standin.ids.next()
        event: dict[str, Any] = {
            "id": str(event_id),
            "guild_id": str(guild.id),
            "channel_id": None,
            "creator_id": str(self.standin.bot_user.id),
            "creator": self.standin.bot_user.payload(),
            "name": None,
            "description": None,
            "scheduled_start_time": None,
            "scheduled_end_time": None,
            "privacy_level": None,
            "status": SCHEDULED,
            "entity_type": None,
            "entity_id": None,
            "entity_metadata": None,
            "image": None,
            "recurrence_rule": None,
        }
        problem = self._apply(event, body)
        if problem is not None:
            return problem
        self.events[event_id] = event
        return _json(event)

    async def _modify(self, call: _Call) -> web.StreamResponse:
        guild = self._guild(call)
        event = self._event(call)
        if guild is None or event is None:
            return _error(404, 10070, "Unknown Guild Scheduled Event")
        if not self._may_manage(guild):
            return _error(403, 50013, "Missing Permissions")
        changed = dict(event)
        problem = self._apply(changed, call.body or {})
        if problem is not None:
            return problem
        event.update(changed)
        return _json(event)

    async def _delete(self, call: _Call) -> web.StreamResponse:
        guild = self._guild(call)
        event = self._event(call)
        if guild is None or event is None:
            return _error(404, 10070, "Unknown Guild Scheduled Event")
        if not self._may_manage(guild):
            return _error(403, 50013, "Missing Permissions")
        del self.events[int(event["id"])]
        return web.Response(status=204)

    @staticmethod
    def _apply(event: dict[str, Any], body: dict[str, Any]) -> web.Response | None:
        """Write the body's fields into `event` and check the result as Discord would."""
        for key in _WRITABLE:
            if key in body:
                event[key] = body[key]
        name = event.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            return _invalid("name", "Must be between 1 and 100 in length.")
        description = event.get("description")
        if description is not None and (not isinstance(description, str) or len(description) > 1000):
            return _invalid("description", "Must be 1000 or fewer in length.")
        if event.get("privacy_level") != GUILD_ONLY:
            return _invalid("privacy_level", "Value must be one of {2}.")
        start = _instant(event.get("scheduled_start_time"))
        if start is None:
            return _invalid("scheduled_start_time", "Could not parse the timestamp.")
        event["scheduled_start_time"] = start.isoformat()
        if event.get("entity_type") not in (STAGE_INSTANCE, VOICE, EXTERNAL):
            return _invalid("entity_type", "Value must be one of {1, 2, 3}.")
        if event["entity_type"] == EXTERNAL:
            metadata = event.get("entity_metadata") or {}
            location = metadata.get("location") if isinstance(metadata, dict) else None
            if not isinstance(location, str) or not 1 <= len(location) <= 100:
                return _invalid("entity_metadata", "An external event needs a location of 1 to 100 characters.")
            if event.get("channel_id") is not None:
                return _invalid("channel_id", "An external event has no channel.")
            end = _instant(event.get("scheduled_end_time"))
            if end is None:
                return _invalid("scheduled_end_time", "An external event needs an end time.")
            if end <= start:
                return _invalid("scheduled_end_time", "Must be after the start time.")
            event["scheduled_end_time"] = end.isoformat()
            event["entity_metadata"] = {"location": location}
        if event.get("status") not in (SCHEDULED, ACTIVE, COMPLETED, CANCELED):
            return _invalid("status", "Value must be one of {1, 2, 3, 4}.")
        return None
