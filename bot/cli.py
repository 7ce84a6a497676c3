"""The `backprop` command line: `run`, `sync`, and the curriculum tools."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="backprop", description="Backprop, the ML study-group bot.")
    subparsers = parser.add_subparsers(dest="command", required=True)

    run = subparsers.add_parser("run", help="run the bot")
    run.set_defaults(handler=_run)
    sync = subparsers.add_parser("sync", help="push the slash commands to Discord now, then exit")
    sync.set_defaults(handler=_sync)
    sandbox = subparsers.add_parser("sandbox", help="try Backprop locally without Discord")
    sandbox.add_argument("--script", type=Path, help="run these lines instead of reading the terminal")
    sandbox.add_argument("--out", type=Path, default=Path("sandbox-out"), help="where attachments are saved")
    sandbox.set_defaults(handler=_sandbox)

    # Curriculum tools (check, show) register themselves here.
    # (import inside the function keeps `backprop run` start-up independent of optional tools)
    from bot.curriculum.cli import register as register_curriculum_tools

    register_curriculum_tools(subparsers)
    return parser


def _run(args: argparse.Namespace) -> int:
    from bot.app import run_bot

    return run_bot(force_sync=False)


def _sandbox(args: argparse.Namespace) -> int:
    from bot.sandbox import run_sandbox

    return run_sandbox(args.script, args.out)


def _sync(args: argparse.Namespace) -> int:
    from bot.app import run_bot

    return run_bot(force_sync=True, exit_after_sync=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = args.handler
    result: int = handler(args)
    return result


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
