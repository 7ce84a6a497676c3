"""The write-through cache under the repositories, and views sent only for their components."""

from __future__ import annotations

import re
from typing import Any

import discord
import pytest

from bot.store.cache import MISSING, WriteThroughCache
from bot.ui.components import static_view


def test_a_read_is_kept_until_a_write_drops_it() -> None:
    cache: WriteThroughCache[int, str | None] = WriteThroughCache()
    assert cache.get(1) is MISSING
    cache.put(1, "a", cache.ticket())
    cache.put(2, None, cache.ticket())  # "no such row" is worth keeping too
    assert cache.get(1) == "a" and cache.get(2) is None
    with cache.writing(1):
        assert cache.get(1) == "a", "dropped once the write is done, not before"
    assert cache.get(1) is MISSING and cache.get(2) is None


def test_a_read_that_overlapped_a_write_is_not_kept() -> None:
    cache: WriteThroughCache[int, str] = WriteThroughCache()
    ticket = cache.ticket()  # a read begins...
    with cache.writing(1):  # ...a write to any key commits meanwhile...
        pass
    cache.put(1, "read before the write", ticket)  # ...and the read ends with what it saw
    assert cache.get(1) is MISSING
    cache.put(1, "fresh", cache.ticket())
    assert cache.get(1) == "fresh"


def test_a_failed_write_still_drops_its_keys() -> None:
    cache: WriteThroughCache[str, int] = WriteThroughCache()
    cache.put("a", 1, cache.ticket())
    cache.put("b", 2, cache.ticket())
    with pytest.raises(RuntimeError), cache.writing("a", "b"):
        raise RuntimeError("the transaction rolled back, or did it?")
    assert cache.get("a") is MISSING and cache.get("b") is MISSING


def test_clear_forgets_everything_and_the_size_is_bounded() -> None:
    cache: WriteThroughCache[int, int] = WriteThroughCache(limit=3)
    for key in range(3):
        cache.put(key, key, cache.ticket())
    cache.put(3, 3, cache.ticket())  # full: starts over rather than growing
    assert [cache.get(k) for k in range(4)] == [MISSING, MISSING, MISSING, 3]
    ticket = cache.ticket()
    cache.clear()
    cache.put(5, 5, ticket)
    assert cache.get(3) is MISSING and cache.get(5) is MISSING


class Dynamic(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"test:dyn:(?P<n>\d+)"):
    def __init__(self, n: int) -> None:
        super().__init__(discord.ui.Button(label=f"n{n}", custom_id=f"test:dyn:{n}"))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Dynamic:
        return cls(int(match["n"]))


async def test_a_static_view_is_finished_so_discord_py_neither_stores_nor_times_it() -> None:
    view = static_view(Dynamic(1), Dynamic(2))
    assert view.is_finished() and view.timeout is None
    components = view.to_components()
    assert [c["custom_id"] for row in components for c in row["components"]] == ["test:dyn:1", "test:dyn:2"]
    assert view.to_components() == components, "sent again and again, it says the same"


async def test_a_static_view_refuses_items_routed_by_the_view() -> None:
    with pytest.raises(TypeError, match="not a DynamicItem"):
        static_view(discord.ui.Button(label="x", custom_id="plain"))  # type: ignore[arg-type]


async def test_read_loads_once_and_keeps_nothing_a_write_overtook() -> None:
    cache: WriteThroughCache[int, str | None] = WriteThroughCache()
    loads: list[int] = []

    async def load() -> str | None:
        loads.append(1)
        return None

    assert await cache.read(1, load) is None
    assert await cache.read(1, load) is None
    assert loads == [1], "a cached None is still a hit"

    async def overtaken() -> str:
        with cache.writing(2):  # another key's write commits while this read is under way
            pass
        return "stale?"

    assert await cache.read(3, overtaken) == "stale?"
    assert cache.get(3) is MISSING
