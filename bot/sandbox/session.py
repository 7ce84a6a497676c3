"""`backprop sandbox`: the real bot against the local Discord stand-in, driven from a terminal.

Everything a member would do goes through the same gateway and REST round trips as on Discord;
only the clock is ours, so `advance 1d` shows tomorrow's post, reminders and streaks.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shlex
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.client import StudyBot
from bot.core.clock import FakeClock
from bot.curriculum import Curriculum
from bot.curriculum.models import NumericChallenge, QuizChallenge, ShortChallenge, TaskChallenge
from bot.endpoints import point_discord_at
from bot.sandbox.render import render_message, render_modal
from bot.settings import Settings
from bot.standin import DiscordStandIn, InteractionHandle, Message, StandInError
from bot.standin.interactions import BOOLEAN, CHANNEL, ROLE, SUB_COMMAND, SUB_COMMAND_GROUP, USER
from bot.standin.world import Channel, Guild, User
from bot.store import Store

HELP = """\
Type what a member would type:
  /challenge today · /challenge answer 32 · /streak show · /leaderboard period:week · /help
  click <button label>     press a button on the last message that has buttons
  select <value>           choose in the last select menu (e.g. select B)
  submit <field>=<value>   fill and send the form that just opened
  as <member>              act as someone else (alice, bob, carol, or a new name); `as you` is the admin
  advance 1d | 3h | 30m    move the clock and see what the bot does
  solve                    type today's right answer (or mark it done) for the current member
  channel                  show the channel's latest posts again
  expect <text>            (scripts) fail unless the last output contains <text>
  help · quit"""

_DURATION = re.compile(r"^(\d+)\s*([dhm])$")


class SandboxError(Exception):
    """A line could not be carried out; in a script it stops the run with a non-zero status."""


class _ErrorCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("bot", "cogs", "discord")):
            self.records.append(record)


@dataclass
class Sandbox:
    curriculum: Curriculum
    out: TextIO
    out_dir: Path
    standin: DiscordStandIn = field(default_factory=DiscordStandIn)
    clock: FakeClock = field(default_factory=lambda: FakeClock(_start_instant()))
    members: dict[str, User] = field(default_factory=dict)
    current: str = "you"
    last_output: str = ""
    last_with_components: Message | None = None
    pending_modal: InteractionHandle | None = None
    shown: set[int] = field(default_factory=set)
    bot: StudyBot | None = None
    _task: asyncio.Task[None] | None = None
    _errors: _ErrorCounter = field(default_factory=_ErrorCounter)
    _tmp: tempfile.TemporaryDirectory[str] | None = None

    # ----- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        await self.standin.start()
        you = self.standin.create_user("you")
        self.guild: Guild = self.standin.create_guild("Backprop Sandbox", owner=you)
        self.channel: Channel = self.standin.create_channel(self.guild, "daily-challenge")
        self.members = {"you": you}
        for name in ("alice", "bob", "carol"):
            self.members[name] = self.standin.create_user(name)
            self.standin.add_member(self.guild, self.members[name])
        logging.getLogger().addHandler(self._errors)
        self._tmp = tempfile.TemporaryDirectory(prefix="backprop-sandbox-")
        settings = Settings(
            _env_file=None,
            discord_token=self.standin.token,
            database_path=Path(self._tmp.name) / "sandbox.db",
            discord_api_url=self.standin.api_url,
            discord_gateway_url=self.standin.gateway_url,
            scheduler_tick_seconds=0.05,
        )
        point_discord_at(settings.discord_api_url, settings.discord_gateway_url)
        self.bot = StudyBot(
            settings=settings,
            store=Store(settings.database_path),
            clock=self.clock,
            curriculum=self.curriculum,
            guild_ready_timeout=0.05,
        )
        self._task = asyncio.create_task(self.bot.start(self.standin.token))
        ready = asyncio.create_task(self.bot.wait_until_ready())
        done, _ = await asyncio.wait({ready, self._task}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            raise SandboxError("the bot did not start")
        self.say(f"Backprop sandbox: a local Discord with #{self.channel.name} and members {', '.join(self.members)}.")
        self.say(f"The clock reads {self.clock.now():%A %d %B %Y %H:%M} UTC; it moves only with `advance`.")
        await self.run_line("/setup channel:#daily-challenge time:09:00 timezone:UTC")
        await self.settle()

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.close()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        await self.standin.stop()
        point_discord_at(None, None)
        logging.getLogger().removeHandler(self._errors)
        if self._tmp is not None:
            self._tmp.cleanup()

    def say(self, text: str) -> None:
        """Output of a line: what `expect` looks at."""
        self.last_output += text + "\n"
        self.echo(text)

    def echo(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    # ----- lines -----------------------------------------------------------------------------

    async def run_line(self, line: str) -> bool:
        """Carry out one line; False means quit. Raises SandboxError for a line that failed."""
        line = line.strip()
        if not line or line.startswith("#"):
            return True
        before = len(self._errors.records)
        word, _, rest = line.partition(" ")
        if word != "expect":
            self.last_output = ""  # `expect` checks everything the previous line printed
        handlers: dict[str, Callable[[str], Any]] = {
            "as": self._as,
            "click": self._click,
            "select": self._select,
            "submit": self._submit,
            "advance": self._advance,
            "solve": self._solve,
            "channel": self._channel,
            "expect": self._expect,
        }
        if word in ("quit", "exit"):
            return False
        if word == "help":
            self.say(HELP)
        elif line.startswith("/"):
            await self._slash(line)
        elif word in handlers:
            await handlers[word](rest.strip())
        else:
            raise SandboxError(f"I don't know {word!r}. Type `help` for what you can do.")
        await self.settle()
        if len(self._errors.records) > before:
            raise SandboxError("the bot logged an error: " + self._errors.records[-1].getMessage())
        return True

    @property
    def user(self) -> User:
        return self.members[self.current]

    async def _as(self, name: str) -> None:
        name = name.strip().lstrip("@").lower()
        if not re.fullmatch(r"[a-z0-9_]{2,32}", name):
            raise SandboxError("Member names are 2-32 letters, digits or underscores.")
        if name not in self.members:
            self.members[name] = self.standin.create_user(name)
            self.standin.add_member(self.guild, self.members[name])
            self.say(f"{name} joined the server.")
        self.current = name
        self.say(f"You are now {name}.")

    async def _slash(self, line: str) -> None:
        try:
            tokens = shlex.split(line[1:])
        except ValueError as error:
            raise SandboxError(f"Couldn't read that line: {error}") from None
        path, options = self._parse_command(tokens)
        try:
            handle = await self.standin.slash(
                " ".join(path), guild=self.guild, channel=self.channel, user=self.user, options=options
            )
        except StandInError as error:
            raise SandboxError(str(error)) from None
        await self._show_reply(handle)

    def _parse_command(self, tokens: list[str]) -> tuple[list[str], dict[str, Any]]:
        if not tokens:
            raise SandboxError("Type a command after the slash, e.g. /help")
        commands = {c["name"]: c for c in self.standin.global_commands}
        schema = commands.get(tokens[0])
        if schema is None:
            raise SandboxError(f"There is no /{tokens[0]}. Commands: {', '.join(sorted(commands))}")
        path, specs, rest = [tokens[0]], list(schema.get("options") or []), tokens[1:]
        while rest and any(s["name"] == rest[0] and s["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for s in specs):
            sub = next(s for s in specs if s["name"] == rest[0])
            path.append(rest.pop(0))
            specs = list(sub.get("options") or [])
        known = {s["name"]: s for s in specs}
        options: dict[str, Any] = {}
        loose: list[str] = []
        for token in rest:
            name, sep, value = token.partition(":")
            if sep and name in known:
                options[name] = value
            else:
                loose.append(token)
        if loose:  # `/challenge answer 32`: the words fill the first required option left
            empty = [s for s in specs if s["name"] not in options and s.get("required")] or [
                s for s in specs if s["name"] not in options
            ]
            if not empty:
                raise SandboxError(f"I don't know what {' '.join(loose)!r} is for; options: {', '.join(known)}")
            options[empty[0]["name"]] = " ".join(loose)
        return path, {name: self._typed(known[name], value) for name, value in options.items()}

    def _typed(self, spec: dict[str, Any], value: str) -> Any:
        kind = spec["type"]
        if kind == BOOLEAN:
            return value.lower() in ("true", "yes", "on", "1")
        if kind == USER:
            name = value.lstrip("@").lower()
            if name not in self.members:
                raise SandboxError(f"No member called {name}; members: {', '.join(self.members)}")
            return self.members[name].id
        if kind == CHANNEL:
            name = value.lstrip("#")
            channel = next((c for c in self.guild.channels.values() if c.name == name), None)
            if channel is None:
                raise SandboxError(f"No channel #{name}")
            return channel.id
        if kind == ROLE:
            role = next((r for r in self.guild.roles.values() if r.name == value.lstrip("@&")), None)
            if role is None:
                role = self.standin.create_role(self.guild, value.lstrip("@&"))
            return role.id
        return value

    async def _show_reply(self, handle: InteractionHandle) -> None:
        try:
            response = await handle.response(timeout=10)
            if response["type"] == 9:
                self.pending_modal = handle
                self.say(render_modal(response["data"]))
                return
            if response["type"] == 8:
                choices = ", ".join(str(c["name"]) for c in response["data"].get("choices") or [])
                self.say(f"suggestions: {choices}")
                return
            message = await handle.message(timeout=30)
        except AssertionError as error:
            raise SandboxError(f"The bot did not answer: {error}") from None
        self._show(message, "Backprop")
        await asyncio.sleep(0.05)
        for followup in handle.followups():
            self._show(followup, "Backprop")

    def _show(self, message: Message, who: str) -> None:
        self.shown.add(message.id)
        if message.components:
            self.last_with_components = message
        self.say(render_message(message, who, self.out_dir, self._name_of))

    def _name_of(self, kind: str, object_id: int) -> str:
        if kind == "#":
            channel = self.guild.channels.get(object_id)
            return f"#{channel.name}" if channel else "#unknown-channel"
        if kind == "@&":
            role = self.guild.roles.get(object_id)
            return f"@{role.name}" if role else "@unknown-role"
        user = self.standin.users.get(object_id)
        return f"@{user.username}" if user else "@someone"

    async def _click(self, label: str) -> None:
        if self.last_with_components is None:
            raise SandboxError("There is no message with buttons yet.")
        label = label.strip().strip('"')
        # Typed as read: "click next" presses "Next".
        labels = [str(b.get("label")) for b in self.last_with_components.buttons() if b.get("label")]
        label = next((known for known in labels if known.casefold() == label.casefold()), label)
        try:
            handle = await self.standin.click(self.last_with_components, label, user=self.user, guild=self.guild)
        except StandInError as error:
            raise SandboxError(str(error)) from None
        await self._show_reply(handle)

    async def _select(self, value: str) -> None:
        if self.last_with_components is None or not self.last_with_components.selects():
            raise SandboxError("There is no select menu to choose from.")
        try:
            handle = await self.standin.select(
                self.last_with_components, [value.strip().upper()], user=self.user, guild=self.guild
            )
        except StandInError as error:
            raise SandboxError(str(error)) from None
        await self._show_reply(handle)

    async def _submit(self, rest: str) -> None:
        if self.pending_modal is None:
            raise SandboxError("No form is open. Click a button that opens one first.")
        values: dict[str, str] = {}
        for pair in shlex.split(rest):
            name, sep, value = pair.partition("=")
            if not sep:
                raise SandboxError("Write submit <field>=<value>, e.g. submit answer=0.5")
            values[name] = value
        opened, self.pending_modal = self.pending_modal, None
        try:
            handle = await self.standin.submit_modal(opened, values, user=self.user, guild=self.guild)
        except StandInError as error:
            raise SandboxError(str(error)) from None
        await self._show_reply(handle)

    async def _advance(self, text: str) -> None:
        match = _DURATION.match(text.strip().lower())
        if match is None:
            raise SandboxError("Write advance 1d, advance 3h or advance 30m.")
        amount, unit = int(match.group(1)), match.group(2)
        delta = {"d": timedelta(days=amount), "h": timedelta(hours=amount), "m": timedelta(minutes=amount)}[unit]
        if delta > timedelta(days=60):
            raise SandboxError("Advance at most 60 days at a time.")
        # Step through the time so every due post and reminder along the way happens in order.
        step = timedelta(hours=1)
        remaining = delta
        while remaining > timedelta(0):
            self.clock.advance(min(step, remaining))
            remaining -= min(step, remaining)
            await asyncio.sleep(0.12)
        self.say(f"⏩ It is now {self.clock.now():%A %d %B %Y %H:%M} UTC.")

    async def _solve(self, _: str) -> None:
        assert self.bot is not None
        day = await self.bot.challenges.today(self.guild.id)
        challenge = day.challenge
        if isinstance(challenge, QuizChallenge):
            await self._slash(f"/challenge answer {challenge.correct_letter}")
        elif isinstance(challenge, NumericChallenge):
            await self._slash(f"/challenge answer answer:{challenge.answer:g}")
        elif isinstance(challenge, ShortChallenge):
            await self._slash(f"/challenge answer {shlex.quote(challenge.answers[0])}")
        else:
            handle = await self.standin.slash("challenge today", guild=self.guild, channel=self.channel, user=self.user)
            await self._show_reply(handle)
            if isinstance(challenge, TaskChallenge) and challenge.submit != "none":
                host = "github.com" if challenge.submit == "github" else "www.kaggle.com/code"
                await self._click("Submit link")
                await self._submit(f"link=https://{host}/{self.current}/{challenge.id}")
            else:
                await self._click("Mark done")

    async def _channel(self, _: str) -> None:
        posts = self.standin.channel_messages(self.channel)[-3:]
        if not posts:
            self.say("#daily-challenge is empty.")
        for post in posts:
            self._show(post, f"#{self.channel.name}")

    async def _expect(self, text: str) -> None:
        if text.strip().lower() not in self.last_output.lower():
            raise SandboxError(f"expected {text.strip()!r} in the last output")

    async def settle(self) -> None:
        """Let the bot finish what the line set off, then show new posts in the channel."""
        await asyncio.sleep(0.1)
        for post in self.standin.channel_messages(self.channel):
            if post.id not in self.shown:
                self._show(post, f"#{self.channel.name}")


def _start_instant() -> datetime:
    # A fixed, readable start: a Monday, a minute after the 09:00 post time the sandbox sets up.
    return datetime(2027, 1, 4, 9, 1, tzinfo=UTC)
