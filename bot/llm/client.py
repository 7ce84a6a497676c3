"""A small client for any OpenAI-compatible chat-completions API (Ollama, vLLM, llama.cpp, OpenAI...).

The backend is just a base URL, a model name and an optional key. The caller owns the shared
`httpx.AsyncClient` (see `make_http_client`) and closes it. Every failure is an `LLMError`, so the
caller has one thing to catch before falling back to the offline answer.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import ssl
import time
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import SecretStr

log = logging.getLogger(__name__)

# A server may ask for a long pause (Retry-After: 3600); a member waiting on /ask cannot.
DEFAULT_MAX_RETRY_AFTER = 10.0
_DETAIL_LIMIT = 200  # characters of an error body worth keeping in a message


class LLMError(Exception):
    """The backend could not give a usable answer; `status` is the HTTP status when there was one."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class LLMTimeout(LLMError):
    """Connecting, or waiting for the next bytes, took longer than the configured timeout."""


class LLMUnusable(LLMError):
    """The server answered, but not with something we can use: malformed SSE/JSON or no text."""


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int
    model: str
    latency_s: float
    finish_reason: str | None
    usage_estimated: bool = False  # True when the server sent no usage and we guessed len/4


def make_http_client(connect_timeout: float, read_timeout: float) -> httpx.AsyncClient:
    """The one shared client; the caller closes it (`async with make_http_client(...) as http:`).

    The read timeout bounds the wait for each next piece of the answer, not the whole answer, so a
    long but steady stream is fine while a stalled one fails.
    """
    return httpx.AsyncClient(timeout=httpx.Timeout(read_timeout, connect=connect_timeout), verify=_tls_context())


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Loading the CA bundle costs ~60 ms; the bot builds one client, but the tests build dozens.
    return httpx.create_ssl_context()


def estimate_tokens(text: str) -> int:
    """Roughly four characters per token: good enough for logs and budgets when usage is missing."""
    return (len(text) + 3) // 4


class LLMClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        model: str,
        api_key: SecretStr | str | None,
        max_retries: int = 3,
        backoff: float = 0.5,
        max_retry_after: float = DEFAULT_MAX_RETRY_AFTER,
    ) -> None:
        if isinstance(api_key, str):
            api_key = SecretStr(api_key)
        self._http = http
        self._url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self._api_key = api_key if api_key is not None and api_key.get_secret_value().strip() else None
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        # Set when a stream finishes. Read it right after your `async for` ends, before any other
        # await, and it is yours even when several streams run concurrently on this client.
        self.last_completion: Completion | None = None

    def __repr__(self) -> str:
        return f"LLMClient(url={self._url!r}, model={self.model!r}, key={'set' if self._api_key else 'none'})"

    # ----- public API ------------------------------------------------------------------------------

    async def stream(
        self, messages: Sequence[Mapping[str, str]], *, max_tokens: int | None = None, temperature: float = 0.3
    ) -> AsyncGenerator[str, None]:
        """Yield the answer's text deltas as they arrive; `last_completion` holds the totals afterwards.

        Retries (429, 5xx, network errors) happen only before the first delta; once text has been
        yielded, any failure is raised as is. Stopping early? Use `contextlib.aclosing` so the
        connection is released at once.
        """
        self.last_completion = None
        call = _Call(self, "stream", messages)
        body = self._body(messages, stream=True, max_tokens=max_tokens, temperature=temperature)
        try:
            response = await self._send(body, call)
            try:
                async for delta in self._deltas(response, call):
                    yield delta
            finally:
                await response.aclose()
            completion = call.finish()
        except LLMError as exc:
            call.log_failure(exc)
            raise
        except (GeneratorExit, asyncio.CancelledError):
            call.log_abandoned()
            raise
        call.log_success(completion)
        self.last_completion = completion

    async def complete(
        self, messages: Sequence[Mapping[str, str]], *, max_tokens: int | None = None, temperature: float = 0.3
    ) -> Completion:
        """Ask for the whole answer in one response."""
        call = _Call(self, "complete", messages)
        body = self._body(messages, stream=False, max_tokens=max_tokens, temperature=temperature)
        try:
            response = await self._send(body, call)
            try:
                raw = await _read(response)
            finally:
                await response.aclose()
            call.absorb(raw.decode("utf-8", errors="replace"), stream=False)
            completion = call.finish()
        except LLMError as exc:
            call.log_failure(exc)
            raise
        call.log_success(completion)
        self.last_completion = completion
        return completion

    # ----- HTTP ------------------------------------------------------------------------------------

    def _body(
        self, messages: Sequence[Mapping[str, str]], *, stream: bool, max_tokens: int | None, temperature: float
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [dict(m) for m in messages],
            "temperature": temperature,
            "stream": stream,
        }
        if stream:
            body["stream_options"] = {"include_usage": True}
        if max_tokens is not None:
            body["max_tokens"] = max_tokens
        return body

    def _headers(self, *, stream: bool) -> dict[str, str]:
        headers = {"Accept": "text/event-stream" if stream else "application/json"}
        if self._api_key is not None:
            headers["Authorization"] = f"Bearer {self._api_key.get_secret_value()}"
        return headers

    async def _send(self, body: dict[str, Any], call: _Call) -> httpx.Response:
        """POST until a 2xx arrives (returned open, body unread) or retries run out."""
        headers = self._headers(stream=body["stream"])
        for attempt in range(self.max_retries + 1):
            call.attempts = attempt + 1
            last_try = attempt == self.max_retries
            request = self._http.build_request("POST", self._url, json=body, headers=headers)
            try:
                response = await self._http.send(request, stream=True)
            except httpx.TimeoutException as exc:
                # Not retried: another full timeout would keep the member waiting twice as long.
                raise LLMTimeout(f"timed out talking to the LLM ({type(exc).__name__})") from exc
            except httpx.TransportError as exc:
                if last_try:
                    raise LLMError(f"cannot reach the LLM: {type(exc).__name__}: {self._redact(str(exc))}") from exc
                await self._pause(attempt, None, f"{type(exc).__name__}")
                continue

            if response.is_success:
                return response
            try:
                detail = self._redact((await _read(response)).decode("utf-8", errors="replace"))[:_DETAIL_LIMIT]
            finally:
                await response.aclose()
            status = response.status_code
            if (status == 429 or status >= 500) and not last_try:
                await self._pause(attempt, _retry_after(response.headers), f"HTTP {status}")
                continue
            raise LLMError(f"LLM answered HTTP {status}: {detail}", status=status)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _pause(self, attempt: int, retry_after: float | None, why: str) -> None:
        delay = min(retry_after, self.max_retry_after) if retry_after is not None else self.backoff * 2**attempt
        log.debug("llm retry %d/%d after %s in %.2fs", attempt + 1, self.max_retries, why, delay)
        await asyncio.sleep(delay)

    async def _deltas(self, response: httpx.Response, call: _Call) -> AsyncIterator[str]:
        content_type = response.headers.get("content-type", "")
        if "text/event-stream" not in content_type:
            raise LLMUnusable(f"expected an SSE stream, got {content_type or 'no content type'!r}")
        try:
            async for data in _sse_data(response.aiter_lines()):
                if data.strip() == "[DONE]":
                    return
                delta = call.absorb(data, stream=True)
                if delta:
                    yield delta
        except httpx.TimeoutException as exc:
            raise LLMTimeout(f"the LLM stream stalled ({type(exc).__name__})") from exc
        except httpx.DecodingError as exc:
            raise LLMUnusable(f"undecodable LLM stream: {exc}") from exc
        except httpx.HTTPError as exc:
            raise LLMError(f"the LLM stream broke off: {type(exc).__name__}: {self._redact(str(exc))}") from exc

    def _redact(self, text: str) -> str:
        # Some proxies echo the rejected key back in their error body.
        if self._api_key is not None:
            text = text.replace(self._api_key.get_secret_value(), "[redacted]")
        return text


# ----- one call's bookkeeping ----------------------------------------------------------------------


@dataclass
class _Call:
    """What one stream/complete call has learned so far, and its single log line."""

    client: LLMClient
    kind: str
    messages: Sequence[Mapping[str, str]]
    started: float = field(default_factory=time.monotonic)
    attempts: int = 0
    parts: list[str] = field(default_factory=list)
    model: str | None = None
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None

    def absorb(self, text: str, *, stream: bool) -> str:
        """Take one SSE chunk (or the whole non-streamed body); return the new answer text, if any."""
        what = "SSE data" if stream else "response body"
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            snippet = self.client._redact(text[:60])
            raise LLMUnusable(f"malformed {what} from the LLM: {exc.msg} in {snippet!r}") from exc
        if not isinstance(payload, dict):
            raise LLMUnusable(f"expected a JSON object from the LLM, got {type(payload).__name__}")
        if "error" in payload:
            error = payload["error"]
            message = error.get("message") if isinstance(error, dict) else error
            raise LLMError(f"LLM reported an error: {self.client._redact(str(message))[:_DETAIL_LIMIT]}")
        if isinstance(payload.get("model"), str):
            self.model = payload["model"]
        usage = payload.get("usage")
        if isinstance(usage, dict):
            prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
            if isinstance(prompt, int) and isinstance(completion, int):
                self.prompt_tokens, self.completion_tokens = prompt, completion
        choices = payload.get("choices")
        if not isinstance(choices, list):
            raise LLMUnusable("LLM payload has no 'choices' list")
        if not choices:  # the usage-only chunk at the end of a stream
            return ""
        choice = choices[0]
        part = choice.get("delta" if stream else "message") if isinstance(choice, dict) else None
        if not isinstance(choice, dict) or not isinstance(part, dict | None):
            raise LLMUnusable(f"LLM choice has no {'delta' if stream else 'message'} object")
        if isinstance(choice.get("finish_reason"), str):
            self.finish_reason = choice["finish_reason"]
        content = part.get("content") if part else None
        if not isinstance(content, str):
            return ""  # role-only, tool-call or reasoning deltas carry no answer text
        self.parts.append(content)
        return content

    def finish(self) -> Completion:
        text = "".join(self.parts)
        if not text.strip():
            raise LLMUnusable("the LLM returned an empty answer")
        estimated = self.prompt_tokens is None or self.completion_tokens is None
        return Completion(
            text=text,
            prompt_tokens=(
                estimate_tokens("".join(m.get("content", "") for m in self.messages))
                if self.prompt_tokens is None
                else self.prompt_tokens
            ),
            completion_tokens=estimate_tokens(text) if self.completion_tokens is None else self.completion_tokens,
            model=self.model or self.client.model,
            latency_s=self.elapsed(),
            finish_reason=self.finish_reason,
            usage_estimated=estimated,
        )

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def log_success(self, c: Completion) -> None:
        log.info(
            "llm %s ok: model=%s tokens=%d+%d%s latency=%.2fs attempts=%d finish=%s",
            self.kind,
            c.model,
            c.prompt_tokens,
            c.completion_tokens,
            " (estimated)" if c.usage_estimated else "",
            c.latency_s,
            self.attempts,
            c.finish_reason,
        )

    def log_failure(self, exc: LLMError) -> None:
        # No exc_info: the message is already redacted and the caller decides about tracebacks.
        log.warning(
            "llm %s failed: model=%s error=%s: %s latency=%.2fs attempts=%d chars=%d",
            self.kind,
            self.client.model,
            type(exc).__name__,
            exc,
            self.elapsed(),
            self.attempts,
            sum(map(len, self.parts)),
        )

    def log_abandoned(self) -> None:
        log.info(
            "llm %s abandoned by caller: model=%s latency=%.2fs attempts=%d chars=%d",
            self.kind,
            self.client.model,
            self.elapsed(),
            self.attempts,
            sum(map(len, self.parts)),
        )


# ----- wire-format helpers -------------------------------------------------------------------------


async def _sse_data(lines: AsyncIterator[str]) -> AsyncIterator[str]:
    """The `data` of each server-sent event; httpx already splits lines on \\n, \\r\\n or \\r."""
    data: list[str] = []
    async for line in lines:
        if not line:  # a blank line ends the event
            if data:
                yield "\n".join(data)
                data = []
            continue
        if line.startswith(":"):  # comment, used as a keep-alive
            continue
        name, _, value = line.partition(":")
        if name == "data":
            data.append(value.removeprefix(" "))
        # `event:`, `id:` and `retry:` mean nothing for chat completions.
    if data:  # a server that closes without the final blank line
        yield "\n".join(data)


async def _read(response: httpx.Response) -> bytes:
    try:
        return await response.aread()
    except httpx.TimeoutException as exc:
        raise LLMTimeout(f"timed out reading the LLM's answer ({type(exc).__name__})") from exc
    except httpx.HTTPError as exc:
        raise LLMError(f"reading the LLM's answer failed: {type(exc).__name__}") from exc


def _retry_after(headers: httpx.Headers) -> float | None:
    """Retry-After in seconds, if the server sent a usable number (HTTP dates are not worth it here)."""
    try:
        seconds = float(headers.get("retry-after", ""))
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
