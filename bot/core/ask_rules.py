"""The arithmetic of /ask: cache keys, the UTC day budgets are counted in, and what a call may spend.

Budgets are counted per UTC day, for every server alike: a member's allowance does not depend on
a group's time zone, and a server without a study group has limits too. A call to the model costs
one request and its tokens (prompt plus answer). Before a call we know the prompt's size (estimated)
but not the answer's, so the answer is capped at what is left: no call can overspend a budget by
more than the error of the prompt estimate.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Final

from bot.core.clock import as_utc

# Longest answer we ask the model for: about 500 words, three Discord messages at most.
ANSWER_TOKENS: Final = 700
# Below this, an answer would be cut off mid-thought: better say the budget is spent.
MIN_ANSWER_TOKENS: Final = 150

_WORD = re.compile(r"[^\W_]+")
_COMBINING_MARKS = re.compile(r"[\u0300-\u036f]")
# Words that change nothing about what is asked.
_POLITE: Final = frozenset({"hi", "hey", "hello", "please", "pls", "plz", "thanks", "thx", "ty", "a", "an", "the"})


def cache_key(question: str) -> str:
    """The same question however it is typed: case, accents, punctuation, spacing and politeness
    ("Hey, what is THE bias–variance trade-off?? thanks") do not matter; every other word does."""
    folded = _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", question.casefold()))
    return " ".join(word for word in _WORD.findall(folded) if word not in _POLITE)


def utc_day(now: datetime) -> date:
    """The day budgets are counted in."""
    return as_utc(now).date()


def next_reset(now: datetime) -> datetime:
    """When today's budgets renew: the next midnight UTC."""
    return datetime.combine(utc_day(now) + timedelta(days=1), time(0), tzinfo=UTC)


@dataclass(frozen=True)
class Usage:
    """What was spent (or what is allowed) in one day: model requests and tokens."""

    requests: int = 0
    tokens: int = 0

    def left(self, used: Usage) -> Usage:
        """What remains of this allowance after `used`; never below zero."""
        return Usage(max(0, self.requests - used.requests), max(0, self.tokens - used.tokens))


class Exhausted(StrEnum):
    MEMBER_REQUESTS = "member-requests"
    GROUP_REQUESTS = "group-requests"
    MEMBER_TOKENS = "member-tokens"
    GROUP_TOKENS = "group-tokens"

    @property
    def whole_group(self) -> bool:
        return self in (Exhausted.GROUP_REQUESTS, Exhausted.GROUP_TOKENS)


@dataclass(frozen=True)
class BudgetCheck:
    """May this call go to the model, and with how many answer tokens at most."""

    max_tokens: int
    exhausted: Exhausted | None = None

    @property
    def allowed(self) -> bool:
        return self.exhausted is None


def check_budget(
    *,
    member_used: Usage,
    group_used: Usage,
    member_allowance: Usage,
    group_allowance: Usage,
    prompt_tokens: int,
    answer_tokens: int = ANSWER_TOKENS,
    min_answer_tokens: int = MIN_ANSWER_TOKENS,
) -> BudgetCheck:
    """Whether a call fits in both budgets; a member's limits are reported before the group's."""
    member_left = member_allowance.left(member_used)
    group_left = group_allowance.left(group_used)
    if member_left.requests < 1:
        return BudgetCheck(0, Exhausted.MEMBER_REQUESTS)
    if group_left.requests < 1:
        return BudgetCheck(0, Exhausted.GROUP_REQUESTS)
    member_room = member_left.tokens - prompt_tokens
    group_room = group_left.tokens - prompt_tokens
    max_tokens = min(answer_tokens, member_room, group_room)
    if max_tokens < min(min_answer_tokens, answer_tokens):
        which = Exhausted.MEMBER_TOKENS if member_room <= group_room else Exhausted.GROUP_TOKENS
        return BudgetCheck(0, which)
    return BudgetCheck(max_tokens)
