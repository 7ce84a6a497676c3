"""The LLM client against the fake chat-completions server: real HTTP over loopback, no mocks."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import aclosing

import httpx
import pytest
from pydantic import SecretStr

from bot.llm import Completion, LLMClient, LLMError, LLMTimeout, LLMUnusable, make_http_client
from bot.llm.fake_server import Answer, FakeLLM, Hang, Malformed, NotJson, Status

KEY = "sk-test-0123456789abcdef-SECRET"
QUESTION = [
    {"role": "system", "content": "You are a patient ML tutor."},
    {"role": "user", "content": "What is backprop?"},
]
ANSWER = "Backprop is the chain rule applied backwards through the network."
READ_TIMEOUT = 0.3  # short, so hangs fail fast; the fake's normal answers arrive in milliseconds


@pytest.fixture
async def fake() -> AsyncIterator[FakeLLM]:
    async with FakeLLM() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with make_http_client(connect_timeout=1.0, read_timeout=READ_TIMEOUT) as client:
        yield client


def make_client(
    http: httpx.AsyncClient,
    fake: FakeLLM,
    *,
    api_key: SecretStr | str | None = KEY,
    max_retries: int = 2,
    max_retry_after: float = 10.0,
) -> LLMClient:
    return LLMClient(
        http,
        base_url=fake.base_url,
        model="tutor-7b",
        api_key=api_key,
        max_retries=max_retries,
        backoff=0.01,
        max_retry_after=max_retry_after,
    )


async def collect(client: LLMClient, **kwargs: int) -> list[str]:
    return [delta async for delta in client.stream(QUESTION, **kwargs)]


# ----- answers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
async def test_streamed_deltas_concatenate_to_the_answer_and_usage_is_captured(
    fake: FakeLLM, http: httpx.AsyncClient, crlf: bool
) -> None:
    fake.script(Answer(ANSWER, chunks=4, delay=0.002, crlf=crlf))  # delay: each half-event is its own read
    client = make_client(http, fake)

    deltas = await collect(client, max_tokens=256)

    assert len(deltas) == 4 and "".join(deltas) == ANSWER
    done = client.last_completion
    assert done is not None
    assert (done.text, done.model, done.finish_reason) == (ANSWER, "tutor-7b", "stop")
    # The fake reports word counts, which the len/4 estimate would never produce.
    assert (done.prompt_tokens, done.completion_tokens, done.usage_estimated) == (9, 10, False)
    assert done.latency_s > 0

    [request] = fake.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.body == {
        "model": "tutor-7b",
        "messages": QUESTION,
        "temperature": 0.3,
        "stream": True,
        "stream_options": {"include_usage": True},
        "max_tokens": 256,
    }


async def test_complete_returns_the_whole_answer(fake: FakeLLM, http: httpx.AsyncClient) -> None:
    fake.script(Answer(ANSWER))
    client = make_client(http, fake, api_key=SecretStr(KEY))

    done = await client.complete(QUESTION, temperature=0.0)

    assert isinstance(done, Completion)
    assert (done.text, done.prompt_tokens, done.completion_tokens, done.finish_reason) == (ANSWER, 9, 10, "stop")
    assert client.last_completion == done
    [request] = fake.requests
    assert request.body["stream"] is False and "stream_options" not in request.body
    assert request.body["temperature"] == 0.0 and "max_tokens" not in request.body
    assert request.headers["authorization"] == f"Bearer {KEY}"


async def test_tokens_are_estimated_when_the_server_sends_no_usage(fake: FakeLLM, http: httpx.AsyncClient) -> None:
    fake.script(Answer(ANSWER, usage=False))
    client = make_client(http, fake)

    assert "".join(await collect(client)) == ANSWER

    done = client.last_completion
    assert done is not None and done.usage_estimated
    prompt_chars = sum(len(m["content"]) for m in QUESTION)
    assert done.prompt_tokens == -(-prompt_chars // 4) and done.completion_tokens == -(-len(ANSWER) // 4)


async def test_an_empty_script_gets_the_default_answer(fake: FakeLLM, http: httpx.AsyncClient) -> None:
    done = await make_client(http, fake).complete(QUESTION)
    assert done.text == fake.default_text


async def test_a_slow_stream_longer_than_the_read_timeout_still_completes(
    fake: FakeLLM, http: httpx.AsyncClient
) -> None:
    fake.script(Answer(ANSWER, chunks=3, delay=0.05))
    client = make_client(http, fake)

    started = time.monotonic()
    deltas = await collect(client)

    assert "".join(deltas) == ANSWER and len(deltas) == 3
    assert time.monotonic() - started > 2 * READ_TIMEOUT  # the read timeout bounds gaps, not the answer


# ----- retries -------------------------------------------------------------------------------------


async def test_429_is_retried_after_the_retry_after_delay(fake: FakeLLM, http: httpx.AsyncClient) -> None:
    fake.script(Status(429, retry_after=1), Answer(ANSWER))
    client = make_client(http, fake)

    started = time.monotonic()
    deltas = await collect(client)
    elapsed = time.monotonic() - started

    assert "".join(deltas) == ANSWER
    assert len(fake.requests) == 2
    assert 0.95 <= elapsed < 2.0  # Retry-After won over the 0.01 s backoff


async def test_a_long_retry_after_is_capped(fake: FakeLLM, http: httpx.AsyncClient) -> None:
    fake.script(Status(429, retry_after=3600), Status(503, retry_after=3600), Answer(ANSWER))
    client = make_client(http, fake, max_retry_after=0.05)

    started = time.monotonic()
    done = await client.complete(QUESTION)

    assert done.text == ANSWER and len(fake.requests) == 3
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize("status", [500, 503])
@pytest.mark.parametrize("streaming", [True, False], ids=["stream", "complete"])
async def test_5xx_is_retried_until_retries_run_out(
    fake: FakeLLM, http: httpx.AsyncClient, status: int, streaming: bool
) -> None:
    fake.script(*[Status(status)] * 5)
    client = make_client(http, fake, max_retries=2)

    with pytest.raises(LLMError) as raised:
        await (collect(client) if streaming else client.complete(QUESTION))

    assert type(raised.value) is LLMError and raised.value.status == status
    assert len(fake.requests) == 3 and fake.pending == 2  # one try + two retries, no more
    assert client.last_completion is None


async def test_401_fails_at_once_without_retry_or_leaking_the_key(fake: FakeLLM, http: httpx.AsyncClient) -> None:
    # Some proxies echo the rejected key in their error body.
    fake.script(Status(401, message=f"Incorrect API key provided: {KEY}"), Answer(ANSWER))
    client = make_client(http, fake)

    with pytest.raises(LLMError) as raised:
        await collect(client)

    assert raised.value.status == 401 and len(fake.requests) == 1
    assert "Incorrect API key" in str(raised.value) and KEY not in str(raised.value)


async def test_an_unreachable_server_is_an_llm_error(http: httpx.AsyncClient) -> None:
    async with FakeLLM() as gone:
        base_url = gone.base_url  # a port that nothing listens on once the server stops
    client = LLMClient(http, base_url=base_url, model="m", api_key=None, max_retries=1, backoff=0.01)

    with pytest.raises(LLMError, match="cannot reach"):
        await client.complete(QUESTION)


# ----- unusable answers ----------------------------------------------------------------------------


async def test_a_hang_is_a_timeout_and_not_retried(fake: FakeLLM, http: httpx.AsyncClient) -> None:
    fake.script(Hang(seconds=5), Answer(ANSWER))
    client = make_client(http, fake)

    started = time.monotonic()
    with pytest.raises(LLMTimeout):
        await collect(client)

    assert time.monotonic() - started < READ_TIMEOUT + 0.5
    assert len(fake.requests) == 1


async def test_a_stream_that_stalls_midway_is_a_timeout(fake: FakeLLM, http: httpx.AsyncClient) -> None:
    fake.script(Answer(ANSWER, delay=2 * READ_TIMEOUT))
    client = make_client(http, fake)

    with pytest.raises(LLMTimeout, match="stalled"):
        await collect(client)
    assert len(fake.requests) == 1


async def test_malformed_sse_is_unusable_after_the_good_part(fake: FakeLLM, http: httpx.AsyncClient) -> None:
    fake.script(Malformed())
    client = make_client(http, fake)
    received: list[str] = []

    with pytest.raises(LLMUnusable, match="malformed SSE"):
        async for delta in client.stream(QUESTION):
            received.append(delta)

    assert received == ["Hel"] and len(fake.requests) == 1
    assert client.last_completion is None


async def test_a_truncated_json_body_is_unusable(fake: FakeLLM, http: httpx.AsyncClient) -> None:
    fake.script(Malformed())
    with pytest.raises(LLMUnusable, match="malformed response body"):
        await make_client(http, fake).complete(QUESTION)


@pytest.mark.parametrize("streaming", [True, False], ids=["stream", "complete"])
async def test_a_non_json_body_is_unusable(fake: FakeLLM, http: httpx.AsyncClient, streaming: bool) -> None:
    fake.script(NotJson())
    client = make_client(http, fake)
    with pytest.raises(LLMUnusable):
        await (collect(client) if streaming else client.complete(QUESTION))


@pytest.mark.parametrize("streaming", [True, False], ids=["stream", "complete"])
async def test_an_empty_answer_is_unusable(fake: FakeLLM, http: httpx.AsyncClient, streaming: bool) -> None:
    fake.script(Answer(""))
    client = make_client(http, fake)

    with pytest.raises(LLMUnusable, match="empty answer"):
        await (collect(client) if streaming else client.complete(QUESTION))
    assert len(fake.requests) == 1


async def test_a_stream_abandoned_early_releases_the_connection(fake: FakeLLM, http: httpx.AsyncClient) -> None:
    fake.script(Answer(ANSWER, chunks=4, delay=0.01))
    client = make_client(http, fake)

    async with aclosing(client.stream(QUESTION)) as deltas:
        async for _ in deltas:
            break

    assert client.last_completion is None
    assert (await client.complete(QUESTION)).text == fake.default_text  # the client is still usable


# ----- secrets and logs ----------------------------------------------------------------------------


async def test_the_api_key_never_reaches_the_logs(
    fake: FakeLLM, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    fake.script(
        Answer(ANSWER),
        Answer(ANSWER),
        Status(401, message=f"bad key {KEY}"),
        *[Status(500, message=f"upstream said {KEY}")] * 3,
        Hang(seconds=5),
        Malformed(),
    )
    client = make_client(http, fake, api_key=SecretStr(KEY))

    await collect(client)
    await client.complete(QUESTION)
    for failing in (collect(client), client.complete(QUESTION), collect(client), collect(client)):
        with pytest.raises(LLMError):
            await failing

    assert len(fake.requests) == 8
    for record in caplog.records:
        assert KEY not in record.getMessage()
        assert "Bearer" not in record.getMessage()
        assert record.exc_text is None or KEY not in record.exc_text
    assert KEY not in caplog.text and KEY not in repr(client)

    # One line per call: INFO with model, tokens and latency on success, WARNING on failure.
    ours = [r for r in caplog.records if r.name == "bot.llm.client" and r.levelno >= logging.INFO]
    assert [r.levelname for r in ours] == ["INFO", "INFO", "WARNING", "WARNING", "WARNING", "WARNING"]
    assert "model=tutor-7b tokens=9+10 latency=" in ours[0].getMessage()
    assert "LLMTimeout" in ours[4].getMessage() and "LLMUnusable" in ours[5].getMessage()


@pytest.mark.parametrize("api_key", [None, "", "   "], ids=["none", "empty", "blank"])
async def test_no_authorization_header_without_a_key(
    fake: FakeLLM, http: httpx.AsyncClient, api_key: str | None
) -> None:
    client = make_client(http, fake, api_key=api_key)

    await collect(client)
    await client.complete(QUESTION)

    assert len(fake.requests) == 2
    assert all("authorization" not in request.headers for request in fake.requests)
