from __future__ import annotations

import pytest

from bot.core.links import parse_submission_link
from bot.core.verification import (
    Availability,
    SubmissionStatus,
    submission_status,
    valid_github_username,
    valid_kaggle_username,
)

S = SubmissionStatus
REPO = "https://github.com/Alice/matmul"
PR_ELSEWHERE = "https://github.com/scikit-learn/scikit-learn/pull/123"
NOTEBOOK = "https://www.kaggle.com/code/alice/titanic"
COMPETITION = "https://www.kaggle.com/competitions/titanic"

# (link, availability, author, verified github, kaggle username, expected)
CASES = [
    # GitHub checks off: ownership alone decides
    (REPO, None, None, None, None, S.SELF_REPORTED),
    (REPO, None, None, "alice", None, S.VERIFIED),
    (REPO, None, None, "@ALICE", None, S.VERIFIED),
    (REPO, None, None, "bob", None, S.SELF_REPORTED),
    # GitHub asked
    (REPO, Availability.PUBLIC, "Alice", "alice", None, S.VERIFIED),
    (REPO, Availability.PUBLIC, "Alice", None, None, S.SELF_REPORTED),
    (REPO, Availability.MISSING, None, "alice", None, S.NOT_FOUND),
    (REPO, Availability.PRIVATE, "Alice", "alice", None, S.PRIVATE),
    (REPO, Availability.UNKNOWN, None, "alice", None, S.UNVERIFIED),
    # a pull request in someone else's repository: the PR's author counts, not the repository's owner
    (PR_ELSEWHERE, Availability.PUBLIC, "alice", "alice", None, S.VERIFIED),
    (PR_ELSEWHERE, Availability.PUBLIC, "bob", "alice", None, S.SELF_REPORTED),
    (PR_ELSEWHERE, None, None, "alice", None, S.SELF_REPORTED),
    # Kaggle: matched against the linked username; competitions belong to nobody
    (NOTEBOOK, None, None, None, "Alice", S.MATCHED),
    (NOTEBOOK, None, None, "alice", None, S.SELF_REPORTED),
    (NOTEBOOK, None, None, None, "bob", S.SELF_REPORTED),
    (COMPETITION, None, None, None, "alice", S.SELF_REPORTED),
]


@pytest.mark.parametrize(("url", "availability", "author", "verified", "kaggle", "expected"), CASES)
def test_submission_status(
    url: str,
    availability: Availability | None,
    author: str | None,
    verified: str | None,
    kaggle: str | None,
    expected: SubmissionStatus,
) -> None:
    link = parse_submission_link(url)
    status = submission_status(link, availability, author=author, verified_github=verified, kaggle_username=kaggle)
    assert status is expected


@pytest.mark.parametrize(
    ("text", "github", "kaggle"),
    [
        ("octocat", "octocat", "octocat"),
        ("@octocat ", "octocat", "octocat"),
        ("a-b", "a-b", "a-b"),
        ("a--b", None, "a--b"),
        ("-ab", None, None),
        ("ab-", None, "ab-"),
        ("a.b_c", None, "a.b_c"),
        ("x" * 39, "x" * 39, "x" * 39),
        ("x" * 40, None, "x" * 40),
        ("<@123>", None, None),
        ("@everyone hi", None, None),
        ("octо cat", None, None),
        ("", None, None),
    ],
)
def test_usernames(text: str, github: str | None, kaggle: str | None) -> None:
    assert valid_github_username(text) == github
    assert valid_kaggle_username(text) == kaggle
