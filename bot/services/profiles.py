"""A member's profile: linked accounts, proving GitHub ownership, anonymity, and their own data.

Ownership of a GitHub account is proved with a one-time code the member puts in their public
GitHub bio or a public gist; `/profile verify` reads it back through GitHub's public API.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.core.clock import Clock
from bot.core.errors import UserFacingError
from bot.core.links import InvalidSubmissionLink, parse_submission_link
from bot.core.verification import (
    OWNERSHIP_STATUSES,
    SubmissionStatus,
    ownership_status,
    valid_github_username,
    valid_kaggle_username,
)
from bot.github import GitHubClient, GitHubError, GitHubRateLimited, target_of
from bot.store import Store
from bot.store.profiles import ProfileRecord
from bot.store.timeutil import to_db

CODE_VALID_FOR = timedelta(hours=24)
CHECKS_OFF = (
    "GitHub checks are turned off on this bot (`GITHUB_VERIFY`), so accounts can't be verified; "
    "your GitHub work is recorded as self-reported."
)


@dataclass(frozen=True)
class Forgotten:
    rows: dict[str, int]  # table -> rows deleted or unlinked
    announcements: list[tuple[int, int]]  # (channel id, message id) of the member's submission posts


class ProfileService:
    def __init__(self, store: Store, clock: Clock, github: GitHubClient | None = None) -> None:
        self.store = store
        self.clock = clock
        self.github = github

    async def get(self, user_id: int) -> ProfileRecord | None:
        return await self.store.profiles.get(user_id)

    async def link_github(self, user_id: int, username: str) -> str:
        """Link the account and return the one-time code that proves it is theirs."""
        name = valid_github_username(username)
        if name is None:
            raise UserFacingError(
                "That isn't a GitHub username (letters, digits and single hyphens, up to 39 characters)."
            )
        code = f"backprop-{secrets.token_hex(4)}"
        await self.store.profiles.link_github(user_id, name, code, self.clock.now())
        await self.restamp(user_id)
        return code

    async def link_kaggle(self, user_id: int, username: str) -> str:
        name = valid_kaggle_username(username)
        if name is None:
            raise UserFacingError("That isn't a Kaggle username (letters, digits, `-`, `_` and `.`).")
        await self.store.profiles.link_kaggle(user_id, name, self.clock.now())
        await self.restamp(user_id)
        return name

    async def verify_github(self, user_id: int) -> int:
        """Look for the code on GitHub; returns how many submissions became verified."""
        profile = await self.store.profiles.get(user_id)
        if profile is None or not profile.github_username:
            raise UserFacingError("Link your GitHub account first: `/profile link github:<username>`.")
        if profile.github_verified:
            raise UserFacingError(f"Your GitHub account **{profile.github_username}** is already verified.")
        if self.github is None:
            raise UserFacingError(CHECKS_OFF)
        now = self.clock.now()
        code, issued = profile.github_code, profile.github_code_created_at
        if code is None or issued is None or now - issued > CODE_VALID_FOR:
            raise UserFacingError(
                "Your verification code has expired. Run `/profile link github:` again for a new one."
            )
        try:
            shows = await self.github.account_shows(profile.github_username, code)
        except GitHubRateLimited as limited:
            raise UserFacingError(
                f"GitHub is rate limiting me; try `/profile verify` again <t:{int(limited.until.timestamp())}:R>."
            ) from None
        except GitHubError:
            raise UserFacingError(
                "I couldn't reach GitHub just now; try `/profile verify` again in a few minutes."
            ) from None
        if shows is None:
            raise UserFacingError(f"GitHub has no user called **{profile.github_username}**. Check the spelling.")
        if not shows:
            raise UserFacingError(
                f"I couldn't find `{code}` in the bio of github.com/{profile.github_username} or in its public gists. "
                "Put it in your profile bio (or a public gist's description), save, and try again."
            )
        if not await self.store.profiles.mark_github_verified(user_id, profile.github_username, now):
            raise UserFacingError("Your linked GitHub account changed meanwhile; run `/profile verify` again.")
        return await self.restamp(user_id)

    async def set_anonymous(self, user_id: int, anonymous: bool) -> None:
        await self.store.profiles.set_anonymous(user_id, anonymous, self.clock.now())

    async def restamp(self, user_id: int) -> int:
        """Re-derive who-made-it statuses after an account change; returns how many became verified."""
        profile = await self.store.profiles.get(user_id)
        verified = profile.github_username if profile and profile.github_verified else None
        kaggle = profile.kaggle_username if profile else None
        upgraded = 0
        for submission in await self.store.submissions.of_user(user_id):
            if submission.status not in OWNERSHIP_STATUSES:
                continue  # unverified, missing or private: that is GitHub's word, not ownership
            try:
                link = parse_submission_link(submission.url)
            except InvalidSubmissionLink:
                continue
            author = None
            target = target_of(link)
            if target is not None:
                cached = await self.store.submissions.cached_check(target.cache_key)
                author = cached.owner if cached is not None else None
            status = ownership_status(link, author=author, verified_github=verified, kaggle_username=kaggle)
            if status != submission.status:
                await self.store.submissions.set_status(submission.id, status, None)
                upgraded += status is SubmissionStatus.VERIFIED
        return upgraded

    async def export(self, user_id: int) -> dict[str, Any]:
        """Everything stored about the member, in every server, as JSON-ready data."""
        tables = await self.store.privacy.export(user_id)
        return {
            "exported_at": to_db(self.clock.now()),
            "user_id": str(user_id),
            "about": "Everything Backprop stores about you. Times are UTC. Ids are Discord ids.",
            "tables": {name: [_jsonable(row) for row in rows] for name, rows in tables.items()},
        }

    async def forget(self, user_id: int) -> Forgotten:
        announcements = [
            (s.announce_channel_id, s.announce_message_id)
            for s in await self.store.submissions.of_user(user_id)
            if s.announce_channel_id is not None and s.announce_message_id is not None
        ]
        rows = await self.store.privacy.forget(user_id)
        return Forgotten(rows, announcements)


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    # Discord ids exceed JavaScript's safe integers: as strings they survive any JSON reader.
    return {k: str(v) if isinstance(v, int) and abs(v) > 2**53 else v for k, v in row.items()}
