"""Text on its way into Discord: split at the content limit, and stripped of anything that pings.

Pure: no discord import. `split_message` cuts between paragraphs, then lines, then words, and
only inside a word when one word alone is longer than a message. A cut inside a code fence closes
the fence at the end of one message and reopens it (same language) at the start of the next, so
each message renders on its own; a fence left open at the very end is closed too.
"""

from __future__ import annotations

import re
from typing import Final

DISCORD_LIMIT: Final = 2000  # characters of message content
ZERO_WIDTH_SPACE: Final = "\u200b"

_EVERYONE = re.compile(r"@(?=(?:everyone|here))", re.IGNORECASE)
_ENTITY_MENTION = re.compile(r"<@(?=[!&]?\d+>)")
_FENCE = re.compile(r"^[ \t]*(?P<marker>`{3,}|~{3,})(?P<info>[^\n`]*)$")
# Room kept free at the end of a message for the line that closes a fence ("\n" + up to 7 backticks).
_FENCE_RESERVE: Final = 8
_PREFERRED_SHARE: Final = 0.5  # a cut at a better separator must keep at least half the room used


def plural(count: int, noun: str) -> str:
    """ "1 day", "2 days", "1,200 model tokens"."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def neutralise_mentions(text: str) -> str:
    """Put a zero-width space after the @ of @everyone, @here, <@user>, <@!user> and <@&role>.

    Discord then shows the text but never parses a mention, even when someone copies and pastes
    it. Applying it twice changes nothing.
    """
    text = _EVERYONE.sub("@" + ZERO_WIDTH_SPACE, text)
    return _ENTITY_MENTION.sub("<@" + ZERO_WIDTH_SPACE, text)


def split_message(text: str, limit: int = DISCORD_LIMIT) -> list[str]:
    """Cut `text` into messages of at most `limit` characters; [] for blank text."""
    if limit < 4 * _FENCE_RESERVE:
        raise ValueError(f"limit {limit} is too small to split sensibly")
    text = text.strip()
    chunks: list[str] = []
    reopen = ""  # the fence line that starts the next message, when a cut fell inside a fence
    while text:
        body = reopen + text
        if len(body) <= limit - _FENCE_RESERVE or (len(body) <= limit and _open_fence(body) is None):
            fence = _open_fence(body)
            # An answer cut off by its token limit (or still streaming) may leave a fence open.
            chunks.append(body if fence is None else f"{body}\n{fence[0]}")
            break
        cut, skip = _cut_point(body, limit - _FENCE_RESERVE, start=len(reopen))
        head, text = body[:cut].rstrip(), body[cut + skip :]
        fence = _open_fence(head)
        if fence is not None:
            marker, info = fence
            head += "\n" + marker
            reopen = f"{marker}{info}\n"
        else:
            reopen = ""
            text = text.lstrip()
        chunks.append(head)
    return chunks


def _cut_point(body: str, room: int, start: int) -> tuple[int, int]:
    """Where to cut `body` so the head fits in `room`: (index, separator length to drop)."""
    window = body[: room + 1]  # a separator right after the room may still be cut at
    floor = start + max(1, int((room - start) * _PREFERRED_SHARE))
    for separator in ("\n\n", "\n", ". ", " "):
        at = window.rfind(separator, start + 1)
        if at >= floor or (separator == " " and at > start):
            # Keep the full stop with its sentence; drop only the whitespace.
            keep = 1 if separator == ". " else 0
            return at + keep, len(separator) - keep
    return room, 0  # one word longer than a message: nothing better than cutting inside it


def _open_fence(text: str) -> tuple[str, str] | None:
    """The (marker, info string) of a code fence still open at the end of `text`, if any."""
    open_marker: tuple[str, str] | None = None
    for line in text.split("\n"):
        match = _FENCE.match(line)
        if match is None:
            continue
        marker = match["marker"]
        if open_marker is None:
            open_marker = (marker, match["info"].strip())
        elif marker[0] == open_marker[0][0] and len(marker) >= len(open_marker[0]) and not match["info"].strip():
            open_marker = None
    return open_marker
