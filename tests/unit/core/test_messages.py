"""Splitting answers at Discord's content limit, and text that can never ping anyone."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.core.messages import DISCORD_LIMIT, ZERO_WIDTH_SPACE, neutralise_mentions, plural, split_message
from bot.standin.mentions import resolve_pings

FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})(.*)$")


def fences_balanced(chunk: str) -> bool:
    """No code fence left open, by CommonMark's rule: a fence closes with a bare run of the same
    character at least as long as the opening one; anything else inside is code."""
    opening: str | None = None
    for line in chunk.split("\n"):
        match = FENCE.match(line)
        if match is None:
            continue
        if opening is None:
            opening = match[1]
        elif match[1][0] == opening[0] and len(match[1]) >= len(opening) and not match[2].strip():
            opening = None
    return opening is None


def words(text: str) -> list[str]:
    return [w for w in re.split(r"\s+", text.replace("```python", " ").replace("```", " ")) if w]


# ----- splitting ---------------------------------------------------------------------------------


def test_short_text_is_one_message() -> None:
    assert split_message("Backprop is the chain rule.") == ["Backprop is the chain rule."]
    assert split_message("  \n ") == []
    assert split_message("x" * DISCORD_LIMIT) == ["x" * DISCORD_LIMIT]


def test_splits_between_paragraphs_when_it_can() -> None:
    first = "A" * 1200
    second = "B" * 1200
    assert split_message(f"{first}\n\n{second}") == [first, second]


def test_splits_between_words_never_inside_one() -> None:
    text = " ".join(f"word{i:04d}" for i in range(600))  # ~5,400 characters, no newlines
    chunks = split_message(text)
    assert len(chunks) == 3
    assert all(len(chunk) <= DISCORD_LIMIT for chunk in chunks)
    assert all(re.fullmatch(r"word\d{4}( word\d{4})*", chunk) for chunk in chunks)
    assert " ".join(chunks) == text


def test_prefers_a_sentence_end_over_any_space() -> None:
    sentence = "Gradient descent takes small steps downhill. "
    text = sentence * 60
    chunks = split_message(text)
    assert all(chunk.endswith("downhill.") for chunk in chunks)


def test_a_word_longer_than_a_message_is_cut_as_a_last_resort() -> None:
    text = "start " + "x" * 4500 + " end"
    chunks = split_message(text)
    assert all(len(chunk) <= DISCORD_LIMIT for chunk in chunks)
    assert "".join(chunks).replace(" ", "") == text.replace(" ", "")


def test_a_cut_inside_a_code_fence_closes_and_reopens_it() -> None:
    code = "\n".join(f"    total += weights[{i}] * inputs[{i}]" for i in range(120))
    text = f"Here is the loop:\n\n```python\ndef forward(weights, inputs):\n{code}\n```\n\nThat is all."
    chunks = split_message(text)
    assert len(chunks) >= 2
    assert all(len(chunk) <= DISCORD_LIMIT for chunk in chunks)
    assert all(fences_balanced(chunk) for chunk in chunks)
    assert chunks[0].endswith("\n```")
    assert chunks[1].startswith("```python\n    total += ")
    # Every line of code survives, whole, in order.
    lines = [line for chunk in chunks for line in chunk.split("\n") if "total +=" in line]
    assert lines == code.split("\n")


def test_the_fence_reopens_with_its_language_across_several_messages() -> None:
    code = "\n".join(f"x_{i} = {i} ** 2" for i in range(700))
    chunks = split_message(f"```py\n{code}\n```")
    assert len(chunks) >= 4
    assert all(chunk.startswith("```py\n") and chunk.endswith("```") for chunk in chunks)


def test_a_fence_closed_before_the_cut_is_not_reopened() -> None:
    text = "```\nprint('hi')\n```\n\n" + "After the code. " * 200
    chunks = split_message(text)
    assert chunks[0].startswith("```\nprint('hi')\n```")
    assert all(fences_balanced(chunk) for chunk in chunks)
    assert not chunks[1].startswith("```")


def test_limit_must_leave_room() -> None:
    with pytest.raises(ValueError, match="too small"):
        split_message("text", limit=10)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet="abcdefghij .,!", min_size=1, max_size=400),
            st.just("\n\n"),
            st.just("\n"),
            st.just("\n```python\n"),
            st.just("\n```\n"),
            st.text(alphabet="xyz", min_size=300, max_size=900),
        ),
        max_size=30,
    ),
    st.sampled_from([64, 200, DISCORD_LIMIT]),
)
@example(["```\n", "a" * 3000, "\n```"], DISCORD_LIMIT)
def test_any_text_splits_within_the_limit_keeping_every_word(parts: list[str], limit: int) -> None:
    text = "".join(parts)
    chunks = split_message(text, limit=limit)
    assert all(0 < len(chunk) <= limit for chunk in chunks)
    assert all(fences_balanced(chunk) for chunk in chunks)
    # Nothing lost or reordered: the non-blank characters come out as they went in, fences aside.
    squashed = re.sub(r"\s|`{3,}(python)?", "", text)
    assert re.sub(r"\s|`{3,}(python)?", "", "".join(chunks)) == squashed


# ----- mentions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "@everyone look at this",
        "ping @here now",
        "Hey @EVERYONE",
        "<@123456789012345678> was here",
        "<@!123456789012345678> nick mention",
        "the <@&987654321098765432> role",
        "mixed: @everyone <@&5> <@6> @here",
    ],
)
def test_neutralised_text_pings_nobody_even_with_every_mention_allowed(text: str) -> None:
    safe = neutralise_mentions(text)
    assert ZERO_WIDTH_SPACE in safe
    allow_all = {"parse": ["users", "roles", "everyone"]}
    assert resolve_pings(safe, allow_all, known_roles={5, 987654321098765432}, can_mention_everyone=True) == (
        set(),
        set(),
        False,
    )
    assert safe.replace(ZERO_WIDTH_SPACE, "") == text  # reads the same


def test_neutralising_is_idempotent_and_leaves_other_text_alone() -> None:
    text = "email me at a@b.c, <#123> is a channel, `@decorator` stays"
    assert neutralise_mentions(text) == text
    once = neutralise_mentions("@everyone <@1>")
    assert neutralise_mentions(once) == once


def test_plural_counts_in_words() -> None:
    assert [plural(n, "day") for n in (0, 1, 2)] == ["0 days", "1 day", "2 days"]
    assert plural(1200, "model token") == "1,200 model tokens"
