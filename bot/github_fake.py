"""A stand-in for GitHub's REST API on 127.0.0.1: repositories, pull requests, gists and users.

Tests and the sandbox point `GITHUB_API_URL` at it:

    async with FakeGitHub() as github:
        github.add_repo("alice", "matmul")
        github.add_repo("alice", "secret", private=True)   # 404 without a token, like GitHub
        github.add_user("alice", bio="ML learner · backprop-1a2b3c4d")
        github.rate_limited = True   # 403 with x-ratelimit-remaining: 0
        github.hang = 5.0            # answer nothing for 5 s (longer than the client's timeout)

Answers have GitHub's shapes (only the fields Backprop reads, plus a few for realism); names are
case-insensitive, as on GitHub. Every request is recorded with its headers.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

from aiohttp import web

from bot.loopback import LoopbackServer


@dataclass
class FakeRepo:
    owner: str
    name: str
    private: bool = False


@dataclass
class FakeGist:
    id: str
    owner: str
    description: str = ""
    files: dict[str, str] = field(default_factory=dict)
    public: bool = True


@dataclass(frozen=True)
class SeenRequest:
    path: str
    headers: dict[str, str]  # names lower-cased


class FakeGitHub(LoopbackServer):
    runner_options: ClassVar[dict[str, Any]] = {"handler_cancellation": True, "shutdown_timeout": 1.0}

    def __init__(self) -> None:
        super().__init__()
        self.repos: dict[str, FakeRepo] = {}
        self.pulls: dict[tuple[str, int], str] = {}  # (repo key, number) -> author login
        self.gists: dict[str, FakeGist] = {}
        self.users: dict[str, tuple[str, str | None]] = {}  # lower login -> (login, bio)
        self.requests: list[SeenRequest] = []
        self.rate_limited = False
        self.reset_at = int(time.time()) + 3600
        self.hang = 0.0
        self.server_error = False
        self._closing = asyncio.Event()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ----- the world -------------------------------------------------------------------------

    def add_repo(self, owner: str, name: str, *, private: bool = False) -> FakeRepo:
        repo = FakeRepo(owner, name, private)
        self.repos[f"{owner}/{name}".lower()] = repo
        if owner.lower() not in self.users:
            self.add_user(owner)
        return repo

    def add_pull(self, owner: str, name: str, number: int, author: str) -> None:
        if f"{owner}/{name}".lower() not in self.repos:
            self.add_repo(owner, name)
        self.pulls[(f"{owner}/{name}".lower(), number)] = author

    def add_gist(self, gist_id: str, owner: str, **details: Any) -> FakeGist:
        gist = FakeGist(gist_id.lower(), owner, **details)
        self.gists[gist.id] = gist
        return gist

    def add_user(self, login: str, *, bio: str | None = None) -> None:
        self.users[login.lower()] = (login, bio)

    # ----- lifecycle -------------------------------------------------------------------------

    def build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/repos/{owner}/{repo}", self._repo)
        app.router.add_get("/repos/{owner}/{repo}/pulls/{number}", self._pull)
        app.router.add_get("/gists/{gist_id}", self._gist)
        app.router.add_get("/users/{login}", self._user)
        app.router.add_get("/users/{login}/gists", self._user_gists)
        return app

    async def before_stop(self) -> None:
        self._closing.set()  # wakes hanging handlers so shutdown does not wait for them

    # ----- the endpoints ---------------------------------------------------------------------

    async def _gate(self, request: web.Request) -> web.Response | None:
        """Record the request; answer it here when a fault is switched on."""
        self.requests.append(SeenRequest(request.path, {k.lower(): v for k, v in request.headers.items()}))
        if self.hang:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self.hang)
        if self.rate_limited:
            return web.json_response(
                {
                    "message": "API rate limit exceeded for 127.0.0.1.",
                    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
                },
                status=403,
                headers={
                    "x-ratelimit-limit": "60",
                    "x-ratelimit-remaining": "0",
                    "x-ratelimit-used": "60",
                    "x-ratelimit-reset": str(self.reset_at),
                    "x-ratelimit-resource": "core",
                },
            )
        if self.server_error:
            return web.json_response({"message": "Server Error"}, status=502)
        return None

    @staticmethod
    def _not_found() -> web.Response:
        return web.json_response(
            {"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"}, status=404
        )

    def _visible_repo(self, request: web.Request, owner: str, name: str) -> FakeRepo | None:
        repo = self.repos.get(f"{owner}/{name}".lower())
        if repo is None:
            return None
        # Without a token that can read it, GitHub answers 404 for a private repository.
        if repo.private and "authorization" not in {k.lower() for k in request.headers}:
            return None
        return repo

    async def _repo(self, request: web.Request) -> web.Response:
        if (fault := await self._gate(request)) is not None:
            return fault
        repo = self._visible_repo(request, request.match_info["owner"], request.match_info["repo"])
        if repo is None:
            return self._not_found()
        return web.json_response(_repo_payload(repo))

    async def _pull(self, request: web.Request) -> web.Response:
        if (fault := await self._gate(request)) is not None:
            return fault
        owner, name = request.match_info["owner"], request.match_info["repo"]
        repo = self._visible_repo(request, owner, name)
        number = int(request.match_info["number"]) if request.match_info["number"].isdigit() else -1
        author = self.pulls.get((f"{owner}/{name}".lower(), number))
        if repo is None or author is None:
            return self._not_found()
        return web.json_response(
            {
                "number": number,
                "state": "open",
                "html_url": f"https://github.com/{repo.owner}/{repo.name}/pull/{number}",
                "user": {"login": author, "type": "User"},
                "base": {"repo": _repo_payload(repo)},
            }
        )

    async def _gist(self, request: web.Request) -> web.Response:
        if (fault := await self._gate(request)) is not None:
            return fault
        gist = self.gists.get(request.match_info["gist_id"].lower())
        if gist is None:
            return self._not_found()
        return web.json_response(_gist_payload(gist, contents=True))

    async def _user(self, request: web.Request) -> web.Response:
        if (fault := await self._gate(request)) is not None:
            return fault
        user = self.users.get(request.match_info["login"].lower())
        if user is None:
            return self._not_found()
        login, bio = user
        return web.json_response({"login": login, "type": "User", "bio": bio, "public_gists": len(self._of(login))})

    async def _user_gists(self, request: web.Request) -> web.Response:
        if (fault := await self._gate(request)) is not None:
            return fault
        user = self.users.get(request.match_info["login"].lower())
        if user is None:
            return self._not_found()
        return web.json_response([_gist_payload(g, contents=False) for g in self._of(user[0]) if g.public])

    def _of(self, login: str) -> list[FakeGist]:
        return [g for g in reversed(self.gists.values()) if g.owner.lower() == login.lower()]


def _repo_payload(repo: FakeRepo) -> dict[str, Any]:
    return {
        "name": repo.name,
        "full_name": f"{repo.owner}/{repo.name}",
        "private": repo.private,
        "visibility": "private" if repo.private else "public",
        "owner": {"login": repo.owner, "type": "User"},
        "html_url": f"https://github.com/{repo.owner}/{repo.name}",
    }


def _gist_payload(gist: FakeGist, *, contents: bool) -> dict[str, Any]:
    files: dict[str, Any] = {}
    for name, text in gist.files.items():
        entry: dict[str, Any] = {"filename": name, "type": "text/plain", "size": len(text)}
        if contents:  # the list endpoint leaves contents out, as GitHub's does
            entry["content"] = text
        files[name] = entry
    return {
        "id": gist.id,
        "public": gist.public,
        "description": gist.description,
        "owner": {"login": gist.owner, "type": "User"},
        "files": files,
        "html_url": f"https://gist.github.com/{gist.owner}/{gist.id}",
    }
