"""Answer keys of curriculum/phases/05-deep-learning.yaml, recomputed with plain Python (math, fractions)."""

from __future__ import annotations

import math
from fractions import Fraction

from tests.unit.curriculum.phase_checks import Phase, PhaseChecks, anchors_of_other_phases, dot, sigmoid, softmax

PHASE = Phase("deep-learning", 5, "dl-", challenges=56, min_concepts=26, min_auto_share=0.70)


def _relu(z: float) -> float:
    return max(0.0, z)


def _conv_out(w: int, k: int, p: int, s: int) -> int:
    return (w - k + 2 * p) // s + 1


def _dense_params(n_in: int, n_out: int) -> int:
    return n_in * n_out + n_out


def _computed() -> dict[str, float]:
    """Every numeric challenge of the phase, recomputed from the numbers in its prompt."""
    values: dict[str, float] = {}

    # ---- nn-basics
    values["dl-neuron-relu-output"] = _relu(dot([0.5, -0.25, 2], [2, -1, 0.5]) - 0.5)
    values["dl-neuron-tanh-output"] = math.tanh(dot([0.3, -0.8], [1, 2]) + 0.4)
    x = [1.0, 2.0]
    hidden = [_relu(dot([0.5, -1], x) + 0), _relu(dot([1, 0.5], x) - 1)]
    values["dl-forward-pass-two-layer"] = dot([2, -1], hidden) + 0.5
    values["dl-softmax-probability"] = softmax([2.0, 1.0, 0.1])[0]

    # ---- backprop
    values["dl-mean-cross-entropy"] = (-math.log(0.2) - math.log(0.8)) / 2
    grads = [Fraction("0.5"), Fraction("-0.3"), Fraction("0.9"), Fraction("0.1")]
    values["dl-minibatch-sgd-update"] = float(Fraction("1.2") - Fraction("0.05") * sum(grads) / len(grads))
    # h = w1*x, y_hat = w2*h, L = (y_hat - y)^2
    x1, y1, w1, w2 = 2, 1, Fraction(1, 2), 3
    h = w1 * x1
    y_hat = w2 * h
    values["dl-chain-rule-two-layers"] = float(2 * (y_hat - y1) * w2 * x1)
    # z = w*x + b, a = sigmoid(z), L = 0.5*(a - y)^2
    z = 0.5 * 2 - 1
    a = sigmoid(z)
    values["dl-chain-rule-sigmoid-neuron"] = (a - 1) * a * (1 - a) * 2
    values["dl-batches-per-epoch"] = math.ceil(50_000 / 128)
    values["dl-step-lr-schedule"] = float(Fraction(1, 10) * Fraction(1, 2) ** (25 // 10))

    # ---- from-scratch
    values["dl-mlp-parameter-count"] = _dense_params(784, 128) + _dense_params(128, 10)
    probs = [0.7, 0.2, 0.1]
    one_hot = [0, 1, 0]
    values["dl-softmax-ce-logit-gradient"] = probs[1] - one_hot[1]
    step = Fraction(1, 100)
    w = Fraction(2)
    values["dl-numerical-gradient-check"] = float(((w + step) ** 3 - (w - step) ** 3) / (2 * step))

    # ---- pytorch
    values["dl-autograd-gradient"] = 3 * 2.0**2 - 4  # d/dx (x^3 - 4x) at x = 2
    values["dl-gradient-accumulation"] = sum(2 * 2.0 for _ in range(3))  # three backward() of x^2 add up

    # ---- training-practice
    values["dl-dropout-inverted-scaling"] = 2.0 / (1 - 0.2)
    velocity = 0.9 * 0.5 + 0.2
    values["dl-sgd-momentum-update"] = 1.0 - 0.1 * velocity
    batch = [2, 4, 6, 8]
    mean = sum(batch) / len(batch)
    var = sum((v - mean) ** 2 for v in batch) / len(batch)  # biased, as batch norm uses in training
    values["dl-batchnorm-output"] = 2 * (8 - mean) / math.sqrt(var) + 0.5
    beta1, beta2, eps, lr, g = 0.9, 0.999, 1e-8, 0.001, 4.0
    m = (1 - beta1) * g
    v = (1 - beta2) * g**2
    m_hat = m / (1 - beta1**1)
    v_hat = v / (1 - beta2**1)
    values["dl-adam-first-step"] = 0.5 - lr * m_hat / (math.sqrt(v_hat) + eps)

    # ---- cnn
    patch = [[1, 2, 0], [0, 1, 3], [2, 1, 1]]
    kernel = [[1, 0, -1], [1, 0, -1], [1, 0, -1]]
    values["dl-conv-single-position"] = sum(dot(p, k) for p, k in zip(patch, kernel, strict=True)) + 0.5
    size = _conv_out(64, 5, 0, 1)  # 5x5 conv, stride 1, no padding
    size = _conv_out(size, 2, 0, 2)  # 2x2 max pool, stride 2
    values["dl-conv-stack-output-size"] = _conv_out(size, 3, 1, 2)  # 3x3 conv, stride 2, padding 1
    values["dl-conv-layer-params"] = 3 * 3 * 64 * 128 + 128
    fmap = [[1, 3, 2, 0], [4, 6, 1, 1], [0, 2, 5, 7], [1, 2, 3, 4]]
    pooled = [max(fmap[r][c], fmap[r][c + 1], fmap[r + 1][c], fmap[r + 1][c + 1]) for r in (0, 2) for c in (0, 2)]
    values["dl-max-pooling-values"] = sum(pooled)

    # ---- sequence-models
    h_state = 0.0
    for x_t in (1.0, 0.5):
        h_state = math.tanh(0.5 * h_state + 1.0 * x_t)
    values["dl-rnn-hidden-state"] = h_state
    values["dl-rnn-parameter-count"] = 20 * 10 + 20 * 20 + 20

    # ---- transformers
    values["dl-attention-dot-score"] = dot([1, 2, 0, 1], [2, 1, 1, 0]) / math.sqrt(4)
    values["dl-attention-weight-count"] = 8 * 512 * 512
    q = [2.0, 0.0]
    scores = [dot(q, k) / math.sqrt(2) for k in ([1.0, 1.0], [0.0, 1.0])]
    weights = softmax(scores)
    values["dl-attention-output"] = dot(weights, [10.0, 2.0])

    # ---- transfer-learning
    values["dl-frozen-backbone-params"] = _dense_params(512, 5)
    return values


COMPUTED = _computed()


class TestSharedChecks(PhaseChecks):
    phase = PHASE
    computed = COMPUTED

    def test_counts(self) -> None:
        """The shared counts, then this phase's title and references."""
        super().test_counts()
        data = PHASE.load()
        phase, challenges, concepts = data["phase"], data["challenges"], data["concepts"]
        assert phase["title"] == "Deep learning"
        topics = {t["id"] for t in phase["topics"]}
        resources = {r["id"] for r in phase["resources"]}
        concept_ids = {c["id"] for c in concepts}
        other_anchors = anchors_of_other_phases(PHASE.id)  # which `related` may point at
        assert len(concept_ids) == len(concepts)
        assert not concept_ids & other_anchors
        for item in [*challenges, *concepts]:
            assert item["topic"] in topics, item["id"]
            assert item["resource"] in resources, item["id"]
        for concept in concepts:
            for related in concept["related"]:
                assert related in concept_ids | other_anchors, (concept["id"], related)


def test_worked_numbers_in_explanations() -> None:
    """Spot checks of intermediate numbers quoted in explanations and prompts."""
    # dl-cnn-weight-sharing: 1,792 conv parameters vs about 9.6 million dense ones
    assert 3 * 3 * 3 * 64 + 64 == 1792
    assert round((224 * 224 * 3 * 64 + 64) / 1e6, 1) == 9.6
    # dl-conv-layer-params: the tempting mistake that forgets the input channels
    assert 3 * 3 * 128 + 128 == 1280
    # dl-mlp-parameter-count: the per-layer split
    assert (_dense_params(784, 128), _dense_params(128, 10)) == (100_480, 1_290)
    # dl-forward-pass-two-layer: forgetting the ReLU gives -3.5
    assert 2 * -1.5 + -1 * 1 + 0.5 == -3.5
    # dl-softmax-probability: naive normalisation of the logits gives 0.645, not softmax
    assert round(2 / 3.1, 3) == 0.645
    # dl-mean-cross-entropy: the 0.2 example costs about 7 times the 0.8 one
    assert round(math.log(0.2) / math.log(0.8)) == 7
    # dl-minibatch-sgd-update: summing instead of averaging would give 1.14
    assert float(Fraction("1.2") - Fraction("0.05") * Fraction("1.2")) == 1.14
    # dl-adam-first-step: without bias correction the step is about 0.0032
    assert round(0.001 * 0.4 / (math.sqrt(0.016) + 1e-8), 4) == 0.0032
    # dl-batches-per-epoch: 390 full batches and a last one of 80 examples
    assert divmod(50_000, 128) == (390, 80)
    # dl-rnn-parameter-count: PyTorch's nn.RNN keeps two bias vectors
    assert 20 * 10 + 20 * 20 + 20 + 20 == 640
    # dl-small-vs-large-batch: 32 times as many updates per epoch
    assert 512 // 16 == 32
    # dl-numerical-gradient-check: the central-difference error of w^3 is exactly h^2
    assert (Fraction(201, 100) ** 3 - Fraction(199, 100) ** 3) / Fraction(2, 100) - 12 == Fraction(1, 10_000)
    # dl-sgd-momentum-update: plain SGD would end at 0.98
    assert round(1.0 - 0.1 * 0.2, 10) == 0.98
    # dl-conv-stack-output-size: the intermediate sizes 60 and 30
    assert (_conv_out(64, 5, 0, 1), _conv_out(60, 2, 0, 2)) == (60, 30)
    # dl-attention-weight-count: 262,144 per head; doubling the length quadruples the total
    assert 512 * 512 == 262_144
    assert 8 * 1024 * 1024 == 8_388_608 == 4 * 8 * 512 * 512
    # dl-step-lr-schedule: epochs 10-19 use 0.05
    assert 0.1 * 0.5 ** (15 // 10) == 0.05
    # dl-frozen-backbone-params: 2,560 weights plus 5 biases
    assert 512 * 5 == 2560
