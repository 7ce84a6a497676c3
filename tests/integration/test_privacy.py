"""/profile export and /profile forget at the store: every table, including those added later."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import aiosqlite
import pytest

from bot.core.clock import FakeClock
from bot.core.verification import SubmissionStatus
from bot.services.profiles import ProfileService
from bot.store import NewPoints, Store
from bot.store.privacy import person_columns
from bot.store.submissions import NewSubmission

ME, OTHER = 424242424242424242, 515151515151515151
NOW = datetime(2027, 2, 1, 12, 0, tzinfo=UTC)
# Integer columns whose name says they may hold a person's id; each must be handled by forget.
PERSONISH = re.compile(r"user|member|author|creator|asker|_by$")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with Store(tmp_path / "db.sqlite") as opened:
        yield opened


async def tables(conn: aiosqlite.Connection) -> dict[str, tuple[str, list[tuple[str, str, bool, bool]]]]:
    """table -> (its CREATE statement, [(column, type, not null, has default)])."""
    async with conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ) as cursor:
        found = {str(name): str(sql) for name, sql in await cursor.fetchall()}
    result = {}
    for name, sql in found.items():
        async with conn.execute(f'PRAGMA table_info("{name}")') as cursor:
            columns = [(str(c[1]), str(c[2]).upper(), bool(c[3]), c[4] is not None) for c in await cursor.fetchall()]
        result[name] = (sql, columns)
    return result


async def seed_every_table(store: Store, user_id: int, n: int) -> None:
    """One row in every table that names a person, whatever the table: made from its schema.

    Foreign keys are off while seeding so no parent rows are needed; CHECK (x IN (...)) lists
    give the values of constrained text columns. Other integers are `n`, so two seeds differ.
    """
    conn = store._db.conn
    await conn.execute("PRAGMA foreign_keys = OFF")
    try:
        owners = {(c.table, c.column) for c in await person_columns(conn)}
        for table, (sql, columns) in (await tables(conn)).items():
            if not any((table, name) in owners for name, *_ in columns):
                continue
            values: dict[str, object] = {}
            for name, kind, _not_null, _default in columns:
                allowed = re.search(rf"\b{name}\s+IN\s*\(\s*([^,)]+)", sql)
                if (table, name) in owners:
                    values[name] = user_id
                elif allowed:
                    literal = allowed.group(1).strip()
                    values[name] = literal.strip("'") if literal.startswith("'") else int(literal)
                elif "INT" in kind:
                    values[name] = n
                elif name.endswith(("_at", "_since")):
                    values[name] = NOW.isoformat()
                elif "date" in name or name == "day":
                    values[name] = date(2027, 1, n).isoformat()
                else:
                    values[name] = f"{table}.{name}.{n}"
            names = ", ".join(f'"{k}"' for k in values)
            marks = ", ".join("?" for _ in values)
            await conn.execute(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', tuple(values.values()))
    finally:
        await conn.execute("PRAGMA foreign_keys = ON")


async def cells_holding(store: Store, value: int) -> list[str]:
    conn = store._db.conn
    found = []
    for table, (_, columns) in (await tables(conn)).items():
        for name, kind, *_ in columns:
            if "INT" not in kind:
                continue
            async with conn.execute(f'SELECT COUNT(*) FROM "{table}" WHERE "{name}" = ?', (value,)) as cursor:
                row = await cursor.fetchone()
            if row and row[0]:
                found.append(f"{table}.{name}")
    return found


async def test_every_column_that_may_name_a_person_is_known_to_forget(store: Store) -> None:
    handled = {(c.table, c.column) for c in await person_columns(store._db.conn)}
    for table, (_, columns) in (await tables(store._db.conn)).items():
        for name, kind, *_ in columns:
            if "INT" in kind and PERSONISH.search(name):
                assert (table, name) in handled, f"{table}.{name} may hold a person's id: teach bot.store.privacy"
    expected = {("completions", "user_id"), ("points", "user_id"), ("attempts", "user_id")}
    expected |= {("excused_days", "user_id"), ("excused_days", "by_user_id"), ("submissions", "user_id")}
    expected |= {("profiles", "user_id"), ("member_roles", "user_id")}
    assert expected <= handled


async def test_forget_leaves_no_trace_in_any_table_and_keeps_everyone_else(store: Store) -> None:
    await seed_every_table(store, ME, 1)
    await seed_every_table(store, OTHER, 2)
    assert await cells_holding(store, ME)
    before_other = await cells_holding(store, OTHER)

    changed = await store.privacy.forget(ME)

    assert await cells_holding(store, ME) == []
    assert await cells_holding(store, OTHER) == before_other
    assert {"completions", "points", "attempts", "submissions", "profiles"} <= changed.keys()


async def test_export_and_forget_through_the_service(store: Store) -> None:
    service = ProfileService(store, FakeClock(NOW), None)
    day = date(2027, 1, 30)
    for who in (ME, OTHER):
        await store.ledger.record_completion(
            1,
            who,
            day,
            challenge_id="c1",
            how="done",
            link=None,
            first_try=False,
            at=NOW,
            points=[NewPoints(10, "completion", day, NOW)],
        )
        await store.ledger.add_wrong_try(1, who, day)
    await store.ledger.excuse(1, day, "repaired by Olivia", NOW, user_id=OTHER, by_user_id=ME)
    await store.ledger.excuse(1, date(2027, 1, 29), "the post failed", NOW)  # the whole group's
    record, _ = await store.submissions.add(
        NewSubmission(
            1,
            ME,
            "github",
            "repository",
            "github:repository:me/x",
            "https://github.com/me/x",
            "me",
            "my note",
            None,
            SubmissionStatus.SELF_REPORTED,
            None,
            NOW,
            NOW.date(),
        )
    )
    await store.submissions.set_announcement(record.id, 77, 88)
    await store.profiles.link_kaggle(ME, "me", NOW)
    await store.fairness.record_member_roles(1, ME, {5, 6})

    data = await service.export(ME)
    assert data["user_id"] == str(ME)
    exported = data["tables"]
    assert {"completions", "points", "attempts", "excused_days", "submissions", "profiles", "member_roles"} <= set(
        exported
    )
    assert exported["submissions"][0]["note"] == "my note"
    assert exported["completions"][0]["user_id"] == str(ME), "Discord ids are strings in JSON"
    assert [row["user_id"] for row in exported["excused_days"]] == [str(OTHER)]  # the repair I made for someone else

    forgotten = await service.forget(ME)
    assert forgotten.announcements == [(77, 88)]
    assert await cells_holding(store, ME) == []
    assert await store.ledger.points_total(1, OTHER) == 10
    assert [e.by_user_id for e in await store.ledger.excused_days(1, OTHER)] == [None, None]
    assert len(await store.ledger.excused_days(1, OTHER)) == 2  # the group's day and the repair stay
    assert (await service.export(ME))["tables"] == {}
