"""The curriculum loader: the shipped curriculum meets the product's numbers; bad data is named precisely."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from bot.curriculum.cli import default_curriculum_path
from bot.curriculum.loader import Curriculum, CurriculumError, load_curriculum
from bot.curriculum.models import (
    CHALLENGE_KINDS,
    NumericChallenge,
    QuizChallenge,
    Resource,
    ShortChallenge,
    count_sentences,
    normalise_text,
)

SHIPPED = Path(__file__).resolve().parents[3] / "curriculum"
PHASE_ORDER = [
    "math",
    "python",
    "data-science",
    "classical-ml",
    "deep-learning",
    "mlops",
    "portfolio",
    "specializations",
]

# --- the shipped curriculum ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> Curriculum:
    return load_curriculum(SHIPPED)


def test_default_path_is_the_shipped_folder_unless_configured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CURRICULUM_PATH", raising=False)
    assert default_curriculum_path() == SHIPPED
    monkeypatch.setenv("CURRICULUM_PATH", str(tmp_path))
    assert default_curriculum_path() == tmp_path


def test_shipped_has_all_eight_phases_in_order(shipped: Curriculum) -> None:
    assert [phase.id for phase in shipped.phases] == PHASE_ORDER
    assert [phase.order for phase in shipped.phases] == list(range(1, 9))


def test_shipped_full_track_covers_a_year(shipped: Curriculum) -> None:
    full = shipped.track_days("full")
    assert len(full) >= 365
    assert full == shipped.challenges  # every challenge, in phase and file order
    assert [span.phase.id for span in shipped.phase_boundaries("full")] == PHASE_ORDER


def test_shipped_is_mostly_auto_graded(shipped: Curriculum) -> None:
    challenges = shipped.challenges
    assert sum(c.auto_graded for c in challenges) / len(challenges) >= 0.60


def test_shipped_has_enough_concept_notes(shipped: Curriculum) -> None:
    assert len(shipped.concepts) >= 150


def test_shipped_uses_every_challenge_kind(shipped: Curriculum) -> None:
    assert {c.kind for c in shipped.challenges} == set(CHALLENGE_KINDS)


def test_shipped_tracks_differ_only_by_core_python(shipped: Curriculum) -> None:
    assert [track.id for track in shipped.tracks] == ["full", "fast"]
    full, fast = shipped.track_days("full"), shipped.track_days("fast")
    core = [c for c in full if c.topic == "python-core"]
    assert core, "the python phase has a python-core topic"
    assert {shipped.phase_of(c.id).id for c in core} == {"python"}
    assert fast == tuple(c for c in full if c.topic != "python-core")
    assert len(fast) < len(full)


# --- a small valid curriculum to break in one place at a time -----------------------------------------

Files = dict[str, Any]


def _challenge(phase: str, topic: str, resource: str, name: str, kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"{phase}-{name}",
        "topic": topic,
        "kind": kind,
        "difficulty": "easy",
        "minutes": 10,
        "prompt": f"Question about {name.replace('-', ' ')}?",
        "hint": "Think it through.",
        "explanation": "Because that is how it works.",
        "resource": resource,
        **fields,
    }


def minimal_files() -> Files:
    """tracks.yaml and two phase files, valid, covering every challenge kind."""
    math = {
        "phase": {
            "id": "math",
            "order": 1,
            "title": "Math foundations",
            "summary": "Linear algebra for ML.",
            "duration": "2-3 months",
            "topics": [{"id": "linear-algebra", "title": "Linear algebra", "summary": "Vectors."}],
            "resources": [
                {
                    "id": "khan-la",
                    "title": "Khan Academy — Linear algebra",
                    "kind": "course",
                    "url": "https://www.khanacademy.org/math/linear-algebra",
                }
            ],
            "projects": [{"title": "Regression from scratch", "description": "Fit a line."}],
        },
        "challenges": [
            _challenge(
                "math",
                "linear-algebra",
                "khan-la",
                "dot",
                "quiz",
                options=["0", "32", "[4, 10, 18]"],
                answer="32",
            ),
            _challenge("math", "linear-algebra", "khan-la", "norm", "numeric", answer=5, tolerance=0.001),
            _challenge("math", "linear-algebra", "khan-la", "read-3b1b", "reading"),
        ],
        "concepts": [
            {
                "id": "dot-product",
                "term": "Dot product",
                "aliases": ["inner product"],
                "explanation": "Multiply matching entries and add them up. The result is one number.",
                "related": ["vector"],
                "topic": "linear-algebra",
                "resource": "khan-la",
            },
            {
                "id": "vector",
                "term": "Vector",
                "explanation": "An ordered list of numbers. It can stand for a point or a direction.",
                "topic": "linear-algebra",
            },
        ],
    }
    python = {
        "phase": {
            "id": "python",
            "order": 2,
            "title": "Python",
            "summary": "The language of ML.",
            "duration": "3-4 months",
            "topics": [
                {"id": "python-core", "title": "Core Python", "summary": "Syntax."},
                {"id": "numpy", "title": "NumPy", "summary": "Arrays."},
            ],
            "resources": [{"id": "py-tutorial", "title": "The Python Tutorial", "kind": "docs"}],
            "projects": [{"title": "A scraper", "description": "Scrape a page."}],
        },
        "challenges": [
            _challenge("py", "python-core", "py-tutorial", "def", "short", answers=["def"]),
            _challenge("py", "python-core", "py-tutorial", "first-repo", "task", submit="github"),
            _challenge("py", "numpy", "py-tutorial", "shape", "short", answers=["shape", "ndarray shape"]),
        ],
        "concepts": [
            {
                "id": "numpy-array",
                "term": "NumPy array",
                "aliases": ["ndarray"],
                "explanation": "A grid of values of one type. Operations on it run in fast compiled code.",
                "related": ["vector", "dot-product"],
                "topic": "numpy",
                "resource": "py-tutorial",
            }
        ],
    }
    tracks = {
        "tracks": [
            {"id": "full", "title": "Full track", "phases": ["math", "python"]},
            {
                "id": "fast",
                "title": "Fast track",
                "phases": ["math", "python"],
                "skip_topics": ["python-core"],
            },
        ]
    }
    return {"tracks.yaml": tracks, "phases/01-math.yaml": math, "phases/02-python.yaml": python}


def write_curriculum(root: Path, files: Files) -> Path:
    """Write `files` under `root`: a str is written as it is, anything else as YAML."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = content if isinstance(content, str) else yaml.safe_dump(content, allow_unicode=True, sort_keys=False)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def small(tmp_path: Path) -> Curriculum:
    return load_curriculum(write_curriculum(tmp_path, minimal_files()))


def test_small_curriculum_loads(small: Curriculum) -> None:
    assert [p.id for p in small.phases] == ["math", "python"]
    assert len(small.challenges) == 6
    assert [c.id for c in small.concepts] == ["dot-product", "vector", "numpy-array"]


def test_track_days_skip_topics(small: Curriculum) -> None:
    assert [c.id for c in small.track_days("full")] == [c.id for c in small.challenges]
    assert [c.id for c in small.track_days("fast")] == ["math-dot", "math-norm", "math-read-3b1b", "py-shape"]


def test_day_lookups(small: Curriculum) -> None:
    fast = small.track_days("fast")
    assert small.challenge_for_day("fast", 0) is fast[0]
    assert small.challenge_for_day("fast", 3) is fast[3]
    assert small.challenge_for_day("fast", 4) is None  # past the end: the caller decides
    assert small.phase_of_day("full", 2) == small.phase("math")
    assert small.phase_of_day("full", 3) == small.phase("python")
    assert small.phase_of_day("full", 6) is None
    assert small.day_of("full", "py-def") == 3
    assert small.day_of("fast", "py-def") is None
    with pytest.raises(ValueError, match="day_index"):
        small.challenge_for_day("full", -1)
    with pytest.raises(KeyError, match="nope"):
        small.track_days("nope")


def test_phase_boundaries(small: Curriculum) -> None:
    spans = small.phase_boundaries("full")
    assert [(s.phase.id, s.start, s.length, s.end) for s in spans] == [("math", 0, 3, 3), ("python", 3, 3, 6)]
    fast = small.phase_boundaries("fast")
    assert [(s.phase.id, s.start, s.length) for s in fast] == [("math", 0, 3), ("python", 3, 1)]


def test_id_lookups(small: Curriculum) -> None:
    quiz = small.challenge("math-dot")
    assert isinstance(quiz, QuizChallenge)
    assert (quiz.correct_index, quiz.auto_graded) == (1, True)
    # Members see the options shuffled by challenge id; the letter follows what they see.
    assert sorted(quiz.shown_options) == sorted(quiz.options)
    assert quiz.shown_options["ABCDE".index(quiz.correct_letter)] == quiz.answer
    assert small.challenge("math-nope") is None
    assert small.phase_of("py-def").id == "python"
    assert small.concept("vector") is not None
    assert small.concept("nope") is None
    resource = small.resource("math", "khan-la")
    assert resource is not None and resource.url is not None
    assert small.resource("python", "khan-la") is None
    assert small.topic("python", "numpy") is not None
    assert small.challenges_in("python")[0].id == "py-def"
    assert [c.id for c in small.concepts_in("math")] == ["dot-product", "vector"]
    task = small.challenge("py-first-repo")
    assert task is not None and not task.auto_graded


def test_find_concept_by_term_or_alias(small: Curriculum) -> None:
    assert small.find_concept("Inner-Product") == small.concept("dot-product")
    assert small.find_concept("  dot PRODUCT ") == small.concept("dot-product")
    assert small.find_concept("ndarray") == small.concept("numpy-array")
    assert small.find_concept("tensor") is None


def test_curriculum_items_are_immutable(small: Curriculum) -> None:
    quiz = small.challenge("math-dot")
    assert isinstance(quiz, QuizChallenge)
    with pytest.raises(ValidationError):
        quiz.answer = "0"  # type: ignore[misc]
    assert isinstance(small.challenges, tuple)


# --- bad data: each problem is one line naming the file, the item and the reason -----------------------

Mutation = Callable[[Files], None]


def _math_challenge(files: Files, index: int) -> dict[str, Any]:
    challenge: dict[str, Any] = files["phases/01-math.yaml"]["challenges"][index]
    return challenge


def _unknown_field(files: Files) -> None:
    _math_challenge(files, 0)["answr"] = "32"


def _answer_not_an_option(files: Files) -> None:
    _math_challenge(files, 0)["answer"] = "33"


def _duplicate_option(files: Files) -> None:
    _math_challenge(files, 0)["options"] = ["0", "32", "32"]


def _too_few_options(files: Files) -> None:
    _math_challenge(files, 0)["options"] = ["0", "32"]


def _negative_tolerance(files: Files) -> None:
    _math_challenge(files, 1)["tolerance"] = -0.5


def _duplicate_id_across_files(files: Files) -> None:
    files["phases/02-python.yaml"]["challenges"][2]["id"] = "math-dot"


def _unknown_topic(files: Files) -> None:
    _math_challenge(files, 1)["topic"] = "linear-algebr"


def _unknown_resource(files: Files) -> None:
    _math_challenge(files, 2)["resource"] = "py-tutorial"  # exists, but in another file


def _dangling_related(files: Files) -> None:
    files["phases/02-python.yaml"]["concepts"][0]["related"] = ["vector", "tensor"]


def _bad_slug(files: Files) -> None:
    _math_challenge(files, 1)["id"] = "math_Norm"


def _wrong_prefix(files: Files) -> None:
    _math_challenge(files, 1)["id"] = "py-norm"


def _duplicate_prompt(files: Files) -> None:
    first = files["phases/01-math.yaml"]["challenges"][0]["prompt"]
    files["phases/02-python.yaml"]["challenges"][2]["prompt"] = "  " + first.upper().replace("?", " ?!")


def _yaml_syntax_error(files: Files) -> None:
    files["phases/02-python.yaml"] = "phase:\n  id: python\n  topics: [numpy\nchallenges: []\n"


def _missing_tracks(files: Files) -> None:
    del files["tracks.yaml"]


def _track_unknown_phase(files: Files) -> None:
    files["tracks.yaml"]["tracks"][1]["phases"] = ["math", "pyhton"]


def _unquoted_number_option(files: Files) -> None:
    files["phases/01-math.yaml"] = (
        yaml.safe_dump(files["phases/01-math.yaml"], allow_unicode=True, sort_keys=False)
        .replace("- '0'", "- 0")
        .replace("- '32'", "- 32")
    )


def _exponent_without_dot(files: Files) -> None:
    _math_challenge(files, 1)["tolerance"] = "1e-3"  # what YAML makes of an unquoted 1e-3


def _unknown_kind(files: Files) -> None:
    _math_challenge(files, 2)["kind"] = "essay"


def _too_many_sentences(files: Files) -> None:
    files["phases/01-math.yaml"]["concepts"][1]["explanation"] = "One. Two. Three. Four. Five. Six."


def _not_http_url(files: Files) -> None:
    files["phases/01-math.yaml"]["phase"]["resources"][0]["url"] = "ftp://example.com/la"


def _duplicate_yaml_key(files: Files) -> None:
    files["phases/01-math.yaml"] = "phase:\n  id: math\n  id: maths\n"


def _order_gap(files: Files) -> None:
    files["phases/02-python.yaml"]["phase"]["order"] = 3


def _duplicate_concept_term(files: Files) -> None:
    files["phases/02-python.yaml"]["concepts"][0]["term"] = "vector"


def _short_answers_repeat(files: Files) -> None:
    files["phases/02-python.yaml"]["challenges"][0]["answers"] = ["def", "DEF."]


BAD_DATA: list[tuple[str, Mutation, str, str]] = [
    # (case, mutation, "file: item" the line starts with, reason it contains)
    (
        "unknown field",
        _unknown_field,
        "phases/01-math.yaml: challenges[0] (math-dot)",
        "answr: unknown field (did you mean 'answer'?)",
    ),
    (
        "quiz answer not an option",
        _answer_not_an_option,
        "phases/01-math.yaml: challenges[0] (math-dot)",
        "answer: must be one of the options",
    ),
    (
        "duplicate option",
        _duplicate_option,
        "phases/01-math.yaml: challenges[0] (math-dot)",
        "options: '32' appears twice",
    ),
    (
        "too few options",
        _too_few_options,
        "phases/01-math.yaml: challenges[0] (math-dot)",
        "options: must have at least 3 items, has 2",
    ),
    (
        "negative tolerance",
        _negative_tolerance,
        "phases/01-math.yaml: challenges[1] (math-norm)",
        "tolerance: must be greater than 0",
    ),
    (
        "duplicate id across files",
        _duplicate_id_across_files,
        "phases/02-python.yaml: challenges[2] (math-dot)",
        "id: already used by challenges[0] (math-dot) in phases/01-math.yaml",
    ),
    (
        "unknown topic",
        _unknown_topic,
        "phases/01-math.yaml: challenges[1] (math-norm)",
        "topic: 'linear-algebr' is not a topic of this file (did you mean 'linear-algebra'?)",
    ),
    (
        "unknown resource",
        _unknown_resource,
        "phases/01-math.yaml: challenges[2] (math-read-3b1b)",
        "resource: 'py-tutorial' is not a resource of this file",
    ),
    (
        "dangling related concept",
        _dangling_related,
        "phases/02-python.yaml: concepts[0] (numpy-array)",
        "related: 'tensor' is not a concept id in any phase file",
    ),
    (
        "bad slug",
        _bad_slug,
        "phases/01-math.yaml: challenges[1] (math_Norm)",
        "id: 'math_Norm' is not a slug",
    ),
    (
        "wrong id prefix",
        _wrong_prefix,
        "phases/01-math.yaml: challenges[1] (py-norm)",
        "id: must start with 'math-'",
    ),
    (
        "duplicate prompt",
        _duplicate_prompt,
        "phases/02-python.yaml: challenges[2] (py-shape)",
        "prompt: asks the same as math-dot (challenges[0] (math-dot) in phases/01-math.yaml)",
    ),
    (
        "YAML syntax error",
        _yaml_syntax_error,
        "phases/02-python.yaml: line 4, column 11",
        "YAML error",
    ),
    ("missing tracks.yaml", _missing_tracks, "tracks.yaml", "missing"),
    (
        "track names an unknown phase",
        _track_unknown_phase,
        "tracks.yaml: tracks[1] (fast)",
        "phases: 'pyhton' is not a phase id (did you mean 'python'?)",
    ),
    (
        "unquoted number as an option",
        _unquoted_number_option,
        "phases/01-math.yaml: challenges[0] (math-dot)",
        "options[0]: must be text, got a number (0); quote it in YAML",
    ),
    (
        "exponent without a dot",
        _exponent_without_dot,
        "phases/01-math.yaml: challenges[1] (math-norm)",
        "tolerance: must be a number, got text '1e-3'",
    ),
    (
        "unknown kind",
        _unknown_kind,
        "phases/01-math.yaml: challenges[2] (math-read-3b1b)",
        "kind: must be one of quiz, numeric, short, task, reading, got 'essay'",
    ),
    (
        "too many sentences",
        _too_many_sentences,
        "phases/01-math.yaml: concepts[1] (vector)",
        "explanation: must be 2 to 5 sentences, found 6",
    ),
    (
        "URL not http(s)",
        _not_http_url,
        "phases/01-math.yaml: phase.resources[0] (khan-la)",
        "url: 'ftp://example.com/la' is not an http(s) URL",
    ),
    (
        "duplicate YAML key",
        _duplicate_yaml_key,
        "phases/01-math.yaml: line 3, column 3",
        "duplicate key 'id'",
    ),
    ("phase order gap", _order_gap, "phases/", "phase orders must be 1..2 with no gaps, found [1, 3]"),
    (
        "same concept twice",
        _duplicate_concept_term,
        "phases/02-python.yaml: concepts[0] (numpy-array)",
        "term: 'vector' is also the term of vector in phases/01-math.yaml",
    ),
    (
        "short answers equal after normalising",
        _short_answers_repeat,
        "phases/02-python.yaml: challenges[0] (py-def)",
        "answers: 'DEF.' is the same answer as 'def'",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "where", "reason"), [case[1:] for case in BAD_DATA], ids=[case[0] for case in BAD_DATA]
)
def test_bad_data_is_named_in_one_line(tmp_path: Path, mutate: Mutation, where: str, reason: str) -> None:
    files = copy.deepcopy(minimal_files())
    mutate(files)
    with pytest.raises(CurriculumError) as caught:
        load_curriculum(write_curriculum(tmp_path, files))
    problems = caught.value.problems
    matching = [line for line in problems if line.startswith(where + ":") and reason in line]
    assert len(matching) == 1, "\n".join(problems)
    assert str(caught.value).splitlines() == list(problems)


def test_a_broken_file_does_not_cascade_into_the_others(tmp_path: Path) -> None:
    files = minimal_files()
    _yaml_syntax_error(files)
    with pytest.raises(CurriculumError) as caught:
        load_curriculum(write_curriculum(tmp_path, files))
    # Not "'python' is not a phase id" nor "'numpy-array' ... related": the YAML error is the news.
    assert [line.split(":")[0] for line in caught.value.problems] == ["phases/02-python.yaml"]


def test_all_problems_are_collected(tmp_path: Path) -> None:
    files = minimal_files()
    for mutate in (_unknown_field, _negative_tolerance, _dangling_related, _track_unknown_phase):
        mutate(files)
    with pytest.raises(CurriculumError) as caught:
        load_curriculum(write_curriculum(tmp_path, files))
    assert len(caught.value.problems) == 4
    # Sorted by file, then item.
    assert [line.split(": ")[0] for line in caught.value.problems] == [
        "phases/01-math.yaml",
        "phases/01-math.yaml",
        "phases/02-python.yaml",
        "tracks.yaml",
    ]


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(CurriculumError, match="not a curriculum folder"):
        load_curriculum(tmp_path / "nowhere")


# --- pure helpers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("A dot product multiplies entries. Then it sums them.", 2),
        ("It is big, e.g. 10 or 20. It grows, i.e. it doubles. It stops.", 3),
        ("The mean is 0.5 here. Call `np.dot(a, b)` or `a.dot(b)` to get it.", 2),
        ("Is it linear? Yes! It is.", 3),
        ("No full stop at the end", 1),
        ("Wait... what? It works (mostly). Done.", 4),
    ],
)
def test_count_sentences(text: str, sentences: int) -> None:
    assert count_sentences(text) == sentences


@pytest.mark.parametrize(
    ("text", "normal"),
    [("  Over-Fitting!! ", "overfitting"), ("over   fitting", "over fitting"), ("K_Means", "kmeans")],
)
def test_normalise_text(text: str, normal: str) -> None:
    assert normalise_text(text) == normal


def test_short_accepts_ignoring_case_spaces_and_punctuation() -> None:
    challenge = ShortChallenge.model_validate(
        {**_challenge("ml", "t", "r", "x", "short"), "answers": ["overfitting", "over-fit"]}
    )
    assert challenge.accepts(" Over fitting! ") and challenge.accepts("OVERFIT")
    assert not challenge.accepts("underfitting") and not challenge.accepts("?!")


def test_numeric_accepts_within_tolerance() -> None:
    challenge = NumericChallenge.model_validate(
        {
            **_challenge("math", "t", "r", "x", "numeric"),
            "answer": 0.25,
            "tolerance": 0.005,
        }
    )
    assert challenge.accepts(0.254) and not challenge.accepts(0.26)


@pytest.mark.parametrize("url", ["https://example.com/a", "http://example.com"])
def test_resource_url_http_only(url: str) -> None:
    assert Resource(id="r", title="R", kind="docs", url=url).url == url


@pytest.mark.parametrize("url", ["ftp://example.com", "javascript:alert(1)", "example.com", "https://a b.com"])
def test_resource_url_rejects_others(url: str) -> None:
    with pytest.raises(ValidationError, match="not an http"):
        Resource(id="r", title="R", kind="docs", url=url)
