"""Reads on the event loop's thread (Database's InlineReader) answer exactly what aiosqlite's thread would."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store.database import Database

COUNT_TO = 300_000  # a statement that needs far more than the inline budget
SLOW = f"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {COUNT_TO}) SELECT count(*) FROM c"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "db.sqlite")
    await database.open()
    try:
        yield database
    finally:
        await database.close()


async def test_a_committed_write_is_read_at_once(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO meta (key, value) VALUES ('k', 'v1')")
    row = await db.fetch_one("SELECT value FROM meta WHERE key = 'k'")
    assert row is not None and row["value"] == "v1"
    await db.conn.execute("UPDATE meta SET value = 'v2' WHERE key = 'k'")  # autocommit, behind the repositories
    assert [tuple(r) for r in await db.fetch_all("SELECT key, value FROM meta")] == [("k", "v2")]
    fks = await db.fetch_one("PRAGMA foreign_keys")
    assert fks is not None and fks[0] == 1


async def test_a_read_during_a_transaction_waits_for_it_and_the_transaction_reads_its_own_writes(
    db: Database,
) -> None:
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO meta (key, value) VALUES ('k', 'before')")
    inside_write, release = asyncio.Event(), asyncio.Event()

    async def writer() -> str:
        async with db.transaction() as conn:
            await conn.execute("UPDATE meta SET value = 'after' WHERE key = 'k'")
            inside_write.set()
            await release.wait()
            row = await db.fetch_one("SELECT value FROM meta WHERE key = 'k'")
            assert row is not None
            return str(row["value"])

    task = asyncio.create_task(writer())
    await inside_write.wait()
    # A command's read while another command's write is under way is served after that write,
    # as with the one connection: commands see each other's changes in the order they came.
    read = asyncio.create_task(db.fetch_one("SELECT value FROM meta WHERE key = 'k'"))
    for _ in range(5):  # an inline read would be done at its first step
        await asyncio.sleep(0)
    assert not read.done()
    release.set()
    assert await task == "after", "inside the transaction, its own write"
    row = await read
    assert row is not None and row["value"] == "after"
    row = await db.fetch_one("SELECT value FROM meta WHERE key = 'k'")
    assert row is not None and row["value"] == "after"


async def test_a_slow_statement_is_stopped_and_read_on_the_thread_from_then_on(db: Database) -> None:
    reader = db._reader
    assert reader is not None
    assert reader.read(SLOW, ()) is None, "interrupted inline"
    row = await db.fetch_one(SLOW)
    assert row is not None and row[0] == COUNT_TO
    assert reader.read(SLOW, ()) is None, "not tried inline again"
    assert reader.read("SELECT 1", ()) is not None, "other statements still are"


async def test_a_statement_that_writes_still_runs_on_the_main_connection(db: Database) -> None:
    rows = await db.fetch_all("INSERT INTO meta (key, value) VALUES ('w', 'x') RETURNING key")
    assert [tuple(r) for r in rows] == [("w",)]
    row = await db.fetch_one("SELECT value FROM meta WHERE key = 'w'")
    assert row is not None and row["value"] == "x"


async def test_errors_are_raised_as_before(db: Database) -> None:
    with pytest.raises(Exception, match="no such table"):
        await db.fetch_all("SELECT * FROM nowhere")


async def test_an_in_memory_database_reads_on_its_one_connection() -> None:
    database = Database(":memory:")
    await database.open()
    try:
        assert database._reader is None  # a second connection would open another, empty database
        await database.conn.execute("INSERT INTO meta (key, value) VALUES ('m', 'v')")
        row = await database.fetch_one("SELECT value FROM meta WHERE key = 'm'")
        assert row is not None and row["value"] == "v"
    finally:
        await database.close()
