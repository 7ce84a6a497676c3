"""Interactions as the stand-in tracks them, and how slash-command input becomes a v10 payload."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.standin.world import Message

if TYPE_CHECKING:
    from bot.standin.server import DiscordStandIn

# Application command option types (v10).
SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER = range(1, 11)


class StandInError(Exception):
    """The test asked for something Discord's client would never send."""


@dataclass
class InteractionRecord:
    id: int
    token: str
    type: int
    payload: dict[str, Any]
    created: float = field(default_factory=time.monotonic)
    callback: dict[str, Any] | None = None
    callback_at: float | None = None  # monotonic, when the accepted callback arrived
    callback_attempts: int = 0
    original_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    source_message_id: int | None = None
    # Set when the callback arrives. Waiting on it rather than on a wait_until() condition matters
    # with many interactions in flight: every condition is re-checked after every request.
    answered: asyncio.Event = field(default_factory=asyncio.Event)


class InteractionHandle:
    """What a test holds after dispatching an interaction: it waits for the bot's answers."""

    def __init__(self, standin: DiscordStandIn, record: InteractionRecord) -> None:
        self._standin = standin
        self.record = record

    @property
    def id(self) -> int:
        return self.record.id

    async def response(self, timeout: float = 5.0) -> dict[str, Any]:
        """The interaction callback body the bot sent (type and data)."""
        try:
            await asyncio.wait_for(self.record.answered.wait(), timeout)
        except TimeoutError:
            raise AssertionError(f"timed out after {timeout}s waiting for a response to {self}") from None
        assert self.record.callback is not None
        return self.record.callback

    async def message(self, timeout: float = 5.0) -> Message:
        """The reply a member sees: the original response once it is no longer 'thinking'."""

        def ready() -> bool:
            message = self._original()
            return message is not None and not message.payload.get("flags", 0) & 128

        await self._standin.wait_until(ready, timeout, f"a visible reply to {self}")
        original = self._original()
        assert original is not None
        return original

    async def followup(self, index: int = 0, timeout: float = 5.0) -> Message:
        await self._standin.wait_until(
            lambda: len(self.record.followup_ids) > index, timeout, f"follow-up #{index} to {self}"
        )
        return self._standin.messages[self.record.followup_ids[index]]

    async def wait_for_edit(self, predicate: Callable[[Message], bool], timeout: float = 5.0) -> Message:
        await self._standin.wait_until(
            lambda: (m := self._original()) is not None and predicate(m), timeout, f"an edit of {self}"
        )
        original = self._original()
        assert original is not None
        return original

    def followups(self) -> list[Message]:
        return [self._standin.messages[i] for i in self.record.followup_ids]

    async def modal(self, timeout: float = 5.0) -> dict[str, Any]:
        response = await self.response(timeout)
        if response.get("type") != 9:
            raise AssertionError(f"expected a modal, got callback type {response.get('type')}")
        return dict(response["data"])

    async def choices(self, timeout: float = 5.0) -> list[dict[str, Any]]:
        response = await self.response(timeout)
        if response.get("type") != 8:
            raise AssertionError(f"expected autocomplete choices, got callback type {response.get('type')}")
        return list(response["data"].get("choices") or [])

    def _original(self) -> Message | None:
        if self.record.original_id is None:
            return None
        return self._standin.messages.get(self.record.original_id)

    def __repr__(self) -> str:
        return f"<interaction {self.record.id} type={self.record.type}>"


def find_command(commands: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    return next((c for c in commands if c["name"] == name and c.get("type", 1) == 1), None)


def build_command_data(
    command: dict[str, Any],
    path: list[str],
    options: dict[str, Any],
    *,
    resolve: Callable[[int, int], tuple[str, Any]],
    focused: str | None = None,
) -> dict[str, Any]:
    """Turn `/challenge answer answer:32` into the `data` of an APPLICATION_COMMAND interaction.

    `resolve(option_type, id)` returns the resolved-section key and payload for users, roles and
    channels, as Discord puts them in `data.resolved`.
    """
    schema_options: list[dict[str, Any]] = list(command.get("options") or [])
    data: dict[str, Any] = {"id": command["id"], "name": command["name"], "type": 1}
    if command.get("guild_id"):
        data["guild_id"] = command["guild_id"]
    container = data
    for word in path:
        sub = next(
            (o for o in schema_options if o["name"] == word and o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)),
            None,
        )
        if sub is None:
            raise StandInError(f"/{command['name']} has no subcommand {word!r}")
        entry: dict[str, Any] = {"name": word, "type": sub["type"], "options": []}
        container.setdefault("options", []).append(entry)
        container = entry
        schema_options = list(sub.get("options") or [])
    if any(o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in schema_options):
        raise StandInError(
            f"/{command['name']} needs a subcommand; choose one of {[o['name'] for o in schema_options]}"
        )

    resolved: dict[str, dict[str, Any]] = {}
    leaf: list[dict[str, Any]] = []
    known = {o["name"]: o for o in schema_options}
    for name in options:
        if name not in known:
            raise StandInError(f"unknown option {name!r}; the command has {sorted(known)}")
    for name, spec in known.items():
        if name not in options:
            if spec.get("required") and focused is None:
                raise StandInError(f"option {name!r} is required")
            continue
        value = _coerce(spec, options[name], focused=(name == focused))
        item: dict[str, Any] = {"name": name, "type": spec["type"], "value": value}
        if name == focused:
            item["focused"] = True
        if spec["type"] in (USER, CHANNEL, ROLE, MENTIONABLE):
            section, payload = resolve(spec["type"], int(value))
            resolved.setdefault(section, {})[str(value)] = payload
            if section == "users" and isinstance(payload, dict) and "member" in payload:
                member = payload.pop("member")
                resolved.setdefault("members", {})[str(value)] = member
            item["value"] = str(value)
        leaf.append(item)
    container["options"] = leaf
    if resolved:
        data["resolved"] = resolved
    return data


def _coerce(spec: dict[str, Any], value: Any, *, focused: bool) -> Any:
    kind = spec["type"]
    if focused:
        return str(value)  # Discord sends the partial text being typed, unvalidated.
    if kind == STRING:
        text = str(value)
        if "min_length" in spec and len(text) < spec["min_length"]:
            raise StandInError(f"{spec['name']}: Discord's client requires at least {spec['min_length']} characters")
        if "max_length" in spec and len(text) > spec["max_length"]:
            raise StandInError(f"{spec['name']}: Discord's client allows at most {spec['max_length']} characters")
        result: Any = text
    elif kind == INTEGER:
        result = int(value)
    elif kind == NUMBER:
        result = float(value)
    elif kind == BOOLEAN:
        result = bool(value)
    else:
        return value
    if kind in (INTEGER, NUMBER):
        if "min_value" in spec and result < spec["min_value"]:
            raise StandInError(f"{spec['name']}: below min_value {spec['min_value']}")
        if "max_value" in spec and result > spec["max_value"]:
            raise StandInError(f"{spec['name']}: above max_value {spec['max_value']}")
    choices = spec.get("choices")
    if choices and result not in [c["value"] for c in choices]:
        raise StandInError(f"{spec['name']}: {result!r} is not one of the choices {[c['value'] for c in choices]}")
    return result
