"""Answer keys of curriculum/phases/08-specializations.yaml, recomputed with plain Python."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml

PHASE_FILE = Path(__file__).resolve().parents[3] / "curriculum" / "phases" / "08-specializations.yaml"

TARGET_CHALLENGES = 28
MIN_CONCEPTS = 16
MIN_AUTO_SHARE = 0.60
AUTO_KINDS = {"quiz", "numeric", "short"}
OWN_ANCHORS = {
    "object-detection",
    "image-segmentation",
    "large-language-model",
    "tokenization",
    "collaborative-filtering",
    "content-based-filtering",
    "cold-start-problem",
    "reinforcement-learning",
    "edge-ai",
    "model-quantization",
}

Box = tuple[float, float, float, float]


def _load() -> dict[str, Any]:
    with PHASE_FILE.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


def _iou(a: Box, b: Box) -> float:
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = width * height
    area_a = (a[2] - a[0]) * (a[3] - a[1])
    area_b = (b[2] - b[0]) * (b[3] - b[1])
    return inter / (area_a + area_b - inter)


def _greedy_nms(scores: dict[str, float], ious: dict[frozenset[str], float], threshold: float) -> list[str]:
    kept: list[str] = []
    for box in sorted(scores, key=scores.__getitem__, reverse=True):
        if all(ious[frozenset((box, k))] <= threshold for k in kept):
            kept.append(box)
    return kept


def _softmax(logits: list[float]) -> list[float]:
    exps = [math.exp(v) for v in logits]
    total = sum(exps)
    return [e / total for e in exps]


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


def _compute() -> dict[str, float]:
    values: dict[str, float] = {}

    # ---- computer vision
    grid, boxes_per_cell, numbers_per_box, classes = 7, 2, 5, 20
    values["spec-yolo-grid-output-size"] = grid * grid * (boxes_per_cell * numbers_per_box + classes)

    predicted: Box = (1, 1, 5, 5)
    truth: Box = (3, 2, 7, 6)
    values["spec-iou-two-boxes"] = _iou(predicted, truth)
    assert values["spec-iou-two-boxes"] == pytest.approx(6 / 26)

    scores = {"A": 0.90, "B": 0.80, "C": 0.60, "D": 0.50}
    pair_ious = {"AB": 0.70, "AC": 0.10, "AD": 0.30, "BC": 0.20, "BD": 0.05, "CD": 0.60}
    ious = {frozenset(pair): value for pair, value in pair_ious.items()}
    kept = _greedy_nms(scores, ious, threshold=0.5)
    assert kept == ["A", "C"]
    values["spec-nms-boxes-kept"] = len(kept)

    # ---- nlp
    values["spec-llm-weights-memory"] = 7_000_000_000 * 2 / 1_000_000_000

    temperature = 2.0
    logits = [2.0, 1.0, 0.0]
    values["spec-temperature-softmax"] = _softmax([v / temperature for v in logits])[0]
    assert _softmax(logits)[0] == pytest.approx(0.665, abs=0.0005)  # the T = 1 value in the explanation

    # ---- recommender systems
    film_x, film_y = [5, 3, 4, 4], [3, 1, 2, 3]
    values["spec-item-item-cosine"] = _cosine(film_x, film_y)

    recommended = ["A", "B", "C", "D", "E"]
    relevant = {"B", "E", "G", "H"}
    hits = sum(1 for item in recommended if item in relevant)
    values["spec-precision-at-k"] = hits / len(recommended)
    assert hits / len(relevant) == 0.5  # recall@5 in the explanation

    # ---- reinforcement learning
    gamma = 0.9
    rewards = [1, 0, 2, 10]
    values["spec-discounted-return"] = sum(gamma**t * r for t, r in enumerate(rewards))

    q, alpha, reward, best_next = 2.0, 0.1, 1.0, 5.0
    values["spec-q-learning-update"] = q + alpha * (reward + gamma * best_next - q)

    # ---- edge AI
    scale, zero_point, weight = 0.02, 10, 0.537
    q_int = round(weight / scale) + zero_point
    assert -128 <= q_int <= 127
    assert (q_int - zero_point) * scale == pytest.approx(0.54)  # dequantised value in the explanation
    values["spec-int8-quantize-value"] = q_int

    return values


COMPUTED = _compute()


def _numeric_challenges() -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in _load()["challenges"] if c["kind"] == "numeric"}


def test_every_numeric_challenge_is_recomputed() -> None:
    assert set(_numeric_challenges()) == set(COMPUTED)


@pytest.mark.parametrize("challenge_id", sorted(COMPUTED))
def test_numeric_answer_matches_computation(challenge_id: str) -> None:
    challenge = _numeric_challenges()[challenge_id]
    tolerance = float(challenge["tolerance"])
    assert tolerance > 0
    assert abs(float(challenge["answer"]) - COMPUTED[challenge_id]) <= tolerance, (
        challenge_id,
        challenge["answer"],
        COMPUTED[challenge_id],
    )


def test_quiz_answers_are_options() -> None:
    for challenge in _load()["challenges"]:
        if challenge["kind"] == "quiz":
            options = challenge["options"]
            assert 3 <= len(options) <= 5, challenge["id"]
            assert len(set(options)) == len(options), challenge["id"]
            assert options.count(challenge["answer"]) == 1, challenge["id"]


def test_counts() -> None:
    data = _load()
    challenges = data["challenges"]
    assert data["phase"]["id"] == "specializations"
    assert data["phase"]["order"] == 8
    assert len(challenges) == TARGET_CHALLENGES
    assert len(data["concepts"]) >= MIN_CONCEPTS
    auto = sum(1 for c in challenges if c["kind"] in AUTO_KINDS)
    assert auto / len(challenges) >= MIN_AUTO_SHARE
    assert all(c["id"].startswith("spec-") for c in challenges)
    assert len({c["id"] for c in challenges}) == len(challenges)
    assert {c["id"] for c in data["concepts"]} >= OWN_ANCHORS
