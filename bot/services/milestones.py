"""Milestones as use cases: add, edit, remove, complete, opt in; the roadmap; the mirrored event.

Mirroring a milestone as a Discord scheduled event is a separate step (`mirror_event`,
`withdraw_event`) so a command can validate and save first, acknowledge the interaction, and only
then make the slower call to Discord.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.clock import Clock
from bot.core.errors import UserFacingError
from bot.core.links import SubmissionLink, parse_submission_link
from bot.core.milestones import describe_reminders, parse_due, parse_reminders, plan_reminders
from bot.core.roadmap import Position, Stage, position, stage_end_at
from bot.curriculum.loader import Curriculum
from bot.services.challenges import NO_GROUP, schedule_of
from bot.services.submissions import Draft, SubmissionService
from bot.store import GroupRecord, Store
from bot.store.milestones import MilestoneRecord, MilestoneSummary

# Roadmap milestones remind a week ahead (time to catch up) and the day before.
ROADMAP_REMINDERS = (timedelta(days=7), timedelta(days=1))
MAX_UPCOMING = 50  # member-made milestones ahead per group; Discord allows 100 scheduled events
RECENT = timedelta(days=14)  # /milestone list shows what fell due in this window
LIST_UPCOMING, LIST_RECENT = 15, 5
TITLE_MAX, DESCRIPTION_MAX = 100, 1000  # Discord's limits for a scheduled event's name and description


class EventMirror(Protocol):
    async def publish(self, milestone: MilestoneRecord, group: GroupRecord) -> int | None:
        """Create or update the milestone's scheduled event; return the event id to keep (None: none)."""
        ...

    async def withdraw(self, guild_id: int, event_id: int) -> None:
        """Delete the event; a missing event or a missing permission is not an error."""
        ...


class NoMirror:
    async def publish(self, milestone: MilestoneRecord, group: GroupRecord) -> int | None:
        return milestone.scheduled_event_id

    async def withdraw(self, guild_id: int, event_id: int) -> None:
        return None


@dataclass(frozen=True)
class Listing:
    upcoming: list[MilestoneSummary]
    recent: list[MilestoneSummary]
    more_upcoming: int


@dataclass(frozen=True)
class DoneOutcome:
    milestone: MilestoneRecord
    user_id: int
    recorded: bool  # False: the member had already completed it
    link: SubmissionLink | None


@dataclass(frozen=True)
class RoadmapStage:
    stage: Stage
    ends_at: datetime


@dataclass(frozen=True)
class RoadmapView:
    group: GroupRecord
    track_title: str
    stages: list[RoadmapStage]
    position: Position
    starts_at: datetime  # the first post


class MilestoneService:
    def __init__(
        self,
        store: Store,
        curriculum: Curriculum,
        clock: Clock,
        mirror: EventMirror | None = None,
        submissions: SubmissionService | None = None,
    ) -> None:
        self.store = store
        self.curriculum = curriculum
        self.clock = clock
        self.mirror: EventMirror = mirror or NoMirror()
        self.submissions = submissions

    async def group(self, guild_id: int) -> GroupRecord:
        group = await self.store.groups.get(guild_id)
        if group is None:
            raise UserFacingError(NO_GROUP)
        return group

    @staticmethod
    def require_manager(group: GroupRecord, *, is_admin: bool, role_ids: Sequence[int]) -> None:
        if is_admin or (group.lead_role_id is not None and group.lead_role_id in role_ids):
            return
        if group.lead_role_id is None:
            raise UserFacingError(
                "Only server admins manage milestones here. An admin can name a lead role with `/setup lead_role:`."
            )
        raise UserFacingError(
            f"Only server admins and members with the <@&{group.lead_role_id}> role manage milestones."
        )

    # --- add, edit, remove ------------------------------------------------------------------------

    async def add(
        self,
        guild_id: int,
        *,
        title: str,
        due: str,
        description: str | None,
        reminders: str | None,
        created_by: int,
    ) -> MilestoneRecord:
        group = await self.group(guild_id)
        now = self.clock.now()
        title, description = _clean_title(title), _clean_description(description)
        due_at = parse_due(due, now=now, timezone=group.timezone)
        offsets = parse_reminders(reminders)
        if await self.store.milestones.count_upcoming(guild_id, now) >= MAX_UPCOMING:
            raise UserFacingError(f"The group already has {MAX_UPCOMING} milestones ahead. Remove one first.")
        created = await self.store.milestones.create(
            guild_id,
            title=title,
            description=description,
            due_at=due_at,
            reminders=offsets,
            plan=plan_reminders(due_at, offsets, now),
            created_by=created_by,
            now=now,
        )
        assert created is not None  # only roadmap milestones can collide
        return created

    async def edit(
        self,
        guild_id: int,
        ref: str,
        *,
        title: str | None = None,
        due: str | None = None,
        description: str | None = None,
        reminders: str | None = None,
    ) -> MilestoneRecord:
        if title is None and due is None and description is None and reminders is None:
            raise UserFacingError("Tell me what to change: the title, due date, description or reminders.")
        milestone = await self.find(guild_id, ref)
        group = await self.group(guild_id)
        now = self.clock.now()
        due_at = parse_due(due, now=now, timezone=group.timezone) if due is not None else milestone.due_at
        offsets = parse_reminders(reminders) if reminders is not None else milestone.reminders
        replan = due is not None or reminders is not None
        if replan and due is None and milestone.due_at <= now:
            raise UserFacingError("That milestone is already due. Give it a new due date to reschedule its reminders.")
        updated = await self.store.milestones.update(
            milestone.id,
            title=_clean_title(title) if title is not None else milestone.title,
            description=_clean_description(description) if description is not None else milestone.description,
            due_at=due_at,
            reminders=offsets,
            plan=plan_reminders(due_at, offsets, now) if replan else None,
            now=now,
        )
        if updated is None:
            raise UserFacingError("That milestone was just removed.")
        return updated

    async def remove(self, guild_id: int, ref: str) -> MilestoneRecord:
        milestone = await self.find(guild_id, ref)
        await self.store.milestones.delete(milestone.id)
        return milestone

    async def mirror_event(self, milestone: MilestoneRecord) -> MilestoneRecord:
        """Create or update the milestone's Discord event; never raises for Discord's sake."""
        if milestone.due_at <= self.clock.now():
            return milestone  # Discord refuses events that start in the past
        group = await self.group(milestone.guild_id)
        event_id = await self.mirror.publish(milestone, group)
        if event_id == milestone.scheduled_event_id:
            return milestone
        await self.store.milestones.set_event(milestone.id, event_id)
        return await self.store.milestones.get(milestone.id) or milestone

    async def withdraw_event(self, milestone: MilestoneRecord) -> None:
        if milestone.scheduled_event_id is not None:
            await self.mirror.withdraw(milestone.guild_id, milestone.scheduled_event_id)

    # --- finding and listing ------------------------------------------------------------------------

    async def find(self, guild_id: int, ref: str) -> MilestoneRecord:
        """A milestone of this group by id (what autocomplete sends) or by its title."""
        text = ref.strip().removeprefix("#")
        if text.isdigit():
            found = await self.store.milestones.get(int(text))
            if found is not None and found.guild_id == guild_id:
                return found
        folded = " ".join(text.casefold().split())
        candidates = await self.store.milestones.in_guild(guild_id)
        exact = [m for m in candidates if m.title.casefold() == folded]
        partial = [m for m in candidates if folded and folded in m.title.casefold()]
        for matches in (exact, partial):
            if len(matches) == 1:
                return matches[0]
            if matches:
                upcoming = [m for m in matches if m.due_at > self.clock.now()]
                if len(upcoming) == 1:
                    return upcoming[0]
                raise UserFacingError("Several milestones match that. Start typing and pick one from the list.")
        raise UserFacingError("I can't find that milestone. Start typing and pick one from the list.")

    async def choices(self, guild_id: int, current: str, limit: int = 25) -> list[MilestoneRecord]:
        """For autocomplete: upcoming first (soonest first), then the recent ones."""
        now = self.clock.now()
        folded = current.casefold().strip()
        found = [
            m
            for m in await self.store.milestones.in_guild(guild_id)
            if m.due_at >= now - RECENT and (not folded or folded in m.title.casefold() or folded == str(m.id))
        ]
        upcoming = [m for m in found if m.due_at > now]
        recent = sorted((m for m in found if m.due_at <= now), key=lambda m: m.due_at, reverse=True)
        return (upcoming + recent)[:limit]

    async def listing(self, guild_id: int) -> Listing:
        await self.group(guild_id)
        now = self.clock.now()
        upcoming = await self.store.milestones.summaries(guild_id, due_from=now + timedelta(microseconds=1))
        recent = await self.store.milestones.summaries(
            guild_id, due_from=now - RECENT, due_before=now + timedelta(microseconds=1), newest_first=True
        )
        return Listing(upcoming[:LIST_UPCOMING], recent[:LIST_RECENT], max(0, len(upcoming) - LIST_UPCOMING))

    # --- members --------------------------------------------------------------------------------------

    async def done(self, guild_id: int, ref: str, *, user_id: int, display_name: str, link: str | None) -> DoneOutcome:
        """Record the completion, with the link (already checked) stored beside it."""
        parsed = parse_submission_link(link) if link else None  # refuse a bad link before anything is saved
        milestone = await self.find(guild_id, ref)
        url = parsed.url if parsed else None
        recorded = await self.store.milestones.complete(
            milestone.id, user_id, display_name[:100], url, self.clock.now()
        )
        return DoneOutcome(milestone, user_id, recorded, parsed)

    def submission_needs_network(self, outcome: DoneOutcome) -> bool:
        if self.submissions is None or outcome.link is None or not outcome.recorded:
            return False
        draft = Draft(outcome.milestone.guild_id, outcome.user_id, outcome.link, None, completes_today=False)
        return self.submissions.checks_on_github(draft)

    async def record_submission(self, outcome: DoneOutcome) -> bool:
        """Also record the completion's link as a submission (issue 5); True if it is new there.

        Through the submissions service, so the link is checked on GitHub like any other work.
        It may call GitHub: ask `submission_needs_network` and defer the reply first.
        """
        if self.submissions is None or outcome.link is None or not outcome.recorded:
            return False
        draft = Draft(outcome.milestone.guild_id, outcome.user_id, outcome.link, None, completes_today=False)
        recorded = await self.submissions.record(draft, note=f"milestone: {outcome.milestone.title}")
        return recorded.created

    async def toggle_ping(self, guild_id: int, milestone_id: int, user_id: int) -> tuple[MilestoneRecord, bool]:
        milestone = await self.store.milestones.get(milestone_id)
        if milestone is None or milestone.guild_id != guild_id:
            raise UserFacingError("That milestone was removed.")
        if milestone.due_at <= self.clock.now():
            raise UserFacingError("That milestone is already due: there are no more reminders to ping you for.")
        return milestone, await self.store.milestones.toggle_ping(milestone.id, user_id, self.clock.now())

    # --- the roadmap ------------------------------------------------------------------------------------

    def stages(self, group: GroupRecord) -> list[Stage]:
        try:
            spans = self.curriculum.phase_boundaries(group.track)
        except KeyError:  # the curriculum no longer has this track: nothing to show or plan
            return []
        return [Stage(s.phase.id, s.phase.title, s.start, s.length) for s in spans]

    async def sync_roadmap(self, group: GroupRecord) -> int:
        """Make the group's roadmap milestones match its track and schedule; returns how many changed.

        Idempotent: one milestone per phase end (the unique (guild, phase) key guards against a
        second worker). Only phase ends still ahead are created or moved; past ones stay as history.
        """
        now = self.clock.now()
        if self.curriculum.track(group.track) is None:  # a curriculum without the group's track: leave them be
            await self.store.milestones.mark_roadmap_synced(group, now)
            return 0
        schedule = schedule_of(group)
        existing = {m.phase_id: m for m in await self.store.milestones.in_guild(group.guild_id) if m.phase_id}
        wanted = {stage.key: (stage, stage_end_at(stage, schedule)) for stage in self.stages(group)}
        changed = 0
        for order, (key, (stage, due_at)) in enumerate(wanted.items(), start=1):
            current = existing.get(key)
            if due_at <= now:
                continue
            if current is not None and current.due_at == due_at:
                if current.scheduled_event_id is None:  # e.g. a sync cut short before it mirrored this one
                    await self.mirror_event(current)
                continue
            if current is None:
                milestone = await self.store.milestones.create(
                    group.guild_id,
                    title=f"Finish phase {order}: {stage.title}"[:TITLE_MAX],
                    description=_phase_description(self.curriculum, key),
                    due_at=due_at,
                    reminders=ROADMAP_REMINDERS,
                    plan=plan_reminders(due_at, ROADMAP_REMINDERS, now),
                    created_by=None,
                    phase_id=key,
                    now=now,
                )
            else:
                milestone = await self.store.milestones.update(
                    current.id,
                    title=current.title,
                    description=current.description,
                    due_at=due_at,
                    reminders=current.reminders,
                    plan=plan_reminders(due_at, current.reminders, now),
                    now=now,
                )
            if milestone is not None:
                changed += 1
                await self.mirror_event(milestone)
        for key, milestone in existing.items():
            if key not in wanted and milestone.due_at > now:  # the track changed and skips this phase
                await self.store.milestones.delete(milestone.id)
                await self.withdraw_event(milestone)
                changed += 1
        await self.store.milestones.mark_roadmap_synced(group, now)
        return changed

    async def roadmap(self, guild_id: int) -> RoadmapView:
        group = await self.group(guild_id)
        schedule = schedule_of(group)
        stages = self.stages(group)
        day_index = schedule.day_index(schedule.group_date_at(self.clock.now()))
        track = self.curriculum.track(group.track)
        return RoadmapView(
            group=group,
            track_title=track.title if track else group.track,
            stages=[RoadmapStage(stage, stage_end_at(stage, schedule)) for stage in stages],
            position=position(stages, day_index),
            starts_at=schedule.post_at(group.start_date),
        )


def _clean_title(text: str) -> str:
    title = " ".join(text.split())
    if not title:
        raise UserFacingError("Give the milestone a title.")
    if len(title) > TITLE_MAX:
        raise UserFacingError(f"Keep the title to {TITLE_MAX} characters.")
    return title


def _clean_description(text: str | None) -> str | None:
    if text is None or text.strip() in ("", "-"):
        return None  # "-" clears a description in /milestone edit
    description = text.strip()
    if len(description) > DESCRIPTION_MAX:
        raise UserFacingError(f"Keep the description to {DESCRIPTION_MAX} characters.")
    return description


def _phase_description(curriculum: Curriculum, phase_id: str) -> str | None:
    phase = curriculum.phase(phase_id)
    return phase.summary[:DESCRIPTION_MAX] if phase else None


def reminders_text(milestone: MilestoneRecord) -> str:
    return describe_reminders(milestone.reminders)
