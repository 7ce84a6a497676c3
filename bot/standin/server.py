"""A local Discord: REST (v10) and gateway on 127.0.0.1, driven from tests and the sandbox.

It is a real HTTP and WebSocket server, so the bot under test is the unmodified discord.py client.
It records every request, dispatches slash commands, clicks, selects, modal submits and
autocomplete typed against the schema the bot synced, and can inject faults.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import BodyPartReader, web

from bot.loopback import LoopbackServer
from bot.standin import world as w
from bot.standin.faults import Faults
from bot.standin.gateway import Gateway, Session
from bot.standin.interactions import (
    CHANNEL,
    ROLE,
    InteractionHandle,
    InteractionRecord,
    StandInError,
    build_command_data,
    find_command,
)
from bot.standin.mentions import resolve_pings
from bot.standin.scheduled_events import ScheduledEvents

log = logging.getLogger(__name__)

# A token with a real token's shape; the stand-in accepts only this one.
DEFAULT_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAw.GstdIn.c3RhbmQtaW4tdG9rZW4tZm9yLXRlc3Rz"
INTERACTION_DEADLINE = 3.0  # seconds Discord gives a bot to acknowledge an interaction
NONCE_WINDOW = 300.0  # seconds an enforced nonce deduplicates message creation
EPHEMERAL, LOADING = 64, 128
MAX_CONTENT = 2000  # characters of message content Discord accepts


@dataclass
class RecordedRequest:
    method: str
    path: str
    route: str
    query: dict[str, str]
    json: Any
    files: list[tuple[str, bytes]] = field(default_factory=list)
    status: int = 0


Handler = Callable[["_Call"], Awaitable[web.StreamResponse]]


@dataclass
class _Call:
    request: web.Request
    params: dict[str, str]
    body: Any
    files: list[tuple[str, bytes]]
    arrived: float = 0.0


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json", no charset: discord.py compares the header verbatim.
    body = orjson.dumps(data)
    return web.Response(body=body, status=status, headers=headers, content_type="application/json")


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"code": code, "message": message}, status=status)


def _content_too_long(body: Any) -> web.Response | None:
    """Discord refuses message content over 2,000 characters (also inside an interaction callback)."""
    if not isinstance(body, dict):
        return None
    data = body.get("data")
    content = (data if isinstance(data, dict) else body).get("content")
    if not isinstance(content, str) or len(content) <= MAX_CONTENT:
        return None
    errors = {"content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]}}
    return _json({"code": 50035, "message": "Invalid Form Body", "errors": errors}, status=400)


class DiscordStandIn(LoopbackServer):
    def __init__(self, *, token: str = DEFAULT_TOKEN, interaction_deadline: float = INTERACTION_DEADLINE) -> None:
        super().__init__()
        self.token = token
        self.interaction_deadline = interaction_deadline
        self.ids = w.Snowflakes()
        self.application_id = self.ids.next()
        self.bot_user = w.User(self.application_id, "Backprop", bot=True)
        self.users: dict[int, w.User] = {self.bot_user.id: self.bot_user}
        self.guilds: dict[int, w.Guild] = {}
        self.messages: dict[int, w.Message] = {}
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self.interactions: dict[int, InteractionRecord] = {}
        self.requests: list[RecordedRequest] = []
        self._nonces: dict[str, tuple[int, float]] = {}
        self.faults = Faults()
        # Each waiter is woken only when its own condition holds: with many interactions in
        # flight a shared Condition would wake every waiter on every request.
        self._waiters: list[tuple[Callable[[], bool], asyncio.Future[None]]] = []
        self._routes: list[tuple[str, re.Pattern[str], str, Handler]] = []
        self._register_routes()
        self.gateway = Gateway(
            token=token,
            ready_payload=self._ready_payload,
            guild_payloads=lambda: [g.payload(self._bot_member(g)) for g in self.guilds.values()],
            on_change=self._notify,
        )

    # ----- lifecycle -------------------------------------------------------------------------

    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._dispatch_rest)
        app.router.add_get("/attachments/{message_id}/{filename}", self._serve_attachment)
        return app

    async def before_stop(self) -> None:
        await self.gateway.close_all()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # ----- building the world ----------------------------------------------------------------

    def create_user(self, name: str) -> w.User:
        user = w.User(self.ids.next(), name)
        self.users[user.id] = user
        return user

    def create_guild(self, name: str, *, owner: w.User | None = None) -> w.Guild:
        owner = owner or self.create_user(f"{name}-owner")
        guild_id = self.ids.next()
        guild = w.Guild(guild_id, name, owner.id)
        guild.roles[guild_id] = w.Role(guild_id, "@everyone", w.MEMBER_PERMISSIONS)
        bot_role = w.Role(self.ids.next(), "Backprop", w.BOT_PERMISSIONS, position=1)
        guild.roles[bot_role.id] = bot_role
        guild.members[owner.id] = w.Member(owner)
        guild.members[self.bot_user.id] = w.Member(self.bot_user, roles=[bot_role.id])
        self.guilds[guild_id] = guild
        return guild

    def create_channel(self, guild: w.Guild, name: str) -> w.Channel:
        channel = w.Channel(self.ids.next(), guild.id, name, position=len(guild.channels))
        guild.channels[channel.id] = channel
        return channel

    def create_role(self, guild: w.Guild, name: str, permissions: int = 0) -> w.Role:
        role = w.Role(self.ids.next(), name, permissions, position=len(guild.roles))
        guild.roles[role.id] = role
        return role

    def add_member(self, guild: w.Guild, user: w.User, *, roles: list[w.Role] | None = None) -> w.Member:
        member = w.Member(user, roles=[r.id for r in roles or []])
        guild.members[user.id] = member
        return member

    async def add_guild_live(self, guild: w.Guild) -> None:
        """Tell a connected bot about a guild created after it identified (GUILD_CREATE)."""
        await self.gateway.dispatch("GUILD_CREATE", guild.payload(self._bot_member(guild)))

    def _bot_member(self, guild: w.Guild) -> w.Member:
        return guild.members[self.bot_user.id]

    def _ready_payload(self, session: Session) -> dict[str, Any]:
        return {
            "v": 10,
            "user": self.bot_user.payload() | {"verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(g), "unavailable": True} for g in self.guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "shard": [0, 1],
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "geo_ordered_rtc_regions": [],
            "auth": {},
        }

    # ----- waiting ---------------------------------------------------------------------------

    async def _notify(self) -> None:
        pending = []
        for predicate, future in self._waiters:
            if future.done():
                continue
            if predicate():
                future.set_result(None)
            else:
                pending.append((predicate, future))
        self._waiters = pending

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0, what: str = "a change") -> None:
        if predicate():
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((predicate, future))
        try:
            await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}") from None

    async def wait_ready(self, timeout: float = 10.0) -> None:
        """Until a bot has identified (READY and GUILD_CREATEs have been sent)."""
        await self.wait_until(lambda: self.gateway.connected, timeout, "the bot to connect to the gateway")

    async def wait_commands(self, timeout: float = 10.0) -> None:
        await self.wait_until(
            lambda: bool(self.global_commands or any(self.guild_commands.values())), timeout, "a command sync"
        )

    def channel_messages(self, channel: w.Channel) -> list[w.Message]:
        return [
            m
            for m in self.messages.values()
            if int(m.payload["channel_id"]) == channel.id and not m.ephemeral and m.interaction_id is None
        ]

    def requests_to(self, route: str) -> list[RecordedRequest]:
        """Requests to one route, named as registered: "POST /channels/{channel}/messages"."""
        return [r for r in self.requests if r.route == route]

    # ----- driving the bot like a member would -----------------------------------------------

    async def force_reconnect(self) -> None:
        await self.gateway.force_reconnect()

    async def slash(
        self,
        command: str,
        *,
        guild: w.Guild,
        channel: w.Channel,
        user: w.User,
        options: dict[str, Any] | None = None,
        bypass_permissions: bool = False,
    ) -> InteractionHandle:
        """Invoke `/name sub ...` with typed options, as Discord's client would send it."""
        schema, path = self._lookup(command, guild)
        if not bypass_permissions:
            self._check_command_permission(schema, guild, user)
        data = build_command_data(schema, path, options or {}, resolve=lambda t, i: self._resolve(guild, t, i))
        return await self._dispatch_interaction(2, data, guild=guild, channel=channel, user=user)

    async def autocomplete(
        self,
        command: str,
        *,
        focused: str,
        guild: w.Guild,
        channel: w.Channel,
        user: w.User,
        options: dict[str, Any] | None = None,
    ) -> InteractionHandle:
        schema, path = self._lookup(command, guild)
        data = build_command_data(
            schema, path, options or {}, resolve=lambda t, i: self._resolve(guild, t, i), focused=focused
        )
        return await self._dispatch_interaction(4, data, guild=guild, channel=channel, user=user)

    async def click(self, message: w.Message, label: str, *, user: w.User, guild: w.Guild) -> InteractionHandle:
        """Press the button whose label or custom_id is `label` on `message`."""
        button = next((b for b in message.buttons() if label in (b.get("label"), b.get("custom_id"))), None)
        if button is None:
            found = [b.get("label") or b.get("custom_id") for b in message.buttons()]
            raise StandInError(f"no button {label!r} on message {message.id}; it has {found}")
        if button.get("disabled"):
            raise StandInError(f"button {label!r} is disabled")
        if "custom_id" not in button:
            raise StandInError(f"button {label!r} is a link button; Discord does not send an interaction for it")
        data = {"custom_id": button["custom_id"], "component_type": 2}
        return await self._component(message, data, guild=guild, user=user)

    async def select(
        self,
        message: w.Message,
        values: list[str],
        *,
        user: w.User,
        guild: w.Guild,
        custom_id: str | None = None,
    ) -> InteractionHandle:
        menus = [s for s in message.selects() if custom_id in (None, s.get("custom_id"))]
        if not menus:
            raise StandInError(f"no select menu {custom_id or ''} on message {message.id}")
        menu = menus[0]
        offered = {str(o["value"]) for o in menu.get("options") or []}
        if menu.get("type") == 3 and not set(values) <= offered:
            raise StandInError(f"values {values} are not among the options {sorted(offered)}")
        data = {"custom_id": menu["custom_id"], "component_type": menu["type"], "values": values}
        return await self._component(message, data, guild=guild, user=user)

    async def submit_modal(
        self, opened_by: InteractionHandle, values: dict[str, str], *, user: w.User, guild: w.Guild
    ) -> InteractionHandle:
        """Fill the modal that `opened_by` answered with, field custom_id -> text, and submit it."""
        modal = await opened_by.modal()
        rows: list[dict[str, Any]] = []
        seen: set[str] = set()
        for component in modal.get("components") or []:
            if component.get("type") == 18:  # label wrapping one input
                child = component["component"]
                rows.append({"type": 18, "id": component.get("id", 0), "component": self._filled(child, values, seen)})
            else:
                children = [self._filled(c, values, seen) for c in component.get("components") or []]
                rows.append({"type": component.get("type", 1), "id": component.get("id", 0), "components": children})
        unknown = set(values) - seen
        if unknown:
            raise StandInError(f"the modal has no fields {sorted(unknown)}")
        data = {"custom_id": modal["custom_id"], "components": rows}
        source = opened_by.record.payload
        channel = self._channel(int(source["channel_id"]))
        return await self._dispatch_interaction(5, data, guild=guild, channel=channel, user=user)

    @staticmethod
    def _filled(component: dict[str, Any], values: dict[str, str], seen: set[str]) -> dict[str, Any]:
        custom_id = component.get("custom_id", "")
        value = values.get(custom_id, component.get("value") or "")
        if custom_id in values:
            seen.add(custom_id)
        if component.get("required", True) and not value:
            raise StandInError(f"modal field {custom_id!r} is required")
        return {
            "type": component.get("type", 4),
            "id": component.get("id", 0),
            "custom_id": custom_id,
            "value": value,
        }

    async def _component(
        self, message: w.Message, data: dict[str, Any], *, guild: w.Guild, user: w.User
    ) -> InteractionHandle:
        channel = self._channel(int(message.payload["channel_id"]))
        return await self._dispatch_interaction(3, data, guild=guild, channel=channel, user=user, message=message)

    def _lookup(self, command: str, guild: w.Guild) -> tuple[dict[str, Any], list[str]]:
        name, *path = command.strip().lstrip("/").split()
        schema = find_command(self.guild_commands.get(guild.id, []), name) or find_command(self.global_commands, name)
        if schema is None:
            synced = sorted({c["name"] for c in self.global_commands + self.guild_commands.get(guild.id, [])})
            raise StandInError(f"/{name} is not synced; the bot synced {synced}")
        return schema, path

    @staticmethod
    def _check_command_permission(schema: dict[str, Any], guild: w.Guild, user: w.User) -> None:
        needed = schema.get("default_member_permissions")
        if needed is None:
            return
        if guild.permissions_of(user.id) & int(needed) != int(needed):
            raise StandInError(f"Discord hides /{schema['name']} from {user.username}: missing permissions {needed}")

    def _resolve(self, guild: w.Guild, option_type: int, object_id: int) -> tuple[str, Any]:
        if option_type == CHANNEL:
            return "channels", self._channel(object_id).payload() | {"permissions": str(w.MEMBER_PERMISSIONS)}
        if option_type == ROLE or object_id in guild.roles:
            return "roles", guild.roles[object_id].payload()
        user = self.users[object_id]
        payload: dict[str, Any] = user.payload()
        member = guild.members.get(object_id)
        if member is not None:
            member_payload = member.payload()
            member_payload.pop("user")
            member_payload["permissions"] = str(guild.permissions_of(object_id))
            payload["member"] = member_payload
        return "users", payload

    def _channel(self, channel_id: int) -> w.Channel:
        for guild in self.guilds.values():
            if channel_id in guild.channels:
                return guild.channels[channel_id]
        raise StandInError(f"unknown channel {channel_id}")

    async def _dispatch_interaction(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        guild: w.Guild,
        channel: w.Channel,
        user: w.User,
        message: w.Message | None = None,
    ) -> InteractionHandle:
        member = guild.members.get(user.id)
        if member is None:
            raise StandInError(f"{user.username} is not a member of {guild.name}")
        interaction_id = self.ids.next()
        token = f"aW50ZXJhY3Rpb246{interaction_id}:{secrets.token_urlsafe(24)}"
        member_payload = member.payload() | {"permissions": str(guild.permissions_of(user.id))}
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
            "guild_locale": "en-US",
            "channel_id": str(channel.id),
            "channel": channel.payload() | {"permissions": member_payload["permissions"]},
            "member": member_payload,
            "token": token,
            "version": 1,
            "app_permissions": str(guild.permissions_of(self.bot_user.id)),
            "locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if message is not None:
            payload["message"] = message.payload
        record = InteractionRecord(interaction_id, token, kind, payload)
        if message is not None:
            record.source_message_id = message.id
        self.interactions[interaction_id] = record
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return InteractionHandle(self, record)

    # ----- REST ------------------------------------------------------------------------------

    def _route(self, method: str, pattern: str, handler: Handler) -> None:
        regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")
        self._routes.append((method, regex, f"{method} {pattern}", handler))

    def _register_routes(self) -> None:
        r = self._route
        r("GET", "/users/@me", self._get_me)
        r("GET", "/oauth2/applications/@me", self._get_application)
        r("GET", "/gateway", self._get_gateway)
        r("GET", "/gateway/bot", self._get_gateway)
        r("GET", "/applications/{app}/commands", self._get_commands)
        r("PUT", "/applications/{app}/commands", self._put_commands)
        r("GET", "/applications/{app}/guilds/{guild}/commands", self._get_commands)
        r("PUT", "/applications/{app}/guilds/{guild}/commands", self._put_commands)
        r("POST", "/interactions/{id}/{token}/callback", self._interaction_callback)
        r("POST", "/webhooks/{app}/{token}", self._followup)
        r("GET", "/webhooks/{app}/{token}/messages/{message}", self._webhook_get)
        r("PATCH", "/webhooks/{app}/{token}/messages/{message}", self._webhook_edit)
        r("DELETE", "/webhooks/{app}/{token}/messages/{message}", self._webhook_delete)
        r("GET", "/channels/{channel}", self._get_channel)
        r("GET", "/channels/{channel}/messages", self._list_messages)
        r("POST", "/channels/{channel}/messages", self._create_message)
        r("GET", "/channels/{channel}/messages/{message}", self._get_message)
        r("PATCH", "/channels/{channel}/messages/{message}", self._edit_message)
        r("DELETE", "/channels/{channel}/messages/{message}", self._delete_message)
        self.scheduled_events = ScheduledEvents(self)

    def add_route(self, method: str, pattern: str, handler: Handler) -> None:
        """Let a feature's tests extend the stand-in (e.g. scheduled events) without editing it."""
        self._route(method, pattern, handler)

    async def _dispatch_rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        arrived = time.monotonic()  # before the stand-in's own parsing, which is not the bot's latency
        body, files = await self._read_body(request)
        key, handler, params = self._match_route(request.method, path)
        recorded = RecordedRequest(request.method, path, key, dict(request.query), body, files)
        self.requests.append(recorded)
        response = await self._answer(request, key, handler, _Call(request, params, body, files, arrived))
        recorded.status = response.status
        await self._notify()
        return response

    def _match_route(self, method: str, path: str) -> tuple[str, Handler, dict[str, str]]:
        for route_method, regex, key, handler in self._routes:
            match = regex.match(path)
            if match and route_method == method:
                return key, handler, match.groupdict()
        return f"{method} {path}", self._unknown_route, {}

    async def _answer(self, request: web.Request, key: str, handler: Handler, call: _Call) -> web.StreamResponse:
        if self.faults.latency:
            await asyncio.sleep(self.faults.latency)
        auth = request.headers.get("Authorization", "")
        is_webhook = key.startswith(("POST /interactions", "POST /webhooks", "GET /webhooks", "PATCH /webhooks"))
        if not is_webhook and not key.startswith("DELETE /webhooks") and auth != f"Bot {self.token}":
            return _error(401, 0, "401: Unauthorized")
        fault = self.faults.take(key)
        if fault is not None and fault.status == 429:
            return _json(
                {"message": "You are being rate limited.", "retry_after": fault.retry_after, "global": False},
                status=429,
                headers={
                    "Retry-After": str(fault.retry_after),
                    "Via": "1.1 google",
                    "X-RateLimit-Scope": "user",
                },
            )
        if fault is not None and fault.status == 403:
            return _error(403, 50001, "Missing Access")
        if fault is not None:
            return _error(fault.status, 0, "Internal Server Error")
        if (too_long := _content_too_long(call.body)) is not None:
            return too_long
        return await handler(call)

    @staticmethod
    async def _read_body(request: web.Request) -> tuple[Any, list[tuple[str, bytes]]]:
        if request.content_type.startswith("multipart/"):
            body: Any = None
            files: list[tuple[str, bytes]] = []
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader):
                    continue  # discord.py never nests multiparts
                if part.name == "payload_json":
                    body = orjson.loads(await part.read())
                else:
                    files.append((part.filename or part.name or "file", bytes(await part.read())))
            return body, files
        raw = await request.read()
        return (orjson.loads(raw) if raw else None), []

    async def _unknown_route(self, call: _Call) -> web.StreamResponse:
        log.warning("stand-in has no route for %s %s", call.request.method, call.request.path)
        return _error(404, 0, "404: Not Found")

    async def _get_me(self, call: _Call) -> web.StreamResponse:
        return _json(self.bot_user.payload() | {"verified": True, "mfa_enabled": False, "flags": 0})

    async def _get_application(self, call: _Call) -> web.StreamResponse:
        owner = next(iter(self.users.values()))
        return _json(
            {
                "id": str(self.application_id),
                "name": "Backprop",
                "icon": None,
                "description": "Study groups for ML engineers",
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": owner.payload(),
                "flags": 0,
                "team": None,
            }
        )

    async def _get_gateway(self, call: _Call) -> web.StreamResponse:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    def _commands_for(self, call: _Call) -> list[dict[str, Any]]:
        guild = call.params.get("guild")
        return self.guild_commands.setdefault(int(guild), []) if guild else self.global_commands

    async def _get_commands(self, call: _Call) -> web.StreamResponse:
        return _json(self._commands_for(call))

    async def _put_commands(self, call: _Call) -> web.StreamResponse:
        if int(call.params["app"]) != self.application_id:
            return _error(403, 50001, "Missing Access")
        stored = []
        guild = call.params.get("guild")
        for command in call.body or []:
            item = dict(command)
            item.setdefault("type", 1)
            item["id"] = str(self.ids.next())
            item["application_id"] = str(self.application_id)
            item["version"] = str(self.ids.next())
            if guild:
                item["guild_id"] = guild
            stored.append(item)
        if guild:
            self.guild_commands[int(guild)] = stored
        else:
            self.global_commands = stored
        return _json(stored)

    # Interactions ------------------------------------------------------------------------------

    def _interaction(self, call: _Call) -> InteractionRecord | None:
        record = self.interactions.get(int(call.params["id"]))
        if record is None or record.token != call.params["token"]:
            return None
        return record

    def _by_token(self, token: str) -> InteractionRecord | None:
        return next((r for r in self.interactions.values() if r.token == token), None)

    async def _interaction_callback(self, call: _Call) -> web.StreamResponse:
        record = self._interaction(call)
        if record is None:
            return _error(404, 10062, "Unknown interaction")
        record.callback_attempts += 1
        if record.callback is not None:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        if time.monotonic() - record.created > self.interaction_deadline:
            return _error(404, 10062, "Unknown interaction")
        body = call.body or {}
        kind = int(body.get("type", 0))
        data = dict(body.get("data") or {})
        record.callback = {"type": kind, "data": data}
        record.callback_at = call.arrived
        record.answered.set()
        channel_id = int(record.payload["channel_id"])
        resource: dict[str, Any] = {"type": kind}
        message: w.Message | None = None
        if kind in (4, 5):
            flags = int(data.get("flags") or 0) | (LOADING if kind == 5 else 0)
            message = self._store_message(channel_id, data | {"flags": flags}, call.files, interaction=record)
            record.original_id = message.id
        elif kind in (6, 7) and record.source_message_id is not None:
            record.original_id = record.source_message_id
            message = self.messages[record.source_message_id]
            if kind == 7:
                self._apply_edit(message, data, call.files)
        interaction = {
            "id": str(record.id),
            "type": record.type,
            "response_message_id": str(message.id) if message else None,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool(message and message.ephemeral),
        }
        if message is not None:
            resource["message"] = message.payload
        return _json({"interaction": interaction, "resource": resource})

    def _webhook_record(self, call: _Call) -> InteractionRecord | None:
        if int(call.params["app"]) != self.application_id:
            return None
        return self._by_token(call.params["token"])

    def _webhook_message(self, call: _Call) -> w.Message | None:
        record = self._webhook_record(call)
        if record is None:
            return None
        ref = call.params["message"]
        message_id = record.original_id if ref == "@original" else int(ref)
        if message_id is None or (ref != "@original" and message_id not in [*record.followup_ids, record.original_id]):
            return None
        return self.messages.get(message_id)

    async def _followup(self, call: _Call) -> web.StreamResponse:
        record = self._webhook_record(call)
        if record is None or record.callback is None:
            return _error(404, 10015, "Unknown Webhook")
        original = self.messages.get(record.original_id) if record.original_id is not None else None
        if original is not None and int(original.payload.get("flags") or 0) & LOADING:
            # As Discord does: the first follow-up to a deferred "thinking" reply is that reply.
            # The loading message becomes it, keeping its id and the ephemerality chosen when
            # deferring (the follow-up's own flags are not asked).
            self._apply_edit(original, call.body or {}, call.files, edited=False)
            original.payload["flags"] = int(original.payload.get("flags") or 0) & ~LOADING
            return _json(original.payload)
        message = self._store_message(
            int(record.payload["channel_id"]), call.body or {}, call.files, interaction=record
        )
        record.followup_ids.append(message.id)
        return _json(message.payload)

    async def _webhook_get(self, call: _Call) -> web.StreamResponse:
        message = self._webhook_message(call)
        return _json(message.payload) if message else _error(404, 10008, "Unknown Message")

    async def _webhook_edit(self, call: _Call) -> web.StreamResponse:
        message = self._webhook_message(call)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        self._apply_edit(message, call.body or {}, call.files)
        message.payload["flags"] = int(message.payload.get("flags") or 0) & ~LOADING
        return _json(message.payload)

    async def _webhook_delete(self, call: _Call) -> web.StreamResponse:
        message = self._webhook_message(call)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        del self.messages[message.id]
        return web.Response(status=204)

    # Channels and messages ---------------------------------------------------------------------

    def _find_channel(self, call: _Call) -> w.Channel | None:
        try:
            return self._channel(int(call.params["channel"]))
        except StandInError:
            return None

    async def _get_channel(self, call: _Call) -> web.StreamResponse:
        channel = self._find_channel(call)
        return _json(channel.payload()) if channel else _error(404, 10003, "Unknown Channel")

    async def _create_message(self, call: _Call) -> web.StreamResponse:
        channel = self._find_channel(call)
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        if not channel.bot_can_send:
            return _error(403, 50013, "Missing Permissions")
        body = call.body or {}
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            # Discord returns the earlier message instead of creating a duplicate for a few minutes.
            earlier = self._nonces.get(str(nonce))
            if earlier is not None and time.monotonic() - earlier[1] < NONCE_WINDOW and earlier[0] in self.messages:
                return _json(self.messages[earlier[0]].payload)
        message = self._store_message(channel.id, body, call.files)
        if nonce is not None:
            self._nonces[str(nonce)] = (message.id, time.monotonic())
        return _json(message.payload)

    async def _list_messages(self, call: _Call) -> web.StreamResponse:
        """A page of the channel's history, newest first, as Discord answers it: at most `limit`
        (1-100, default 50) messages, the newest before `before`, or the oldest after `after`."""
        channel = self._find_channel(call)
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        query = call.request.query
        try:
            limit = int(query.get("limit", "50"))
            before, after = int(query.get("before", "0")), int(query.get("after", "0"))
        except ValueError:
            return _error(400, 50035, "Invalid Form Body")
        if not 1 <= limit <= 100 or "around" in query:
            return _error(400, 50035, "Invalid Form Body")
        shown = sorted(
            (m for m in self.messages.values() if int(m.payload["channel_id"]) == channel.id and not m.ephemeral),
            key=lambda m: m.id,
        )
        if before:
            shown = [m for m in shown if m.id < before][-limit:]
        elif after:
            shown = [m for m in shown if m.id > after][:limit]
        else:
            shown = shown[-limit:]
        return _json([m.payload for m in reversed(shown)])

    def forget_nonces(self) -> None:
        """As if Discord's nonce window had passed: a resend now creates a second message."""
        self._nonces.clear()

    def _channel_message(self, call: _Call) -> w.Message | None:
        message = self.messages.get(int(call.params["message"]))
        if message is None or message.payload["channel_id"] != call.params["channel"] or message.ephemeral:
            return None
        return message

    async def _get_message(self, call: _Call) -> web.StreamResponse:
        message = self._channel_message(call)
        return _json(message.payload) if message else _error(404, 10008, "Unknown Message")

    async def _edit_message(self, call: _Call) -> web.StreamResponse:
        message = self._channel_message(call)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        self._apply_edit(message, call.body or {}, call.files)
        return _json(message.payload)

    async def _delete_message(self, call: _Call) -> web.StreamResponse:
        message = self._channel_message(call)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        del self.messages[message.id]
        return web.Response(status=204)

    async def _serve_attachment(self, request: web.Request) -> web.StreamResponse:
        message = self.messages.get(int(request.match_info["message_id"]))
        for name, content in message.files if message else []:
            if name == request.match_info["filename"]:
                return web.Response(body=content)
        return web.Response(status=404)

    def _store_message(
        self,
        channel_id: int,
        body: dict[str, Any],
        files: list[tuple[str, bytes]],
        *,
        interaction: InteractionRecord | None = None,
    ) -> w.Message:
        message_id = self.ids.next()
        guild = self.guilds[self._channel(channel_id).guild_id]
        flags = int(body.get("flags") or 0)
        payload: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "guild_id": str(guild.id),
            "author": self.bot_user.payload(),
            "content": "",
            "embeds": [],
            "components": [],
            "attachments": [],
            "timestamp": w.iso_now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "pinned": False,
            "type": 0,
            "flags": flags,
        }
        message = w.Message(payload, ephemeral=bool(flags & EPHEMERAL))
        message.interaction_id = interaction.id if interaction else None
        self.messages[message_id] = message
        self._apply_edit(message, body, files, edited=False)
        return message

    def _apply_edit(
        self, message: w.Message, body: dict[str, Any], files: list[tuple[str, bytes]], *, edited: bool = True
    ) -> None:
        payload = message.payload
        for key in ("content", "embeds", "components"):
            if key in body and body[key] is not None:
                payload[key] = body[key]
        kept_ids = {str(a.get("id")) for a in body.get("attachments") or []} if "attachments" in body else None
        if kept_ids is not None:
            payload["attachments"] = [a for a in payload["attachments"] if str(a["id"]) in kept_ids]
            message.files = [
                (n, c) for n, c in message.files if any(a["filename"] == n for a in payload["attachments"])
            ]
        for name, content in files:
            payload["attachments"].append(
                {
                    "id": str(self.ids.next()),
                    "filename": name,
                    "size": len(content),
                    "url": f"http://127.0.0.1:{self.port}/attachments/{message.id}/{name}",
                    "proxy_url": f"http://127.0.0.1:{self.port}/attachments/{message.id}/{name}",
                    "content_type": "image/png" if name.endswith(".png") else "application/octet-stream",
                }
            )
            message.files.append((name, content))
        if edited:
            payload["edited_timestamp"] = w.iso_now()
        guild = self.guilds[self._channel(int(payload["channel_id"])).guild_id]
        users, roles, everyone = resolve_pings(
            str(payload.get("content") or ""),
            body.get("allowed_mentions") if "allowed_mentions" in body else None,
            known_roles=set(guild.roles),
            can_mention_everyone=bool(guild.permissions_of(self.bot_user.id) & w.MENTION_EVERYONE),
        )
        message.pinged_users, message.pinged_roles, message.pinged_everyone = users, roles, everyone
        payload["mentions"] = [self.users[u].payload() for u in users if u in self.users]
        payload["mention_roles"] = [str(r) for r in roles]
        payload["mention_everyone"] = everyone
