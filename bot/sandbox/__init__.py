"""Try Backprop without Discord: `backprop sandbox [--script FILE]`."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

from bot.curriculum import CurriculumError, load_curriculum
from bot.curriculum.cli import default_curriculum_path
from bot.sandbox.session import Sandbox, SandboxError

__all__ = ["run_sandbox"]


def run_sandbox(script: Path | None, out_dir: Path) -> int:
    # The bot's own chatter would bury the conversation; warnings and errors still show.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("discord.client").setLevel(logging.ERROR)  # "voice will NOT be supported"
    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # the sandbox ticks fast; overlaps are harmless
    try:
        curriculum = load_curriculum(default_curriculum_path())
    except CurriculumError as error:
        print(f"backprop: the curriculum is invalid:\n{error}", file=sys.stderr)
        return 1
    if script is not None:
        try:
            lines = script.read_text(encoding="utf-8").splitlines()
        except OSError as error:
            print(f"backprop: can't read the script: {error}", file=sys.stderr)
            return 2
        return asyncio.run(_run_script(Sandbox(curriculum, sys.stdout, out_dir), lines))
    return asyncio.run(_interactive(Sandbox(curriculum, sys.stdout, out_dir)))


async def _run_script(sandbox: Sandbox, lines: list[str]) -> int:
    try:
        await sandbox.start()
        for number, line in enumerate(lines, start=1):
            if line.strip() and not line.lstrip().startswith("#"):
                sandbox.echo(f"\n> {line.strip()}")
            try:
                if not await sandbox.run_line(line):
                    break
            except SandboxError as error:
                print(f"sandbox: line {number}: {error}", file=sys.stderr)
                return 1
        return 0
    finally:
        await sandbox.stop()


async def _interactive(sandbox: Sandbox) -> int:
    loop = asyncio.get_running_loop()
    try:
        await sandbox.start()
        sandbox.say("Type `help` for what you can do, `quit` to leave.")
        while True:
            try:
                line = await loop.run_in_executor(None, input, f"{sandbox.current}> ")
            except EOFError:
                return 0
            try:
                if not await sandbox.run_line(line):
                    return 0
            except SandboxError as error:
                sandbox.say(f"⚠️ {error}")
    finally:
        await sandbox.stop()
