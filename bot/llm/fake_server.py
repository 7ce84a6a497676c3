"""A fake OpenAI-compatible chat-completions server on 127.0.0.1, scripted per request.

Tests and the sandbox use it instead of a real model:

    async with FakeLLM() as llm:
        llm.script(Status(429, retry_after=1), Answer("Backprop is the chain rule.", chunks=3))
        client = LLMClient(http, base_url=llm.base_url, model="fake", api_key="sk-test")
        ...
        assert llm.requests[0].headers["authorization"] == "Bearer sk-test"

Each request takes the next scripted reply; once the script runs out, every request gets
`Answer(default_text)`. Every request is recorded (path, headers, body).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, ClassVar

from aiohttp import web

from bot.loopback import LoopbackServer


@dataclass(frozen=True)
class Answer:
    """A normal answer. Streamed as `chunks` pieces of text, pausing `delay` seconds between writes.

    Each SSE event is written in two halves, so the client has to buffer lines across reads.
    `text=""` scripts an empty answer; `usage=False` a server that never reports token counts.
    """

    text: str
    chunks: int = 3
    delay: float = 0.0
    usage: bool = True
    crlf: bool = False


@dataclass(frozen=True)
class Status:
    """An HTTP error with an OpenAI-style error body, e.g. 429 with Retry-After, 500, 503, 401."""

    code: int
    retry_after: float | None = None
    message: str = "scripted failure"


@dataclass(frozen=True)
class Hang:
    """Say nothing for `seconds` (make it longer than the client's read timeout)."""

    seconds: float = 30.0


@dataclass(frozen=True)
class Malformed:
    """A 200 whose stream (or JSON body) breaks off in the middle of a JSON object."""


@dataclass(frozen=True)
class NotJson:
    """A 200 carrying an HTML page, as a misconfigured proxy would send."""


Reply = Answer | Status | Hang | Malformed | NotJson


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    headers: dict[str, str]  # names lower-cased
    body: Any  # the parsed JSON, or the raw text when it was not JSON


class FakeLLM(LoopbackServer):
    # handler_cancellation: a client that gives up (read timeout) ends its handler at once.
    runner_options: ClassVar[dict[str, Any]] = {"handler_cancellation": True, "shutdown_timeout": 1.0}

    def __init__(self, *, default_text: str = "This is the fake LLM's default answer.", model: str = "fake-model"):
        super().__init__()
        self.default_text = default_text
        self.model = model
        self.requests: list[RecordedRequest] = []
        self._script: deque[Reply] = deque()
        self._closing = asyncio.Event()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, *replies: Reply) -> None:
        """Queue replies for the next requests, in order."""
        self._script.extend(replies)

    @property
    def pending(self) -> int:
        return len(self._script)

    # ----- lifecycle -------------------------------------------------------------------------------

    def build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        return app

    async def before_stop(self) -> None:
        self._closing.set()  # wakes hangs and slow streams so shutdown does not wait for them

    # ----- the endpoint ----------------------------------------------------------------------------

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        raw = await request.text()
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = raw
        self.requests.append(RecordedRequest(request.path, {k.lower(): v for k, v in request.headers.items()}, body))
        reply = self._script.popleft() if self._script else Answer(self.default_text)
        body = body if isinstance(body, dict) else {}
        streaming = body.get("stream") is True

        match reply:
            case Status(code, retry_after, message):
                headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
                error = {"error": {"message": message, "type": "fake_error", "code": code}}
                return web.json_response(error, status=code, headers=headers)
            case Hang(seconds):
                await self._pause(seconds)
                return web.json_response({"error": {"message": "hung"}}, status=504)
            case NotJson():
                return web.Response(text="<html><body>502 Bad Gateway</body></html>", content_type="text/html")
            case Malformed() if streaming:
                return await self._sse(request, [self._chunk(body, {"content": "Hel"})], tail='{"choices": [{"delta"')
            case Malformed():
                return web.Response(text='{"choices": [{"message": {"content": "Hel', content_type="application/json")
            case Answer() if streaming:
                return await self._sse(request, self._events(reply, body), delay=reply.delay, crlf=reply.crlf)
            case Answer():
                return web.json_response(self._whole(reply, body))
        raise AssertionError(f"unknown reply {reply!r}")

    # ----- building answers ------------------------------------------------------------------------

    def _base(self, body: dict[str, Any], obj: str) -> dict[str, Any]:
        model = body.get("model") if isinstance(body.get("model"), str) else self.model
        return {"id": "chatcmpl-fake", "object": obj, "created": int(time.time()), "model": model}

    def _chunk(self, body: dict[str, Any], delta: dict[str, str], finish: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return {**self._base(body, "chat.completion.chunk"), "choices": [choice]}

    def _events(self, reply: Answer, body: dict[str, Any]) -> list[dict[str, Any]]:
        events = [self._chunk(body, {"role": "assistant", "content": ""})]
        events += [self._chunk(body, {"content": piece}) for piece in _split(reply.text, reply.chunks)]
        events.append(self._chunk(body, {}, finish="stop"))
        wants_usage = isinstance(body.get("stream_options"), dict) and body["stream_options"].get("include_usage")
        if reply.usage and wants_usage:
            events.append({**self._base(body, "chat.completion.chunk"), "choices": [], "usage": _usage(reply, body)})
        return events

    def _whole(self, reply: Answer, body: dict[str, Any]) -> dict[str, Any]:
        choice = {"index": 0, "message": {"role": "assistant", "content": reply.text}, "finish_reason": "stop"}
        answer = {**self._base(body, "chat.completion"), "choices": [choice]}
        if reply.usage:
            answer["usage"] = _usage(reply, body)
        return answer

    async def _sse(
        self,
        request: web.Request,
        events: list[dict[str, Any]],
        *,
        tail: str = "[DONE]",
        delay: float = 0.0,
        crlf: bool = False,
    ) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        nl = "\r\n" if crlf else "\n"
        await response.write(f": keep-alive{nl}{nl}".encode())
        for data in [*map(json.dumps, events), tail]:
            payload = f"data: {data}{nl}{nl}".encode()
            for half in (payload[: len(payload) // 2], payload[len(payload) // 2 :]):
                await self._pause(delay)
                await response.write(half)
        await response.write_eof()
        return response

    async def _pause(self, seconds: float) -> None:
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), seconds)


def _split(text: str, pieces: int) -> list[str]:
    size = math.ceil(len(text) / max(1, pieces)) or 1
    return [text[i : i + size] for i in range(0, len(text), size)]


def _usage(reply: Answer, body: dict[str, Any]) -> dict[str, int]:
    # Word counts: deterministic, and different from the client's len/4 estimate, so tests can
    # tell reported usage from guessed usage.
    messages = body.get("messages")
    messages = messages if isinstance(messages, list) else []
    contents = [str(m.get("content", "")) for m in messages if isinstance(m, dict)]
    prompt = sum(len(content.split()) for content in contents)
    completion = len(reply.text.split())
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
