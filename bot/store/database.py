"""The SQLite connection: pragmas, numbered migrations and transactions.

Migrations are `migrations/NNN_name.sql`, applied in order and tracked with `PRAGMA user_version`,
so a database always says which schema it has. A database newer than the code is refused rather
than half-understood.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


class SchemaTooNewError(RuntimeError):
    """The database was written by a newer Backprop than this one."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    folder = resources.files("bot.store") / "migrations"
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    expected = list(range(1, len(found) + 1))
    if [m.version for m in found] != expected:
        raise RuntimeError(f"migrations must be numbered 001..{len(found):03d} without gaps")
    return found


async def connect(path: Path | str) -> aiosqlite.Connection:
    """Open the database, creating its folder, and bring its schema up to date."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    try:
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA busy_timeout = 5000")
        # So that a REPLACE's implicit delete fires the ledger's delete triggers (migration 007).
        await conn.execute("PRAGMA recursive_triggers = ON")
        await migrate(conn)
    except BaseException:
        await conn.close()
        raise
    return conn


async def schema_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def migrate(conn: aiosqlite.Connection) -> None:
    migrations = load_migrations()
    current = await schema_version(conn)
    latest = migrations[-1].version if migrations else 0
    if current > latest:
        raise SchemaTooNewError(
            f"the database is at schema version {current}, but this Backprop only knows up to {latest}; "
            "upgrade Backprop or point DATABASE_PATH at another file"
        )
    for migration in migrations[current:]:
        log.info("applying migration %s", migration.name)
        # One transaction per migration: a failed migration leaves the previous version intact.
        await conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _split_sql(migration.sql):
                await conn.execute(statement)
            await conn.execute(f"PRAGMA user_version = {migration.version}")
            await conn.execute("COMMIT")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements; a trigger's body (`BEGIN ... END;`) stays whole."""
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statement = "\n".join(
                kept for kept in pending.strip().splitlines() if not kept.strip().startswith("--")
            ).strip()
            if statement:
                statements.append(statement)
            pending = ""
    if pending.strip() and any(not line.strip().startswith("--") for line in pending.strip().splitlines()):
        raise ValueError(f"migration ends with an incomplete statement: {pending.strip()[:80]!r}")
    return statements


class Database:
    """One connection shared by the repositories, opened in the bot's setup_hook.

    aiosqlite runs every statement on one thread, but coroutines interleave between awaits. One
    lock covers reads and writes: a write transaction must never begin on this connection while
    another coroutine's read statement is still open on it, because in WAL mode that read pins an
    old snapshot and SQLite then refuses the write at once (SQLITE_BUSY_SNAPSHOT) whenever another
    connection committed in between. The lock is re-entrant per task, so a read inside a
    transaction is fine.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = path
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[object] | None = None

    async def open(self) -> None:
        if self._conn is None:
            self._conn = await connect(self.path)

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("the database is not open yet; Store.open() runs in setup_hook")
        return self._conn

    @asynccontextmanager
    async def _exclusive(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if task is not None and self._owner is task:
            yield
            return
        async with self._lock:
            self._owner = task
            try:
                yield
            finally:
                self._owner = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT: a claim and its writes land together or not at all."""
        async with self._exclusive():
            conn = self.conn
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")

    async def fetch_all(self, sql: str, params: tuple[object, ...] = ()) -> list[aiosqlite.Row]:
        async with self._exclusive(), self.conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetch_one(self, sql: str, params: tuple[object, ...] = ()) -> aiosqlite.Row | None:
        async with self._exclusive(), self.conn.execute(sql, params) as cursor:
            row: aiosqlite.Row | None = await cursor.fetchone()
            return row

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
