"""When to push slash commands to Discord.

Global syncs are rate limited and slow to propagate, so they happen only when the command tree
actually changed (a digest of it is kept in the database) or when asked (`backprop sync`).
A development guild syncs at every start: that is instant and what a developer wants.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import discord
from discord import app_commands

from bot.store import Store

log = logging.getLogger(__name__)

DIGEST_KEY = "command_tree_digest"


def tree_digest(tree: app_commands.CommandTree[Any]) -> str:
    schema = sorted((command.to_dict(tree) for command in tree.get_commands()), key=lambda c: str(c["name"]))
    return hashlib.sha256(json.dumps(schema, sort_keys=True).encode()).hexdigest()


async def sync_commands(
    tree: app_commands.CommandTree[Any], store: Store, *, dev_guild_id: int | None, force: bool
) -> str:
    """Sync as the policy says; returns what was done ("guild", "global" or "skipped")."""
    if dev_guild_id is not None:
        guild = discord.Object(id=dev_guild_id)
        tree.copy_global_to(guild=guild)
        await tree.sync(guild=guild)
        log.info("synced commands to development guild %s", dev_guild_id)
        return "guild"
    digest = tree_digest(tree)
    if not force and await store.meta.get(DIGEST_KEY) == digest:
        log.info("command tree unchanged since the last sync; not syncing")
        return "skipped"
    await tree.sync()
    # Stored only after a successful sync, so a failed one is retried at the next start.
    await store.meta.set(DIGEST_KEY, digest)
    log.info("synced commands globally")
    return "global"
