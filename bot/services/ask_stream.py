"""Showing a streaming answer at a pace Discord accepts: the latest text, at most once per interval."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


class Sink(Protocol):
    """Shows a streaming answer's text so far (already safe to show)."""

    async def update(self, text: str) -> None: ...


class Publisher:
    """Shows the latest text at most once per `interval`, in a task of its own.

    Text arriving while it waits is coalesced, so a fast stream costs one edit a second and a
    slow one shows each piece within a second. `close` returns once `interval` has passed since
    the last edit, so the caller's final edit keeps the same pace.
    """

    def __init__(self, sink: Sink, interval: float, sleep: Sleep) -> None:
        self._sink = sink
        self._interval = interval
        self._sleep = sleep
        self._text = ""
        self._changed = asyncio.Event()
        self._closing = False
        self._task = asyncio.create_task(self._run())

    def publish(self, text: str) -> None:
        self._text = text
        self._changed.set()

    async def close(self) -> None:
        self._closing = True
        self._changed.set()
        await self._task  # cancelling the caller cancels the task too

    async def _run(self) -> None:
        while True:
            await self._changed.wait()
            self._changed.clear()
            if self._closing:
                return
            try:
                await self._sink.update(self._text)
            except Exception:
                # A failed intermediate edit is not worth the answer: the final edit follows.
                log.warning("ask: could not show the streaming answer", exc_info=True)
            await self._sleep(self._interval)
