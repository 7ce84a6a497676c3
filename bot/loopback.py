"""A real HTTP server on 127.0.0.1 for the stand-ins (Discord, GitHub, an LLM backend).

Each stand-in builds its aiohttp app; this owns binding a free port, shutting down and the
`async with` protocol, so the three servers cannot drift apart in how they start and stop.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any, ClassVar, Self, cast

from aiohttp import web


class LoopbackServer:
    # Extra web.AppRunner options, e.g. handler_cancellation so a client that gives up ends its handler.
    runner_options: ClassVar[dict[str, Any]] = {}

    def __init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self.port = 0

    def build_app(self) -> web.Application:
        raise NotImplementedError

    async def before_stop(self) -> None:
        """Wake or close whatever would make shutdown wait (hung handlers, open websockets)."""

    async def start(self, port: int = 0) -> None:
        self._runner = web.AppRunner(self.build_app(), access_log=None, **self.runner_options)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        server = cast(asyncio.Server, site._server)  # aiohttp keeps the bound socket only here
        self.port = int(server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        await self.before_stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()
