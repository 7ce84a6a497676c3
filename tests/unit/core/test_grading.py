import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.core.errors import UserFacingError
from bot.core.grading import (
    Grade,
    ParsedNumber,
    UnreadableAnswer,
    Verdict,
    grade_numeric,
    grade_quiz,
    grade_short,
    normalize_answer,
    parse_number,
)

C, W, U = Verdict.CORRECT, Verdict.INCORRECT, Verdict.UNREADABLE

# --- the shared normaliser -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("ReLU", "relu"),
        ("  Mean   Squared\tError ", "meansquarederror"),
        ("mean-squared error.", "meansquarederror"),
        ("`relu`", "relu"),
        ("```relu```", "relu"),
        ("“relu”", "relu"),
        ("'relu'", "relu"),
        ("ＲｅＬＵ", "relu"),  # full-width
        ("ﬁne-tuning", "finetuning"),  # ligature
        ("Straße", "strasse"),  # casefold, not lower
        ("re\u200blu", "relu"),  # zero-width space
        ("nai\u0308ve", "naïve"),  # decomposed → composed
        ("3.14", "3.14"),  # a decimal point between digits survives
        ("1,000", "1,000"),
        ("v2.0!", "v2.0"),
        ("C++", "c++"),  # symbols are not punctuation
        ("?!", ""),
        ("", ""),
    ],
)
def test_normalize_answer(text: str, key: str) -> None:
    assert normalize_answer(text) == key


# --- short answers -------------------------------------------------------------------------

MSE = ["mean squared error", "MSE"]


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("Mean Squared Error", C),
        ("mean-squared error", C),
        ("mean squared error.", C),
        ("meansquarederror", C),
        ("`MSE`", C),
        ("“mse”", C),
        ("  MSE  ", C),
        ("ＭＳＥ", C),
        ("MSE!", C),
        ("mae", W),
        ("mean error", W),
        ("mean squared error loss", W),
        ("", U),
        ("   ", U),
        ("?!", U),
        ("``", U),
        ("x" * 5000, U),
    ],
)
def test_grade_short(text: str, verdict: Verdict) -> None:
    assert grade_short(text, MSE).verdict is verdict


def test_grade_short_keeps_numbers_apart() -> None:
    assert grade_short("3.14", ["3.14"]).correct
    assert not grade_short("31.4", ["3.14"]).correct


def test_grade_short_reports_what_it_read() -> None:
    assert grade_short("  mean   squared error ", MSE).understood == "mean squared error"
    assert grade_short("", MSE).understood is None


@pytest.mark.parametrize("accepted", [[], [""], ["?!", "  "]])
def test_grade_short_rejects_a_blank_key(accepted: list[str]) -> None:
    with pytest.raises(ValueError):
        grade_short("anything", accepted)


# --- quizzes -------------------------------------------------------------------------------

OPTIMISERS = ["Gradient descent", "Adam", "RMSProp", "SGD with momentum"]  # B is correct


@pytest.mark.parametrize(
    ("text", "verdict", "understood"),
    [
        ("b", C, "B"),
        ("B", C, "B"),
        ("B)", C, "B"),
        ("b.", C, "B"),
        ("(b)", C, "B"),
        (" B ", C, "B"),
        ("Ｂ", C, "B"),
        ("`b`", C, "B"),
        ("2", C, "B"),
        ("2)", C, "B"),
        ("option b", C, "B"),
        ("Answer: B", C, "B"),
        ("adam", C, "B"),
        ("ADAM", C, "B"),
        (" Adam. ", C, "B"),
        ('"Adam"', C, "B"),
        ("a", W, "A"),
        ("A)", W, "A"),
        ("1", W, "A"),
        ("d", W, "D"),
        ("4", W, "D"),
        ("gradient descent", W, "A"),
        ("sgd-with-momentum", W, "D"),
        ("", U, None),
        ("   ", U, None),
        ("e", U, None),
        ("5", U, None),
        ("0", U, None),
        ("z", U, None),
        ("adamw", U, None),
        ("b c", U, None),
        ("bb", U, None),
        ("🙂", U, None),
        ("x" * 5000, U, None),
    ],
)
def test_grade_quiz(text: str, verdict: Verdict, understood: str | None) -> None:
    grade = grade_quiz(text, OPTIMISERS, 1)
    assert (grade.verdict, grade.understood) == (verdict, understood)


@pytest.mark.parametrize(
    ("text", "options", "hint"),
    [
        ("e", OPTIMISERS, "There are only 4 options. Pick A–D (or 1–4)"),
        ("5", OPTIMISERS, "There are only 4 options"),
        ("banana", OPTIMISERS, "Pick A–D (or 1–4), or type the option itself."),
        ("c", ["yes", "no"], "Pick A or B (or 1 or 2)"),
        ("f", ["a1", "b2", "c3", "d4", "e5"], "Pick A–E (or 1–5)"),
    ],
)
def test_grade_quiz_unreadable_messages(text: str, options: list[str], hint: str) -> None:
    grade = grade_quiz(text, options, 0)
    assert grade.verdict is U
    assert hint in grade.message


def test_grade_quiz_accepts_e_when_there_are_five_options() -> None:
    assert grade_quiz("E", ["a1", "b2", "c3", "d4", "e5"], 4).correct


def test_grade_quiz_asks_instead_of_guessing_when_a_number_is_also_an_option() -> None:
    options = ["0", "1", "2", "3"]  # "1" is option 1 by position but option B by text
    ambiguous = grade_quiz("1", options, 1)
    assert ambiguous.verdict is U
    assert "letter" in ambiguous.message
    assert grade_quiz("B", options, 1).correct
    assert grade_quiz("0", options, 1).verdict is W  # "0" can only be option A's text


def test_grade_quiz_number_and_text_that_agree_are_not_ambiguous() -> None:
    assert grade_quiz("2", ["1", "2", "3"], 1).correct


@pytest.mark.parametrize(
    ("options", "correct_index"),
    [
        (["only one"], 0),
        (["a", "b", "c", "d", "e", "f"], 0),
        (["a", "b"], 2),
        (["a", "b"], -1),
        (["Adam", "adam!"], 0),  # duplicates once normalised
        (["Adam", "?"], 0),  # blank once normalised
    ],
)
def test_grade_quiz_rejects_bad_content(options: list[str], correct_index: int) -> None:
    with pytest.raises(ValueError):
        grade_quiz("a", options, correct_index)


# --- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "answer", "verdict"),
    [
        ("0.5", 0.5, C),
        (".5", 0.5, C),
        ("0.50", 0.5, C),
        ("+0.5", 0.5, C),
        ("5e-1", 0.5, C),
        ("1/2", 0.5, C),
        ("2/4", 0.5, C),
        ("½", 0.5, C),
        ("50%", 0.5, C),
        ("50 %", 0.5, C),
        ("= 0.5", 0.5, C),
        ("≈0.5", 0.5, C),
        ("`0.5`", 0.5, C),
        ("０.５", 0.5, C),
        ("0.49", 0.5, W),
        ("5", 0.5, W),
        ("-0.5", 0.5, W),
        ("51%", 0.5, W),
        ("-2", -2, C),
        ("−2", -2, C),  # unicode minus
        ("- 2", -2, C),
        ("–2", -2, C),  # en dash, as phones type it
        ("-4/2", -2, C),
        ("2", -2, W),
        ("1,000", 1000, C),
        ("1 000", 1000, C),
        ("1,000,000", 1e6, C),
        ("1,000.0", 1000, C),
        ("1e3", 1000, C),
        ("1.000", 1000, W),
        ("1e-3", 0.001, C),
        ("1E-3", 0.001, C),
        ("0.1%", 0.001, C),
        ("0", 0, C),
        ("-0", 0, C),
        ("1/3", "1/3", C),
        ("0.333", "1/3", W),
        ("3/10", 0.3, C),
    ],
)
def test_grade_numeric(text: str, answer: float | str, verdict: Verdict) -> None:
    assert grade_numeric(text, answer).verdict is verdict


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("50%", C),
        ("0.5", C),  # judged by value
        ("1/2", C),
        ("50", C),  # asked for a percentage, a bare 50 means 50%
        ("5", W),
        ("0.05", W),
        ("500%", W),
    ],
)
def test_grade_numeric_against_a_percent_key(text: str, verdict: Verdict) -> None:
    assert grade_numeric(text, "50%").verdict is verdict


@pytest.mark.parametrize(
    ("text", "verdict"),
    [("3.14", C), ("3.15", C), ("22/7", C), ("3.13", W), ("3.152", W)],
)
def test_grade_numeric_tolerance_is_absolute(text: str, verdict: Verdict) -> None:
    assert grade_numeric(text, 3.14159, tolerance=0.01).verdict is verdict


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("", "Type a number"),
        ("abc", "Type a number"),
        ("2 apples", "Type a number"),
        ("nan", "finite"),
        ("NaN", "finite"),
        ("inf", "finite"),
        ("-Infinity", "finite"),
        ("1e999", "too large"),
        ("1/0", "divides by zero"),
        ("0/0", "divides by zero"),
        ("1,5", "dot for decimals"),
        ("1,00", "dot for decimals"),
        ("0.5.5", "Type a number"),
        ("1/2/3", "fraction"),
        ("1/x", "fraction"),
        ("--2", "Type a number"),
        ("0x10", "Type a number"),
        ("1_000", "Type a number"),
        ("٣", "Type a number"),
        ("9" * 5000, "too long"),
    ],
)
def test_grade_numeric_unreadable(text: str, hint: str) -> None:
    grade = grade_numeric(text, 1.0)
    assert grade.verdict is U
    assert hint in grade.message


def test_parse_number_reports_percent_and_raises_a_user_facing_error() -> None:
    assert parse_number("50%") == ParsedNumber(0.5, percent=True)
    assert parse_number("−1,250.5") == ParsedNumber(-1250.5, percent=False)
    with pytest.raises(UnreadableAnswer) as caught:
        parse_number("lots")
    assert isinstance(caught.value, UserFacingError)


@pytest.mark.parametrize(("text", "shown"), [("50%", "50%"), ("1/4", "0.25"), ("1,000", "1000")])
def test_grade_numeric_reports_what_it_read(text: str, shown: str) -> None:
    assert grade_numeric(text, 0).understood == shown


@pytest.mark.parametrize(
    ("answer", "tolerance"),
    [("lots", 0.0), (float("nan"), 0.0), (float("inf"), 0.0), (1.0, -0.1), (1.0, float("nan"))],
)
def test_grade_numeric_rejects_a_bad_key_as_a_content_bug(answer: float | str, tolerance: float) -> None:
    with pytest.raises(ValueError) as caught:
        grade_numeric("1", answer, tolerance)
    assert not isinstance(caught.value, UserFacingError)  # not the member's fault


# --- properties ----------------------------------------------------------------------------

typed = st.one_of(st.text(), st.text(alphabet="0123456789.,/%eE+-−=≈ ½abcdeABCDE()`'\"")) | st.text(
    alphabet=st.characters(codec="utf-8"), max_size=3000
)


def _well_formed(grade: Grade) -> bool:
    if grade.verdict is Verdict.UNREADABLE:
        return bool(grade.message) and grade.understood is None
    return grade.understood is not None


@given(typed)
@example("\ud800")
@example("\x00")
@example("٪50")
def test_no_grader_raises_on_anything_typed(text: str) -> None:
    assert _well_formed(grade_quiz(text, OPTIMISERS, 1))
    assert _well_formed(grade_numeric(text, 0.5, 0.01))
    assert _well_formed(grade_numeric(text, "50%"))
    assert _well_formed(grade_short(text, MSE))
    normalize_answer(text)


@given(st.text(min_size=1))
def test_any_accepted_answer_is_accepted_verbatim(text: str) -> None:
    if normalize_answer(text):
        assert grade_short(text, [text]).correct


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_any_finite_float_is_read_back_exactly(value: float) -> None:
    assert grade_numeric(repr(value), value).correct
    assert grade_numeric(format(value, ","), value).correct


@given(st.integers(min_value=0, max_value=4))
def test_letter_number_and_text_of_the_correct_option_all_grade_correct(index: int) -> None:
    options = ["Linear", "Logistic", "Ridge", "Lasso", "Elastic net"]
    for text in ("ABCDE"[index], str(index + 1), options[index].upper()):
        assert grade_quiz(text, options, index).correct
