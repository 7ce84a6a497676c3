"""The curriculum's data model: strict, frozen pydantic models for what authors write in YAML.

Pure: no discord, no I/O. `bot.curriculum.loader` reads the files and does the cross-file checks;
everything that can be judged from one item alone is judged here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Annotated, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    TypeAdapter,
    ValidationInfo,
    field_validator,
)

from bot.core.quiz import display_order

__all__ = [
    "CHALLENGE_ADAPTER",
    "CHALLENGE_KINDS",
    "CHALLENGE_TYPES",
    "OPTION_LETTERS",
    "Challenge",
    "Concept",
    "Difficulty",
    "NumericChallenge",
    "Phase",
    "Project",
    "QuizChallenge",
    "ReadingChallenge",
    "Resource",
    "ResourceKind",
    "ShortChallenge",
    "SubmitKind",
    "TaskChallenge",
    "Topic",
    "Track",
    "count_sentences",
    "match_key",
    "normalise_text",
]

OPTION_LETTERS = "ABCDE"  # quiz options are shown and answered as A-E
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_NOT_WORD = re.compile(r"[^\w\s]|_")
# Abbreviations whose dot does not end a sentence; inline code may hold dots too (`np.dot`).
_ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|a\.k\.a|etc|vs|cf|approx|resp|Dr|Mr|Mrs|Ms|Prof|Fig|Eq)\.", re.I)
_INLINE_CODE = re.compile(r"`[^`]*`")
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*(?=\s|$)")
_WORD = re.compile(r"\w")


def normalise_text(text: str) -> str:
    """Casefold, drop punctuation, collapse whitespace: how prompts and short answers are told apart.

    Spaces between words survive, so "over fitting" may be listed beside "overfitting" (as the spec's
    example does) while "Overfitting." may not.
    """
    return " ".join(_NOT_WORD.sub("", text.casefold()).split())


def match_key(text: str) -> str:
    """`normalise_text` without spaces: what a member's reply or a concept name is matched on."""
    return normalise_text(text).replace(" ", "")


def count_sentences(text: str) -> int:
    """Count sentences in plain prose, not fooled by "e.g.", decimals like 0.5 or `code.with.dots`."""
    masked = _ABBREVIATION.sub("abbr", _INLINE_CODE.sub("code", text))
    return sum(1 for piece in _SENTENCE_END.split(masked) if _WORD.search(piece))


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _slug(value: str) -> str:
    if not _SLUG.fullmatch(value):
        raise ValueError(f"{value!r} is not a slug (lowercase letters, digits, single hyphens)")
    return value


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(ch.isspace() for ch in value):
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


# Strict: YAML turns `32`, `yes` and `1e-3` into int, bool and str; we want the author told, not a guess.
Text = Annotated[str, Strict(), AfterValidator(_not_blank)]
Slug = Annotated[str, Strict(), AfterValidator(_slug)]
Url = Annotated[str, Strict(), AfterValidator(_http_url)]
# Discord limits an autocomplete choice name to 100 characters and an embed title to 256.
ShortLabel = Annotated[Text, Field(max_length=100)]
Title = Annotated[Text, Field(max_length=256)]
Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Difficulty(StrEnum):
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


class ResourceKind(StrEnum):
    COURSE = "course"
    BOOK = "book"
    VIDEO = "video"
    DOCS = "docs"
    ARTICLE = "article"
    PLATFORM = "platform"


class SubmitKind(StrEnum):
    GITHUB = "github"
    KAGGLE = "kaggle"
    NONE = "none"


class Topic(_Model):
    id: Slug
    title: Title
    summary: Text


class Resource(_Model):
    id: Slug
    title: Title
    kind: ResourceKind
    url: Url | None = None


class Project(_Model):
    title: Title
    description: Text


class Phase(_Model):
    """A phase's header: what it is, its topics, resources and projects (challenges live beside it)."""

    id: Slug
    order: Annotated[int, Strict(), Field(ge=1)]
    title: Title
    summary: Text
    duration: Text
    topics: tuple[Topic, ...] = Field(min_length=1)
    resources: tuple[Resource, ...] = Field(min_length=1)
    projects: tuple[Project, ...] = Field(min_length=1, max_length=5)

    @field_validator("topics", "resources")
    @classmethod
    def _ids_unique(cls, items: tuple[Topic | Resource, ...], info: ValidationInfo) -> tuple[Topic | Resource, ...]:
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            if item.id in seen:
                raise ValueError(f"id {item.id!r} appears twice ({info.field_name}[{seen[item.id]}] and [{index}])")
            seen[item.id] = index
        return items


class _ChallengeBase(_Model):
    # Graded by the bot (quiz, numeric, short) rather than marked done by the member.
    auto_graded: ClassVar[bool] = True

    id: Slug
    topic: Slug
    difficulty: Difficulty
    minutes: Annotated[int, Strict(), Field(ge=1, le=240)]
    # The spec's limit, so a prompt fits one Discord embed with its options.
    prompt: Annotated[Text, Field(max_length=900)]
    hint: Text
    explanation: Text
    resource: Slug


class QuizChallenge(_ChallengeBase):
    kind: Literal["quiz"]
    options: tuple[Text, ...] = Field(min_length=3, max_length=5)
    answer: Text

    @field_validator("options")
    @classmethod
    def _options_distinct(cls, options: tuple[str, ...]) -> tuple[str, ...]:
        # Exact comparison: options are often code, where "['Data']" and "['data']" differ.
        seen: dict[str, int] = {}
        for index, option in enumerate(options):
            key = option.strip()
            if key in seen:
                raise ValueError(f"{option!r} appears twice (options[{seen[key]}] and options[{index}])")
            seen[key] = index
        return options

    @field_validator("answer")
    @classmethod
    def _answer_is_an_option(cls, answer: str, info: ValidationInfo) -> str:
        options: tuple[str, ...] | None = info.data.get("options")
        if options is None or answer in options:  # invalid options are reported on their own
            return answer
        key = " ".join(answer.casefold().split())
        near = [option for option in options if " ".join(option.casefold().split()) == key]
        suffix = f" (did you mean {near[0]!r}?)" if near else ""
        raise ValueError(f"must be one of the options, exactly as written{suffix}")

    @property
    def correct_index(self) -> int:
        return self.options.index(self.answer)

    @property
    def shown_options(self) -> tuple[str, ...]:
        """The options in the order members see them (authors' order would favour A)."""
        return tuple(self.options[i] for i in display_order(self.id, len(self.options)))

    @property
    def correct_letter(self) -> str:
        """The right option's letter as members see it."""
        return OPTION_LETTERS[self.shown_options.index(self.answer)]


class NumericChallenge(_ChallengeBase):
    kind: Literal["numeric"]
    answer: Number
    tolerance: Annotated[Number, Field(gt=0)]
    unit: Annotated[Text, Field(max_length=40)] | None = None

    def accepts(self, value: float) -> bool:
        """Within the absolute tolerance, bounds included."""
        return abs(value - self.answer) <= self.tolerance


class ShortChallenge(_ChallengeBase):
    kind: Literal["short"]
    answers: tuple[Text, ...] = Field(min_length=1)

    @field_validator("answers")
    @classmethod
    def _answers_distinct(cls, answers: tuple[str, ...]) -> tuple[str, ...]:
        seen: dict[str, str] = {}
        for index, answer in enumerate(answers):
            normal = normalise_text(answer)
            if not normal:
                raise ValueError(f"answers[{index}] {answer!r} is only punctuation")
            if normal in seen:
                reason = "matching ignores case and punctuation"
                raise ValueError(f"{answer!r} is the same answer as {seen[normal]!r} ({reason})")
            seen[normal] = answer
        return answers

    def accepts(self, reply: str) -> bool:
        """One of the answers, ignoring case, spaces and punctuation (the spec's matching rule)."""
        key = match_key(reply)
        return bool(key) and any(match_key(answer) == key for answer in self.answers)


class TaskChallenge(_ChallengeBase):
    auto_graded: ClassVar[bool] = False

    kind: Literal["task"]
    submit: SubmitKind


class ReadingChallenge(_ChallengeBase):
    auto_graded: ClassVar[bool] = False

    kind: Literal["reading"]


Challenge = Annotated[
    QuizChallenge | NumericChallenge | ShortChallenge | TaskChallenge | ReadingChallenge,
    Field(discriminator="kind"),
]
CHALLENGE_ADAPTER: TypeAdapter[Challenge] = TypeAdapter(Challenge)
CHALLENGE_TYPES: Mapping[str, type[_ChallengeBase]] = MappingProxyType(
    {
        "quiz": QuizChallenge,
        "numeric": NumericChallenge,
        "short": ShortChallenge,
        "task": TaskChallenge,
        "reading": ReadingChallenge,
    }
)
CHALLENGE_KINDS: tuple[str, ...] = tuple(CHALLENGE_TYPES)


class Concept(_Model):
    """A short note a member can look up; `related` may name concepts of any phase."""

    id: Slug
    term: ShortLabel
    aliases: tuple[ShortLabel, ...] = ()
    explanation: Text
    related: tuple[Slug, ...] = ()
    topic: Slug
    resource: Slug | None = None

    @field_validator("explanation")
    @classmethod
    def _two_to_five_sentences(cls, explanation: str) -> str:
        sentences = count_sentences(explanation)
        if not 2 <= sentences <= 5:
            raise ValueError(f"must be 2 to 5 sentences, found {sentences}")
        return explanation

    @field_validator("related")
    @classmethod
    def _related_distinct(cls, related: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        if info.data.get("id") in related:
            raise ValueError("a concept cannot be related to itself")
        if len(set(related)) != len(related):
            raise ValueError("lists an id twice")
        return related


class Track(_Model):
    """A path through the phases; its days are their challenges in order, minus skipped topics."""

    id: Slug
    title: ShortLabel
    phases: tuple[Slug, ...] = Field(min_length=1)
    skip_topics: tuple[Slug, ...] = ()

    @field_validator("phases", "skip_topics")
    @classmethod
    def _distinct(cls, ids: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(ids)) != len(ids):
            raise ValueError("lists an id twice")
        return ids
