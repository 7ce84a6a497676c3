"""Answer keys of curriculum/phases/08-specializations.yaml, recomputed with plain Python."""

from __future__ import annotations

import pytest

from tests.unit.curriculum.phase_checks import Phase, PhaseChecks, cosine, softmax

PHASE = Phase("specializations", 8, "spec-", challenges=28, min_concepts=16, min_auto_share=0.60)

Box = tuple[float, float, float, float]


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
    values["spec-temperature-softmax"] = softmax([v / temperature for v in logits])[0]
    assert softmax(logits)[0] == pytest.approx(0.665, abs=0.0005)  # the T = 1 value in the explanation

    # ---- recommender systems
    film_x, film_y = [5, 3, 4, 4], [3, 1, 2, 3]
    values["spec-item-item-cosine"] = cosine(film_x, film_y)

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


class TestSharedChecks(PhaseChecks):
    phase = PHASE
    computed = COMPUTED
