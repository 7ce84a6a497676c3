"""Arbitrary text into every parser of user input: a friendly refusal at worst, never a crash."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.errors import UserFacingError
from bot.core.grading import grade_numeric, grade_quiz, grade_short
from bot.core.links import parse_submission_link
from bot.core.schedule import parse_post_time, suggest_timezones, validate_timezone
from cogs.daily import parse_start_date

TEXT = st.text(max_size=300)


@settings(max_examples=300)
@given(TEXT)
def test_answers(text: str) -> None:
    grade_quiz(text, ["alpha", "beta", "gamma", "delta"], 2)
    grade_numeric(text, 0.25, 0.001)
    grade_short(text, ["overfitting", "over fitting"])


@settings(max_examples=300)
@given(TEXT)
def test_links(text: str) -> None:
    try:
        link = parse_submission_link(text)
    except UserFacingError as error:
        assert error.user_message
    else:
        assert link.url.startswith("https://")


@settings(max_examples=300)
@given(TEXT)
def test_times_zones_and_dates(text: str) -> None:
    for parse in (parse_post_time, validate_timezone, lambda t: parse_start_date(t, date(2027, 1, 4))):
        try:
            parse(text)
        except UserFacingError as error:
            assert error.user_message
    assert len(suggest_timezones(text)) <= 25
