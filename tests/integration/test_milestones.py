"""Milestones against a real database with a fake clock: reminders across restarts, two workers,
crash recovery, rescheduling, roadmap milestones and completions."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.core.errors import UserFacingError
from bot.core.milestones import WRAP_UP
from bot.curriculum import Curriculum, load_curriculum
from bot.curriculum.cli import default_curriculum_path
from bot.services.milestones import MilestoneService
from bot.services.poster import PostFailed
from bot.services.reminders import RECOVER_AFTER, MilestoneReminders, ReminderPost, reminder_nonce
from bot.store import GroupSettings, Store
from bot.store.milestones import MilestoneRecord

GUILD = 100
ZONE = "Europe/Berlin"
START = datetime(2027, 1, 4, 11, 0, tzinfo=UTC)  # Monday 12:00 in Berlin
DUE_TEXT = "2027-01-14 18:00"  # ten days later, 17:00 UTC
DUE = datetime(2027, 1, 14, 17, 0, tzinfo=UTC)
CURRICULUM: list[Curriculum] = []


def curriculum() -> Curriculum:
    if not CURRICULUM:
        CURRICULUM.append(load_curriculum(default_curriculum_path()))
    return CURRICULUM[0]


class RecordingSender:
    """Stands in for Discord's channel: remembers what was sent, can fail or crash."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, timedelta, str]] = []
        self.posts: list[ReminderPost] = []
        self.fail_with: str | None = None
        self.crash_after_send = False
        self.history_readable = True  # False: as without Read Message History

    async def send_reminder(self, post: ReminderPost, *, nonce: str) -> int:
        await asyncio.sleep(0)  # let other workers interleave, as a real HTTP call would
        if self.fail_with:
            raise PostFailed(self.fail_with)
        self.sent.append((post.milestone.id, post.reminder.offset, nonce))
        self.posts.append(post)
        if self.crash_after_send:
            raise asyncio.CancelledError  # the process died before recording the post
        return len(self.sent)

    async def find_reminder(self, post: ReminderPost, *, after_message_id: int) -> int | None:
        if not self.history_readable:
            return None
        key = (post.milestone.id, post.reminder.offset)
        found = [n for n, (*sent, _) in enumerate(self.sent, 1) if tuple(sent) == key and n > after_message_id]
        return found[-1] if found else None

    def offsets(self) -> list[timedelta]:
        return [offset for _, offset, _ in self.sent]


async def add_group(
    store: Store, guild_id: int, now: datetime, *, start: date = date(2027, 6, 7), **extra: object
) -> None:
    values: dict[str, object] = {
        "channel_id": guild_id + 1,
        "post_time": time(9),
        "timezone": ZONE,
        "start_date": start,
        "track": "full",
        "ping_role_id": None,
        "lead_role_id": None,
    }
    values.update(extra)
    settings = GroupSettings(**values)  # type: ignore[arg-type]
    await store.groups.save(guild_id, settings, start, now, now)


def service(store: Store, clock: FakeClock) -> MilestoneService:
    return MilestoneService(store, curriculum(), clock)


def runner(store: Store, clock: FakeClock, sender: RecordingSender) -> MilestoneReminders:
    return MilestoneReminders(store, clock, sender, service(store, clock))


async def add_milestone(
    store: Store, clock: FakeClock, reminders: str | None = None, guild: int = GUILD
) -> MilestoneRecord:
    return await service(store, clock).add(
        guild, title="Ship the API", due=DUE_TEXT, description=None, reminders=reminders, created_by=7
    )


async def statuses(store: Store, milestone_id: int) -> dict[timedelta, str]:
    return {r.offset: r.status for r in await store.milestones.reminders(milestone_id)}


async def test_reminders_across_restarts_are_sent_once_late_ones_skipped_and_the_wrap_up_always(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START)
    sender = RecordingSender()
    async with Store(tmp_path / "db") as store:
        await add_group(store, GUILD, clock.now())
        milestone = await add_milestone(store, clock)
        assert await runner(store, clock, sender).tick() == 0
        clock.set(DUE - timedelta(days=7))
        assert await runner(store, clock, sender).tick() == 1  # on time
    assert sender.offsets() == [timedelta(days=7)]

    # Down from 8 days before to 12 hours before: the day reminder is 12 h late, still ahead of
    # the due time, so it goes out once on return.
    clock.set(DUE - timedelta(hours=12))
    async with Store(tmp_path / "db") as store:
        first = runner(store, clock, sender)
        assert await first.tick() == 1
        assert await first.tick() == 0
        assert sender.offsets() == [timedelta(days=7), timedelta(days=1)]

    # Down again until 5 hours after the due time: the hour reminder is stale, the wrap-up is not.
    clock.set(DUE + timedelta(hours=5))
    async with Store(tmp_path / "db") as store:
        second = runner(store, clock, sender)
        assert await second.tick() == 1
        clock.advance(timedelta(days=2))
        assert await second.tick() == 0
        assert await statuses(store, milestone.id) == {
            timedelta(days=7): "sent",
            timedelta(days=1): "sent",
            timedelta(hours=1): "skipped",
            WRAP_UP: "sent",
        }
    assert sender.offsets() == [timedelta(days=7), timedelta(days=1), WRAP_UP]


async def test_after_long_downtime_only_the_latest_missed_reminder_goes_out(tmp_path: Path) -> None:
    clock = FakeClock(START)
    sender = RecordingSender()
    async with Store(tmp_path / "db") as store:
        await add_group(store, GUILD, clock.now())
        milestone = await add_milestone(store, clock, reminders="7d,1d,2h")
    clock.set(DUE - timedelta(minutes=90))  # 7d, 1d and 2h all passed; only 2h is recent enough
    async with Store(tmp_path / "db") as store:
        assert await runner(store, clock, sender).tick() == 1
        assert sender.offsets() == [timedelta(hours=2)]
        assert (await statuses(store, milestone.id))[timedelta(days=7)] == "skipped"


async def test_a_week_of_downtime_still_sends_the_wrap_up_with_the_names(tmp_path: Path) -> None:
    clock = FakeClock(START)
    sender = RecordingSender()
    async with Store(tmp_path / "db") as store:
        await add_group(store, GUILD, clock.now())
        milestone = await add_milestone(store, clock)
        milestones = service(store, clock)
        await milestones.done(GUILD, str(milestone.id), user_id=1, display_name="alice", link=None)
        await milestones.done(GUILD, "ship the api", user_id=2, display_name="bob", link=None)
        assert not (await milestones.done(GUILD, "Ship", user_id=1, display_name="alice", link=None)).recorded
    clock.set(DUE + timedelta(days=7))
    async with Store(tmp_path / "db") as store:
        assert await runner(store, clock, sender).tick() == 1
    (wrap_up,) = sender.posts
    assert wrap_up.is_wrap_up and wrap_up.completed_by == ("alice", "bob") and wrap_up.ping_user_ids == ()


async def sent_then_crashed(store: Store, clock: FakeClock, sender: RecordingSender) -> None:
    """A tick whose send reached Discord, then the process died before recording it."""
    sender.crash_after_send = True
    with pytest.raises(asyncio.CancelledError):
        await runner(store, clock, sender).tick()
    sender.crash_after_send = False


async def test_a_reminder_sent_before_a_crash_is_found_in_the_channel_after_a_grace(tmp_path: Path) -> None:
    clock = FakeClock(START)
    sender = RecordingSender()
    async with Store(tmp_path / "db") as store:
        await add_group(store, GUILD, clock.now())
        milestone = await add_milestone(store, clock, reminders="2d,1d")
        clock.set(DUE - timedelta(days=2))
        assert await runner(store, clock, sender).tick() == 1  # the 2-day reminder: message 1
        clock.set(DUE - timedelta(days=1))
        await sent_then_crashed(store, clock, sender)  # the 1-day reminder: message 2, unrecorded
    async with Store(tmp_path / "db") as store:
        assert await runner(store, clock, sender).tick() == 0  # the claim may still be sending
        clock.advance(timedelta(hours=3))  # long after Discord's nonce window
        assert await runner(store, clock, sender).tick() == 0
        records = {r.offset: r for r in await store.milestones.reminders(milestone.id)}
        assert (records[timedelta(days=1)].status, records[timedelta(days=1)].message_id) == ("sent", 2)
    assert sender.offsets() == [timedelta(days=2), timedelta(days=1)]


async def test_a_claimed_reminder_the_channel_cannot_show_is_resent_with_the_same_nonce(tmp_path: Path) -> None:
    clock = FakeClock(START)
    sender = RecordingSender()
    async with Store(tmp_path / "db") as store:
        await add_group(store, GUILD, clock.now())
        milestone = await add_milestone(store, clock, reminders="1d")
        clock.set(DUE - timedelta(days=1))
        await sent_then_crashed(store, clock, sender)
    sender.history_readable = False
    async with Store(tmp_path / "db") as store:
        # Restarted at once: the claim may belong to a worker still sending, so it waits.
        assert await runner(store, clock, sender).tick() == 0
        clock.advance(RECOVER_AFTER)
        assert await runner(store, clock, sender).tick() == 1
        assert await runner(store, clock, sender).tick() == 0
        assert (await statuses(store, milestone.id))[timedelta(days=1)] == "sent"
    (first, second) = sender.sent
    assert first == second  # same reminder, same nonce: Discord returns the first message


async def test_two_workers_on_two_connections_send_each_reminder_once(tmp_path: Path) -> None:
    clock = FakeClock(START)
    sender = RecordingSender()
    async with Store(tmp_path / "db") as first, Store(tmp_path / "db") as second:
        for guild in range(1, 21):
            await add_group(first, guild * 10, clock.now())
            await add_milestone(first, clock, reminders="7d,1d,2h,30m", guild=guild * 10)
        workers = [runner(first, clock, sender), runner(second, clock, sender)]
        moments = [DUE - timedelta(days=7), DUE - timedelta(hours=20), DUE - timedelta(minutes=25), DUE + timedelta(1)]
        for moment in moments:
            clock.set(moment)
            await asyncio.gather(*(w.tick() for w in workers), *(w.tick() for w in workers))
        # 20 milestones × (7d, 1d, 30m, wrap-up): 2h was skipped for 30m, which went out instead.
        keys = [(milestone, offset) for milestone, offset, _ in sender.sent]
        assert len(keys) == len(set(keys)) == 20 * 4
        assert len({nonce for _, _, nonce in sender.sent}) == 80


async def test_a_failed_send_is_recorded_for_the_admins_and_not_retried_forever(tmp_path: Path) -> None:
    clock = FakeClock(START)
    sender = RecordingSender()
    async with Store(tmp_path / "db") as store:
        await add_group(store, GUILD, clock.now())
        milestone = await add_milestone(store, clock, reminders="1d")
        clock.set(DUE - timedelta(days=1))
        sender.fail_with = "I lack permission"
        assert await runner(store, clock, sender).tick() == 0
        sender.fail_with = None
        clock.advance(RECOVER_AFTER * 2)
        assert await runner(store, clock, sender).tick() == 0
        assert (await statuses(store, milestone.id))[timedelta(days=1)] == "failed"
        group = await store.groups.get(GUILD)
        assert group is not None and group.last_error is not None and "I lack permission" in group.last_error


async def test_editing_the_due_time_reschedules_without_resending(tmp_path: Path) -> None:
    clock = FakeClock(START)
    sender = RecordingSender()
    async with Store(tmp_path / "db") as store:
        await add_group(store, GUILD, clock.now())
        milestones = service(store, clock)
        milestone = await add_milestone(store, clock, reminders="7d,1d")
        clock.set(DUE - timedelta(days=7))
        worker = runner(store, clock, sender)
        assert await worker.tick() == 1
        # Three days later the group pushes the deadline back by a week.
        clock.advance(timedelta(days=3))
        moved = await milestones.edit(GUILD, str(milestone.id), due="2027-01-21 18:00")
        assert moved.due_at == DUE + timedelta(days=7)
        assert await worker.tick() == 0, "the week reminder for the new due time is in the future"
        clock.set(DUE - timedelta(days=1))  # the old day reminder's moment: nothing is due any more
        assert await worker.tick() == 0
        clock.set(moved.due_at - timedelta(days=7))
        assert await worker.tick() == 1
        clock.set(moved.due_at - timedelta(days=1))
        assert await worker.tick() == 1
        clock.set(moved.due_at)
        assert await worker.tick() == 1
    assert sender.offsets() == [timedelta(days=7), timedelta(days=7), timedelta(days=1), WRAP_UP]
    assert sender.sent[0][2] != sender.sent[1][2], "a reminder for the new due time is a new message"


async def test_edit_without_a_new_due_time_keeps_the_plan(tmp_path: Path) -> None:
    clock = FakeClock(START)
    async with Store(tmp_path / "db") as store:
        await add_group(store, GUILD, clock.now())
        milestones = service(store, clock)
        milestone = await add_milestone(store, clock)
        before = await store.milestones.reminders(milestone.id)
        renamed = await milestones.edit(GUILD, "Ship the API", title="Ship the model API", description="FastAPI")
        assert (renamed.title, renamed.description, renamed.due_at) == ("Ship the model API", "FastAPI", DUE)
        assert await store.milestones.reminders(milestone.id) == before
        cleared = await milestones.edit(GUILD, str(milestone.id), description="-")
        assert cleared.description is None
        fewer = await milestones.edit(GUILD, str(milestone.id), reminders="2h")
        assert await statuses(store, fewer.id) == {timedelta(hours=2): "planned", WRAP_UP: "planned"}
        with pytest.raises(UserFacingError, match="what to change"):
            await milestones.edit(GUILD, str(milestone.id))
        with pytest.raises(UserFacingError, match="already passed"):
            await milestones.edit(GUILD, str(milestone.id), due="2027-01-01")


async def test_milestones_are_found_by_id_or_title_within_the_guild_only(tmp_path: Path) -> None:
    clock = FakeClock(START)
    async with Store(tmp_path / "db") as store:
        await add_group(store, GUILD, clock.now())
        await add_group(store, 200, clock.now())
        milestones = service(store, clock)
        ours = await add_milestone(store, clock)
        theirs = await add_milestone(store, clock, guild=200)
        assert (await milestones.find(GUILD, str(ours.id))).id == ours.id
        assert (await milestones.find(GUILD, f"#{ours.id}")).id == ours.id
        assert (await milestones.find(GUILD, "  SHIP the api ")).id == ours.id
        with pytest.raises(UserFacingError, match="can't find"):
            await milestones.find(GUILD, str(theirs.id))
        with pytest.raises(UserFacingError, match="can't find"):
            await milestones.remove(GUILD, "nothing like it")
        await milestones.add(
            GUILD, title="Ship the docs", due="in 3 days", description=None, reminders=None, created_by=1
        )
        with pytest.raises(UserFacingError, match="Several"):
            await milestones.find(GUILD, "ship")
        choices = await milestones.choices(GUILD, "docs")
        assert [m.title for m in choices] == ["Ship the docs"]


async def test_opt_in_pings_skip_members_who_already_completed(tmp_path: Path) -> None:
    clock = FakeClock(START)
    sender = RecordingSender()
    async with Store(tmp_path / "db") as store:
        await add_group(store, GUILD, clock.now())
        milestones = service(store, clock)
        milestone = await add_milestone(store, clock, reminders="1d")
        assert (await milestones.toggle_ping(GUILD, milestone.id, 1))[1] is True
        assert (await milestones.toggle_ping(GUILD, milestone.id, 2))[1] is True
        assert (await milestones.toggle_ping(GUILD, milestone.id, 3))[1] is True
        assert (await milestones.toggle_ping(GUILD, milestone.id, 3))[1] is False  # pressed again: opted out
        await milestones.done(GUILD, str(milestone.id), user_id=2, display_name="bob", link=None)
        clock.set(DUE - timedelta(days=1))
        await runner(store, clock, sender).tick()
        (post,) = sender.posts
        assert post.ping_user_ids == (1,) and post.completed == 1
        with pytest.raises(UserFacingError, match="removed"):
            await milestones.toggle_ping(200, milestone.id, 1)
        clock.set(DUE)
        with pytest.raises(UserFacingError, match="already due"):
            await milestones.toggle_ping(GUILD, milestone.id, 1)


async def test_done_with_a_link_keeps_the_canonical_link_and_refuses_bad_ones(tmp_path: Path) -> None:
    clock = FakeClock(START)
    async with Store(tmp_path / "db") as store:
        await add_group(store, GUILD, clock.now())
        milestones = service(store, clock)
        milestone = await add_milestone(store, clock)
        with pytest.raises(UserFacingError):
            await milestones.done(GUILD, str(milestone.id), user_id=1, display_name="a", link="javascript:alert(1)")
        assert await store.milestones.completions(milestone.id) == []
        outcome = await milestones.done(
            GUILD, str(milestone.id), user_id=1, display_name="a", link="github.com/alice/api/tree/main?tab=readme"
        )
        assert outcome.recorded and outcome.link is not None
        (completion,) = await store.milestones.completions(milestone.id)
        assert completion.link == "https://github.com/alice/api"


async def test_roadmap_milestones_are_created_once_per_phase_end_and_follow_the_settings(tmp_path: Path) -> None:
    clock = FakeClock(START)
    async with Store(tmp_path / "db") as store:
        await add_group(store, GUILD, clock.now(), start=date(2027, 1, 4))
        group = await store.groups.get(GUILD)
        assert group is not None
        milestones = service(store, clock)
        assert await store.milestones.roadmap_stale_groups() == [GUILD]
        assert await milestones.sync_roadmap(group) == 8
        assert await store.milestones.roadmap_stale_groups() == []
        assert await milestones.sync_roadmap(group) == 0  # idempotent
        roadmap = [m for m in await store.milestones.in_guild(GUILD) if m.is_roadmap]
        assert [m.phase_id for m in roadmap][:2] == ["math", "python"]
        assert roadmap[0].title == "Finish phase 1: Math foundations"
        # Math is days 1-46, so it ends with the post of day 47: 2027-02-19 09:00 Berlin.
        assert roadmap[0].due_at == datetime(2027, 2, 19, 8, tzinfo=UTC)
        assert all(m.created_by is None and m.reminders == (timedelta(days=7), timedelta(days=1)) for m in roadmap)

        # Another track: the python phase is shorter, so every later phase end moves.
        await add_group(store, GUILD, clock.now(), start=date(2027, 1, 4), track="fast")
        assert await store.milestones.roadmap_stale_groups() == [GUILD]
        group = await store.groups.get(GUILD)
        assert group is not None
        assert await milestones.sync_roadmap(group) == 7
        python = next(m for m in await store.milestones.in_guild(GUILD) if m.phase_id == "python")
        assert python.due_at == datetime(2027, 3, 29, 7, tzinfo=UTC)  # day 85 = 2027-03-29, 09:00 CEST
        assert len([m for m in await store.milestones.in_guild(GUILD) if m.is_roadmap]) == 8


async def test_the_runner_builds_stale_roadmaps_and_past_phase_ends_are_left_out(tmp_path: Path) -> None:
    clock = FakeClock(START)
    sender = RecordingSender()
    async with Store(tmp_path / "db") as store:
        await add_group(store, GUILD, clock.now(), start=date(2026, 11, 1))  # math ended on 2026-12-17
        await runner(store, clock, sender).tick()
        phases = [m.phase_id for m in await store.milestones.in_guild(GUILD)]
        assert phases == [
            "python",
            "data-science",
            "classical-ml",
            "deep-learning",
            "mlops",
            "portfolio",
            "specializations",
        ]
        assert sender.sent == []


async def test_a_second_roadmap_milestone_for_a_phase_is_refused_by_the_store(tmp_path: Path) -> None:
    clock = FakeClock(START)
    async with Store(tmp_path / "db") as store:
        await add_group(store, GUILD, clock.now())
        kwargs: dict[str, object] = {
            "title": "Finish math",
            "description": None,
            "due_at": DUE,
            "reminders": (),
            "plan": (),
            "created_by": None,
            "now": clock.now(),
            "phase_id": "math",
        }
        assert await store.milestones.create(GUILD, **kwargs) is not None  # type: ignore[arg-type]
        assert await store.milestones.create(GUILD, **kwargs) is None  # type: ignore[arg-type]


async def test_lead_role_is_stored_with_the_group_and_checked(tmp_path: Path) -> None:
    clock = FakeClock(START)
    async with Store(tmp_path / "db") as store:
        await add_group(store, GUILD, clock.now(), lead_role_id=555)
        group = await store.groups.get(GUILD)
        assert group is not None and group.lead_role_id == 555
        MilestoneService.require_manager(group, is_admin=False, role_ids=[1, 555])
        MilestoneService.require_manager(group, is_admin=True, role_ids=[])
        with pytest.raises(UserFacingError, match="<@&555>"):
            MilestoneService.require_manager(group, is_admin=False, role_ids=[1])


async def test_limits_on_adding(tmp_path: Path) -> None:
    clock = FakeClock(START)
    async with Store(tmp_path / "db") as store:
        milestones = service(store, clock)
        with pytest.raises(UserFacingError, match="no study group"):
            await add_milestone(store, clock)
        await add_group(store, GUILD, clock.now())
        with pytest.raises(UserFacingError, match="title"):
            await milestones.add(GUILD, title="   ", due="tomorrow", description=None, reminders=None, created_by=1)
        for index in range(50):
            await milestones.add(
                GUILD, title=f"Goal {index}", due="in 3 days", description=None, reminders="none", created_by=1
            )
        with pytest.raises(UserFacingError, match="50 milestones"):
            await milestones.add(
                GUILD, title="One more", due="in 3 days", description=None, reminders=None, created_by=1
            )


def test_nonces_fit_discord_and_differ_per_reminder_and_moment() -> None:
    from bot.store.milestones import ReminderRecord

    def record(offset: timedelta, fire_at: datetime, milestone: int = 1) -> ReminderRecord:
        return ReminderRecord(1, milestone, GUILD, offset, fire_at, "claimed", None, None)

    base = reminder_nonce(record(timedelta(days=1), DUE))
    assert len(base) <= 25
    assert base == reminder_nonce(record(timedelta(days=1), DUE))
    assert base != reminder_nonce(record(timedelta(days=1), DUE + timedelta(days=7)))
    assert base != reminder_nonce(record(timedelta(hours=1), DUE))
    assert base != reminder_nonce(record(timedelta(days=1), DUE, milestone=2))


class RecordingMirror:
    """An EventMirror that remembers calls; `allowed` False answers like a bot without Manage Events."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int | None]] = []
        self.allowed = True
        self._next = 1000

    async def publish(self, milestone: MilestoneRecord, group: object) -> int | None:
        self.calls.append(("publish", milestone.scheduled_event_id))
        if not self.allowed:
            return milestone.scheduled_event_id
        if milestone.scheduled_event_id is None:
            self._next += 1
            return self._next
        return milestone.scheduled_event_id

    async def withdraw(self, guild_id: int, event_id: int) -> None:
        self.calls.append(("withdraw", event_id))


async def test_the_event_mirror_follows_add_edit_and_remove(tmp_path: Path) -> None:
    clock = FakeClock(START)
    mirror = RecordingMirror()
    async with Store(tmp_path / "db") as store:
        await add_group(store, GUILD, clock.now())
        milestones = MilestoneService(store, curriculum(), clock, mirror)
        added = await milestones.mirror_event(await add_milestone(store, clock))
        assert added.scheduled_event_id == 1001
        edited = await milestones.mirror_event(await milestones.edit(GUILD, str(added.id), title="New"))
        assert edited.scheduled_event_id == 1001
        await milestones.withdraw_event(await milestones.remove(GUILD, str(added.id)))
        assert mirror.calls == [("publish", None), ("publish", 1001), ("withdraw", 1001)]

        mirror.allowed = False
        unmirrored = await milestones.mirror_event(await add_milestone(store, clock))
        assert unmirrored.scheduled_event_id is None
        clock.set(DUE)
        mirror.calls.clear()
        assert await milestones.mirror_event(unmirrored) == unmirrored  # past due: Discord would refuse
        await milestones.withdraw_event(unmirrored)  # nothing to withdraw
        assert mirror.calls == []


async def test_a_roadmap_sync_mirrors_what_a_cut_short_sync_left_unmirrored(tmp_path: Path) -> None:
    clock = FakeClock(START)
    mirror = RecordingMirror()
    async with Store(tmp_path / "db") as store:
        await add_group(store, GUILD, clock.now())
        group = await store.groups.get(GUILD)
        assert group is not None
        milestones = MilestoneService(store, curriculum(), clock, mirror)
        mirror.allowed = False
        assert await milestones.sync_roadmap(group) == 8
        mirror.allowed = True
        await add_group(store, GUILD, clock.now(), post_time=time(9))  # same settings, saved again
        assert await milestones.sync_roadmap(group) == 0
        assert all(m.scheduled_event_id for m in await store.milestones.in_guild(GUILD))


async def test_a_group_whose_track_left_the_curriculum_keeps_its_roadmap(tmp_path: Path) -> None:
    clock = FakeClock(START)
    async with Store(tmp_path / "db") as store:
        await add_group(store, GUILD, clock.now())
        group = await store.groups.get(GUILD)
        assert group is not None
        milestones = service(store, clock)
        await milestones.sync_roadmap(group)
        await add_group(store, GUILD, clock.now(), track="retired-track")
        gone = await store.groups.get(GUILD)
        assert gone is not None
        assert await milestones.sync_roadmap(gone) == 0
        assert len(await store.milestones.in_guild(GUILD)) == 8
        assert await store.milestones.roadmap_stale_groups() == []
