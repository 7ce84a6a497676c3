from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.settings import Settings
from bot.standin import DEFAULT_TOKEN


@pytest.mark.parametrize(
    ("token", "usable"),
    [
        (DEFAULT_TOKEN, True),
        (None, False),
        ("", False),
        ("   ", False),
        ("not-a-token", False),
        ("abc.def.ghi", False),
        ("a" * 64, False),  # a pasted client secret has no dots
    ],
)
def test_token_shape(token: str | None, usable: bool) -> None:
    assert Settings(_env_file=None, discord_token=token).token_is_usable() is usable  # type: ignore[call-arg]


def test_defaults() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert str(settings.database_path) == "data/backprop.db"
    assert settings.discord_api_url is None and settings.discord_gateway_url is None
    assert settings.log_level == "INFO"


def test_log_level_is_checked() -> None:
    assert Settings(_env_file=None, log_level="debug").log_level == "DEBUG"  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        Settings(_env_file=None, log_level="loud")  # type: ignore[call-arg]


def test_secrets_stay_out_of_repr() -> None:
    settings = Settings(_env_file=None, discord_token=DEFAULT_TOKEN, llm_api_key="sk-secret")  # type: ignore[call-arg]
    assert DEFAULT_TOKEN not in repr(settings)
    assert "sk-secret" not in repr(settings)
