"""Answer keys of curriculum/phases/01-math.yaml, recomputed with plain Python."""

from __future__ import annotations

import math
from fractions import Fraction
from statistics import NormalDist, stdev

from tests.unit.curriculum.phase_checks import (
    Phase,
    PhaseChecks,
    check_answer_positions_vary,
    cosine,
    dot,
    norm,
    sigmoid,
)

PHASE = Phase("math", 1, "math-", challenges=46, min_concepts=26, min_auto_share=0.85)


def _matmul(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    assert len(a[0]) == len(b)
    cols = [[row[j] for row in b] for j in range(len(b[0]))]
    return [[dot(row, col) for col in cols] for row in a]


def _det2(m: list[list[float]]) -> float:
    return m[0][0] * m[1][1] - m[0][1] * m[1][0]


def _eigenvalues_2x2(m: list[list[float]]) -> tuple[float, float]:
    tr = m[0][0] + m[1][1]
    det = _det2(m)
    disc = math.sqrt(tr * tr - 4 * det)
    return (tr + disc) / 2, (tr - disc) / 2


def _binom_pmf(n: int, k: int, p: Fraction) -> Fraction:
    return math.comb(n, k) * p**k * (1 - p) ** (n - k)


def _compute() -> dict[str, float]:
    values: dict[str, float] = {}

    # ---- linear algebra
    u, v = [2, -1, 3], [1, 4, 0]
    w = [2 * a - 3 * b for a, b in zip(u, v, strict=True)]
    values["math-vector-linear-combination"] = w[1]

    values["math-vector-norm"] = norm([3, 4, 12])

    values["math-dot-product-basic"] = dot([2, -1, 3], [4, 5, -2])

    a, b = [1, 2, 2], [2, 0, 1]
    values["math-cosine-similarity"] = cosine(a, b)

    product = _matmul([[1, 2, 0], [3, -1, 4]], [[2, 1], [0, 5], [-1, 3]])
    assert product == [[2, 11], [2, 10]]
    values["math-matrix-product-entry"] = product[1][1]

    # columns of M are the images of i and j
    m = [[3, -2], [1, 4]]
    mv = _matmul(m, [[2], [3]])
    values["math-matrix-columns-basis"] = mv[1][0]

    values["math-determinant-area-scaling"] = abs(_det2([[2, 1], [1, 3]])) * 4

    lam_big, lam_small = _eigenvalues_2x2([[4, 1], [2, 3]])
    assert math.isclose(lam_small, 2)
    # A v = lambda v for v = [1, 1]
    assert _matmul([[4, 1], [2, 3]], [[1], [1]]) == [[lam_big], [lam_big]]
    values["math-eigenvalues-2x2"] = lam_big

    # ---- calculus
    def f_poly_prime(x: float) -> float:  # f(x) = 3x^3 - 5x^2 + 2x - 7
        return 9 * x**2 - 10 * x + 2

    values["math-derivative-polynomial"] = f_poly_prime(2)

    def f_chain_prime(x: float) -> float:  # f(x) = (3x^2 + 1)^4
        return 4 * (3 * x**2 + 1) ** 3 * 6 * x

    values["math-chain-rule-power"] = f_chain_prime(1)

    s2 = sigmoid(2)
    sig_prime = math.exp(-2) / (1 + math.exp(-2)) ** 2
    assert math.isclose(sig_prime, s2 * (1 - s2))
    values["math-sigmoid-derivative"] = sig_prime

    def df_dy(x: float, y: float) -> float:  # f = x^2 y + 3 x y^2
        return x**2 + 6 * x * y

    values["math-partial-derivative"] = df_dy(2, 1)

    grad = [2 * 1, 6 * 2]  # f = x^2 + 3y^2 at (1, 2)
    values["math-gradient-magnitude"] = norm(grad)

    x_min = Fraction(12, 4)  # f'(x) = 4x - 12 = 0
    values["math-find-minimum"] = float(2 * x_min**2 - 12 * x_min + 5)

    wgt, bias, lr = 3.0, 0.0, 0.1  # L = (w - 1)^2 + 2(b + 2)^2
    new_w = wgt - lr * 2 * (wgt - 1)
    new_b = bias - lr * 4 * (bias + 2)
    assert math.isclose(new_w, 2.6)
    values["math-gradient-descent-step"] = new_b

    # ---- probability
    two_dice = [(d1, d2) for d1 in range(1, 7) for d2 in range(1, 7)]
    values["math-two-dice-sum"] = Fraction(sum(1 for d1, d2 in two_dice if d1 + d2 == 8), 36)

    values["math-conditional-probability"] = Fraction(24, 100) / Fraction(60, 100)

    def posterior(prior: Fraction) -> Fraction:
        sens, fpr = Fraction(90, 100), Fraction(5, 100)
        return sens * prior / (sens * prior + fpr * (1 - prior))

    values["math-bayes-medical-test"] = posterior(Fraction(1, 100))

    die = range(1, 7)
    values["math-expected-value-game"] = sum(Fraction(d if d % 2 == 0 else -3, 6) for d in die)

    dist = {0: Fraction(2, 10), 1: Fraction(5, 10), 2: Fraction(3, 10)}
    mean = sum(x * p for x, p in dist.items())
    values["math-variance-discrete"] = sum(x * x * p for x, p in dist.items()) - mean**2

    p_correct = Fraction(8, 10)
    values["math-binomial-at-least"] = _binom_pmf(5, 4, p_correct) + _binom_pmf(5, 5, p_correct)

    heights = NormalDist(170, 8)
    values["math-normal-between"] = heights.cdf(186) - heights.cdf(162)

    # ---- statistics
    values["math-sample-standard-deviation"] = stdev([4, 8, 6, 5, 7])

    values["math-z-score"] = (90 - 72) / 8

    values["math-p-value-from-z"] = 2 * (1 - NormalDist().cdf(2.5))

    values["math-confidence-interval-bound"] = 50 + 1.96 * 12 / math.sqrt(64)

    return {key: float(val) for key, val in values.items()}


COMPUTED = _compute()


class TestSharedChecks(PhaseChecks):
    phase = PHASE
    computed = COMPUTED


def test_quiz_side_facts() -> None:
    # math-bayes-base-rate: the posterior rises from about 0.15 to about 0.67
    sens, fpr = 0.9, 0.05
    low = sens * 0.01 / (sens * 0.01 + fpr * 0.99)
    high = sens * 0.10 / (sens * 0.10 + fpr * 0.90)
    assert round(low, 2) == 0.15
    assert round(high, 2) == 0.67
    # math-learning-rate-too-large: x <- x - 1.5 * 2x on f(x) = x^2 from x = 1
    xs = [1.0]
    for _ in range(3):
        xs.append(xs[-1] - 1.5 * 2 * xs[-1])
    assert xs == [1, -2, 4, -8]
    # math-rotation-matrix: [[0, -1], [1, 0]] sends i to j (counterclockwise quarter turn)
    assert _matmul([[0, -1], [1, 0]], [[1], [0]]) == [[0], [1]]
    # math-determinant-zero: the example singular matrix with no zero entries
    rows = [[1, 2, 3], [2, 4, 6], [1, 1, 1]]
    det3 = (
        rows[0][0] * (rows[1][1] * rows[2][2] - rows[1][2] * rows[2][1])
        - rows[0][1] * (rows[1][0] * rows[2][2] - rows[1][2] * rows[2][0])
        + rows[0][2] * (rows[1][0] * rows[2][1] - rows[1][1] * rows[2][0])
    )
    assert det3 == 0
    # math-statistical-vs-practical-significance: 91.20% vs 91.33% with 1,000,000 users each gives p ~ 0.001
    n = 1_000_000
    p_old, p_new = 0.9120, 0.9133
    pooled = (p_old + p_new) / 2
    z = (p_new - p_old) / math.sqrt(pooled * (1 - pooled) * 2 / n)
    assert round(2 * (1 - NormalDist().cdf(z)), 3) == 0.001
    # math-task-gradient-descent explanation: lr 0.01 leaves x at about 1.91 after 50 steps
    x = 0.0
    for _ in range(50):
        x -= 0.01 * 2 * (x - 3)
    assert round(x, 2) == 1.91


def test_quiz_answer_positions_vary() -> None:
    check_answer_positions_vary(PHASE.load()["challenges"])
