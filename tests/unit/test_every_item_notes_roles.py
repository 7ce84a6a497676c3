"""Every button and select notes the member's roles: the boards' excluded roles depend on it."""

from __future__ import annotations

import importlib
import pkgutil

import discord

import bot.ui
from bot.ui.roles import NotesRoles


def _dynamic_items() -> list[type]:
    for module in pkgutil.iter_modules(bot.ui.__path__):
        importlib.import_module(f"bot.ui.{module.name}")
    found: list[type] = []
    pending: list[type] = [discord.ui.DynamicItem]
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            if sub.__module__.startswith("bot."):
                found.append(sub)
    return found


def test_every_dynamic_item_notes_roles_before_its_callback() -> None:
    items = _dynamic_items()
    assert len(items) >= 7, items  # DayButton, QuizSelect, LeaderboardButton, ... all found
    missing = [item.__name__ for item in items if not issubclass(item, NotesRoles)]
    assert not missing, f"mix NotesRoles into {missing}"
    for item in items:  # first, so its check is the one discord.py awaits
        assert item.__mro__.index(NotesRoles) < item.__mro__.index(discord.ui.DynamicItem), item
