from __future__ import annotations

from collections import Counter

from bot.core.quiz import display_order
from bot.curriculum import load_curriculum
from bot.curriculum.cli import default_curriculum_path
from bot.curriculum.models import QuizChallenge


def test_the_order_is_a_stable_permutation() -> None:
    for count in (3, 4, 5):
        order = display_order("math-dot-product", count)
        assert sorted(order) == list(range(count))
        assert display_order("math-dot-product", count) == order


def test_shipped_quizzes_do_not_favour_one_letter() -> None:
    # Authors often put the right answer first; what members see must not.
    quizzes = [c for c in load_curriculum(default_curriculum_path()).challenges if isinstance(c, QuizChallenge)]
    letters = Counter(q.correct_letter for q in quizzes)
    assert max(letters.values()) < 0.4 * len(quizzes), letters
