"""Recompute every numeric answer of the classical-ml phase with plain Python, and check its counts."""

from __future__ import annotations

import math
from fractions import Fraction
from statistics import fmean

from tests.unit.curriculum.phase_checks import Phase, PhaseChecks, sigmoid

PHASE = Phase("classical-ml", 4, "ml-", challenges=62, min_concepts=28, min_auto_share=0.70)


def _gini(counts: list[int]) -> float:
    total = sum(counts)
    return 1 - sum((c / total) ** 2 for c in counts)


def _entropy(counts: list[int]) -> float:
    total = sum(counts)
    return -sum(c / total * math.log2(c / total) for c in counts if c)


def _gd_step_w() -> float:
    xs, ys, w, b, lr = [1, 2], [3, 5], 0.0, 0.0, 0.1
    n = len(xs)
    grad_w = 2 / n * sum((w * x + b - y) * x for x, y in zip(xs, ys, strict=True))
    return w - lr * grad_w


def _auc(pos: list[float], neg: list[float]) -> float:
    wins = sum(1.0 if p > q else 0.5 if p == q else 0.0 for p in pos for q in neg)
    return wins / (len(pos) * len(neg))


def _dbscan_noise(points: list[float], eps: float, min_samples: int) -> int:
    def neighbours(p: float) -> list[float]:
        return [q for q in points if abs(p - q) <= eps]  # includes the point itself

    core = {p for p in points if len(neighbours(p)) >= min_samples}
    in_cluster = set(core) | {q for p in core for q in neighbours(p)}
    return sum(1 for p in points if p not in in_cluster)


def _components_for(eigenvalues: list[float], share: float) -> int:
    total, running = sum(eigenvalues), 0.0
    for index, value in enumerate(eigenvalues, start=1):
        running += value
        if running / total >= share:
            return index
    raise AssertionError("share never reached")


def _info_gain() -> float:
    parent, left, right = [9, 5], [6, 2], [3, 3]
    n = sum(parent)
    return _entropy(parent) - sum(left) / n * _entropy(left) - sum(right) / n * _entropy(right)


def _f1(tp: int, fp: int, fn: int) -> float:
    precision, recall = Fraction(tp, tp + fp), Fraction(tp, tp + fn)
    return float(2 * precision * recall / (precision + recall))


COMPUTED: dict[str, float] = {
    "ml-train-val-test-rows": 1200 * Fraction(80, 100) * Fraction(75, 100),
    "ml-mse-four-predictions": fmean((p - y) ** 2 for p, y in zip([2.5, 5, 4, 8], [3, 5, 2, 7], strict=True)),
    "ml-linreg-cost-function": sum((2 * x + 0.5 - y) ** 2 for x, y in zip([1, 2, 3, 4], [3, 5, 6, 9], strict=True))
    / (2 * 4),
    "ml-gd-update-weight": _gd_step_w(),
    "ml-sigmoid-of-score": sigmoid(0.8 * 2 + -0.4 * 1 - 0.2),
    "ml-log-loss-single": -math.log(1 - 0.3),
    # 2*x1 - 1*x2 - 4 = 0 with x2 = 2
    "ml-logreg-decision-boundary": (4 + 1 * 2) / 2,
    "ml-precision-from-matrix": Fraction(45, 45 + 15),
    "ml-recall-from-matrix": Fraction(30, 30 + 70),
    "ml-f1-from-matrix": _f1(60, 20, 40),
    "ml-auc-from-scores": _auc([0.9, 0.7, 0.4], [0.8, 0.3, 0.2, 0.1]),
    "ml-mae-regression": fmean(abs(p - y) for p, y in zip([110, 140, 200, 270], [100, 150, 200, 250], strict=True)),
    "ml-rmse-with-big-miss": math.sqrt(
        fmean((p - y) ** 2 for p, y in zip([11, 12, 13, 24, 8], [10, 12, 15, 20, 8], strict=True))
    ),
    "ml-kfold-training-rows": 1250 * Fraction(4, 5),
    "ml-l2-penalised-loss": 2.4 + 0.1 * sum(w**2 for w in [3, -2, 0.5]),
    "ml-grid-search-fit-count": len([0.1, 1, 10]) * len([0.01, 0.1, 1, 10]) * 5,
    "ml-gini-impurity-node": _gini([6, 4]),
    "ml-entropy-node": _entropy([9, 5]),
    "ml-information-gain-split": _info_gain(),
    "ml-bootstrap-out-of-bag": (1 - 1 / 10) ** 10,
    "ml-boosting-first-step": fmean([10, 14, 18]) + 0.1 * (18 - fmean([10, 14, 18])),
    "ml-manhattan-distance": sum(abs(a - b) for a, b in zip([1, 5, -2], [4, 1, 3], strict=True)),
    "ml-svm-margin-width": 2 / math.hypot(3, 4),
    "ml-kmeans-centroid-update": fmean([7, 5, 6, 1]),
    "ml-dbscan-noise-count": _dbscan_noise([1, 2, 3, 4, 8, 9, 15], eps=1.5, min_samples=3),
    "ml-pca-explained-variance": (2.0 + 1.25) / sum([2.0, 1.25, 0.5, 0.25]),
    "ml-pca-components-needed": _components_for([5, 2, 1.5, 1, 0.5], 0.90),
    "ml-accuracy-paradox": Fraction(1000 - 10, 1000),
    "ml-class-weight-balanced": 1000 / (2 * 50),
}


class TestSharedChecks(PhaseChecks):
    phase = PHASE
    computed = COMPUTED


def test_knn_vote_quiz_key() -> None:
    training = [
        ((1, 1), "red"),
        ((2, 4), "blue"),
        ((4, 4), "blue"),
        ((3, 1), "red"),
        ((5, 3), "red"),
        ((6, 6), "green"),
        ((3, 6), "green"),
    ]
    ranked = sorted(training, key=lambda item: math.dist((3, 3), item[0]))
    distances = [math.dist((3, 3), point) for point, _ in ranked]
    assert distances[4] < distances[5]  # no tie at the k = 5 boundary
    labels = [label for _, label in ranked[:5]]
    winner = max(set(labels), key=labels.count)
    assert labels.count(winner) == 3
    quiz = next(c for c in PHASE.load()["challenges"] if c["id"] == "ml-knn-majority-vote")
    assert quiz["answer"] == winner
