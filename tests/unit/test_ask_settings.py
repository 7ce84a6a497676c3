"""/ask's settings: sensible defaults, read from the environment, validated."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from bot.app import _llm_client
from bot.core.ask_rules import Usage
from bot.llm import make_http_client
from bot.services.ask import AskLimits
from bot.settings import Settings


def test_defaults_make_sensible_limits() -> None:
    limits = AskLimits.from_settings(Settings(_env_file=None))  # type: ignore[call-arg]
    assert limits.cooldown == timedelta(seconds=30)
    assert limits.member == Usage(20, 30_000) and limits.group == Usage(200, 300_000)
    assert limits.cache_ttl == timedelta(days=1) and limits.max_question_chars == 500
    assert limits.keep == timedelta(days=90)


def test_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "ASK_COOLDOWN_SECONDS": "5",
        "ASK_MEMBER_DAILY_REQUESTS": "3",
        "ASK_GROUP_DAILY_REQUESTS": "30",
        "ASK_MEMBER_DAILY_TOKENS": "4000",
        "ASK_GROUP_DAILY_TOKENS": "40000",
        "ASK_CACHE_TTL_SECONDS": "0",
        "ASK_MAX_QUESTION_CHARS": "300",
        "ASK_KEEP_DAYS": "45",
    }.items():
        monkeypatch.setenv(name, value)
    limits = AskLimits.from_settings(Settings(_env_file=None))  # type: ignore[call-arg]
    assert limits == AskLimits(
        timedelta(seconds=5), Usage(3, 4000), Usage(30, 40000), timedelta(0), 300, keep=timedelta(days=45)
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"ask_cooldown_seconds": -1},
        {"ask_member_daily_requests": -1},
        {"ask_group_daily_tokens": -5},
        {"ask_cache_ttl_seconds": -1},
        {"ask_max_question_chars": 5},
        {"ask_max_question_chars": 10_000},  # Discord's option allows 4,000 at most
        {"ask_keep_days": 7},  # shorter than the admins' 30-day feedback summary
    ],
)
def test_nonsense_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, **bad)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("values", "configured"),
    [
        ({}, False),
        ({"llm_base_url": "http://localhost:11434/v1"}, False),
        ({"llm_model": "llama3.1"}, False),
        ({"llm_base_url": "http://localhost:11434/v1", "llm_model": "llama3.1"}, True),
        ({"llm_base_url": "  ", "llm_model": "llama3.1"}, False),
    ],
)
def test_a_model_needs_a_url_and_a_name(values: dict[str, object], configured: bool) -> None:
    assert Settings(_env_file=None, **values).llm_configured is configured  # type: ignore[call-arg]


async def test_the_app_builds_a_client_only_for_a_configured_model() -> None:
    model = {"llm_base_url": "http://127.0.0.1:9/v1", "llm_model": "tutor", "llm_api_key": "sk-x"}
    configured = Settings(_env_file=None, **model)  # type: ignore[call-arg]
    async with make_http_client(1.0, 1.0) as http:
        client = _llm_client(configured, http)
        assert client is not None and client.model == "tutor" and "sk-x" not in repr(client)
        assert _llm_client(Settings(_env_file=None), http) is None  # type: ignore[call-arg]
    assert _llm_client(configured, None) is None
