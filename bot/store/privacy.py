"""Everything stored about one person: exported on request, deleted on request.

The tables are discovered from the schema rather than listed by hand, so a feature that adds a
table with a `user_id` column is covered the day it lands:

- a column that names whose row it is (`user_id`, `member_id`) → the row is the person's:
  exported, and deleted on forget;
- a column that names who did something to someone else's row (`by_user_id`, `created_by`,
  any other `*_user_id` or `*_by`) → exported, and on forget the id is replaced by NULL (or 0 where NULL is not
  allowed), keeping the row, which belongs to someone else.

`tests/integration/test_privacy.py` seeds every table and checks that no column anywhere still
holds the id after a forget, so a table that names people differently fails loudly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite

from bot.store.database import Database

OWNER_COLUMNS = frozenset({"user_id", "member_id"})
FORGOTTEN = 0  # stands in for a forgotten actor where a column can't be NULL


@dataclass(frozen=True)
class PersonColumn:
    table: str
    column: str
    owns_row: bool
    nullable: bool


async def person_columns(conn: aiosqlite.Connection) -> list[PersonColumn]:
    async with conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ) as cursor:
        tables = [str(row[0]) for row in await cursor.fetchall()]
    found: list[PersonColumn] = []
    for table in tables:
        async with conn.execute(f'PRAGMA table_info("{table}")') as cursor:
            columns = list(await cursor.fetchall())
        for column in columns:
            name, notnull = str(column[1]), bool(column[3])
            if name in OWNER_COLUMNS:
                found.append(PersonColumn(table, name, owns_row=True, nullable=not notnull))
            elif name.endswith(("_user_id", "_by")):
                found.append(PersonColumn(table, name, owns_row=False, nullable=not notnull))
    return found


class PrivacyRepository:
    def __init__(self, db: Database, forgotten: Sequence[Callable[[int], None]] = ()) -> None:
        self._db = db
        # Repositories that cache rows of their own, told when a forget deleted some behind them.
        self._forgotten = tuple(forgotten)

    async def export(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        """Every row that names the person, table by table (rows as column → value)."""
        data: dict[str, list[dict[str, Any]]] = {}
        # One transaction: a consistent snapshot of every table, and the connection's lock held.
        async with self._db.transaction() as conn:
            for column in await person_columns(conn):
                async with conn.execute(
                    f'SELECT * FROM "{column.table}" WHERE "{column.column}" = ? ORDER BY rowid', (user_id,)
                ) as cursor:
                    rows = [dict(row) for row in await cursor.fetchall()]
                kept = data.setdefault(column.table, [])
                kept.extend(row for row in rows if row not in kept)  # a row may name the person twice
        return {table: rows for table, rows in data.items() if rows}

    async def forget(self, user_id: int) -> dict[str, int]:
        """Delete the person's rows and unlink them from others' rows, in one transaction.

        Returns how many rows each table lost or had unlinked.
        """
        if user_id == FORGOTTEN:
            raise ValueError("user id 0 stands for the whole group; it is never a person")
        changed: dict[str, int] = {}
        try:
            await self._forget(user_id, changed)
        finally:
            for forgotten in self._forgotten:
                forgotten(user_id)
        return changed

    async def _forget(self, user_id: int, changed: dict[str, int]) -> None:
        async with self._db.transaction() as conn:
            for column in await person_columns(conn):
                if column.owns_row:
                    sql = f'DELETE FROM "{column.table}" WHERE "{column.column}" = ?'
                    params: tuple[object, ...] = (user_id,)
                else:
                    replacement = None if column.nullable else FORGOTTEN
                    sql = f'UPDATE "{column.table}" SET "{column.column}" = ? WHERE "{column.column}" = ?'
                    params = (replacement, user_id)
                cursor = await conn.execute(sql, params)
                if cursor.rowcount > 0:
                    changed[column.table] = changed.get(column.table, 0) + cursor.rowcount
