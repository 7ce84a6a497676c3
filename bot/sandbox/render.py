"""Discord messages as readable terminal text: embeds boxed with their fields, components listed."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.standin.world import Message, iter_components

WIDTH = 72
_MARKUP = re.compile(r"<(#|@&|@!?|t:)(\d+)(?::([tTdDfFR]))?>")


def humanize(text: str, names: Callable[[str, int], str]) -> str:
    """Discord markup as a terminal can show it: <#id> → #name, <t:unix:F> → a UTC date."""

    def swap(match: re.Match[str]) -> str:
        kind, number = match.group(1), int(match.group(2))
        if kind == "t:":
            return datetime.fromtimestamp(number, UTC).strftime("%a %d %b %Y %H:%M UTC")
        return names(kind, number)

    return _MARKUP.sub(swap, text)


def columns(text: str) -> int:
    """How many terminal columns `text` takes: wide characters (most emoji, CJK) take two,
    joiners, variation selectors and combining marks none."""
    width, last = 0, 0
    for char in text:
        if char == "\ufe0f":  # "show as emoji": the character before it becomes two columns wide
            width += 2 - last if last else 0
            last = 2
        elif unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        else:
            last = 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
            width += last
    return width


def wrap(line: str, width: int) -> list[str]:
    """Greedy word wrap measured in terminal columns (textwrap counts characters, so a line of
    emoji overflowed). Continuation lines keep the line's indent, so a field's value stays under
    its name, and start with a word, never with the space that was broken at."""
    body = line.lstrip(" ")
    indent = line[: len(line) - len(body)]
    pieces: list[str] = []
    current = ""
    for word in body.split(" "):
        while columns(indent + word) > width:  # longer than a line: cut it where it fills one
            if current:
                pieces.append(current)
                current = ""
            cut = _fitting(word, width - columns(indent))
            pieces.append(indent + word[:cut])
            word = word[cut:]
        if not current.strip(" "):  # nothing but the indent yet
            current = indent + word
        elif columns(current) + 1 + columns(word) <= width:
            current += " " + word
        else:
            pieces.append(current.rstrip(" "))
            current = indent + word
    if current:
        pieces.append(current.rstrip(" "))
    return pieces or [""]


def _fitting(word: str, width: int) -> int:
    """How many of `word`'s characters fit in `width` columns (at least one)."""
    for n in range(len(word), 0, -1):
        if columns(word[:n]) <= width:
            return n
    return 1


def _box(title: str, lines: list[str]) -> list[str]:
    inner = WIDTH - 4
    top = f"┌─ {title[: inner - 2]} " if title else "┌"
    out = [top + "─" * max(0, WIDTH - columns(top) - 1) + "┐"]
    for line in lines:
        for piece in wrap(line, inner):
            out.append(f"│ {piece}{' ' * max(0, inner - columns(piece))} │")
    out.append("└" + "─" * (WIDTH - 2) + "┘")
    return out


def render_embed(embed: dict[str, Any], fix: Callable[[str], str] = str) -> list[str]:
    lines: list[str] = []
    if embed.get("description"):
        lines += fix(str(embed["description"])).splitlines()
    for field in embed.get("fields") or []:
        lines.append("")
        lines.append(f"■ {fix(str(field.get('name', '')))}")
        lines += [f"  {line}" for line in fix(str(field.get("value", ""))).splitlines()]
    if (embed.get("image") or {}).get("url"):
        lines += ["", f"[image: {embed['image']['url']}]"]
    footer = (embed.get("footer") or {}).get("text")
    if footer:
        lines += ["", f"— {footer}"]
    return _box(str(embed.get("title") or ""), lines)


def render_components(components: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for component in iter_components(components):
        if component.get("type") == 2:
            label = " ".join(
                str(part) for part in ((component.get("emoji") or {}).get("name"), component.get("label")) if part
            )
            out.append(f"  [ {label} ]" + (" (disabled)" if component.get("disabled") else ""))
        elif component.get("type") == 3:
            options = ", ".join(str(o.get("label")) for o in component.get("options") or [])
            out.append(f"  ▾ {component.get('placeholder') or 'select'}: {options}")
    if out:
        out.insert(0, "  buttons: click <label>" + ("; select <value>" if any("▾" in line for line in out) else ""))
    return out


def render_message(message: Message, who: str, out_dir: Path, names: Callable[[str, int], str]) -> str:
    """Render a message, saving its attachments into `out_dir` and naming them."""

    def fix(text: str) -> str:
        return humanize(text, names)

    lines = [f"{who}{' (only you can see this)' if message.ephemeral else ''}:"]
    if message.content:
        lines += [f"  {line}" for line in fix(message.content).splitlines()]
    for embed in message.embeds:
        lines += ["  " + line for line in render_embed(embed, fix)]
    lines += render_components(message.components)
    for name, content in message.files:
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"{message.id}-{name}"
        path.write_bytes(content)
        lines.append(f"  📎 {name} saved to {path}")
    return "\n".join(lines)


def render_modal(modal: dict[str, Any]) -> str:
    lines = [f"A form opened: {modal.get('title', '')}"]
    for component in iter_components(list(modal.get("components") or [])):
        if component.get("type") == 4:
            lines.append(f"  field {component.get('custom_id')}: {component.get('label') or ''}")
    lines.append("  fill it with: submit <field>=<value>")
    return "\n".join(lines)
