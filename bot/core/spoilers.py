"""Does a text give away today's answer? The no-spoiler rule of /ask, pure and table-tested.

An `AnswerKey` holds what would give a challenge away: phrases (a quiz's correct option, the
accepted short answers), a quiz's correct letter and a numeric answer with its tolerance.
`reveals(text, key)` says which of them the text contains, if any. It errs on the side of
holding an answer back: a member who has not solved today's challenge can always ask again
after solving it.

- A phrase counts wherever it appears as whole words, ignoring case, punctuation and spacing
  ("Mean-squared error" is "mean squared error"; "`df.loc[0]`" is "df loc 0"). Very short or
  generic phrases ("L1", "True", "None of the above") count only when stated as the answer.
- A letter counts only when stated as the answer ("the answer is B", "option (B)", "B is correct"),
  never as a lone capital.
- A number counts in every common form within the challenge's tolerance: 0.25, .25, 0.250, 25%,
  25 percent, 1/4, 2.5e-1, 2.5×10^-1, 1,000. Small integers and 0.5 turn up in every explanation
  ("2 layers"), so those count only when stated as a result ("= 2", "the answer is 2").
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Final

__all__ = ["AnswerKey", "numbers_in", "reveals"]

_GENERIC_PHRASES: Final = frozenset(
    {"true", "false", "yes", "no", "none", "both", "neither", "all of the above", "none of the above"}
)
_SHORT_PHRASE: Final = 2  # normalised characters; "l1" is short, "mse" is not
_COMMON_NUMBERS: Final = frozenset({0.5})
_COMMON_INTEGER_LIMIT: Final = 10

# Words that state a result right before a number: "= 2", "the result is 2", "you get 2".
_RESULT_CUE: Final = re.compile(
    r"(?:answer|result|solution|equals?|\bis|gives?|gets?|yields?|becomes?|comes\s+to|=|≈|~|→|->)"
    r"(?:\s+(?:is|would\s+be|should\s+be|will\s+be|of))?\s*[:=]?\s*[(*_\"'`“]*$",
    re.I,
)
# Words that name the chosen answer right before a letter or a short phrase: "option (B)".
_ANSWER_CUE: Final = re.compile(
    r"(?:answer|option|choice|letter)(?:\s+(?:is|would\s+be|should\s+be|will\s+be))?\s*[:=]?\s*[(*_\"'`“\[]*$",
    re.I,
)
_AFFIRMED_AFTER: Final = re.compile(r"^[)\]*_\"'`”]*\s*(?:is|would\s+be)\s+(?:the\s+)?(?:correct|right)\b", re.I)
# After a lowercase letter: nothing more of a sentence ("option b." but not "the answer is a vector").
_LETTER_ALONE_AFTER: Final = re.compile(r"^(?:[)\].:!,;*_\"'`”]|\s*$|\s*\n)")

_NUMBER: Final = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?|\.\d+"
_NUMBER_TOKEN: Final = re.compile(
    rf"(?<![\w./])(?P<sign>[-−+]?)(?P<a>{_NUMBER})"
    rf"(?:\s*/\s*(?P<b>{_NUMBER}))?"
    r"(?:[eE](?P<exp>[-+−]?\d+)|\s*[x×*·]\s*10\s*\^\s*\(?(?P<exp10>[-+−]?\d+)\)?)?"
    r"(?P<pct>\s*(?:%|percent\b|per\s+cent\b))?"
    r"(?![\w]|\.\d)"
)


@dataclass(frozen=True)
class AnswerKey:
    """What gives one challenge away. Build it with `quiz`, `numeric` or `short`."""

    phrases: tuple[str, ...] = ()
    letter: str | None = None
    number: float | None = None
    tolerance: float = 0.0

    @classmethod
    def quiz(cls, correct_option: str, correct_letter: str) -> AnswerKey:
        number = _as_number(correct_option)
        return cls(
            phrases=(correct_option,),
            letter=correct_letter,
            number=number,
            tolerance=0.0 if number is None else 1e-9 * max(1.0, abs(number)),
        )

    @classmethod
    def numeric(cls, answer: float, tolerance: float) -> AnswerKey:
        return cls(number=float(answer), tolerance=float(tolerance))

    @classmethod
    def short(cls, answers: tuple[str, ...]) -> AnswerKey:
        return cls(phrases=answers)

    @property
    def empty(self) -> bool:
        return not self.phrases and self.letter is None and self.number is None


def reveals(text: str, key: AnswerKey) -> str | None:
    """What in `text` gives the answer away ("phrase", "letter", "number"), or None."""
    if key.number is not None and _reveals_number(text, key.number, key.tolerance):
        return "number"
    if key.letter is not None and _reveals_letter(text, key.letter):
        return "letter"
    folded = _normalise(text)
    for phrase in key.phrases:
        wanted = _normalise(phrase)  # empty for punctuation-only options such as "[]"
        if len(wanted) <= _SHORT_PHRASE or wanted in _GENERIC_PHRASES:
            if _stated_as_answer(text, phrase):
                return "phrase"
        elif f" {wanted} " in f" {folded} ":
            return "phrase"
    return None


def numbers_in(text: str) -> list[tuple[float, int]]:
    """Every number written in `text`, as (value, start offset); a percentage also as its fraction."""
    found: list[tuple[float, int]] = []
    for match in _NUMBER_TOKEN.finditer(text):
        value = _token_value(match)
        if value is None:
            continue
        found.append((value, match.start()))
        if match["pct"]:
            found.append((value / 100, match.start()))
    return found


# ----- details -------------------------------------------------------------------------------------


def _normalise(text: str) -> str:
    """Casefolded words, punctuation as spaces except inside numbers ("3.14" stays whole)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept: list[str] = []
    for i, char in enumerate(folded):
        kind = unicodedata.category(char)[0]
        between_digits = 0 < i < len(folded) - 1 and folded[i - 1].isdigit() and folded[i + 1].isdigit()
        kept.append(char if kind in "LN" or (kind == "P" and between_digits) else " ")
    return " ".join("".join(kept).split())


def _stated_as_answer(text: str, phrase: str) -> bool:
    pattern = re.compile(rf"(?<!\w){re.escape(phrase.strip())}(?!\w)", re.I)
    for match in pattern.finditer(text):
        if _ANSWER_CUE.search(text[max(0, match.start() - 40) : match.start()]):
            return True
        if _AFFIRMED_AFTER.match(text[match.end() : match.end() + 30]):
            return True
    return False


def _reveals_letter(text: str, letter: str) -> bool:
    pattern = re.compile(rf"(?<![\w'’-]){re.escape(letter)}(?![\w'’-])", re.I)
    for match in pattern.finditer(text):
        before = text[max(0, match.start() - 40) : match.start()]
        after = text[match.end() : match.end() + 30]
        # A lowercase "a" is an article far more often than an answer: it must stand alone.
        alone = match.group() == letter.upper() or _LETTER_ALONE_AFTER.match(after)
        if alone and _ANSWER_CUE.search(before):
            return True
        if match.group() == letter.upper() and _AFFIRMED_AFTER.match(after):
            return True
    return False


def _reveals_number(text: str, answer: float, tolerance: float) -> bool:
    slack = tolerance + 1e-12 * max(1.0, abs(answer))
    common = answer in _COMMON_NUMBERS or (float(answer).is_integer() and abs(answer) <= _COMMON_INTEGER_LIMIT)
    for value, start in numbers_in(text):
        if abs(value - answer) > slack:
            continue
        if not common or _RESULT_CUE.search(text[max(0, start - 40) : start]):
            return True
    return False


def _token_value(match: re.Match[str]) -> float | None:
    value = _number(match["a"])
    if match["b"] is not None:
        denominator = _number(match["b"])
        if denominator == 0:
            return None
        value /= denominator
    exponent = match["exp"] or match["exp10"]
    if exponent is not None:
        try:
            value *= 10.0 ** int(exponent.replace("−", "-"))
        except OverflowError:
            return None
    if match["sign"] in ("-", "−"):
        value = -value
    return value if math.isfinite(value) else None


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _as_number(text: str) -> float | None:
    """A quiz option that is only a number ("0.25", "25%", "1/4"), as its value."""
    stripped = text.strip().strip("`")
    match = _NUMBER_TOKEN.fullmatch(stripped)
    if match is None:
        return None
    value = _token_value(match)
    if value is not None and match["pct"]:
        value /= 100
    return value
