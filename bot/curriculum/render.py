"""Plain-text rendering of a challenge as a member meets it (used by `backprop curriculum show`)."""

from __future__ import annotations

from bot.curriculum.loader import Curriculum
from bot.curriculum.models import (
    OPTION_LETTERS,
    Challenge,
    NumericChallenge,
    QuizChallenge,
    ShortChallenge,
    SubmitKind,
    TaskChallenge,
)

__all__ = ["expected_answer", "format_number", "render_challenge"]

_SUBMIT_TEXT = {
    SubmitKind.GITHUB: "submit a link to a public GitHub repository, pull request or gist",
    SubmitKind.KAGGLE: "submit a link to your Kaggle notebook or competition entry",
    SubmitKind.NONE: "mark it done when you have finished",
}


def format_number(value: float) -> str:
    """32.0 -> "32", 0.1 -> "0.1": as short as the value allows, without float noise."""
    return format(value, ".12g")


def expected_answer(challenge: Challenge) -> str:
    """What kind of reply the member should give, without giving the answer away."""
    if isinstance(challenge, QuizChallenge):
        return f"Answer: one letter, A-{OPTION_LETTERS[len(challenge.options) - 1]}."
    if isinstance(challenge, NumericChallenge):
        unit = f" (in {challenge.unit})" if challenge.unit else ""
        return f"Answer: a number{unit}."
    if isinstance(challenge, ShortChallenge):
        return "Answer: a word or a short phrase."
    if isinstance(challenge, TaskChallenge):
        return f"When done: {_SUBMIT_TEXT[challenge.submit]}."
    return f"When done: {_SUBMIT_TEXT[SubmitKind.NONE]}."


def _answer_lines(challenge: Challenge) -> list[str]:
    if isinstance(challenge, QuizChallenge):
        lines = [f"answer: {challenge.correct_letter}) {challenge.answer}"]
    elif isinstance(challenge, NumericChallenge):
        unit = f" {challenge.unit}" if challenge.unit else ""
        lines = [f"answer: {format_number(challenge.answer)}{unit} (± {format_number(challenge.tolerance)})"]
    elif isinstance(challenge, ShortChallenge):
        first, *others = challenge.answers
        also = f" (also accepted: {', '.join(others)})" if others else ""
        lines = [f"answer: {first}{also}"]
    else:
        lines = []
    return [*lines, f"explanation: {challenge.explanation}"]


def render_challenge(
    curriculum: Curriculum,
    challenge: Challenge,
    *,
    day_index: int | None = None,
    show_answer: bool = False,
) -> str:
    """The challenge as text: a title line, the prompt, options, the reply expected, hint, resource.

    `day_index` is 0-based (shown as "Day 1" for 0); `show_answer` adds the key and explanation,
    which members only see after answering.
    """
    phase = curriculum.phase_of(challenge.id)
    topic = curriculum.topic(phase.id, challenge.topic)
    resource = curriculum.resource(phase.id, challenge.resource)
    heading = [
        f"Day {day_index + 1}" if day_index is not None else None,
        phase.title,
        topic.title if topic is not None else challenge.topic,
        f"{challenge.kind}, {challenge.difficulty}",
        f"~{challenge.minutes} min",
    ]
    lines = [" · ".join(part for part in heading if part) + f"  [{challenge.id}]", "", challenge.prompt]
    if isinstance(challenge, QuizChallenge):
        lines.append("")
        lines += [f"{OPTION_LETTERS[index]}) {option}" for index, option in enumerate(challenge.shown_options)]
    lines += ["", expected_answer(challenge), f"hint: {challenge.hint}"]
    if resource is not None:
        lines.append(f"resource: {resource.title}" + (f" <{resource.url}>" if resource.url else ""))
    if show_answer:
        lines += ["", *_answer_lines(challenge)]
    return "\n".join(lines)
