"""Grading what members type: quiz choices, numbers and short text answers.

Nothing a member types makes a grader raise: input we cannot use comes back UNREADABLE with
a message saying how to answer. A malformed answer *key* is a content bug and does raise
ValueError; curriculum validation should catch it long before a member sees the question.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.core.errors import UserFacingError

MAX_ANSWER_CHARS = 1000  # bounds the work done on hostile input; real answers are far shorter
_QUOTES = " `'\"“”‘’«»"


class Verdict(StrEnum):
    CORRECT = "correct"
    INCORRECT = "incorrect"
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class Grade:
    verdict: Verdict
    message: str  # for the member; for UNREADABLE it says how to answer
    understood: str | None = None  # how we read the answer ("B", "0.5"), None if unreadable

    @property
    def correct(self) -> bool:
        return self.verdict is Verdict.CORRECT


class UnreadableAnswer(UserFacingError):
    """The text cannot be read as an answer; `user_message` says how to write one."""


def _judged(correct: bool, understood: str) -> Grade:
    if correct:
        return Grade(Verdict.CORRECT, "Correct!", understood)
    return Grade(Verdict.INCORRECT, "Not quite.", understood)


def _unreadable(message: str) -> Grade:
    return Grade(Verdict.UNREADABLE, message)


def _unwrap(text: str) -> str:
    """NFKC (full-width "Ｂ" → "B"), then trim spaces and wrapping quotes or backticks."""
    return unicodedata.normalize("NFKC", text).strip().strip(_QUOTES)


def normalize_answer(text: str) -> str:
    """Comparison key for typed text, shared by short answers and quiz option text.

    Unicode compatibility forms, case, whitespace, quotes, backticks and punctuation are
    erased, so "Mean-squared error", "mean squared error" and "`MSE`"-style wrapping compare
    by letters alone. Punctuation between two digits is kept so "3.14" never equals "31.4".
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    kept = []
    for i, char in enumerate(folded):
        kind = unicodedata.category(char)[0]
        if kind in "ZC" or char.isspace() or char == "`":
            continue
        if kind == "P" and not _between_digits(folded, i):
            continue
        kept.append(char)
    return "".join(kept)


def _between_digits(text: str, i: int) -> bool:
    return 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()


# --- short answers -------------------------------------------------------------------------


def grade_short(text: str, accepted: Iterable[str]) -> Grade:
    keys = {normalize_answer(answer) for answer in accepted} - {""}
    if not keys:
        raise ValueError("a short-answer question needs at least one non-blank accepted answer")
    if len(text) > MAX_ANSWER_CHARS:
        return _unreadable("That answer is too long: a word or a short phrase is enough.")
    key = normalize_answer(text)
    if not key:
        return _unreadable("Type your answer as a word or a short phrase.")
    return _judged(key in keys, " ".join(text.split())[:80])


# --- quizzes -------------------------------------------------------------------------------

_LETTERS = "ABCDE"
_LEAD = r"(?:(?:option|answer|choice)\s*:?\s*)?"  # "option b", "answer: 2"
_BY_LETTER = re.compile(_LEAD + r"\(?([a-z])\s*[).:]?")
_BY_NUMBER = re.compile(_LEAD + r"\(?([0-9]+)\s*[).:]?")


def grade_quiz(text: str, options: Sequence[str], correct_index: int) -> Grade:
    """Accept a letter ("b", "B)", "(b)"), a 1-based number, or the option's own text.

    If the text matches two different options ("1" as a position and as another option's
    text), we ask rather than guess.
    """
    count = len(options)
    if not 2 <= count <= len(_LETTERS):
        raise ValueError(f"a quiz needs 2 to {len(_LETTERS)} options, got {count}")
    if not 0 <= correct_index < count:
        raise ValueError(f"correct_index {correct_index} is outside 0..{count - 1}")
    option_keys = [normalize_answer(option) for option in options]
    if "" in option_keys or len(set(option_keys)) != count:
        raise ValueError("quiz options must be non-blank and distinct after normalisation")

    letters = "A or B" if count == 2 else f"A–{_LETTERS[count - 1]}"
    numbers = "1 or 2" if count == 2 else f"1–{count}"
    how = f"Pick {letters} (or {numbers}), or type the option itself."
    if len(text) > MAX_ANSWER_CHARS:
        return _unreadable(how)
    raw = _unwrap(text).casefold()

    chosen: set[int] = set()
    out_of_range = False
    if match := _BY_LETTER.fullmatch(raw):
        index = ord(match[1]) - ord("a")
        if index < count:
            chosen.add(index)
        out_of_range = count <= index < len(_LETTERS)
    elif match := _BY_NUMBER.fullmatch(raw):
        index = int(match[1]) - 1
        if 0 <= index < count:
            chosen.add(index)
        out_of_range = not 0 <= index < count
    key = normalize_answer(raw)
    chosen.update(i for i, option_key in enumerate(option_keys) if key and key == option_key)

    if len(chosen) > 1:
        return _unreadable(f"That could mean more than one option. Reply with just the letter, {letters}.")
    if not chosen:
        return _unreadable(f"There are only {count} options. {how}" if out_of_range else how)
    (index,) = chosen
    return _judged(index == correct_index, _LETTERS[index])


# --- numbers -------------------------------------------------------------------------------

_MINUS = str.maketrans(dict.fromkeys("−‒–—", "-") | {"⁄": "/"})  # unicode minus, dashes, ⁄ from ½
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:e[+-]?[0-9]+)?", re.IGNORECASE)
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?(?:e[+-]?[0-9]+)?", re.IGNORECASE)
_PLAIN = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_NUMBER_HELP = "Type a number, like 0.5, .5, -2, 1/2, 50% or 1e-3."


@dataclass(frozen=True)
class ParsedNumber:
    value: float  # "50%" is 0.5
    percent: bool  # written with a % sign


def parse_number(text: str) -> ParsedNumber:
    """Read a typed number; raise UnreadableAnswer with a friendly message if we can't."""
    if len(text) > MAX_ANSWER_CHARS:
        raise UnreadableAnswer("That's too long for a number. " + _NUMBER_HELP)
    cleaned = "".join(_unwrap(text).translate(_MINUS).split()).lstrip("=≈~").strip(_QUOTES)
    percent = cleaned.endswith("%")
    body = cleaned.removesuffix("%")
    if not body or len(body) > 100:
        raise UnreadableAnswer(_NUMBER_HELP)
    if body.casefold().lstrip("+-") in {"nan", "inf", "infinity"}:
        raise UnreadableAnswer("I need an ordinary finite number. " + _NUMBER_HELP)
    if "/" in body and not percent:
        value = _fraction(body)
    elif _GROUPED.fullmatch(body):
        value = float(body.replace(",", ""))
    elif "," in body:
        raise UnreadableAnswer("Use a dot for decimals (0.5); commas only group thousands (1,000).")
    elif _DECIMAL.fullmatch(body):
        value = float(body)
    else:
        raise UnreadableAnswer(_NUMBER_HELP)
    if not math.isfinite(value):
        raise UnreadableAnswer("That number is too large to work with.")
    return ParsedNumber(value / 100 if percent else value, percent)


def _fraction(body: str) -> float:
    numerator, _, denominator = body.partition("/")
    if not (_PLAIN.fullmatch(numerator) and _PLAIN.fullmatch(denominator)):
        raise UnreadableAnswer("Write a fraction as two plain numbers, like 1/2 or -3/4.")
    if float(denominator) == 0:
        raise UnreadableAnswer("That fraction divides by zero.")
    return float(numerator) / float(denominator)


def grade_numeric(text: str, answer: float | str, tolerance: float = 0.0) -> Grade:
    """Correct when within `tolerance` (absolute) of `answer`, ignoring float noise.

    `answer` may be text such as "50%" or "1/3". Values are compared, so "0.5" answers a
    "50%" key and "50%" answers 0.5; for a percent key a bare "50" is also read as 50%,
    because that is what someone asked for a percentage means.
    """
    key = _answer_key(answer)
    if not (math.isfinite(tolerance) and tolerance >= 0):
        raise ValueError(f"tolerance must be a finite number >= 0, got {tolerance!r}")
    try:
        given = parse_number(text)
    except UnreadableAnswer as error:
        return _unreadable(error.user_message)
    readings = [given.value]
    if key.percent and not given.percent:
        readings.append(given.value / 100)
    correct = any(_close(value, key.value, tolerance) for value in readings)
    shown = f"{given.value * 100:.12g}%" if given.percent else f"{given.value:.12g}"
    return _judged(correct, shown)


def _answer_key(answer: float | str) -> ParsedNumber:
    if isinstance(answer, str):
        try:
            return parse_number(answer)
        except UnreadableAnswer as error:
            raise ValueError(f"answer key {answer!r} is not a number: {error}") from None
    if not math.isfinite(answer):
        raise ValueError(f"answer key must be finite, got {answer!r}")
    return ParsedNumber(float(answer), percent=False)


def _close(value: float, expected: float, tolerance: float) -> bool:
    return abs(value - expected) <= tolerance or math.isclose(value, expected, rel_tol=1e-9)
