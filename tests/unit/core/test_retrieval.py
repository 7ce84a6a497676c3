"""Concept retrieval for /ask: a table of learners' questions (typos included) and the rules behind it."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.core.retrieval import ConceptIndex, Hit, is_confident
from bot.curriculum import load_curriculum
from bot.curriculum.loader import Curriculum
from bot.curriculum.models import Concept

CURRICULUM_DIR = Path(__file__).resolve().parents[3] / "curriculum"
QUESTIONS_FILE = Path(__file__).with_name("retrieval_questions.yaml")
PHASES = ("math", "python", "data-science", "classical-ml", "deep-learning", "mlops", "portfolio", "specializations")
MIN_QUESTIONS = 40
MIN_TOP1_RATE = 0.8  # comparisons ask for two notes, so a few rows can never be first


@cache
def _curriculum() -> Curriculum:
    return load_curriculum(CURRICULUM_DIR)


@cache
def _index() -> ConceptIndex:
    return ConceptIndex.from_curriculum(_curriculum())


def _questions() -> list[dict[str, Any]]:
    with QUESTIONS_FILE.open(encoding="utf-8") as fh:
        rows: list[dict[str, Any]] = yaml.safe_load(fh)["questions"]
    return rows


def _ids(hits: list[Hit]) -> list[str]:
    return [hit.concept.id for hit in hits]


# --- the question table ---------------------------------------------------------------------


@pytest.mark.parametrize("row", _questions(), ids=lambda row: f"{row['q']} -> {row['id']}")
def test_question_finds_its_note_in_the_top_three(row: dict[str, Any]) -> None:
    hits = _index().search(row["q"], phase_id=row.get("phase"))
    assert row["id"] in _ids(hits)


def test_question_table_is_broad_and_names_real_notes() -> None:
    rows = _questions()
    curriculum = _curriculum()
    assert len(rows) >= MIN_QUESTIONS
    assert all(set(row) <= {"q", "id", "phase"} for row in rows)
    unknown = [row["id"] for row in rows if curriculum.concept(row["id"]) is None]
    assert unknown == []
    phase_of = {concept.id: phase.id for phase in curriculum.phases for concept in curriculum.concepts_in(phase.id)}
    assert {phase_of[row["id"]] for row in rows} == set(PHASES)
    assert all(row.get("phase", PHASES[0]) in PHASES for row in rows)


def test_most_questions_find_their_note_first() -> None:
    rows = _questions()
    first = sum(_ids(_index().search(row["q"], phase_id=row.get("phase")))[:1] == [row["id"]] for row in rows)
    assert first / len(rows) >= MIN_TOP1_RATE


def test_every_term_finds_its_note_first_and_every_alias_in_the_top_three() -> None:
    index = _index()
    assert len(index) == len(_curriculum().concepts)
    for concept in _curriculum().concepts:
        assert _ids(index.search(concept.term))[:1] == [concept.id], concept.term
        for alias in concept.aliases:
            if alias.casefold() in ("having", "over"):  # SQL keywords that are stop words in a question
                continue
            assert concept.id in _ids(index.search(alias)), alias


# --- reading the question -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expected", "questions"),
    [
        ("overfitting", ["overfitting", "Overfitting?", "over-fitting", "over fitting", "overfit", "OVERFITING"]),
        ("regularization", ["regularization", "regularisation", "regularise", "regularized", "regularizaton"]),
        ("backpropagation", ["backpropagation", "back propagation", "back-propagation", "backpropogation", "backprop"]),
        ("k-means", ["k-means", "kmeans", "k means", "K-Means clustering", "k-means clusters"]),
        ("hyperparameter-tuning", ["hyperparameter tuning", "hyper parameter tuning", "hyperparamter tuning"]),
        ("tokenization", ["tokenisation", "tokenization", "tokenizers", "tokeniser"]),
        ("matrix-multiplication", ["matrix multiplication", "multiplying matrices", "matrix multiplcation"]),
        ("bias-variance-tradeoff", ["bias variance tradeoff", "bias-variance trade-off", "bias variance trade off"]),
    ],
)
def test_spelling_and_word_forms_do_not_matter(expected: str, questions: list[str]) -> None:
    for question in questions:
        assert _ids(_index().search(question))[:1] == [expected], question


@pytest.mark.parametrize(
    "question",
    ["", "   ", "\n\t ", "?!...", "what is", "what is the difference between", "explain it to me please",
     "vs", "what does it mean?", "can you tell me", "diffrence betwen"],
)  # fmt: skip
def test_empty_or_fluff_questions_find_nothing(question: str) -> None:
    assert _index().search(question) == []
    assert not is_confident(_index().search(question))


def test_typos_show_corrected_in_matched_words() -> None:
    best = _index().search("gradiant decent")[0]
    assert best.concept.id == "gradient-descent"
    assert best.matched == ("gradient", "descent")
    assert best.phrase == "Gradient descent"


def test_a_longer_phrase_outranks_the_words_inside_it() -> None:
    hits = _index().search("what is gradient descent")
    assert hits[0].concept.id == "gradient-descent"
    assert all(hit.phrase is None for hit in hits if hit.concept.id == "gradient")


def test_stop_words_still_complete_a_phrase() -> None:
    best = _index().search("cosine of the angle")[0]
    assert (best.concept.id, best.phrase) == ("cosine-similarity", "cosine of the angle")


def test_mean_is_fluff_only_when_asking_what_something_means() -> None:
    assert _index().search("what does it mean") == []
    assert _ids(_index().search("what does mean squared error measure"))[0] == "regression-error-metrics"
    assert _ids(_index().search("what is meant by regularisation"))[0] == "regularization"


@pytest.mark.parametrize(
    ("question", "pair"),
    [
        ("bagging vs boosting", {"bagging", "gradient-boosting"}),
        ("difference between precision and recall", {"precision", "recall"}),
        ("what's the difference between a list and a tuple?", {"python-list", "python-tuple"}),
        ("sigmoid versus softmax", {"activation-function", "softmax-function"}),
        ("compare data drift with concept drift", {"data-drift", "concept-drift"}),
    ],
)
def test_a_comparison_returns_both_sides(question: str, pair: set[str]) -> None:
    assert set(_ids(_index().search(question, limit=2))) == pair
    assert pair <= set(_ids(_index().search(question)))


# --- results --------------------------------------------------------------------------------


def test_limit_bounds_the_hits() -> None:
    index = _index()
    assert len(index.search("gradient", limit=1)) == 1
    assert 3 < len(index.search("gradient", limit=10)) <= 10
    with pytest.raises(ValueError, match="limit"):
        index.search("gradient", limit=0)


def test_hits_name_their_phase() -> None:
    best = _index().search("docker image")[0]
    assert (best.concept.id, best.phase_id) == ("docker-image", "mlops")


def _note(note_id: str, term: str) -> Concept:
    return Concept(
        id=note_id,
        term=term,
        explanation="A widget turns sprockets into gizmos. Every widget needs oiling.",
        topic="widgets",
    )


def test_the_current_phase_nudges_its_notes_up_without_filtering() -> None:
    index = ConceptIndex(
        {"early": [_note("left-widget", "Left widget")], "late": [_note("right-widget", "Right widget")]}
    )
    assert _ids(index.search("how do I oil a widget")) == ["left-widget", "right-widget"]
    assert _ids(index.search("how do I oil a widget", phase_id="late")) == ["right-widget", "left-widget"]
    assert _ids(index.search("left widget", phase_id="late")) == ["left-widget", "right-widget"]
    assert _ids(index.search("how do I oil a widget", phase_id="no-such-phase")) == ["left-widget", "right-widget"]
    assert _ids(_index().search("overfitting", phase_id="math"))[0] == "overfitting"


def test_an_empty_index_finds_nothing() -> None:
    index = ConceptIndex({})
    assert len(index) == 0
    assert index.search("gradient descent") == []


def test_a_note_listed_twice_is_indexed_once() -> None:
    note = _note("left-widget", "Left widget")
    index = ConceptIndex({"early": [note, note], "late": [note]})
    assert len(index) == 1
    assert [hit.phase_id for hit in index.search("widget")] == ["early"]


# --- confidence -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    ["what is overfitting", "gradiant decent", "bagging vs boosting", "what are window functions in SQL",
     "what to do when classes are imbalanced", "what is an api"],
)  # fmt: skip
def test_confident_when_the_question_names_a_note(question: str) -> None:
    assert is_confident(_index().search(question))


@pytest.mark.parametrize(
    "question",
    ["how do I cook pasta", "what's the weather in paris", "who won the football match yesterday",
     "xyzzy plugh", "what is love", "how to get a job in ML"],
)  # fmt: skip
def test_not_confident_when_only_loosely_related(question: str) -> None:
    assert not is_confident(_index().search(question))


def test_not_confident_without_hits() -> None:
    assert not is_confident([])


# --- anything a member types ----------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.integers(min_value=1, max_value=8), st.sampled_from([None, *PHASES]))
@example("", 3, None)
@example("a" * 5000, 3, None)
@example("ß" * 300 + " Ωmega é́́ 😀 \x00 \u200b", 3, "math")
@example("vs vs and or between difference", 3, None)
@example(" ".join(["gradiant"] * 500), 3, None)
@example("difference between " + "x and " * 200, 3, None)
def test_any_text_gives_well_formed_hits(question: str, limit: int, phase_id: str | None) -> None:
    hits = _index().search(question, limit=limit, phase_id=phase_id)
    assert len(hits) <= limit
    assert len({hit.concept.id for hit in hits}) == len(hits)
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
    for hit in hits:
        assert hit.score > 0
        assert 0 <= hit.name_coverage <= hit.coverage <= 1
    is_confident(hits)
