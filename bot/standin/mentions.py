"""Who a message would notify, following Discord's allowed_mentions rules.

The tests use this to prove that no user-provided text can make the bot ping anyone.
"""

from __future__ import annotations

import re
from typing import Any

_USER = re.compile(r"<@!?(\d+)>")
_ROLE = re.compile(r"<@&(\d+)>")
_EVERYONE = re.compile(r"@(everyone|here)\b")


def resolve_pings(
    content: str,
    allowed_mentions: dict[str, Any] | None,
    *,
    known_roles: set[int],
    can_mention_everyone: bool,
) -> tuple[set[int], set[int], bool]:
    """Return (user ids, role ids, everyone) that would be notified.

    Embeds never notify anyone on Discord; only `content` is scanned.
    """
    users = {int(m) for m in _USER.findall(content)}
    roles = {int(m) for m in _ROLE.findall(content)} & known_roles
    everyone = bool(_EVERYONE.search(content)) and can_mention_everyone

    if allowed_mentions is None:
        return users, roles, everyone

    parse = set(allowed_mentions.get("parse") or [])
    allowed_users = {int(u) for u in allowed_mentions.get("users") or []}
    allowed_roles = {int(r) for r in allowed_mentions.get("roles") or []}
    users = users if "users" in parse else users & allowed_users
    roles = roles if "roles" in parse else roles & allowed_roles
    everyone = everyone and "everyone" in parse
    return users, roles, everyone
