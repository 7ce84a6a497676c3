"""Today's challenge for a group, answering it, and a member's streak."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.core import grading
from bot.core.clock import Clock
from bot.core.errors import UserFacingError
from bot.core.links import parse_submission_link
from bot.core.points import ChallengeKind, Completion, Difficulty, entries_for_completion
from bot.core.schedule import GroupSchedule
from bot.core.streak_state import after_completion
from bot.core.streaks import StreakSummary, summarize_streak
from bot.curriculum.loader import Curriculum
from bot.curriculum.models import (
    Challenge,
    NumericChallenge,
    Phase,
    QuizChallenge,
    Resource,
    ShortChallenge,
    TaskChallenge,
)
from bot.store import GroupRecord, NewPoints, Store, StreakHistory

WRONG_TRIES_BEFORE_EXPLANATION = 3
DAYS_KEPT = 100_000  # built days kept in memory, one per guild

NO_GROUP = "This server has no study group yet. An admin can start one with `/setup`."


@dataclass(frozen=True)
class Day:
    """One group day: which challenge it holds, with quiz options in display order."""

    group: GroupRecord
    group_date: date
    index: int
    challenge: Challenge
    phase: Phase
    options: tuple[str, ...]  # quiz options as shown, A first; empty for other kinds
    resource: Resource | None

    @property
    def schedule(self) -> GroupSchedule:
        return schedule_of(self.group)

    @property
    def correct_index(self) -> int | None:
        """The displayed position of the right option."""
        if not isinstance(self.challenge, QuizChallenge):
            return None
        return self.options.index(self.challenge.answer)


@dataclass(frozen=True)
class Outcome:
    """What happened when a member answered or completed a day."""

    status: str  # correct, incorrect, unreadable, completed, already
    message: str
    show_explanation: bool = False
    points: int = 0
    streak: int | None = None
    wrong_tries: int = 0


def schedule_of(group: GroupRecord) -> GroupSchedule:
    return GroupSchedule(group.post_time, group.timezone, group.start_date)


def summarize_history(history: StreakHistory, today: date) -> StreakSummary:
    return summarize_streak(history.completed, history.excused, min(history.completed, default=today), today)


class ChallengeService:
    def __init__(self, store: Store, curriculum: Curriculum, clock: Clock) -> None:
        self.store = store
        self.curriculum = curriculum
        self.clock = clock
        # Each guild's current group date with the instants it runs between, and its Day. Both
        # follow from the group record and the clock alone, and the store hands out the same record
        # object until the group is written, so the zone arithmetic is done once a day, not on
        # every command, and `today()` returns the same Day object all day long (callers may key
        # renderings on it).
        self._dates: dict[int, tuple[GroupRecord, date, datetime, datetime]] = {}
        self._today: dict[int, Day] = {}

    async def group(self, guild_id: int) -> GroupRecord:
        group = await self.store.groups.get(guild_id)
        if group is None:
            raise UserFacingError(NO_GROUP)
        return group

    def day(self, group: GroupRecord, group_date: date) -> Day:
        schedule = schedule_of(group)
        index = schedule.day_index(group_date)
        if index is None:
            start = schedule.post_at(group.start_date)
            raise UserFacingError(
                f"The group starts on {group.start_date:%A %d %B %Y}; the first challenge arrives "
                f"<t:{int(start.timestamp())}:R>."
            )
        challenge = self.curriculum.challenge_for_day(group.track, index)
        if challenge is None:
            raise UserFacingError(
                "Your group has finished the whole track. An admin can start another round with "
                "`/setup` and a new start date or track."
            )
        options: tuple[str, ...] = ()
        if isinstance(challenge, QuizChallenge):
            options = challenge.shown_options
        phase = self.curriculum.phase_of(challenge.id)
        resource = self.curriculum.resource(phase.id, challenge.resource)
        return Day(group, group_date, index, challenge, phase, options, resource)

    def group_date(self, group: GroupRecord) -> date:
        """The group's date now (`GroupSchedule.group_date_at`)."""
        now = self.clock.now()
        known = self._dates.get(group.guild_id)
        if known is not None and known[0] is group and known[2] <= now < known[3]:
            return known[1]
        schedule = schedule_of(group)
        group_date = schedule.group_date_at(now)
        if len(self._dates) >= DAYS_KEPT:
            self._dates.clear()
        # group_date_at(now) is the date whose post most recently passed: exactly this interval.
        begins, ends = schedule.post_at(group_date), schedule.post_at(group_date + timedelta(days=1))
        self._dates[group.guild_id] = (group, group_date, begins, ends)
        return group_date

    async def today(self, guild_id: int) -> Day:
        group = await self.group(guild_id)
        group_date = self.group_date(group)
        day = self._today.get(guild_id)
        if day is not None and day.group is group and day.group_date == group_date:
            return day
        day = self.day(group, group_date)
        if len(self._today) >= DAYS_KEPT:
            self._today.clear()
        self._today[guild_id] = day
        return day

    async def open_day(self, guild_id: int, group_date: date | None) -> Day:
        """Today's day; a button from an older post (`group_date`) is refused politely."""
        day = await self.today(guild_id)
        if group_date is not None and group_date != day.group_date:
            raise UserFacingError(
                f"That was the challenge for {group_date:%A %d %B}; it has closed. "
                "`/challenge today` shows the current one."
            )
        return day

    async def answer(self, guild_id: int, user_id: int, text: str, group_date: date | None = None) -> Outcome:
        day = await self.open_day(guild_id, group_date)
        done = await self.store.ledger.completion(guild_id, user_id, day.group_date)
        if done is not None:
            return Outcome("already", "You already completed today's challenge. See you tomorrow!")
        challenge = day.challenge
        if isinstance(challenge, QuizChallenge):
            assert day.correct_index is not None
            grade = grading.grade_quiz(text, day.options, day.correct_index)
        elif isinstance(challenge, NumericChallenge):
            grade = grading.grade_numeric(text, challenge.answer, challenge.tolerance)
        elif isinstance(challenge, ShortChallenge):
            grade = grading.grade_short(text, challenge.answers)
        else:
            verb = "submit a link or mark it done" if isinstance(challenge, TaskChallenge) else "mark it done"
            return Outcome("unreadable", f"Today's challenge has no answer to type: {verb} with the buttons.")
        if grade.verdict is grading.Verdict.UNREADABLE:
            return Outcome("unreadable", grade.message)
        if not grade.correct:
            tries = await self.store.ledger.add_wrong_try(guild_id, user_id, day.group_date)
            left = WRONG_TRIES_BEFORE_EXPLANATION - tries
            hint = f" {left} more {'try' if left == 1 else 'tries'} before the explanation." if left > 0 else ""
            return Outcome(
                "incorrect",
                f"Not quite. Try again.{hint}",
                show_explanation=tries >= WRONG_TRIES_BEFORE_EXPLANATION,
                wrong_tries=tries,
            )
        tries = await self.store.ledger.wrong_tries(guild_id, user_id, day.group_date)
        return await self._complete(day, user_id, how="answer", link=None, first_try=tries == 0)

    async def complete(
        self,
        guild_id: int,
        user_id: int,
        *,
        how: str,
        link: str | None = None,
        group_date: date | None = None,
    ) -> Outcome:
        """Mark a task or reading done, or complete a task with a link (already validated)."""
        day = await self.open_day(guild_id, group_date)
        if day.challenge.auto_graded:
            raise UserFacingError(
                "Today's challenge is answered, not marked done: use **Answer** or `/challenge answer`."
            )
        return await self._complete(day, user_id, how=how, link=link, first_try=False)

    async def complete_with_link(
        self, guild_id: int, user_id: int, text: str, *, group_date: date | None = None
    ) -> Outcome:
        """Complete a task with a GitHub or Kaggle link of the kind the task asks for."""
        day = await self.open_day(guild_id, group_date)
        challenge = day.challenge
        if not isinstance(challenge, TaskChallenge) or challenge.submit == "none":
            raise UserFacingError("Today's challenge doesn't take a link.")
        link = parse_submission_link(text)
        if link.kind.value != challenge.submit.value:
            where = "GitHub" if challenge.submit == "github" else "Kaggle"
            raise UserFacingError(f"Today's task asks for a {where} link.")
        return await self._complete(day, user_id, how="link", link=link.url, first_try=False)

    async def _complete(self, day: Day, user_id: int, *, how: str, link: str | None, first_try: bool) -> Outcome:
        guild_id = day.group.guild_id
        now = self.clock.now()
        history = await self.store.ledger.streak_history(guild_id, user_id)
        before = summarize_history(history, day.group_date)
        completion = Completion(
            member_id=user_id,
            group_date=day.group_date,
            at=now,
            kind=ChallengeKind(day.challenge.kind),
            difficulty=Difficulty(day.challenge.difficulty),
            first_try_correct=first_try,
        )
        # Today is pending in `before`, so completing it adds exactly one day to the run.
        entries = entries_for_completion(completion, before.current, before.current + 1)
        points = [NewPoints(e.amount, str(e.reason), e.group_date, e.at) for e in entries]
        recorded = await self.store.ledger.record_completion(
            guild_id,
            user_id,
            day.group_date,
            challenge_id=day.challenge.id,
            how=how,
            link=link,
            first_try=first_try,
            at=now,
            points=points,
            streak=after_completion(before, day.group_date, now),  # the streak board reads it
            computed_from=history,
        )
        if not recorded:
            return Outcome("already", "You already completed today's challenge. See you tomorrow!")
        gained = sum(p.amount for p in points)
        streak = before.current + 1
        first = "Correct on the first try! " if first_try else ("Correct! " if how == "answer" else "Done! ")
        return Outcome(
            "correct" if how == "answer" else "completed",
            f"{first}+{gained} points · streak {streak} day{'s' if streak != 1 else ''}.",
            show_explanation=True,
            points=gained,
            streak=streak,
        )

    async def streak(self, guild_id: int, user_id: int, today: date | None = None) -> StreakSummary:
        group = await self.group(guild_id)
        if today is None:
            today = self.group_date(group)
        return summarize_history(await self.store.ledger.streak_history(guild_id, user_id), today)
