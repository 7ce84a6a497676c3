"""Recording members' work: read the link, refuse duplicates, check it on GitHub, complete today's task.

Recording never waits on GitHub's good will: a rate limit, a timeout or an outage leaves the
submission "unverified", and `recheck_pending` (a scheduler job) asks again later.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.core.clock import Clock
from bot.core.errors import UserFacingError
from bot.core.links import InvalidSubmissionLink, LinkKind, SubmissionLink, parse_submission_link
from bot.core.verification import Availability, SubmissionStatus, submission_status
from bot.curriculum.models import TaskChallenge
from bot.github import GitHubClient, GitHubError, target_of
from bot.services.challenges import ChallengeService, Outcome, schedule_of
from bot.store import Store
from bot.store.submissions import NewSubmission, SubmissionRecord

log = logging.getLogger(__name__)

NOTE_MAX_CHARS = 200
RECHECK_BATCH = 25
# How long GitHub's word is trusted. Missing or private work may appear or open up soon.
CACHE_FOR = {
    Availability.PUBLIC: timedelta(hours=24),
    Availability.PRIVATE: timedelta(hours=1),
    Availability.MISSING: timedelta(hours=1),
}
_WHERE = {LinkKind.GITHUB: "GitHub", LinkKind.KAGGLE: "Kaggle"}


@dataclass(frozen=True)
class Draft:
    """A link that passed every check that needs no network, ready to record."""

    guild_id: int
    user_id: int
    link: SubmissionLink
    challenge_id: str | None
    completes_today: bool  # today's challenge is a task asking for a link of this kind


@dataclass(frozen=True)
class Recorded:
    submission: SubmissionRecord
    created: bool  # False: the same work was already recorded (a race past `prepare`)
    completion: Outcome | None  # today's task, completed by this link
    completion_problem: str | None  # why today's task was not completed, when it was meant to be
    announce_channel_id: int | None  # the group's channel, or None when the server has no group
    anonymous: bool


class SubmissionService:
    def __init__(
        self, store: Store, challenges: ChallengeService, clock: Clock, github: GitHubClient | None = None
    ) -> None:
        self.store = store
        self.challenges = challenges
        self.clock = clock
        self.github = github

    def checks_on_github(self, draft: Draft) -> bool:
        """Whether recording will ask GitHub (the caller should defer its reply first)."""
        return self.github is not None and draft.link.kind is LinkKind.GITHUB

    async def prepare(self, guild_id: int, user_id: int, text: str, challenge: str | None = None) -> Draft:
        """Read and check the link; UserFacingError for anything the member should fix."""
        link = parse_submission_link(text)
        earlier = await self.store.submissions.by_key(guild_id, user_id, link.key)
        if earlier is not None:
            raise UserFacingError(_already(earlier))
        day = None
        if await self.store.groups.get(guild_id) is not None:
            try:
                day = await self.challenges.today(guild_id)
            except UserFacingError:
                day = None  # before day 1 or after the last day: nothing to complete
        task = day.challenge if day is not None and isinstance(day.challenge, TaskChallenge) else None
        if challenge is not None and challenge.strip():
            challenge_id = challenge.strip()
            if self.challenges.curriculum.challenge(challenge_id) is None:
                raise UserFacingError(
                    "There's no challenge with that id. Pick today's task from the list, or leave `challenge` empty."
                )
            is_today = day is not None and day.challenge.id == challenge_id
            if is_today and (task is None or task.submit == "none"):
                raise UserFacingError("Today's challenge doesn't take a link; leave `challenge` empty.")
            if is_today and task is not None and task.submit != link.kind.value:
                raise UserFacingError(f"Today's task asks for a {_WHERE[LinkKind(task.submit)]} link.")
            return Draft(guild_id, user_id, link, challenge_id, completes_today=is_today)
        if task is not None and task.submit == link.kind.value:
            return Draft(guild_id, user_id, link, task.id, completes_today=True)
        return Draft(guild_id, user_id, link, None, completes_today=False)

    async def _group_day(self, guild_id: int, now: datetime) -> date:
        """The group day `now` falls on; the UTC day in a server with no group (no boards there)."""
        group = await self.store.groups.get(guild_id)
        return schedule_of(group).group_date_at(now) if group is not None else now.astimezone(UTC).date()

    async def record(self, draft: Draft, note: str | None = None) -> Recorded:
        now = self.clock.now()
        availability, author = await self._availability(draft.link)
        profile = await self.store.profiles.get(draft.user_id)
        status = submission_status(
            draft.link,
            availability,
            author=author,
            verified_github=profile.github_username if profile and profile.github_verified else None,
            kaggle_username=profile.kaggle_username if profile else None,
        )
        record, created = await self.store.submissions.add(
            NewSubmission(
                guild_id=draft.guild_id,
                user_id=draft.user_id,
                kind=str(draft.link.kind),
                type=str(draft.link.type),
                key=draft.link.key,
                url=draft.link.url,
                owner=draft.link.owner,
                note=clean_note(note),
                challenge_id=draft.challenge_id,
                status=status,
                checked_at=now if availability is not None else None,
                created_at=now,
                group_date=await self._group_day(draft.guild_id, now),
            )
        )
        completion, problem = None, None
        if created and draft.completes_today:
            try:
                completion = await self.challenges.complete_with_link(draft.guild_id, draft.user_id, draft.link.url)
            except UserFacingError as error:  # the day turned over since prepare(), say
                problem = error.user_message
        group = await self.store.groups.get(draft.guild_id)
        return Recorded(
            submission=record,
            created=created,
            completion=completion,
            completion_problem=problem,
            announce_channel_id=group.channel_id if group is not None else None,
            anonymous=bool(profile and profile.anonymous),
        )

    async def recheck_pending(self, limit: int = RECHECK_BATCH) -> int:
        """Ask GitHub again about unverified submissions; returns how many got an answer."""
        if self.github is None:
            return 0
        answered = 0
        for submission in await self.store.submissions.awaiting_check(limit):
            try:
                link = parse_submission_link(submission.url)
            except InvalidSubmissionLink:
                await self.store.submissions.set_status(submission.id, SubmissionStatus.SELF_REPORTED, None)
                continue
            availability, author = await self._availability(link)
            if availability is Availability.UNKNOWN:
                await self.store.submissions.set_status(submission.id, SubmissionStatus.UNVERIFIED, self.clock.now())
                if self.github.blocked_until is not None:
                    break  # every further call would be refused until the limit resets
                continue
            profile = await self.store.profiles.get(submission.user_id)
            status = submission_status(
                link,
                availability,
                author=author,
                verified_github=profile.github_username if profile and profile.github_verified else None,
            )
            await self.store.submissions.set_status(submission.id, status, self.clock.now())
            answered += 1
        if answered:
            log.info("re-checked %d submission(s) on GitHub", answered)
        return answered

    async def _availability(self, link: SubmissionLink) -> tuple[Availability | None, str | None]:
        """What GitHub says about the work (cached), or None when we don't ask GitHub at all."""
        target = target_of(link)
        if self.github is None or target is None:
            return None, None
        now = self.clock.now()
        cached = await self.store.submissions.cached_check(target.cache_key)
        if cached is not None:
            state = Availability(cached.state)
            if now - cached.checked_at < CACHE_FOR[state]:
                return state, cached.owner
        try:
            check = await self.github.check(target)
        except GitHubError as error:
            log.info("GitHub check of %s postponed: %s", target.cache_key, error)
            return Availability.UNKNOWN, None
        await self.store.submissions.cache_check(target.cache_key, str(check.state), check.owner, now)
        return Availability(str(check.state)), check.owner

    async def cached_author(self, link: SubmissionLink) -> str | None:
        target = target_of(link)
        if target is None:
            return None
        cached = await self.store.submissions.cached_check(target.cache_key)
        return cached.owner if cached is not None else None


def clean_note(note: str | None) -> str | None:
    """One line, trimmed and bounded; the text stays as the member wrote it otherwise."""
    if note is None:
        return None
    line = " ".join(note.split())[:NOTE_MAX_CHARS]
    return line or None


def _already(earlier: SubmissionRecord) -> str:
    return (
        f"You already recorded that work on {earlier.created_at:%d %B %Y}: {earlier.url}. "
        "Each piece of work counts once; `/submissions` lists yours."
    )
