"""The GitHub client and verification against a local stand-in for GitHub's REST API."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bot.core.clock import FakeClock
from bot.core.errors import UserFacingError
from bot.core.links import parse_submission_link
from bot.core.verification import SubmissionStatus
from bot.github import GitHubClient, GitHubRateLimited, GitHubUnavailable, Target, WorkState, target_of
from bot.github_fake import FakeGitHub
from bot.services.challenges import ChallengeService
from bot.services.profiles import ProfileService
from bot.services.submissions import SubmissionService
from bot.store import Store
from tests.e2e.harness import shipped_curriculum

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
GUILD, ALICE, BOB = 1, 100, 200
TOKEN = "ghp_secret_token_for_tests"


@pytest.fixture
async def github() -> AsyncIterator[FakeGitHub]:
    async with FakeGitHub() as fake:
        yield fake


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.5)) as client:
        yield client


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


def client_for(fake: FakeGitHub, http: httpx.AsyncClient, clock: FakeClock, token: str | None = None) -> GitHubClient:
    return GitHubClient(http, clock=clock, base_url=fake.base_url, token=token)


def target(url: str) -> Target:
    found = target_of(parse_submission_link(url))
    assert found is not None
    return found


# --- the client -----------------------------------------------------------------------------


async def test_a_public_repository_exists_and_names_its_owner(
    github: FakeGitHub, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    github.add_repo("Alice", "matmul")
    check = await client_for(github, http, clock).check(target("https://github.com/alice/MATMUL/blob/main/a.py"))
    assert check.state is WorkState.PUBLIC and check.owner == "Alice"
    assert github.requests[0].path == "/repos/alice/MATMUL"
    assert github.requests[0].headers["accept"] == "application/vnd.github+json"
    assert "authorization" not in github.requests[0].headers


async def test_a_private_repository_is_private_with_a_token_and_missing_without(
    github: FakeGitHub, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    github.add_repo("alice", "secret", private=True)
    repo = target("https://github.com/alice/secret")
    with_token = await client_for(github, http, clock, TOKEN).check(repo)
    assert with_token.state is WorkState.PRIVATE
    assert github.requests[-1].headers["authorization"] == f"Bearer {TOKEN}"
    without = await client_for(github, http, clock).check(repo)
    assert without.state is WorkState.MISSING


async def test_404_is_missing(github: FakeGitHub, http: httpx.AsyncClient, clock: FakeClock) -> None:
    client = client_for(github, http, clock)
    assert (await client.check(target("https://github.com/nobody/nothing"))).state is WorkState.MISSING
    assert (await client.check(target("https://github.com/a/b/pull/7"))).state is WorkState.MISSING
    assert (await client.check(target("https://gist.github.com/aa5a315d61ae9438b18d"))).state is WorkState.MISSING


async def test_a_pull_request_belongs_to_its_author_and_a_gist_to_its_owner(
    github: FakeGitHub, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    github.add_pull("scikit-learn", "scikit-learn", 123, author="alice")
    github.add_gist("aa5a315d61ae9438b18d", "Alice", description="notes")
    client = client_for(github, http, clock)
    pull = await client.check(target("https://github.com/scikit-learn/scikit-learn/pull/123/files"))
    assert pull.state is WorkState.PUBLIC and pull.owner == "alice"
    assert github.requests[-1].path == "/repos/scikit-learn/scikit-learn/pulls/123"
    gist = await client.check(target("https://gist.github.com/aa5a315d61ae9438b18d"))
    assert gist.state is WorkState.PUBLIC and gist.owner == "Alice"


async def test_a_403_rate_limit_blocks_further_calls_until_the_reset(
    github: FakeGitHub, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    github.add_repo("alice", "matmul")
    github.rate_limited = True
    github.reset_at = int((NOW + timedelta(minutes=20)).timestamp())
    client = client_for(github, http, clock)
    with pytest.raises(GitHubRateLimited) as raised:
        await client.check(target("https://github.com/alice/matmul"))
    assert raised.value.until == NOW + timedelta(minutes=20)
    with pytest.raises(GitHubRateLimited):
        await client.check(target("https://github.com/alice/matmul"))
    assert len(github.requests) == 1, "a known rate limit must not be hit again"

    github.rate_limited = False
    clock.advance(timedelta(minutes=20))
    assert (await client.check(target("https://github.com/alice/matmul"))).state is WorkState.PUBLIC


async def test_a_timeout_and_a_server_error_are_unavailable(
    github: FakeGitHub, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    github.add_repo("alice", "matmul")
    client = client_for(github, http, clock)
    github.hang = 5.0  # the client gives up after 0.5 s
    with pytest.raises(GitHubUnavailable, match="in time"):
        await client.check(target("https://github.com/alice/matmul"))
    github.hang = 0.0
    github.server_error = True
    with pytest.raises(GitHubUnavailable, match="502"):
        await client.check(target("https://github.com/alice/matmul"))


async def test_the_token_never_reaches_the_logs(
    github: FakeGitHub, http: httpx.AsyncClient, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    github.rate_limited = True
    client = client_for(github, http, clock, TOKEN)
    with pytest.raises(GitHubRateLimited):
        await client.check(target("https://github.com/alice/matmul"))
    assert TOKEN not in caplog.text and TOKEN not in repr(client)


async def test_the_code_is_found_in_the_bio_a_gist_description_or_a_gist_file(
    github: FakeGitHub, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    client = client_for(github, http, clock)
    github.add_user("alice", bio="ML learner · backprop-1a2b3c4d")
    assert await client.account_shows("alice", "backprop-1a2b3c4d") is True
    github.add_user("bob", bio=None)
    assert await client.account_shows("bob", "backprop-1a2b3c4d") is False
    github.add_gist("b" * 20, "bob", description="proof: backprop-00000001")
    assert await client.account_shows("bob", "backprop-00000001") is True
    github.add_gist("c" * 20, "bob", files={"proof.md": "my code is backprop-00000002"})
    assert await client.account_shows("bob", "backprop-00000002") is True
    github.add_gist("d" * 20, "bob", description="backprop-00000003", public=False)
    assert await client.account_shows("bob", "backprop-00000003") is False, "a secret gist proves nothing"
    assert await client.account_shows("nobody", "backprop-1a2b3c4d") is None


# --- recording and verifying through the services -------------------------------------------


@dataclass
class Services:
    store: Store
    clock: FakeClock
    submissions: SubmissionService
    profiles: ProfileService


@pytest.fixture
async def services(
    tmp_path: Path, github: FakeGitHub, http: httpx.AsyncClient, clock: FakeClock
) -> AsyncIterator[Services]:
    async with Store(tmp_path / "db.sqlite") as store:
        client = client_for(github, http, clock)
        challenges = ChallengeService(store, shipped_curriculum(), clock)
        yield Services(
            store, clock, SubmissionService(store, challenges, clock, client), ProfileService(store, clock, client)
        )


async def submit(services: Services, url: str, user: int = ALICE) -> SubmissionStatus:
    draft = await services.submissions.prepare(GUILD, user, url)
    recorded = await services.submissions.record(draft)
    assert recorded.created
    return recorded.submission.status


async def test_statuses_from_github(services: Services, github: FakeGitHub) -> None:
    github.add_repo("alice", "matmul")
    github.add_repo("alice", "secret", private=True)
    assert await submit(services, "https://github.com/alice/matmul") is SubmissionStatus.SELF_REPORTED
    assert await submit(services, "https://github.com/alice/gone") is SubmissionStatus.NOT_FOUND
    # Without a token a private repository looks missing, as on GitHub.
    assert await submit(services, "https://github.com/alice/secret") is SubmissionStatus.NOT_FOUND
    kaggle = "https://www.kaggle.com/code/alice/titanic"
    assert await submit(services, kaggle) is SubmissionStatus.SELF_REPORTED
    assert [r.path for r in github.requests] == ["/repos/alice/matmul", "/repos/alice/gone", "/repos/alice/secret"]


async def test_answers_are_cached(services: Services, github: FakeGitHub) -> None:
    github.add_repo("alice", "matmul")
    await submit(services, "https://github.com/alice/matmul", user=ALICE)
    await submit(services, "https://github.com/alice/matmul/blob/main/README.md", user=ALICE)
    await submit(services, "https://github.com/Alice/Matmul", user=BOB)
    assert len(github.requests) == 1
    services.clock.advance(timedelta(hours=25))  # public answers are trusted for a day
    await submit(services, "https://github.com/alice/matmul/commit/abcdef1", user=ALICE)
    assert len(github.requests) == 2


async def test_a_rate_limit_never_blocks_recording_and_the_recheck_finishes_the_job(
    services: Services, github: FakeGitHub
) -> None:
    github.add_repo("alice", "matmul")
    github.add_repo("alice", "bigram")
    github.rate_limited = True
    github.reset_at = int((NOW + timedelta(minutes=10)).timestamp())
    assert await submit(services, "https://github.com/alice/matmul") is SubmissionStatus.UNVERIFIED
    assert await submit(services, "https://github.com/alice/bigram") is SubmissionStatus.UNVERIFIED
    assert len(github.requests) == 1

    assert await services.submissions.recheck_pending() == 0  # still limited: nothing sent
    assert len(github.requests) == 1

    github.rate_limited = False
    services.clock.advance(timedelta(minutes=10))
    assert await services.submissions.recheck_pending() == 2
    statuses = {s.url: s.status for s in await services.store.submissions.of_user(ALICE)}
    assert set(statuses.values()) == {SubmissionStatus.SELF_REPORTED}
    assert await services.store.submissions.awaiting_check(10) == []


async def test_a_timeout_leaves_it_unverified(services: Services, github: FakeGitHub) -> None:
    github.add_repo("alice", "matmul")
    github.hang = 5.0
    assert await submit(services, "https://github.com/alice/matmul") is SubmissionStatus.UNVERIFIED
    github.hang = 0.0
    assert await services.submissions.recheck_pending() == 1


async def test_verifying_an_account_marks_its_work_verified(services: Services, github: FakeGitHub) -> None:
    github.add_repo("alice", "matmul")
    github.add_pull("numpy", "numpy", 42, author="alice")
    github.add_pull("numpy", "numpy", 43, author="someone")
    for url in (
        "https://github.com/alice/matmul",
        "https://github.com/numpy/numpy/pull/42",
        "https://github.com/numpy/numpy/pull/43",
    ):
        assert await submit(services, url) is SubmissionStatus.SELF_REPORTED

    with pytest.raises(UserFacingError, match="Link your GitHub"):
        await services.profiles.verify_github(ALICE)
    code = await services.profiles.link_github(ALICE, "@Alice")
    github.add_user("alice", bio="hello")
    with pytest.raises(UserFacingError, match=code):
        await services.profiles.verify_github(ALICE)
    github.add_user("alice", bio=f"hello {code}")
    assert await services.profiles.verify_github(ALICE) == 2
    statuses = {s.url: s.status for s in await services.store.submissions.of_user(ALICE)}
    assert statuses == {
        "https://github.com/alice/matmul": SubmissionStatus.VERIFIED,
        "https://github.com/numpy/numpy/pull/42": SubmissionStatus.VERIFIED,
        "https://github.com/numpy/numpy/pull/43": SubmissionStatus.SELF_REPORTED,
    }
    github.add_repo("alice", "bigram")
    assert await submit(services, "https://github.com/alice/bigram") is SubmissionStatus.VERIFIED

    # Someone else proving the same account takes it over.
    other = await services.profiles.link_github(BOB, "alice")
    github.add_user("alice", bio=other)
    await services.profiles.verify_github(BOB)
    alice = await services.store.profiles.get(ALICE)
    assert alice is not None and not alice.github_verified

    # Re-linking another account drops "verified" from the old account's work.
    await services.profiles.link_github(ALICE, "alice2")
    assert SubmissionStatus.VERIFIED not in {s.status for s in await services.store.submissions.of_user(ALICE)}


async def test_verify_explains_rate_limits_expired_codes_and_missing_users(
    services: Services, github: FakeGitHub
) -> None:
    code = await services.profiles.link_github(ALICE, "ghost")
    with pytest.raises(UserFacingError, match="no user called"):
        await services.profiles.verify_github(ALICE)
    github.rate_limited = True
    with pytest.raises(UserFacingError, match="rate limiting"):
        await services.profiles.verify_github(ALICE)
    services.clock.advance(timedelta(hours=25))
    with pytest.raises(UserFacingError, match="expired"):
        await services.profiles.verify_github(ALICE)
    assert code.startswith("backprop-")


async def test_kaggle_work_is_matched_once_the_username_is_linked(services: Services) -> None:
    url = "https://www.kaggle.com/code/Alice/titanic-eda"
    assert await submit(services, url) is SubmissionStatus.SELF_REPORTED
    await services.profiles.link_kaggle(ALICE, "alice")
    assert [s.status for s in await services.store.submissions.of_user(ALICE)] == [SubmissionStatus.MATCHED]
    assert await submit(services, "https://www.kaggle.com/datasets/alice/digits") is SubmissionStatus.MATCHED
    assert await submit(services, "https://www.kaggle.com/datasets/bob/digits") is SubmissionStatus.SELF_REPORTED
