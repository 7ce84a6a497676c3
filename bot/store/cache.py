"""Write-through caches for rows read on every interaction and written only through our repositories.

Each read from SQLite through aiosqlite is a round trip to its thread, which under load costs
more than everything else a command does. Rows such as a group's settings are read on every
command and change a few times a day, and only through one repository, in the one bot process
that owns the database. That repository keeps them here and drops an entry in the same code
path that writes it, so an entry is never older than the last write.

A read that overlapped a write (it began before the write and finished after) may have read the
row from before it: `put` refuses it, because every drop moves the cache to a new version.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Iterator
from contextlib import contextmanager
from enum import Enum
from typing import Final, Generic, Literal, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Missing(Enum):
    MISSING = "missing"


MISSING: Final = _Missing.MISSING


class WriteThroughCache(Generic[K, V]):
    def __init__(self, limit: int = 100_000) -> None:
        self._values: dict[K, V] = {}
        self._version = 0
        self._limit = limit  # bounded: forgetting everything only costs the next reads

    def get(self, key: K) -> V | Literal[_Missing.MISSING]:
        return self._values.get(key, MISSING)

    async def read(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        """The cached value, or what `load` reads, kept unless a write came while it read."""
        cached = self._values.get(key, MISSING)
        if cached is not MISSING:
            return cached
        ticket = self._version
        value = await load()
        self.put(key, value, ticket)
        return value

    def ticket(self) -> int:
        """Take one before reading the database; `put` keeps the value only if no write came between."""
        return self._version

    def put(self, key: K, value: V, ticket: int) -> None:
        if ticket != self._version:
            return
        if len(self._values) >= self._limit:
            self._values.clear()
        self._values[key] = value

    def drop(self, key: K) -> None:
        self._version += 1
        self._values.pop(key, None)

    def clear(self) -> None:
        self._version += 1
        self._values.clear()

    @contextmanager
    def writing(self, *keys: K) -> Iterator[None]:
        """Wrap a write: its keys are dropped once it has committed (or failed)."""
        try:
            yield
        finally:
            for key in keys:
                self.drop(key)
