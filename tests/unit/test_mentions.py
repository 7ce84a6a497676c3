from __future__ import annotations

import pytest

from bot.standin.mentions import resolve_pings

ROLE = 55


@pytest.mark.parametrize(
    ("content", "allowed", "expected"),
    [
        ("hi <@1> and <@!2>", None, ({1, 2}, set(), False)),
        ("hi <@1>", {"parse": []}, (set(), set(), False)),
        ("@everyone look", None, (set(), set(), True)),
        ("@everyone look", {"parse": ["users"]}, (set(), set(), False)),
        ("<@&55> and <@&99>", None, (set(), {ROLE}, False)),  # 99 is no role of the guild
        ("<@&55>", {"parse": [], "roles": ["55"]}, (set(), {ROLE}, False)),
        ("<@1> <@2>", {"parse": [], "users": ["2"]}, ({2}, set(), False)),
        ("`@here` in code still pings", {"parse": ["everyone"]}, (set(), set(), True)),
    ],
)
def test_who_gets_notified(
    content: str, allowed: dict[str, object] | None, expected: tuple[set[int], set[int], bool]
) -> None:
    assert resolve_pings(content, allowed, known_roles={ROLE}, can_mention_everyone=True) == expected


def test_everyone_needs_the_permission() -> None:
    assert resolve_pings("@everyone", None, known_roles=set(), can_mention_everyone=False) == (
        set(),
        set(),
        False,
    )
