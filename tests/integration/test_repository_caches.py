"""Rows the repositories keep in memory are never older than the last write: read, write, read again.

Groups, leaderboard settings, members' roles and the anonymous choice are read on every command
and served from write-through caches (bot/store/cache.py). Each test reads first, so the value is
cached, then writes through the repository and checks the very next read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.services.challenges import ChallengeService, schedule_of
from bot.store import GroupSettings, Store
from tests.e2e.harness import shipped_curriculum

GUILD, ME, OTHER = 7, 100, 200
START = date(2027, 1, 4)
NOW = datetime(2027, 1, 6, 12, 0, tzinfo=UTC)  # group day 3 (posts at 09:00 UTC)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with Store(tmp_path / "db.sqlite") as opened:
        yield opened


def settings(**changes: object) -> GroupSettings:
    values: dict[str, object] = {
        "channel_id": 1,
        "post_time": time(9),
        "timezone": "UTC",
        "start_date": START,
        "track": "full",
        "ping_role_id": None,
    }
    values.update(changes)
    return GroupSettings(**values)  # type: ignore[arg-type]


def post(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=UTC)


async def test_a_group_read_after_each_kind_of_write_is_the_new_one(store: Store) -> None:
    groups = store.groups
    assert await groups.get(GUILD) is None  # "no group" is remembered too...
    await groups.save(GUILD, settings(), START, post(START), NOW)
    group = await groups.get(GUILD)  # ...and forgotten by the save
    assert group is not None and group.channel_id == 1
    assert await groups.get(GUILD) is group, "served from memory while nothing changed"

    await groups.save(GUILD, settings(channel_id=2, track="fast"), START, post(START), NOW)
    group = await groups.get(GUILD)
    assert group is not None and (group.channel_id, group.track) == (2, "fast")

    await groups.set_paused(GUILD, NOW, NOW)
    group = await groups.get(GUILD)
    assert group is not None and group.paused_since == NOW

    await groups.reschedule(GUILD, START + timedelta(days=5), post(START + timedelta(days=5)))
    group = await groups.get(GUILD)
    assert group is not None and group.next_post_date == START + timedelta(days=5)

    await groups.record_error(GUILD, "no permission", NOW)
    group = await groups.get(GUILD)
    assert group is not None and group.last_error == "no permission"

    claimed = await groups.claim_post(
        GUILD,
        START + timedelta(days=5),
        day_index=5,
        challenge_id="c",
        due_at=post(START + timedelta(days=5)),
        now=NOW,
        late=False,
        next_post_date=START + timedelta(days=6),
        next_post_at=post(START + timedelta(days=6)),
        expected_next_at=post(START + timedelta(days=5)),
    )
    assert claimed
    group = await groups.get(GUILD)
    assert group is not None and group.next_post_at == post(START + timedelta(days=6))


async def test_a_failed_claim_leaves_the_group_as_it_is_stored(store: Store) -> None:
    await store.groups.save(GUILD, settings(), START, post(START), NOW)
    before = await store.groups.get(GUILD)
    claimed = await store.groups.claim_post(
        GUILD,
        START,
        day_index=0,
        challenge_id="c",
        due_at=post(START),
        now=NOW,
        late=False,
        next_post_date=START + timedelta(days=1),
        next_post_at=post(START + timedelta(days=1)),
        expected_next_at=post(START - timedelta(days=9)),  # someone moved the schedule meanwhile
    )
    assert not claimed
    assert await store.groups.get(GUILD) == before


async def test_leaderboard_settings_read_after_each_write(store: Store) -> None:
    fairness = store.fairness
    first = await fairness.get(GUILD)
    assert (first.excluded_role_ids, first.min_activity, first.season_start) == (frozenset(), 0, None)

    assert await fairness.set_role_excluded(GUILD, 55, True)
    assert await fairness.set_role_excluded(GUILD, 44, True)
    assert (await fairness.get(GUILD)).excluded_role_ids == {44, 55}, "roles without a settings row"

    await fairness.set_min_activity(GUILD, 3, NOW)
    assert (await fairness.get(GUILD)).min_activity == 3
    await fairness.set_season_start(GUILD, START, NOW)
    current = await fairness.get(GUILD)
    assert (current.excluded_role_ids, current.min_activity, current.season_start) == (frozenset({44, 55}), 3, START)

    assert await fairness.set_role_excluded(GUILD, 55, False)
    assert not await fairness.set_role_excluded(GUILD, 55, False)
    assert (await fairness.get(GUILD)).excluded_role_ids == {44}
    await fairness.set_season_start(GUILD, None, NOW)
    assert (await fairness.get(GUILD)).season_start is None
    assert (await fairness.get(GUILD + 1)).excluded_role_ids == frozenset(), "another group is not affected"


async def test_excluded_members_follow_role_changes_and_exclusions(store: Store) -> None:
    fairness = store.fairness
    await fairness.set_role_excluded(GUILD, 55, True)
    assert await fairness.member_roles(GUILD, ME) == frozenset()
    assert await fairness.excluded_members(GUILD) == frozenset()

    await fairness.record_member_roles(GUILD, ME, {55, 66})
    assert await fairness.member_roles(GUILD, ME) == {55, 66}
    assert await fairness.excluded_members(GUILD) == {ME}

    await fairness.record_member_roles(GUILD, ME, {66})  # the role was taken away
    assert await fairness.member_roles(GUILD, ME) == {66}
    assert await fairness.excluded_members(GUILD) == frozenset()

    await fairness.set_role_excluded(GUILD, 66, True)  # now the other role is excluded
    assert await fairness.excluded_members(GUILD) == {ME}
    await fairness.set_role_excluded(GUILD, 66, False)
    assert await fairness.excluded_members(GUILD) == frozenset()


async def test_the_anonymous_choice_read_after_each_write(store: Store) -> None:
    profiles = store.profiles
    assert await profiles.anonymous_among([ME, OTHER]) == set()
    assert await profiles.anonymous_among([]) == set()
    await profiles.set_anonymous(ME, True, NOW)
    assert await profiles.anonymous_among([ME, OTHER]) == {ME}
    await profiles.link_kaggle(ME, "me", NOW)  # other profile writes keep the choice
    assert await profiles.anonymous_among([ME]) == {ME}
    await profiles.set_anonymous(ME, False, NOW)
    assert await profiles.anonymous_among([ME, OTHER]) == set()


async def test_a_forget_reaches_the_rows_kept_in_memory(store: Store) -> None:
    await store.fairness.set_role_excluded(GUILD, 55, True)
    await store.fairness.record_member_roles(GUILD, ME, {55})
    await store.fairness.record_member_roles(GUILD, OTHER, {55})
    await store.profiles.set_anonymous(ME, True, NOW)
    assert await store.fairness.excluded_members(GUILD) == {ME, OTHER}
    assert await store.profiles.anonymous_among([ME, OTHER]) == {ME}

    await store.privacy.forget(ME)

    assert await store.fairness.member_roles(GUILD, ME) == frozenset()
    assert await store.fairness.member_roles(GUILD, OTHER) == {55}
    assert await store.fairness.excluded_members(GUILD) == {OTHER}
    assert await store.profiles.anonymous_among([ME, OTHER]) == set()


async def test_today_is_built_once_per_group_day_and_again_after_a_change(store: Store) -> None:
    clock = FakeClock(NOW)
    service = ChallengeService(store, shipped_curriculum(), clock)
    await store.groups.save(GUILD, settings(), START, post(START), NOW)

    day = await service.today(GUILD)
    assert (day.group_date, day.index) == (date(2027, 1, 6), 2)
    clock.set(post(date(2027, 1, 7)) - timedelta(microseconds=1))  # the last instant of that group day
    assert await service.today(GUILD) is day, "the same day, not rebuilt"

    clock.set(post(date(2027, 1, 7)))  # the next post went out
    following = await service.today(GUILD)
    assert (following.group_date, following.index) == (date(2027, 1, 7), 3)

    await store.groups.save(GUILD, settings(start_date=START - timedelta(days=10)), START, post(START), NOW)
    moved = await service.today(GUILD)
    assert (moved.group_date, moved.index) == (date(2027, 1, 7), 13), "a new start date counts at once"

    await store.groups.save(GUILD, settings(post_time=time(13)), START, post(START), NOW)
    assert (await service.today(GUILD)).group_date == date(2027, 1, 6), "before 13:00 it is still yesterday"

    clock.set(post(date(2027, 1, 6)) - timedelta(hours=30))  # the clock may go back (tests, a fixed host)
    assert (await service.today(GUILD)).group_date == date(2027, 1, 4)


async def test_the_group_date_kept_in_memory_turns_exactly_at_each_post_across_dst(store: Store) -> None:
    """`group_date` does the zone arithmetic once per group day; across Berlin's spring-forward
    night, with posts at 02:30 (a wall time that does not exist that night), it must still agree
    with the schedule at every instant, and follow a change of zone at once."""
    clock = FakeClock(datetime(2027, 3, 26, 0, 0, tzinfo=UTC))
    service = ChallengeService(store, shipped_curriculum(), clock)
    await store.groups.save(
        GUILD, settings(post_time=time(2, 30), timezone="Europe/Berlin"), START, post(START), clock.now()
    )
    group = await service.group(GUILD)
    schedule = schedule_of(group)
    # Posts: Sat 27 Mar 01:30 UTC (CET); Sun 28 Mar 01:00 UTC (02:30 is skipped: the jump itself);
    # Mon 29 Mar 00:30 UTC (CEST). Step through the nights a minute at a time around each post.
    turns = []
    for post_at in (datetime(2027, 3, 27, 1, 30), datetime(2027, 3, 28, 1, 0), datetime(2027, 3, 29, 0, 30)):
        for minutes in range(-3, 4):
            clock.set(post_at.replace(tzinfo=UTC) + timedelta(minutes=minutes, microseconds=-1 if minutes == 0 else 0))
            assert service.group_date(group) == schedule.group_date_at(clock.now())
            clock.set(post_at.replace(tzinfo=UTC) + timedelta(minutes=minutes))
            expected = schedule.group_date_at(clock.now())
            assert service.group_date(group) == expected
            if minutes == 0:
                turns.append(expected)
    assert turns == [date(2027, 3, 27), date(2027, 3, 28), date(2027, 3, 29)]

    await store.groups.save(GUILD, settings(post_time=time(2, 30), timezone="Asia/Tokyo"), START, post(START), NOW)
    moved = await service.group(GUILD)
    assert service.group_date(moved) == schedule_of(moved).group_date_at(clock.now()) == date(2027, 3, 29)
    clock.set(datetime(2027, 3, 29, 17, 29, tzinfo=UTC))  # 02:29 in Tokyo on the 30th
    assert service.group_date(moved) == date(2027, 3, 29)
    clock.set(datetime(2027, 3, 29, 17, 30, tzinfo=UTC))
    assert service.group_date(moved) == date(2027, 3, 30)
