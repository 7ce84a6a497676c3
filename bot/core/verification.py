"""How much we can vouch for a submission: the rules, apart from the asking.

- GitHub: when GitHub was asked, a missing or private work says so. A public work (or one we
  could not check) is **verified** when its author is the member's *verified* GitHub account,
  else **self-reported**. While checks are on but GitHub could not answer, it stays
  **unverified** and is asked again later.
- Kaggle has no public ownership check: a link whose owner is the member's linked Kaggle
  username is **matched**, anything else **self-reported**.
"""

from __future__ import annotations

import re
from enum import StrEnum

from bot.core.links import LinkKind, SubmissionLink, github_owner_matches, kaggle_owner_matches

# GitHub: alphanumerics and single hyphens, at most 39 characters, no leading or trailing hyphen.
_GITHUB_USERNAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")
# Kaggle: letters, digits, and "-", "_" or "." (the forms its profile URLs take).
_KAGGLE_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,49}")


class SubmissionStatus(StrEnum):
    """Stored: never rename a value, only add new ones (and widen the CHECK in a migration)."""

    UNVERIFIED = "unverified"  # checks are on but GitHub could not be asked yet: retried later
    VERIFIED = "verified"  # public on GitHub and made by the member's verified account
    SELF_REPORTED = "self_reported"  # accepted on the member's word
    MATCHED = "matched"  # a Kaggle link whose owner is the member's linked Kaggle username
    NOT_FOUND = "not_found"  # GitHub says it does not exist (or hides it from us)
    PRIVATE = "private"  # exists, but only its owner can see it


# Work that others can't see does not count on the submissions board.
HIDDEN_STATUSES = frozenset({SubmissionStatus.NOT_FOUND, SubmissionStatus.PRIVATE})
# Statuses that say who made the work; they change when a member links or verifies an account.
OWNERSHIP_STATUSES = frozenset({SubmissionStatus.VERIFIED, SubmissionStatus.SELF_REPORTED, SubmissionStatus.MATCHED})

LABELS = {
    SubmissionStatus.UNVERIFIED: "⏳ not checked yet",
    SubmissionStatus.VERIFIED: "✅ verified",
    SubmissionStatus.SELF_REPORTED: "📝 self-reported",
    SubmissionStatus.MATCHED: "🔗 matched",
    SubmissionStatus.NOT_FOUND: "❓ not found on GitHub",
    SubmissionStatus.PRIVATE: "🔒 private",
}


class Availability(StrEnum):
    """What GitHub said about the work, when it was asked."""

    PUBLIC = "public"
    PRIVATE = "private"
    MISSING = "missing"
    UNKNOWN = "unknown"  # could not ask: rate limit, timeout, outage


def ownership_status(
    link: SubmissionLink,
    *,
    author: str | None = None,
    verified_github: str | None = None,
    kaggle_username: str | None = None,
) -> SubmissionStatus:
    """Verified / matched / self-reported; `author` is GitHub's word on who made it, when known."""
    if link.kind is LinkKind.KAGGLE:
        if kaggle_username and kaggle_owner_matches(link, kaggle_username):
            return SubmissionStatus.MATCHED
        return SubmissionStatus.SELF_REPORTED
    if verified_github is None:
        return SubmissionStatus.SELF_REPORTED
    # GitHub's word on the author beats the URL: a pull request lives in someone else's repository.
    owned = _same(author, verified_github) if author is not None else github_owner_matches(link, verified_github)
    return SubmissionStatus.VERIFIED if owned else SubmissionStatus.SELF_REPORTED


def submission_status(
    link: SubmissionLink,
    availability: Availability | None,
    *,
    author: str | None = None,
    verified_github: str | None = None,
    kaggle_username: str | None = None,
) -> SubmissionStatus:
    """The status to store; `availability` None means GitHub checks are off."""
    if availability is Availability.MISSING:
        return SubmissionStatus.NOT_FOUND
    if availability is Availability.PRIVATE:
        return SubmissionStatus.PRIVATE
    if availability is Availability.UNKNOWN:
        return SubmissionStatus.UNVERIFIED
    return ownership_status(link, author=author, verified_github=verified_github, kaggle_username=kaggle_username)


def _same(a: str, b: str) -> bool:
    a, b = a.strip().removeprefix("@"), b.strip().removeprefix("@")
    return a.isascii() and b.isascii() and a.lower() == b.lower()


def valid_github_username(text: str) -> str | None:
    name = text.strip().removeprefix("@")
    return name if _GITHUB_USERNAME.fullmatch(name) else None


def valid_kaggle_username(text: str) -> str | None:
    name = text.strip().removeprefix("@")
    return name if _KAGGLE_USERNAME.fullmatch(name) else None
