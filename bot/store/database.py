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
import time
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


# A read on the event loop's thread that has used this much CPU (or, waiting on the disk, this
# much time) is stopped and read on aiosqlite's thread instead, and so is that statement from
# then on (see InlineReader).
INLINE_READ_BUDGET = 0.001  # seconds of CPU
INLINE_READ_LIMIT = 0.02  # seconds
_SLOW_STATEMENTS_KEPT = 10_000


class InlineReader:
    """Short reads on the event loop's own thread, through a second, read-only connection.

    A round trip to aiosqlite's thread (a queue, a thread wake-up, GIL hand-overs, a self-pipe
    write, an event loop turn) costs more than an indexed lookup itself, and on a busy host it
    costs far more in latency than in CPU: every command that reads waited on it. In WAL mode a
    second connection reads the last committed state at any moment, so a read needs neither the
    thread nor the lock. A statement is interrupted once it has used INLINE_READ_BUDGET of CPU or
    INLINE_READ_LIMIT of time, so the event loop never stalls for long; that statement then runs on
    aiosqlite's thread, now and from then on.
    """

    def __init__(self, path: str) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None)  # used from the event loop's thread only
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA query_only = ON")  # a statement that writes fails over to the main connection
        self._conn.execute("PRAGMA foreign_keys = ON")  # as on the main connection, for PRAGMA reads
        self._conn.set_progress_handler(self._over_budget, 1000)
        self._cpu_deadline = self._deadline = 0.0
        self._slow: set[str] = set()

    def _over_budget(self) -> bool:
        cpu = time.thread_time()  # a system call: only once a statement has run 1,000 steps
        if not self._cpu_deadline:
            self._cpu_deadline = cpu + INLINE_READ_BUDGET
        return cpu > self._cpu_deadline or time.monotonic() > self._deadline

    def read(self, sql: str, params: tuple[object, ...]) -> list[sqlite3.Row] | None:
        """The rows, or None when the statement must be read on aiosqlite's thread instead."""
        if sql in self._slow:
            return None
        self._cpu_deadline = 0.0  # set by the first progress call: a short read never asks for it
        self._deadline = time.monotonic() + INLINE_READ_LIMIT
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError as error:
            # Over budget, or anything else odd (busy, a write): the main connection runs it, and
            # raises what it must.
            if error.sqlite_errorcode == sqlite3.SQLITE_INTERRUPT:
                if len(self._slow) >= _SLOW_STATEMENTS_KEPT:
                    self._slow.clear()
                self._slow.add(sql)
            return None

    def close(self) -> None:
        self._conn.close()


class Database:
    """One connection shared by the repositories, opened in the bot's setup_hook.

    aiosqlite runs every statement on one thread, but coroutines interleave between awaits. One
    lock covers reads and writes: a write transaction must never begin on this connection while
    another coroutine's read statement is still open on it, because in WAL mode that read pins an
    old snapshot and SQLite then refuses the write at once (SQLITE_BUSY_SNAPSHOT) whenever another
    connection committed in between. The lock is re-entrant per task, so a read inside a
    transaction is fine.

    A read while no transaction is under way or waiting goes through an InlineReader instead, a
    second connection that needs neither the lock nor the thread (not for ":memory:", where it would
    open another database). A read issued during a transaction still waits for it, as before, and
    sees what it wrote.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = path
        self._conn: aiosqlite.Connection | None = None
        self._reader: InlineReader | None = None
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[object] | None = None
        self._transactions = 0  # under way or waiting for the lock

    async def open(self) -> None:
        if self._conn is None:
            self._conn = await connect(self.path)
            if str(self.path) != ":memory:":
                self._reader = InlineReader(str(self.path))

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
        self._transactions += 1
        try:
            async with self._lock:
                self._owner = task
                try:
                    yield
                finally:
                    self._owner = None
        finally:
            self._transactions -= 1

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
        conn = self.conn
        task = asyncio.current_task()
        if task is not None and self._owner is task:  # inside its own transaction: sees its own writes
            return list(await conn.execute_fetchall(sql, params))
        if self._reader is not None and not self._transactions:
            rows = self._reader.read(sql, params)
            if rows is not None:
                return rows
        # Each aiosqlite call is a round trip to its thread: execute, fetch and close in one. The
        # lock is taken inline, as `_exclusive` does: this runs on every command.
        async with self._lock:
            self._owner = task
            try:
                return list(await self.conn.execute_fetchall(sql, params))
            finally:
                self._owner = None

    async def fetch_one(self, sql: str, params: tuple[object, ...] = ()) -> aiosqlite.Row | None:
        """The first row of a query that returns at most a few (by key, an aggregate or LIMIT)."""
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
