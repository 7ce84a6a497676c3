"""`backprop run` without a usable token: one clear line, exit status 2, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "LLM_", "DATABASE_"))}
    clean.update(env)
    clean["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=clean, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize("args", [["-m", "bot"], ["-m", "bot", "run"]])
def test_missing_token_is_one_line_and_exit_2(tmp_path: Path, args: list[str]) -> None:
    result = _run(args, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "DISCORD_TOKEN" in lines[0] and "discord.com/developers/applications" in lines[0]
    assert "Traceback" not in result.stderr


def test_malformed_token_is_refused_before_connecting(tmp_path: Path) -> None:
    result = _run(["-m", "bot", "run"], tmp_path, DISCORD_TOKEN="my-client-secret")
    assert result.returncode == 2
    assert "malformed" in result.stderr and "my-client-secret" not in result.stderr


def test_bad_setting_names_the_setting(tmp_path: Path) -> None:
    result = _run(["-m", "bot", "run"], tmp_path, LOG_LEVEL="loud")
    assert result.returncode == 2
    assert "LOG_LEVEL" in result.stderr and "Traceback" not in result.stderr


def test_token_is_read_from_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DISCORD_TOKEN=\nLOG_LEVEL=WARNING\n")
    result = _run(["-m", "bot", "run"], tmp_path)
    assert result.returncode == 2 and "DISCORD_TOKEN" in result.stderr
