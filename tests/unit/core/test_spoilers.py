"""The no-spoiler check of /ask: what gives today's answer away, and what does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.spoilers import AnswerKey, numbers_in, reveals
from bot.curriculum import load_curriculum
from bot.curriculum.models import NumericChallenge, QuizChallenge, ShortChallenge

CURRICULUM_DIR = Path(__file__).resolve().parents[3] / "curriculum"

QUARTER = AnswerKey.numeric(0.25, 0.001)


@pytest.mark.parametrize(
    "text",
    [
        "The answer is 0.25.",
        "It comes out at .25 exactly",
        "so p = 0.250",
        "About 25% of the time",
        "roughly 25 percent of them",
        "one in four, i.e. 1/4",
        "1 / 4 of the area",
        "2.5e-1 in scientific notation",
        "2.5 × 10^-1",
        "**0.25**",
        "`0.25`",
    ],
)
def test_a_numeric_answer_is_caught_in_every_common_form(text: str) -> None:
    assert reveals(text, QUARTER) == "number"


@pytest.mark.parametrize(
    "text",
    [
        "The probability is somewhere between 0 and 1.",
        "Try 0.3 or 0.2 first.",
        "version 1.0.25 of numpy",
        "0.255 is too precise",
        "a 2.5 kg weight",
        "use 4 layers",
    ],
)
def test_other_numbers_are_fine(text: str) -> None:
    assert reveals(text, QUARTER) is None


def test_tolerance_widens_what_counts() -> None:
    key = AnswerKey.numeric(3.14159, 0.01)
    assert reveals("pi is about 3.14", key) == "number"
    assert reveals("pi is about 3.2", key) is None


def test_thousands_separators_and_negatives() -> None:
    assert reveals("it holds 1,000 rows", AnswerKey.numeric(1000, 0.5)) == "number"
    assert reveals("the gradient is -3.5 here", AnswerKey.numeric(-3.5, 0.01)) == "number"
    assert reveals("the gradient is 3.5 here", AnswerKey.numeric(-3.5, 0.01)) is None


@pytest.mark.parametrize(
    ("text", "given_away"),
    [
        ("A network with 2 layers", False),
        ("there are 2 ways to see it", False),
        ("so the result is 2", True),
        ("x = 2", True),
        ("you get **2**", True),
        ("The answer is 2.", True),
    ],
)
def test_small_integers_count_only_when_stated_as_the_result(text: str, given_away: bool) -> None:
    assert (reveals(text, AnswerKey.numeric(2, 0.01)) == "number") is given_away


def test_a_half_is_too_common_to_count_without_a_cue() -> None:
    key = AnswerKey.numeric(0.5, 0.001)
    assert reveals("a dropout rate of 0.5 is common", key) is None
    assert reveals("so the probability is 0.5", key) == "number"
    assert reveals("so the probability equals 50%", key) == "number"


QUIZ = AnswerKey.quiz("Mean squared error", "B")


@pytest.mark.parametrize(
    "text",
    [
        "Use mean squared error for regression.",
        "MEAN-SQUARED ERROR penalises big misses",
        "The answer is B.",
        "the answer is (B)",
        "Option **B** is the one",
        "Answer: b.",
        "B is correct because",
        "I'd pick option b",
    ],
)
def test_a_quiz_is_given_away_by_its_option_text_or_its_letter_as_the_answer(text: str) -> None:
    assert reveals(text, QUIZ) is not None


@pytest.mark.parametrize(
    "text",
    [
        "Mean absolute error is more robust to outliers.",
        "Plan B: check the residuals.",
        "B) is one of the choices you see",
        "In part b we look at the bias.",
        "the squared error of the mean",
    ],
)
def test_a_quiz_letter_or_other_option_alone_gives_nothing_away(text: str) -> None:
    assert reveals(text, QUIZ) is None


def test_a_lowercase_a_is_an_article_unless_it_stands_alone_as_the_answer() -> None:
    key = AnswerKey.quiz("Gradient clipping", "A")
    assert reveals("The answer is a technique that rescales gradients.", key) is None
    assert reveals("The answer is a.", key) == "letter"
    assert reveals("The answer is A", key) == "letter"


@pytest.mark.parametrize(
    ("option", "text", "given_away"),
    [
        ("True", "It is true that ReLU is cheap to compute.", False),
        ("True", "The answer is True.", True),
        ("L1", "L1 regularisation pushes weights to zero.", False),
        ("L1", "The correct option is L1", True),
        ("None of the above", "none of the above options mention it", False),
        ("None of the above", "None of the above is correct here", True),
    ],
)
def test_short_or_generic_options_count_only_when_stated_as_the_answer(
    option: str, text: str, given_away: bool
) -> None:
    assert (reveals(text, AnswerKey.quiz(option, "C")) is not None) is given_away


def test_a_numeric_quiz_option_is_matched_as_a_number() -> None:
    key = AnswerKey.quiz("0.25", "D")
    assert reveals("it is 25%", key) == "number"
    assert reveals("it is 0.3", key) is None


def test_code_options_match_despite_punctuation() -> None:
    key = AnswerKey.quiz("df.loc[0, 'price']", "C")
    assert reveals("Use `df.loc[0, 'price']` to read it.", key) == "phrase"
    assert reveals("Use df.iloc[0] to read it.", key) is None


def test_short_answers_count_as_whole_words() -> None:
    key = AnswerKey.short(("softmax", "soft max"))
    assert reveals("That is the SoftMax function.", key) == "phrase"
    assert reveals("a soft-max layer", key) == "phrase"
    assert reveals("softmaxing is not a word", key) is None


def test_an_empty_key_gives_nothing_away() -> None:
    assert AnswerKey().empty
    assert reveals("anything at all, 0.25, B, the answer is B", AnswerKey()) is None


def test_numbers_in_reads_common_forms() -> None:
    values = [value for value, _ in numbers_in("3 apples, 1,000 rows, [2, -1], 25%, ResNet50, L2, 1e-3")]
    assert values == [3, 1000, 2, -1, 25, 0.25, 0.001]


def test_every_graded_challenge_in_the_curriculum_is_caught_stating_its_own_answer() -> None:
    curriculum = load_curriculum(CURRICULUM_DIR)
    checked = 0
    for challenge in curriculum.challenges:
        if isinstance(challenge, QuizChallenge):
            key = AnswerKey.quiz(challenge.answer, challenge.correct_letter)
            statements = [f"The answer is {challenge.correct_letter}.", f"The answer is {challenge.answer}"]
        elif isinstance(challenge, NumericChallenge):
            key = AnswerKey.numeric(challenge.answer, challenge.tolerance)
            statements = [f"The answer is {challenge.answer:.12g}.", f"So the result is {challenge.answer}"]
            if challenge.answer.is_integer():
                statements.append(f"It equals {int(challenge.answer):,} in total")
        elif isinstance(challenge, ShortChallenge):
            key = AnswerKey.short(challenge.answers)
            statements = [f"The answer is {answer}." for answer in challenge.answers]
        else:
            continue
        for statement in statements:
            assert reveals(statement, key) is not None, (challenge.id, statement)
        checked += 1
    assert checked > 100
