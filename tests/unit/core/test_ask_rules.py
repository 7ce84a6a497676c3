"""/ask arithmetic: the cache key, the UTC day and what a call may spend."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from bot.core.ask_rules import (
    ANSWER_TOKENS,
    MIN_ANSWER_TOKENS,
    BudgetCheck,
    Exhausted,
    Usage,
    cache_key,
    check_budget,
    next_reset,
    utc_day,
)

# ----- cache key -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "What is the bias-variance trade-off?",
        "what is the bias variance trade off",
        "  WHAT   IS THE BIAS–VARIANCE TRADE-OFF??  ",
        "Hey, what is the bias variance trade-off? Thanks!",
        "what is a bias variance trade off please",
        "what is the bías-variance trade-off",
    ],
)
def test_the_same_question_however_typed_has_one_key(question: str) -> None:
    assert cache_key(question) == "what is bias variance trade off"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("what is overfitting", "why is overfitting bad"),
        ("L1 vs L2", "L2 vs L3"),
        ("what is a p-value", "what is a q-value"),
        ("bagging vs boosting", "boosting vs bagging"),  # word order can change the framing
    ],
)
def test_different_questions_have_different_keys(one: str, other: str) -> None:
    assert cache_key(one) != cache_key(other)


def test_a_question_of_punctuation_or_politeness_only_has_an_empty_key() -> None:
    assert cache_key("?!...") == ""
    assert cache_key("hi, please, thanks") == ""


# ----- the day -------------------------------------------------------------------------------------


def test_budgets_count_in_utc_days_whatever_the_zone() -> None:
    late_in_tokyo = datetime(2027, 1, 5, 8, 30, tzinfo=timezone(timedelta(hours=9)))  # 23:30 UTC on the 4th
    assert utc_day(late_in_tokyo) == date(2027, 1, 4)
    assert next_reset(late_in_tokyo) == datetime(2027, 1, 5, tzinfo=UTC)
    assert next_reset(datetime(2027, 1, 4, tzinfo=UTC)) == datetime(2027, 1, 5, tzinfo=UTC)
    with pytest.raises(ValueError, match="naive"):
        utc_day(datetime(2027, 1, 4))


# ----- budgets -------------------------------------------------------------------------------------

MEMBER = Usage(requests=20, tokens=30_000)
GROUP = Usage(requests=200, tokens=300_000)


NOTHING = Usage()


def check(member_used: Usage = NOTHING, group_used: Usage = NOTHING, prompt: int = 500) -> BudgetCheck:
    return check_budget(
        member_used=member_used,
        group_used=group_used,
        member_allowance=MEMBER,
        group_allowance=GROUP,
        prompt_tokens=prompt,
    )


def test_a_fresh_day_allows_a_full_answer() -> None:
    result = check()
    assert result.allowed and result.max_tokens == ANSWER_TOKENS and result.exhausted is None


def test_left_never_goes_below_zero() -> None:
    assert MEMBER.left(Usage(3, 1_000)) == Usage(17, 29_000)
    assert MEMBER.left(Usage(25, 40_000)) == Usage(0, 0)


def test_the_last_request_is_allowed_and_the_next_is_not() -> None:
    assert check(member_used=Usage(19, 0)).allowed
    assert check(member_used=Usage(20, 0)).exhausted is Exhausted.MEMBER_REQUESTS
    assert check(group_used=Usage(199, 0)).allowed
    assert check(group_used=Usage(200, 0)).exhausted is Exhausted.GROUP_REQUESTS


def test_a_member_limit_is_reported_before_the_groups() -> None:
    result = check(member_used=Usage(20, 30_000), group_used=Usage(200, 300_000))
    assert result.exhausted is Exhausted.MEMBER_REQUESTS and not result.exhausted.whole_group
    assert Exhausted.GROUP_TOKENS.whole_group


def test_the_answer_is_capped_at_the_tokens_left_after_the_prompt() -> None:
    # 30,000 - 29,000 used - 500 prompt = 500 left for the answer.
    result = check(member_used=Usage(5, 29_000))
    assert result.allowed and result.max_tokens == 500


def test_the_group_cap_applies_when_it_is_tighter() -> None:
    result = check(member_used=Usage(1, 100), group_used=Usage(50, 299_200), prompt=400)
    assert result.allowed and result.max_tokens == 400


def test_too_little_room_for_a_useful_answer_counts_as_spent() -> None:
    room_left = MIN_ANSWER_TOKENS - 1
    result = check(member_used=Usage(5, 30_000 - 500 - room_left))
    assert not result.allowed and result.exhausted is Exhausted.MEMBER_TOKENS and result.max_tokens == 0
    result = check(group_used=Usage(5, 300_000 - 500 - room_left))
    assert result.exhausted is Exhausted.GROUP_TOKENS
    assert check(member_used=Usage(5, 30_000 - 500 - MIN_ANSWER_TOKENS)).max_tokens == MIN_ANSWER_TOKENS


def test_a_prompt_larger_than_what_is_left_is_refused() -> None:
    assert check(member_used=Usage(0, 29_000), prompt=2_000).exhausted is Exhausted.MEMBER_TOKENS


def test_an_allowance_of_zero_turns_the_model_off() -> None:
    result = check_budget(
        member_used=Usage(),
        group_used=Usage(),
        member_allowance=Usage(0, 0),
        group_allowance=GROUP,
        prompt_tokens=10,
    )
    assert result.exhausted is Exhausted.MEMBER_REQUESTS
