from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.store import SchemaTooNewError, Store
from bot.store.database import load_migrations

NOW = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)


async def test_migrations_set_the_schema_version(tmp_path: Path) -> None:
    async with Store(tmp_path / "nested" / "db.sqlite") as store:
        row = await store._db.fetch_one("PRAGMA user_version")
        assert row is not None and row[0] == len(load_migrations())
        journal = await store._db.fetch_one("PRAGMA journal_mode")
        assert journal is not None and journal[0] == "wal"
        fks = await store._db.fetch_one("PRAGMA foreign_keys")
        assert fks is not None and fks[0] == 1


async def test_reopening_applies_nothing_twice_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    async with Store(path) as store:
        await store.meta.set("k", "v1")
        await store.meta.set("k", "v2")
    async with Store(path) as store:
        assert await store.meta.get("k") == "v2"
        assert await store.meta.get("missing") is None


async def test_a_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    async with aiosqlite.connect(path) as conn:
        await conn.execute("PRAGMA user_version = 999")
        await conn.commit()
    with pytest.raises(SchemaTooNewError, match="999"):
        await Store(path).open()


async def test_guilds_remember_first_seen(tmp_path: Path) -> None:
    async with Store(tmp_path / "db.sqlite") as store:
        await store.guilds.seen(1, "Study", NOW)
        await store.guilds.seen(1, "Study (renamed)", NOW + timedelta(days=1))
        await store.guilds.left(1, NOW + timedelta(days=2))
        record = await store.guilds.get(1)
        assert record is not None
        assert record.name == "Study (renamed)"
        assert record.first_seen_at == NOW
        assert record.last_seen_at == NOW + timedelta(days=1)
        assert record.left_at == NOW + timedelta(days=2)
        assert record.first_seen_at.tzinfo is not None
        assert await store.guilds.get(2) is None


async def test_naive_datetimes_are_never_stored(tmp_path: Path) -> None:
    async with Store(tmp_path / "db.sqlite") as store:
        with pytest.raises(ValueError, match="naive"):
            await store.guilds.seen(1, "Study", datetime(2027, 1, 1))


async def test_a_failed_transaction_leaves_nothing_behind(tmp_path: Path) -> None:
    async with Store(tmp_path / "db.sqlite") as store:
        with pytest.raises(RuntimeError):
            async with store._db.transaction() as conn:
                await conn.execute("INSERT INTO meta (key, value) VALUES ('a', 'b')")
                raise RuntimeError("boom")
        assert await store.meta.get("a") is None


async def test_using_the_store_before_open_is_a_clear_error(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite")
    with pytest.raises(RuntimeError, match="not open"):
        await store.meta.get("x")


async def test_no_index_is_a_prefix_of_another(tmp_path: Path) -> None:
    """A plain index whose columns begin another's serves no lookup that one doesn't, and costs
    every write to its table."""
    store = await Store(tmp_path / "db.sqlite").open()
    try:
        db = store._db
        redundant = []
        for table in await db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'"):
            indexes = []
            for index in await db.fetch_all(f"PRAGMA index_list('{table[0]}')"):
                if index["unique"] or index["partial"]:
                    continue
                columns = [r["name"] for r in await db.fetch_all(f"PRAGMA index_info('{index['name']}')")]
                indexes.append((index["name"], columns))
            for name, columns in indexes:
                for other, wider in indexes:
                    if other != name and wider[: len(columns)] == columns:
                        redundant.append(f"{table[0]}.{name} {columns} begins {other} {wider}")
        assert not redundant
    finally:
        await store.close()
