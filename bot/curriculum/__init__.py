"""The curriculum: YAML content in /curriculum, validated into immutable models at start-up."""

from bot.curriculum.loader import Curriculum, CurriculumError, PhaseSpan, load_curriculum

__all__ = ["Curriculum", "CurriculumError", "PhaseSpan", "load_curriculum"]
