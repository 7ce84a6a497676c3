"""`backprop curriculum check|show`: validate the curriculum and preview a challenge as members see it."""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import time
from pathlib import Path

from bot.curriculum.loader import Curriculum, CurriculumError, load_curriculum
from bot.curriculum.models import CHALLENGE_KINDS
from bot.curriculum.render import render_challenge

__all__ = ["default_curriculum_path", "register"]


def default_curriculum_path() -> Path:
    """The curriculum folder: `CURRICULUM_PATH` if set, else the one shipped beside the `bot` package."""
    configured = os.environ.get("CURRICULUM_PATH")
    return Path(configured) if configured else Path(__file__).resolve().parents[2] / "curriculum"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `curriculum check [PATH]` and `curriculum show ID` to the `backprop` command line."""
    curriculum = subparsers.add_parser("curriculum", help="check the curriculum files or preview a challenge")
    commands = curriculum.add_subparsers(dest="curriculum_command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="validate every file and print a summary")
    check.add_argument(
        "path", nargs="?", type=Path, help="curriculum folder (default: $CURRICULUM_PATH or the shipped one)"
    )
    check.set_defaults(handler=_check)

    show = commands.add_parser("show", help="print a challenge as a member would see it")
    show.add_argument("challenge_id", metavar="ID", help="challenge id, e.g. math-dot-product-basic")
    show.add_argument("--path", type=Path, help="curriculum folder (default: as for check)")
    show.add_argument("--track", help="number the day on this track (default: the first track)")
    show.add_argument("--answer", action="store_true", help="also print the answer and the explanation")
    show.set_defaults(handler=_show)


def _load(path: Path | None) -> tuple[Curriculum | None, float]:
    """The curriculum and the seconds it took to load, or None after printing its problems."""
    start = time.perf_counter()
    try:
        curriculum = load_curriculum(path or default_curriculum_path())
    except CurriculumError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        count = len(error.problems)
        print(f"{count} problem{'s' if count != 1 else ''} found.", file=sys.stderr)
        return None, 0.0
    return curriculum, time.perf_counter() - start


def _percent(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "-"


def summary(curriculum: Curriculum) -> list[str]:
    """The `check` report: challenges per phase and kind, auto-graded share, concepts, tracks."""
    header = f"{'phase':<20}" + "".join(f"{kind:>8}" for kind in CHALLENGE_KINDS)
    lines = [header + f"{'total':>8}{'auto':>6}{'concepts':>10}"]
    for phase in curriculum.phases:
        challenges = curriculum.challenges_in(phase.id)
        counts = "".join(f"{sum(c.kind == kind for c in challenges):>8}" for kind in CHALLENGE_KINDS)
        auto = _percent(sum(c.auto_graded for c in challenges), len(challenges))
        concepts = len(curriculum.concepts_in(phase.id))
        lines.append(f"{phase.order:>2} {phase.id:<17}{counts}{len(challenges):>8}{auto:>6}{concepts:>10}")
    everything = curriculum.challenges
    counts = "".join(f"{sum(c.kind == kind for c in everything):>8}" for kind in CHALLENGE_KINDS)
    auto_count = sum(c.auto_graded for c in everything)
    lines.append(
        f"{'   all':<20}{counts}{len(everything):>8}{_percent(auto_count, len(everything)):>6}"
        f"{len(curriculum.concepts):>10}"
    )
    lines += [
        "",
        f"challenges: {len(everything)}, auto-graded: {auto_count} ({_percent(auto_count, len(everything))})",
        f"concept notes: {len(curriculum.concepts)}",
        "tracks:",
    ]
    for track in curriculum.tracks:
        spans = curriculum.phase_boundaries(track.id)
        skips = f", skips {', '.join(track.skip_topics)}" if track.skip_topics else ""
        days = len(curriculum.track_days(track.id))
        lines.append(f"  {track.id}: {days} days, {len(spans)} phases{skips} ({track.title})")
    return lines


def _check(args: argparse.Namespace) -> int:
    path: Path = args.path or default_curriculum_path()
    curriculum, seconds = _load(path)
    if curriculum is None:
        return 1
    print(f"{path}: valid (loaded in {seconds * 1000:.0f} ms)", end="\n\n")
    print("\n".join(summary(curriculum)))
    return 0


def _show(args: argparse.Namespace) -> int:
    curriculum, _ = _load(args.path)
    if curriculum is None:
        print("Fix these first (see `backprop curriculum check`).", file=sys.stderr)
        return 1
    challenge = curriculum.challenge(args.challenge_id)
    if challenge is None:
        ids = [c.id for c in curriculum.challenges]
        close = difflib.get_close_matches(args.challenge_id, ids, n=3, cutoff=0.6)
        suggestion = f"; did you mean {', '.join(close)}?" if close else ""
        print(f"unknown challenge id {args.challenge_id!r}{suggestion}", file=sys.stderr)
        return 1
    track_id: str = args.track or curriculum.tracks[0].id
    if curriculum.track(track_id) is None:
        known = ", ".join(track.id for track in curriculum.tracks)
        print(f"unknown track {track_id!r}; tracks: {known}", file=sys.stderr)
        return 1
    day_index = curriculum.day_of(track_id, challenge.id)
    print(render_challenge(curriculum, challenge, day_index=day_index, show_answer=args.answer))
    return 0
