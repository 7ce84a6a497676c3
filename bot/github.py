"""GitHub's public REST API, asked two questions: is this work public, and does this account show a code.

Off unless `GITHUB_VERIFY=true`. The caller owns the `httpx.AsyncClient` (built and closed in
`bot.app._serve`). Every failure is a `GitHubError`; the caller records the submission anyway
and retries the check later, so GitHub being down or rate limited never blocks a member.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from bot.core.clock import Clock
from bot.core.links import LinkKind, LinkType, SubmissionLink
from bot.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.github.com"
GISTS_READ = 3  # the newest public gists whose contents are searched for a verification code
# Without a reset time (a secondary limit with no Retry-After), wait this long before asking again.
DEFAULT_BACKOFF = timedelta(minutes=1)


class GitHubError(Exception):
    """GitHub could not answer now; try again later."""


class GitHubRateLimited(GitHubError):
    def __init__(self, until: datetime) -> None:
        super().__init__(f"GitHub rate limit reached until {until.isoformat()}")
        self.until = until


class GitHubUnavailable(GitHubError):
    """A timeout, a network error, a 5xx or an answer we can't read."""


class WorkState(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"  # exists, visible only to its owner (seen with a token that can read it)
    MISSING = "missing"  # 404: no such thing, or private and hidden from us


@dataclass(frozen=True)
class WorkCheck:
    state: WorkState
    owner: str | None  # who made it, as GitHub says: the repository owner, PR author or gist owner


@dataclass(frozen=True)
class Target:
    cache_key: str  # e.g. "repo:octocat/hello-world"
    path: str  # the API path, e.g. "/repos/octocat/hello-world"
    kind: str  # repo | pull | gist


def target_of(link: SubmissionLink) -> Target | None:
    """What to ask GitHub about a link: its repository, pull request or gist (None for Kaggle)."""
    if link.kind is not LinkKind.GITHUB:
        return None
    if link.type is LinkType.GIST:
        gist_id = link.key.rpartition(":")[2]
        return Target(f"gist:{gist_id}", f"/gists/{gist_id}", "gist")
    owner, repo, *rest = [part for part in urlsplit(link.url).path.split("/") if part]
    name = f"{owner}/{repo}"
    if link.type is LinkType.PULL_REQUEST:
        number = rest[1]
        return Target(f"pull:{name.lower()}#{number}", f"/repos/{name}/pulls/{number}", "pull")
    # Commits and files live in a repository: a public repository shows them to everyone.
    return Target(f"repo:{name.lower()}", f"/repos/{name}", "repo")


def make_github_client(settings: Settings, clock: Clock) -> GitHubClient | None:
    """The bot's GitHub client, or None unless GITHUB_VERIFY is on; `aclose()` it on shutdown."""
    if not settings.github_verify:
        return None
    http = httpx.AsyncClient(timeout=httpx.Timeout(settings.github_timeout))
    return GitHubClient(http, clock=clock, base_url=settings.github_api_url, token=settings.github_token)


class GitHubClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        clock: Clock,
        base_url: str = DEFAULT_API_URL,
        token: SecretStr | str | None = None,
    ) -> None:
        if isinstance(token, str):
            token = SecretStr(token)
        self._http = http
        self._clock = clock
        self._base = base_url.rstrip("/")
        self._token = token if token is not None and token.get_secret_value().strip() else None
        self._blocked_until: datetime | None = None

    async def aclose(self) -> None:
        await self._http.aclose()

    def __repr__(self) -> str:
        return f"GitHubClient(base={self._base!r}, token={'set' if self._token else 'none'})"

    @property
    def blocked_until(self) -> datetime | None:
        """When a rate limit we hit ends; until then nothing is sent."""
        if self._blocked_until is not None and self._clock.now() >= self._blocked_until:
            self._blocked_until = None
        return self._blocked_until

    async def check(self, target: Target) -> WorkCheck:
        response = await self._get(target.path)
        if response.status_code == 404:
            return WorkCheck(WorkState.MISSING, None)
        data = _json_object(response)
        if target.kind == "pull":
            repo = (data.get("base") or {}).get("repo") or {}
            private, owner = _is_private(repo), _login(data.get("user"))
        elif target.kind == "gist":
            # A secret gist is unlisted, not private: anyone with the link can read it.
            private, owner = False, _login(data.get("owner"))
        else:
            private, owner = _is_private(data), _login(data.get("owner"))
        return WorkCheck(WorkState.PRIVATE if private else WorkState.PUBLIC, owner)

    async def account_shows(self, username: str, code: str) -> bool | None:
        """Whether the account's bio or one of its newest public gists holds `code`; None: no such user."""
        response = await self._get(f"/users/{username}")
        if response.status_code == 404:
            return None
        bio = _json_object(response).get("bio")
        if isinstance(bio, str) and code in bio:
            return True
        response = await self._get(f"/users/{username}/gists", params={"per_page": "30"})
        if response.status_code == 404:
            return False
        gists = response.json() if _is_json(response) else None
        if not isinstance(gists, list):
            raise GitHubUnavailable("GitHub sent a gist list we can't read")
        for gist in gists:
            if isinstance(gist, dict) and _mentions(gist, code):
                return True
        # The list carries no file contents; read the newest few gists in full.
        for gist in gists[:GISTS_READ]:
            if not isinstance(gist, dict) or not isinstance(gist.get("id"), str):
                continue
            response = await self._get(f"/gists/{gist['id']}")
            if response.status_code != 404 and _mentions(_json_object(response), code, contents=True):
                return True
        return False

    async def _get(self, path: str, params: Mapping[str, str] | None = None) -> httpx.Response:
        blocked = self.blocked_until
        if blocked is not None:
            raise GitHubRateLimited(blocked)
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "Backprop-study-bot",
        }
        if self._token is not None:
            headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        try:
            response = await self._http.get(self._base + path, params=params, headers=headers, follow_redirects=True)
        except httpx.TimeoutException as error:
            raise GitHubUnavailable(f"GitHub did not answer in time ({type(error).__name__})") from None
        except httpx.HTTPError as error:
            raise GitHubUnavailable(f"could not reach GitHub ({type(error).__name__})") from None
        log.debug("GitHub GET %s -> %s", path, response.status_code)
        if response.status_code in (403, 429) and _is_rate_limit(response):
            self._blocked_until = self._limit_ends(response)
            log.warning("GitHub rate limit reached; not asking again until %s", self._blocked_until.isoformat())
            raise GitHubRateLimited(self._blocked_until)
        if response.status_code == 404 or response.status_code == 200:
            return response
        raise GitHubUnavailable(f"GitHub answered HTTP {response.status_code}")

    def _limit_ends(self, response: httpx.Response) -> datetime:
        now = self._clock.now()
        retry_after = response.headers.get("retry-after", "")
        if retry_after.isdigit():
            return now + timedelta(seconds=int(retry_after))
        reset = response.headers.get("x-ratelimit-reset", "")
        if reset.isdigit():
            return max(now, datetime.fromtimestamp(int(reset), UTC))
        return now + DEFAULT_BACKOFF


def _is_rate_limit(response: httpx.Response) -> bool:
    # 403 is also "forbidden for other reasons"; only these headers make it a rate limit.
    return (
        response.status_code == 429
        or response.headers.get("x-ratelimit-remaining") == "0"
        or "retry-after" in response.headers
    )


def _is_json(response: httpx.Response) -> bool:
    return "json" in response.headers.get("content-type", "")


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise GitHubUnavailable("GitHub sent something that is not JSON") from None
    if not isinstance(data, dict):
        raise GitHubUnavailable("GitHub sent JSON of an unexpected shape")
    return data


def _is_private(repo: Mapping[str, Any]) -> bool:
    return repo.get("private") is True or repo.get("visibility") in ("private", "internal")


def _login(account: object) -> str | None:
    if isinstance(account, dict) and isinstance(account.get("login"), str):
        return str(account["login"])
    return None


def _mentions(gist: Mapping[str, Any], code: str, *, contents: bool = False) -> bool:
    if gist.get("public") is False:
        return False  # a secret gist proves nothing to anyone else
    description = gist.get("description")
    if isinstance(description, str) and code in description:
        return True
    files = gist.get("files")
    if not isinstance(files, dict):
        return False
    for name, file in files.items():
        if code in str(name):
            return True
        if contents and isinstance(file, dict) and code in str(file.get("content") or ""):
            return True
    return False
