"""The checks every `test_answers_<phase>.py` shares, so each of those keeps only what is its phase's own.

A phase module states its targets in a `Phase`, recomputes its numeric answers into a `{challenge_id: value}`
dict, and collects the shared checks with

    class TestSharedChecks(PhaseChecks):
        phase = PHASE
        computed = COMPUTED

which runs, on that phase's YAML file: every numeric challenge is recomputed (and nothing else is); each
numeric answer lies within its tolerance of the computation (one test per challenge id, so a failure names
the challenge); each quiz answer is exactly one of 3-5 distinct options; and the counts (phase id and order,
challenges, unique ids and their prefix, prompt length, concepts, auto-graded share, anchor concepts).

Below them: the anchor concept ids of every phase, and the small math helpers several phases recompute with.
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, SupportsFloat

import pytest
import yaml

PHASES_DIR = Path(__file__).resolve().parents[3] / "curriculum" / "phases"

AUTO_GRADED_KINDS = frozenset({"quiz", "numeric", "short"})
MAX_PROMPT_CHARS = 900

# Anchor concept ids of each phase (curriculum spec): a phase defines its own, and `related` may point at others'.
# fmt: off
ANCHORS: dict[str, frozenset[str]] = {
    "math": frozenset({
        "vector", "matrix", "dot-product", "matrix-multiplication", "eigenvalues-eigenvectors", "derivative",
        "partial-derivative", "gradient", "chain-rule", "probability-distribution", "bayes-theorem",
        "expected-value", "variance", "normal-distribution", "hypothesis-testing", "p-value", "confidence-interval",
    }),
    "python": frozenset({
        "python-list", "python-dictionary", "numpy-array", "broadcasting", "vectorization", "pandas-dataframe",
        "groupby", "sql-join", "git-branch", "pull-request", "virtual-environment", "unit-testing",
        "jupyter-notebook",
    }),
    "data-science": frozenset({
        "missing-values", "exploratory-data-analysis", "feature-engineering", "one-hot-encoding", "feature-scaling",
        "outliers", "data-leakage",
    }),
    "classical-ml": frozenset({
        "supervised-learning", "unsupervised-learning", "linear-regression", "logistic-regression",
        "loss-function", "gradient-descent", "overfitting", "underfitting", "bias-variance-tradeoff",
        "regularization", "train-test-split", "cross-validation", "decision-tree", "random-forest",
        "gradient-boosting", "support-vector-machine", "k-nearest-neighbors", "k-means", "dbscan",
        "confusion-matrix", "precision", "recall", "f1-score", "roc-auc", "class-imbalance",
        "hyperparameter-tuning", "pca",
    }),
    "deep-learning": frozenset({
        "neural-network", "perceptron", "activation-function", "backpropagation", "learning-rate", "batch-size",
        "epoch", "dropout", "batch-normalization", "convolutional-neural-network", "recurrent-neural-network",
        "lstm", "transformer", "attention-mechanism", "embedding", "transfer-learning", "pytorch-tensor",
        "optimizer-adam",
    }),
    "mlops": frozenset({
        "rest-api", "fastapi", "docker-container", "experiment-tracking", "model-registry", "ci-cd",
        "model-monitoring", "data-drift", "concept-drift", "etl", "workflow-orchestration", "feature-store",
        "data-versioning",
    }),
    "portfolio": frozenset({
        "kaggle-competition", "end-to-end-project", "model-card", "technical-writing", "open-source-contribution",
    }),
    "specializations": frozenset({
        "object-detection", "image-segmentation", "large-language-model", "tokenization", "collaborative-filtering",
        "content-based-filtering", "cold-start-problem", "reinforcement-learning", "edge-ai", "model-quantization",
    }),
}
# fmt: on


def anchors_of_other_phases(phase_id: str) -> frozenset[str]:
    return frozenset().union(*(ids for other, ids in ANCHORS.items() if other != phase_id))


def load_phase(file_name: str) -> dict[str, Any]:
    """A phase file of curriculum/phases/, parsed once a run; each call gets its own copy to read or edit."""
    return copy.deepcopy(_parsed(file_name))


@functools.cache
def _parsed(file_name: str) -> dict[str, Any]:
    with (PHASES_DIR / file_name).open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


@dataclass(frozen=True)
class Phase:
    """A phase and the targets its tests hold it to."""

    id: str
    order: int
    prefix: str  # of every challenge id
    challenges: int  # exactly this many
    min_concepts: int
    min_auto_share: float  # of auto-graded challenges

    @property
    def file(self) -> str:
        """Its file in curriculum/phases/, such as 01-math.yaml."""
        return f"{self.order:02d}-{self.id}.yaml"

    def load(self) -> dict[str, Any]:
        return load_phase(self.file)


def numeric_challenges(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in data["challenges"] if c["kind"] == "numeric"}


def check_answer_positions_vary(challenges: Sequence[Mapping[str, Any]]) -> None:
    """Options are shown as letters in file order, so the key must not always sit in one place."""
    positions = [c["options"].index(c["answer"]) for c in challenges if c["kind"] == "quiz"]
    most_common = max(positions.count(p) for p in set(positions))
    assert most_common <= len(positions) // 2


class PhaseChecks:
    """Base of each phase module's `TestSharedChecks`, which sets `phase` and `computed`."""

    phase: ClassVar[Phase]
    computed: ClassVar[Mapping[str, SupportsFloat]]  # challenge id -> the answer recomputed in plain Python

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if "challenge_id" in metafunc.fixturenames:
            metafunc.parametrize("challenge_id", sorted(self.computed))

    def test_every_numeric_challenge_is_recomputed(self) -> None:
        numeric_ids = set(numeric_challenges(self.phase.load()))
        computed = set(self.computed)
        assert numeric_ids == computed, (
            f"missing: {sorted(numeric_ids - computed)}, extra: {sorted(computed - numeric_ids)}"
        )

    def test_numeric_answer_matches_computation(self, challenge_id: str) -> None:
        challenge = numeric_challenges(self.phase.load())[challenge_id]
        answer, tolerance = challenge["answer"], challenge["tolerance"]
        expected = float(self.computed[challenge_id])
        assert isinstance(answer, int | float), (challenge_id, answer)
        assert tolerance > 0, (challenge_id, tolerance)
        assert abs(answer - expected) <= tolerance, f"{challenge_id}: key {answer} but computed {expected}"

    def test_quiz_answers_are_options(self) -> None:
        for challenge in self.phase.load()["challenges"]:
            if challenge["kind"] == "quiz":
                options = challenge["options"]
                assert 3 <= len(options) <= 5, challenge["id"]
                assert len(set(options)) == len(options), challenge["id"]
                assert options.count(challenge["answer"]) == 1, challenge["id"]

    def test_counts(self) -> None:
        data = self.phase.load()
        challenges, concepts = data["challenges"], data["concepts"]
        assert (data["phase"]["id"], data["phase"]["order"]) == (self.phase.id, self.phase.order)
        assert len(challenges) == self.phase.challenges
        challenge_ids = [c["id"] for c in challenges]
        assert len(set(challenge_ids)) == len(challenge_ids)
        assert [i for i in challenge_ids if not i.startswith(self.phase.prefix)] == []
        assert [c["id"] for c in challenges if len(c["prompt"]) > MAX_PROMPT_CHARS] == []
        assert len(concepts) >= self.phase.min_concepts
        auto = sum(1 for c in challenges if c["kind"] in AUTO_GRADED_KINDS)
        assert auto / len(challenges) >= self.phase.min_auto_share
        assert ANCHORS[self.phase.id] - {c["id"] for c in concepts} == set()


# ---- small math helpers, used by the recomputations of several phases


def dot(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def norm(a: Sequence[float]) -> float:
    return math.sqrt(dot(a, a))


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    return dot(a, b) / (norm(a) * norm(b))


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def softmax(logits: Sequence[float]) -> list[float]:
    exps = [math.exp(v) for v in logits]
    total = sum(exps)
    return [e / total for e in exps]
