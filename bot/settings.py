"""Configuration from the environment and `.env`, validated once in `main()` and passed down."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# A bot token is three base64url segments separated by dots. Checking the shape locally turns a
# pasted client secret or an empty value into a clear message instead of a 401 from Discord.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_\-]{20,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{20,}$")

TOKEN_HELP = (
    "DISCORD_TOKEN is missing or malformed: create an application at "
    "https://discord.com/developers/applications, open Bot > Reset Token, "
    "and put the token in .env as DISCORD_TOKEN=... (see README.md)."
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True)

    discord_token: SecretStr | None = None
    database_path: Path = Path("data/backprop.db")
    log_level: str = "INFO"
    dev_guild_id: int | None = None

    # Where the bot talks to Discord. Unset means discord.py's own endpoints; the tests and the
    # sandbox point these at the local stand-in.
    discord_api_url: str | None = None
    discord_gateway_url: str | None = None

    curriculum_path: Path | None = None

    # How often the scheduler looks for due posts and reminders (due times live in the database).
    # Each post and reminder also wakes the scheduler at its own instant (bot/due_job.py): the
    # tick is the safety net, not the precision.
    scheduler_tick_seconds: float = Field(default=30.0, gt=0, le=300)

    # Optional OpenAI-compatible LLM backend for /ask.
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_model: str | None = None
    llm_connect_timeout: float = Field(default=5.0, gt=0)
    llm_read_timeout: float = Field(default=60.0, gt=0)

    # /ask limits. Budgets count model calls only (cache hits and note answers are free) and
    # renew at midnight UTC; a spent budget means an answer from the notes, saying so.
    ask_cooldown_seconds: float = Field(default=30.0, ge=0, le=3600)
    ask_member_daily_requests: int = Field(default=20, ge=0)
    ask_group_daily_requests: int = Field(default=200, ge=0)
    ask_member_daily_tokens: int = Field(default=30_000, ge=0)
    ask_group_daily_tokens: int = Field(default=300_000, ge=0)
    ask_cache_ttl_seconds: int = Field(default=86_400, ge=0)  # 0 turns the cache off
    ask_max_question_chars: int = Field(default=500, ge=20, le=4000)
    # Days each /ask question is kept with its answer's record and votes: at least the admins'
    # 30-day feedback window.
    ask_keep_days: int = Field(default=90, ge=30, le=3650)

    # Optional checks through GitHub's public REST API: submitted repositories and pull requests
    # exist and are public, and /profile verify. Off unless GITHUB_VERIFY=true.
    github_verify: bool = False
    github_api_url: str = "https://api.github.com"
    github_token: SecretStr | None = None
    github_timeout: float = Field(default=10.0, gt=0, le=60)
    # How often submissions GitHub could not be asked about (rate limit, outage) are re-checked.
    github_recheck_minutes: float = Field(default=30.0, gt=0, le=1440)

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @field_validator("discord_token", "llm_api_key", "github_token", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url and self.llm_base_url.strip() and self.llm_model and self.llm_model.strip())

    def token_is_usable(self) -> bool:
        if self.discord_token is None:
            return False
        return bool(_TOKEN_SHAPE.match(self.discord_token.get_secret_value().strip()))
