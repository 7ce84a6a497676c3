"""Read the curriculum folder once, validate every file, cross-check them, and index the result.

`load_curriculum` either returns a complete `Curriculum` or raises `CurriculumError` listing every
problem it found, one line each (`file: item: field: reason`), so an author fixes them in one pass.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, get_args

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from bot.curriculum.models import (
    CHALLENGE_ADAPTER,
    CHALLENGE_KINDS,
    CHALLENGE_TYPES,
    Challenge,
    Concept,
    Phase,
    Resource,
    Topic,
    Track,
    match_key,
    normalise_text,
)

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # PyYAML built without libyaml: same results, several times slower
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

__all__ = [
    "CHALLENGE_PREFIXES",
    "Curriculum",
    "CurriculumError",
    "PhaseContent",
    "PhaseSpan",
    "load_curriculum",
]

# Challenge ids start with their phase's prefix; a phase not listed here uses "<phase id>-".
CHALLENGE_PREFIXES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "math": "math-",
        "python": "py-",
        "data-science": "ds-",
        "classical-ml": "ml-",
        "deep-learning": "dl-",
        "mlops": "ops-",
        "portfolio": "port-",
        "specializations": "spec-",
    }
)
TRACKS_FILE: Final = "tracks.yaml"
PHASES_DIR: Final = "phases"
_PHASE_FILE_KEYS: Final = ("phase", "challenges", "concepts")
_YAML_EXPONENT = re.compile(r"[-+]?\d+(?:\.\d*)?[eE][-+]?\d+")


class CurriculumError(Exception):
    """The curriculum is invalid; `problems` holds one readable line per problem."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True, slots=True)
class PhaseContent:
    """One phase file, validated: the header plus its challenges and concepts in file order."""

    phase: Phase
    challenges: tuple[Challenge, ...]
    concepts: tuple[Concept, ...]


@dataclass(frozen=True, slots=True)
class PhaseSpan:
    """Where a phase sits on a track: days `start` to `end - 1` (0-based)."""

    phase: Phase
    start: int
    length: int

    @property
    def end(self) -> int:
        return self.start + self.length


class Curriculum:
    """The whole validated curriculum, indexed for dict lookups. Built by `load_curriculum`.

    Lookups by an id a member may type return None when unknown; methods taking a `track_id`
    raise KeyError for an unknown track (a configuration error, not a member's typo).
    """

    __slots__ = (
        "_challenge_phase",
        "_challenges",
        "_challenges_by_id",
        "_concepts",
        "_concepts_by_id",
        "_concepts_by_name",
        "_contents",
        "_day_of",
        "_days",
        "_phases",
        "_phases_by_id",
        "_resources",
        "_span_starts",
        "_spans",
        "_topics",
        "_tracks",
        "_tracks_by_id",
    )

    def __init__(self, contents: Iterable[PhaseContent], tracks: Iterable[Track]) -> None:
        ordered = sorted(contents, key=lambda content: content.phase.order)
        self._contents = {content.phase.id: content for content in ordered}
        self._phases = tuple(content.phase for content in ordered)
        self._phases_by_id = {phase.id: phase for phase in self._phases}
        self._challenges = tuple(c for content in ordered for c in content.challenges)
        self._challenges_by_id = {c.id: c for c in self._challenges}
        self._challenge_phase = {c.id: content.phase for content in ordered for c in content.challenges}
        self._concepts = tuple(c for content in ordered for c in content.concepts)
        self._concepts_by_id = {c.id: c for c in self._concepts}
        # An id or term beats an alias; among aliases the earlier phase wins.
        self._concepts_by_name: dict[str, Concept] = {}
        for concept in self._concepts:
            for name in (concept.id, concept.term):
                self._concepts_by_name.setdefault(match_key(name), concept)
        for concept in self._concepts:
            for alias in concept.aliases:
                self._concepts_by_name.setdefault(match_key(alias), concept)
        self._topics = {(p.id, t.id): t for p in self._phases for t in p.topics}
        self._resources = {(p.id, r.id): r for p in self._phases for r in p.resources}
        self._tracks = tuple(tracks)
        self._tracks_by_id = {track.id: track for track in self._tracks}
        self._days: dict[str, tuple[Challenge, ...]] = {}
        self._spans: dict[str, tuple[PhaseSpan, ...]] = {}
        for track in self._tracks:
            days: list[Challenge] = []
            spans: list[PhaseSpan] = []
            skipped = set(track.skip_topics)
            for phase_id in track.phases:
                content = self._contents[phase_id]
                kept = [c for c in content.challenges if c.topic not in skipped]
                if kept:
                    spans.append(PhaseSpan(content.phase, len(days), len(kept)))
                    days.extend(kept)
            self._days[track.id] = tuple(days)
            self._spans[track.id] = tuple(spans)
        self._span_starts = {tid: [span.start for span in spans] for tid, spans in self._spans.items()}
        self._day_of = {tid: {c.id: i for i, c in enumerate(days)} for tid, days in self._days.items()}

    @property
    def phases(self) -> tuple[Phase, ...]:
        """All phases by `order`."""
        return self._phases

    @property
    def tracks(self) -> tuple[Track, ...]:
        """All tracks as listed in tracks.yaml (the first is the natural default)."""
        return self._tracks

    @property
    def challenges(self) -> tuple[Challenge, ...]:
        """Every challenge, phase by phase in file order."""
        return self._challenges

    @property
    def concepts(self) -> tuple[Concept, ...]:
        """Every concept note, phase by phase in file order."""
        return self._concepts

    def phase(self, phase_id: str) -> Phase | None:
        return self._phases_by_id.get(phase_id)

    def track(self, track_id: str) -> Track | None:
        return self._tracks_by_id.get(track_id)

    def challenge(self, challenge_id: str) -> Challenge | None:
        return self._challenges_by_id.get(challenge_id)

    def concept(self, concept_id: str) -> Concept | None:
        return self._concepts_by_id.get(concept_id)

    def find_concept(self, name: str) -> Concept | None:
        """A concept by id, term or alias, ignoring case, spaces and punctuation (what a member types)."""
        return self._concepts_by_name.get(match_key(name))

    def topic(self, phase_id: str, topic_id: str) -> Topic | None:
        return self._topics.get((phase_id, topic_id))

    def resource(self, phase_id: str, resource_id: str) -> Resource | None:
        return self._resources.get((phase_id, resource_id))

    def phase_of(self, challenge_id: str) -> Phase:
        """The phase a challenge of this curriculum belongs to; KeyError for an unknown id."""
        return self._challenge_phase[challenge_id]

    def challenges_in(self, phase_id: str) -> tuple[Challenge, ...]:
        """A phase's challenges in file order; KeyError for an unknown phase."""
        return self._contents[phase_id].challenges

    def concepts_in(self, phase_id: str) -> tuple[Concept, ...]:
        """A phase's concept notes in file order; KeyError for an unknown phase."""
        return self._contents[phase_id].concepts

    def track_days(self, track_id: str) -> tuple[Challenge, ...]:
        """The track's challenges, one per day: its phases in order, minus its skipped topics."""
        return self._days[self._known_track(track_id)]

    def challenge_for_day(self, track_id: str, day_index: int) -> Challenge | None:
        """The challenge of 0-based day `day_index`; None once the track is finished."""
        days = self.track_days(track_id)
        return days[day_index] if _check_day(day_index) < len(days) else None

    def phase_of_day(self, track_id: str, day_index: int) -> Phase | None:
        """The phase that 0-based day `day_index` falls in; None once the track is finished."""
        spans = self._spans[self._known_track(track_id)]
        if _check_day(day_index) >= len(self._days[track_id]):
            return None
        return spans[bisect.bisect_right(self._span_starts[track_id], day_index) - 1].phase

    def phase_boundaries(self, track_id: str) -> tuple[PhaseSpan, ...]:
        """Each phase met on the track with its first day and length (phases with no days left out)."""
        return self._spans[self._known_track(track_id)]

    def day_of(self, track_id: str, challenge_id: str) -> int | None:
        """The 0-based day a challenge falls on in the track; None if the track skips it or it is unknown."""
        return self._day_of[self._known_track(track_id)].get(challenge_id)

    def _known_track(self, track_id: str) -> str:
        if track_id not in self._tracks_by_id:
            raise KeyError(f"unknown track {track_id!r}")
        return track_id


def _check_day(day_index: int) -> int:
    if day_index < 0:
        raise ValueError(f"day_index must be >= 0, got {day_index}")
    return day_index


def load_curriculum(path: Path) -> Curriculum:
    """Load and check the curriculum folder at `path` (tracks.yaml + phases/*.yaml).

    Raises CurriculumError listing every problem found, one line each.
    """
    return _Loader(path).load()


# --- reading YAML --------------------------------------------------------------------------------------


class _NoDuplicateKeysLoader(_SafeLoader):
    """Plain YAML would keep the last of two `answer:` keys silently; an author wants to know."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen:
                    raise yaml.constructor.ConstructorError(
                        problem=f"duplicate key {key_node.value!r}", problem_mark=key_node.start_mark
                    )
                seen.add(key_node.value)
        return super().construct_mapping(node, deep)


def _yaml_problem(error: yaml.YAMLError) -> str:
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        context = f" ({error.context})" if error.context else ""
        return f"line {mark.line + 1}, column {mark.column + 1}: YAML error: {error.problem}{context}"
    return "YAML error: " + " ".join(str(error).split())


# --- turning pydantic errors into one-liners -----------------------------------------------------------


def _loc_text(loc: Sequence[int | str]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _kind_of_value(value: object) -> str:
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return f"true/false ({value})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"text ({value!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _model_in(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _fields_at(model: type[BaseModel] | None, loc: Sequence[int | str]) -> list[str]:
    """The field names of the model found by walking `loc` down from `model`."""
    for part in loc:
        if model is None:
            return []
        if isinstance(part, str):
            info = model.model_fields.get(part)
            model = _model_in(info.annotation) if info is not None else None
    return list(model.model_fields) if model is not None else []


def _did_you_mean(word: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.8)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _reason(error: ErrorDetails, model: type[BaseModel] | None, loc: tuple[int | str, ...]) -> str:
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx", {})
    if kind == "missing":
        return "required field missing"
    if kind == "extra_forbidden":
        return "unknown field" + _did_you_mean(str(loc[-1]), _fields_at(model, loc[:-1]))
    if kind == "string_type":
        return f"must be text, got {_kind_of_value(value)}; quote it in YAML"
    if kind in ("float_type", "float_parsing"):
        if isinstance(value, str) and _YAML_EXPONENT.fullmatch(value.strip()):
            return f"must be a number, got text {value!r}; YAML needs a dot in exponent form, e.g. 1.0e-3"
        return f"must be a number, got {_kind_of_value(value)}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"must be a whole number, got {_kind_of_value(value)}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"must be a mapping of fields, got {_kind_of_value(value)}"
    if kind in ("tuple_type", "list_type"):
        return f"must be a list, got {_kind_of_value(value)}"
    if kind in ("too_short", "too_long"):
        bound = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        side = "at least" if kind == "too_short" else "at most"
        return f"must have {side} {bound} items, has {ctx.get('actual_length')}"
    if kind in ("string_too_short", "string_too_long"):
        bound = ctx.get("min_length") if kind == "string_too_short" else ctx.get("max_length")
        side = "at least" if kind == "string_too_short" else "at most"
        length = len(value) if isinstance(value, str) else "?"
        return f"must be {side} {bound} characters, has {length}"
    if kind in ("enum", "literal_error"):
        return error["msg"].replace("Input should be", "must be") + f", got {_kind_of_value(value)}"
    if kind == "union_tag_invalid":
        return f"kind: must be one of {', '.join(CHALLENGE_KINDS)}, got {ctx.get('tag')!r}"
    if kind == "union_tag_not_found":
        return f"kind: required field missing (one of {', '.join(CHALLENGE_KINDS)})"
    message = error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return message.replace("Input should be", "must be")


def _validation_lines(
    exc: ValidationError, model: type[BaseModel] | None, strip_tag: bool = False
) -> list[tuple[tuple[int | str, ...], str]]:
    """(location, reason) per error; `strip_tag` drops the discriminator tag pydantic puts first."""
    errors = exc.errors(include_url=False)
    locs = [tuple(e["loc"][1:] if strip_tag and e["loc"] else e["loc"]) for e in errors]
    lines = []
    for error, loc in zip(errors, locs, strict=True):
        # A list whose items failed is also "too short" after validation; the item errors say why.
        if error["type"] in ("too_short", "too_long") and any(
            other[: len(loc)] == loc and len(other) > len(loc) for other in locs
        ):
            continue
        lines.append((loc, _reason(error, model, loc)))
    return lines


# --- the loader ----------------------------------------------------------------------------------------


@dataclass
class _ParsedFile:
    source: str
    # False when the YAML or its outline could not be read: then what is missing from it is unknown,
    # and references into it from other files are not reported (they would be false alarms).
    readable: bool = False
    phase: Phase | None = None
    phase_id: str | None = None
    topic_ids: set[str] = field(default_factory=set)
    resource_ids: set[str] = field(default_factory=set)
    challenges: list[tuple[str, Challenge]] = field(default_factory=list)
    concepts: list[tuple[str, Concept]] = field(default_factory=list)
    invalid_concept_ids: set[str] = field(default_factory=set)


def _item_name(section: str, index: int, raw: object) -> str:
    ident = raw.get("id") if isinstance(raw, dict) else None
    return f"{section}[{index}]" + (f" ({ident})" if isinstance(ident, str) and ident else "")


_SECTION_ITEM = re.compile(r"(challenges|concepts|tracks)\[(\d+)\]")


def _problem_key(source: str, item: str) -> tuple[str, int, int]:
    """Sort key: the file, then the file-level and phase-header problems, then item by item."""
    match = _SECTION_ITEM.match(item)
    if match is None:
        return source, 0, 0
    return source, 1 if match[1] != "concepts" else 2, int(match[2])


def _raw_ids(raw: object, key: str) -> set[str]:
    """Ids found in a raw list of mappings: a best effort when the phase header itself is invalid."""
    items = raw.get(key) if isinstance(raw, dict) else None
    if not isinstance(items, list):
        return set()
    return {item["id"] for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)}


class _Loader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[tuple[tuple[str, int, int], str]] = []

    def report(self, source: str, *parts: str) -> None:
        """Record `source: item: field: reason` (empty parts left out)."""
        self.problems.append((_problem_key(source, parts[0]), ": ".join((source, *filter(None, parts)))))

    def load(self) -> Curriculum:
        if not self.root.is_dir():
            raise CurriculumError([f"{self.root}: not a curriculum folder (no such directory)"])
        files = [self.parse_phase_file(path) for path in self.phase_paths()]
        self.check_phases(files)
        self.check_challenges(files)
        self.check_concepts(files)
        # A phase file whose id cannot be read would make every track naming it look wrong.
        complete = all(f.phase_id is not None for f in files)
        tracks = self.parse_tracks({f.phase_id: f for f in files if f.phase_id is not None}, complete)
        if self.problems:
            # File by file, item by item; the sort is stable, so an item's problems keep their order.
            raise CurriculumError(text for _, text in sorted(self.problems, key=lambda p: p[0]))
        contents = [
            PhaseContent(
                phase=f.phase,
                challenges=tuple(c for _, c in f.challenges),
                concepts=tuple(c for _, c in f.concepts),
            )
            for f in files
            if f.phase is not None
        ]
        return Curriculum(contents, tracks)

    def read_yaml(self, path: Path) -> tuple[str, object]:
        source = path.relative_to(self.root).as_posix()
        try:
            data = yaml.load(path.read_bytes(), Loader=_NoDuplicateKeysLoader)
        except OSError as exc:
            self.report(source, f"cannot read: {exc.strerror or exc}")
            return source, None
        except yaml.YAMLError as exc:
            self.report(source, _yaml_problem(exc))
            return source, None
        if data is None:
            self.report(source, "file is empty")
        return source, data

    def phase_paths(self) -> list[Path]:
        folder = self.root / PHASES_DIR
        if not folder.is_dir():
            self.report(f"{PHASES_DIR}/", "missing: one YAML file per phase goes in this folder")
            return []
        for stray in sorted(folder.glob("*.yml")):
            self.report(f"{PHASES_DIR}/{stray.name}", "name phase files *.yaml (this one is not loaded)")
        paths = sorted(folder.glob("*.yaml"))
        if not paths:
            self.report(f"{PHASES_DIR}/", "no phase files (*.yaml)")
        return paths

    # --- one phase file ---

    def parse_phase_file(self, path: Path) -> _ParsedFile:
        source, data = self.read_yaml(path)
        parsed = _ParsedFile(source)
        if data is None:
            return parsed
        if not isinstance(data, dict):
            self.report(source, f"must be a mapping with keys {', '.join(_PHASE_FILE_KEYS)}")
            return parsed
        for key in data:
            if key not in _PHASE_FILE_KEYS:
                self.report(
                    source,
                    str(key),
                    "unknown top-level key" + _did_you_mean(str(key), _PHASE_FILE_KEYS),
                )
        self.parse_phase(parsed, data.get("phase"))
        raw_challenges = self.section(source, data, "challenges")
        raw_concepts = self.section(source, data, "concepts", required=False)
        parsed.readable = raw_challenges is not None and raw_concepts is not None
        for index, raw in enumerate(raw_challenges or []):
            item = _item_name("challenges", index, raw)
            try:
                parsed.challenges.append((item, CHALLENGE_ADAPTER.validate_python(raw)))
            except ValidationError as exc:
                tag = raw.get("kind") if isinstance(raw, dict) else None
                model = CHALLENGE_TYPES.get(tag) if isinstance(tag, str) else None
                for loc, reason in _validation_lines(exc, model, strip_tag=model is not None):
                    self.report(source, item, _loc_text(loc), reason)
        for index, raw in enumerate(raw_concepts or []):
            item = _item_name("concepts", index, raw)
            try:
                parsed.concepts.append((item, Concept.model_validate(raw)))
            except ValidationError as exc:
                if isinstance(raw, dict) and isinstance(raw.get("id"), str):
                    parsed.invalid_concept_ids.add(raw["id"])
                for loc, reason in _validation_lines(exc, Concept):
                    self.report(source, item, _loc_text(loc), reason)
        return parsed

    def section(self, source: str, data: dict[Any, Any], key: str, required: bool = True) -> list[Any] | None:
        """The list under `key`, or None (reported) when it is missing or not a list."""
        raw = data.get(key)
        if raw is None and not required and key not in data:
            return []
        if not isinstance(raw, list):
            reason = "missing: expected a list" if raw is None else f"must be a list, got {_kind_of_value(raw)}"
            self.report(source, key, reason)
            return None
        return raw

    def parse_phase(self, parsed: _ParsedFile, raw: object) -> None:
        try:
            phase = Phase.model_validate(raw)
        except ValidationError as exc:
            for loc, reason in _validation_lines(exc, Phase):
                item = "phase"
                if len(loc) >= 2 and isinstance(loc[1], int) and isinstance(raw, dict):
                    section = raw.get(loc[0])
                    entry = section[loc[1]] if isinstance(section, list) else None
                    item = "phase." + _item_name(str(loc[0]), loc[1], entry)
                    loc = loc[2:]
                self.report(parsed.source, item, _loc_text(loc), reason)
            raw_id = raw.get("id") if isinstance(raw, dict) else None
            parsed.phase_id = raw_id if isinstance(raw_id, str) else None
            parsed.topic_ids = _raw_ids(raw, "topics")
            parsed.resource_ids = _raw_ids(raw, "resources")
            return
        parsed.phase = phase
        parsed.phase_id = phase.id
        parsed.topic_ids = {topic.id for topic in phase.topics}
        parsed.resource_ids = {resource.id for resource in phase.resources}

    # --- across files ---

    def check_phases(self, files: list[_ParsedFile]) -> None:
        by_id: dict[str, str] = {}
        by_order: dict[int, str] = {}
        for parsed in files:
            if parsed.phase is None:
                continue
            phase = parsed.phase
            if phase.id in by_id:
                self.report(parsed.source, "phase", "id", f"{phase.id!r} is also the id in {by_id[phase.id]}")
            by_id.setdefault(phase.id, parsed.source)
            if phase.order in by_order:
                reason = f"{phase.order} is also the order in {by_order[phase.order]}"
                self.report(parsed.source, "phase", "order", reason)
            by_order.setdefault(phase.order, parsed.source)
        if files and all(parsed.phase is not None for parsed in files):
            orders = sorted(by_order)
            if orders != list(range(1, len(files) + 1)):
                reason = f"phase orders must be 1..{len(files)} with no gaps, found {orders}"
                self.report(f"{PHASES_DIR}/", reason)

    def check_refs(self, parsed: _ParsedFile, item: str, topic: str, resource: str | None) -> None:
        if parsed.phase_id is None:  # the header is unreadable; its own errors come first
            return
        if topic not in parsed.topic_ids:
            self.report(
                parsed.source,
                item,
                "topic",
                f"{topic!r} is not a topic of this file" + _did_you_mean(topic, parsed.topic_ids),
            )
        if resource is not None and resource not in parsed.resource_ids:
            self.report(
                parsed.source,
                item,
                "resource",
                f"{resource!r} is not a resource of this file" + _did_you_mean(resource, parsed.resource_ids),
            )

    def check_challenges(self, files: list[_ParsedFile]) -> None:
        ids: dict[str, str] = {}  # challenge id -> where it was first seen
        prompts: dict[str, tuple[str, str]] = {}  # normalised prompt -> (where, challenge id)
        for parsed in files:
            prefix = CHALLENGE_PREFIXES.get(parsed.phase_id or "", f"{parsed.phase_id}-")
            for item, challenge in parsed.challenges:
                where = f"{item} in {parsed.source}"
                if parsed.phase_id is not None and not challenge.id.startswith(prefix):
                    self.report(
                        parsed.source,
                        item,
                        "id",
                        f"must start with {prefix!r} (the prefix of phase {parsed.phase_id})",
                    )
                if challenge.id in ids:
                    self.report(parsed.source, item, "id", f"already used by {ids[challenge.id]}")
                ids.setdefault(challenge.id, where)
                self.check_refs(parsed, item, challenge.topic, challenge.resource)
                prompt = normalise_text(challenge.prompt)
                if prompt in prompts:
                    first, first_id = prompts[prompt]
                    self.report(parsed.source, item, "prompt", f"asks the same as {first_id} ({first})")
                prompts.setdefault(prompt, (where, challenge.id))

    def check_concepts(self, files: list[_ParsedFile]) -> None:
        ids: dict[str, str] = {}  # concept id -> where it was first seen
        terms: dict[str, tuple[str, str]] = {}  # normalised term -> (file, concept id)
        for parsed in files:
            for item, concept in parsed.concepts:
                if concept.id in ids:
                    self.report(parsed.source, item, "id", f"already used by {ids[concept.id]}")
                    continue
                ids[concept.id] = f"{item} in {parsed.source}"
                self.check_refs(parsed, item, concept.topic, concept.resource)
                # Two notes with one term are one concept written twice.
                term = normalise_text(concept.term)
                if term in terms:
                    source, other_id = terms[term]
                    reason = f"{concept.term!r} is also the term of {other_id} in {source}"
                    self.report(parsed.source, item, "term", reason)
                terms.setdefault(term, (parsed.source, concept.id))
        if not all(parsed.readable for parsed in files):
            return
        known = ids.keys() | {i for parsed in files for i in parsed.invalid_concept_ids}
        for parsed in files:
            for item, concept in parsed.concepts:
                for related in concept.related:
                    if related not in known:
                        reason = f"{related!r} is not a concept id in any phase file"
                        self.report(parsed.source, item, "related", reason + _did_you_mean(related, ids))

    def parse_tracks(self, phases: Mapping[str, _ParsedFile], complete: bool) -> list[Track]:
        path = self.root / TRACKS_FILE
        if not path.is_file():
            self.report(TRACKS_FILE, "missing: the curriculum needs a tracks file")
            return []
        source, data = self.read_yaml(path)
        if data is None:
            return []
        raw_tracks = data.get("tracks") if isinstance(data, dict) else None
        if not isinstance(data, dict) or not isinstance(raw_tracks, list) or not raw_tracks:
            self.report(source, "must be a mapping with a non-empty list under `tracks:`")
            return []
        for key in data:
            if key != "tracks":
                self.report(source, str(key), "unknown top-level key (expected tracks)")
        tracks: list[Track] = []
        for index, raw in enumerate(raw_tracks):
            item = _item_name("tracks", index, raw)
            try:
                track = Track.model_validate(raw)
            except ValidationError as exc:
                for loc, reason in _validation_lines(exc, Track):
                    self.report(source, item, _loc_text(loc), reason)
                continue
            if any(track.id == other.id for other in tracks):
                self.report(source, item, "id", f"{track.id!r} is used by an earlier track")
                continue
            if complete:
                self.check_track(source, item, track, phases)
            tracks.append(track)
        return tracks

    def check_track(self, source: str, item: str, track: Track, phases: Mapping[str, _ParsedFile]) -> None:
        for phase_id in track.phases:
            if phase_id not in phases:
                reason = f"{phase_id!r} is not a phase id" + _did_you_mean(phase_id, phases)
                self.report(source, item, "phases", reason)
        met = [phases[phase_id] for phase_id in track.phases if phase_id in phases]
        if len(met) < len(track.phases):
            return  # which topics it may skip is unclear until its phases are fixed
        for topic in track.skip_topics:
            if not any(topic in parsed.topic_ids for parsed in met):
                known = {t for parsed in met for t in parsed.topic_ids}
                reason = f"{topic!r} is not a topic of the track's phases" + _did_you_mean(topic, known)
                self.report(source, item, "skip_topics", reason)
        skipped = set(track.skip_topics)
        if not any(c.topic not in skipped for parsed in met for _, c in parsed.challenges):
            self.report(source, item, "the track has no challenges left")
