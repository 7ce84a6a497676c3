from __future__ import annotations

from discord import app_commands

from bot.core.errors import UserFacingError
from bot.tree import describe_error


def test_user_facing_errors_pass_their_text_through() -> None:
    assert describe_error(UserFacingError("Pick a time like 18:30.")) == "Pick a time like 18:30."


def test_missing_permissions_names_them_for_humans() -> None:
    text = describe_error(app_commands.MissingPermissions(["manage_guild"]))
    assert text == "You need the **Manage Server** permission to do that."


def test_bugs_are_not_described() -> None:
    assert describe_error(RuntimeError("boom")) is None
    assert describe_error(KeyError("x")) is None
