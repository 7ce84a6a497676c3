"""`backprop curriculum check|show`: exit codes and what they print."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.curriculum.models import CHALLENGE_KINDS
from tests.unit.curriculum.test_loader import minimal_files, write_curriculum


@pytest.fixture
def valid(tmp_path: Path) -> Path:
    return write_curriculum(tmp_path / "valid", minimal_files())


@pytest.fixture
def invalid(tmp_path: Path) -> Path:
    files = minimal_files()
    files["phases/01-math.yaml"]["challenges"][0]["answer"] = "33"
    return write_curriculum(tmp_path / "invalid", files)


def test_check_valid_prints_a_summary(valid: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["curriculum", "check", str(valid)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert f"{valid}: valid" in out
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("phase"))
    assert header.split() == ["phase", *CHALLENGE_KINDS, "total", "auto", "concepts"]
    assert " 1 math                    1       1       0       0       1       3   67%         2" in lines
    assert " 2 python                  0       0       2       1       0       3   67%         1" in lines
    assert "challenges: 6, auto-graded: 4 (67%)" in lines
    assert "concept notes: 3" in lines
    assert "  full: 6 days, 2 phases (Full track)" in lines
    assert "  fast: 4 days, 2 phases, skips python-core (Fast track)" in lines


def test_check_invalid_prints_problems_on_stderr(invalid: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["curriculum", "check", str(invalid)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    problem = "phases/01-math.yaml: challenges[0] (math-dot): answer: must be one of the options"
    assert err.splitlines() == [problem + ", exactly as written", "1 problem found."]


def test_check_defaults_to_curriculum_path(
    valid: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CURRICULUM_PATH", str(valid))
    assert main(["curriculum", "check"]) == 0
    assert f"{valid}: valid" in capsys.readouterr().out


def test_show_renders_a_quiz_as_members_see_it(valid: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["curriculum", "show", "math-dot", "--path", str(valid)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "Day 1 · Math foundations · Linear algebra · quiz, easy · ~10 min  [math-dot]",
        "",
        "Question about dot?",
        "",
        # shown in the stable per-challenge order (bot.core.quiz), not the authored one
        "A) [4, 10, 18]",
        "B) 0",
        "C) 32",
        "",
        "Answer: one letter, A-C.",
        "hint: Think it through.",
        "resource: Khan Academy — Linear algebra <https://www.khanacademy.org/math/linear-algebra>",
    ]


def test_show_answer_adds_key_and_explanation(valid: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["curriculum", "show", "math-norm", "--path", str(valid), "--answer"]) == 0
    out = capsys.readouterr().out
    assert "Answer: a number." in out
    assert out.splitlines()[-2:] == ["answer: 5 (± 0.001)", "explanation: Because that is how it works."]


def test_show_a_task_on_a_track_that_skips_it(valid: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["curriculum", "show", "py-first-repo", "--path", str(valid), "--track", "fast"]) == 0
    out = capsys.readouterr().out
    # No "Day n": the fast track skips core Python.
    assert out.startswith("Python · Core Python · task, easy · ~10 min  [py-first-repo]")
    assert "When done: submit a link to a public GitHub repository, pull request or gist." in out
    assert "resource: The Python Tutorial\n" in out + "\n"


def test_show_unknown_id_suggests_close_ones(valid: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["curriculum", "show", "math-dto", "--path", str(valid)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("unknown challenge id 'math-dto'; did you mean math-dot")


def test_show_unknown_track(valid: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["curriculum", "show", "math-dot", "--path", str(valid), "--track", "slow"]) == 1
    assert "unknown track 'slow'; tracks: full, fast" in capsys.readouterr().err


def test_show_on_an_invalid_curriculum(invalid: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["curriculum", "show", "math-dot", "--path", str(invalid)]) == 1
    err = capsys.readouterr().err
    assert "answer: must be one of the options" in err
    assert "backprop curriculum check" in err
