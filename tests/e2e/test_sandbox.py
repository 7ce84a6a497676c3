"""The sandbox as a newcomer runs it: the real CLI, a script, a week of a member's life."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _sandbox(script: Path, out: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "LLM_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", "sandbox", "--script", str(script), "--out", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_the_week_script_walks_a_member_through_seven_days(tmp_path: Path) -> None:
    result = _sandbox(REPO / "examples" / "sandbox-week.txt", tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("Backprop sandbox:")
    assert "streak 7, longest 7" in result.stdout
    saved = sorted(tmp_path.glob("*-streak.png"))
    assert len(saved) == 2 and saved[0].read_bytes().startswith(b"\x89PNG")


def test_a_failing_line_stops_the_script_with_a_clear_error(tmp_path: Path) -> None:
    script = tmp_path / "bad.txt"
    script.write_text("/challenge today\nexpect this text is nowhere\n/help\n")
    result = _sandbox(script, tmp_path)
    assert result.returncode == 1
    assert "line 2: expected 'this text is nowhere'" in result.stderr
    assert "/help" not in result.stdout.split("expect this text")[-1]


def test_unknown_commands_are_reported(tmp_path: Path) -> None:
    script = tmp_path / "bad.txt"
    script.write_text("/nope\n")
    result = _sandbox(script, tmp_path)
    assert result.returncode == 1 and "There is no /nope" in result.stderr


def test_a_button_is_clicked_by_its_label_in_any_case(tmp_path: Path) -> None:
    script = tmp_path / "click.txt"
    script.write_text("click hint\nexpect 💡\nclick MARK DONE\nexpect Done\n")
    result = _sandbox(script, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
