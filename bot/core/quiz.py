"""The order quiz options are shown in.

Authors tend to put the right answer first; showing options in file order would let a member
who always picks A pass. The order is a pure function of the challenge id, so the post, the
ephemeral copy, the grader and every restart agree on what "B" means.
"""

from __future__ import annotations

import hashlib
import random


def display_order(challenge_id: str, count: int) -> tuple[int, ...]:
    """Positions into the authored options, in the order members see them."""
    seed = int.from_bytes(hashlib.sha256(challenge_id.encode()).digest()[:8], "big")
    order = list(range(count))
    random.Random(seed).shuffle(order)
    return tuple(order)
