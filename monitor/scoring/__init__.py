"""Scoring stage: sentiment (VADER), urgency, category and incident flag for one mention."""

from .engine import Scorer
from .taxonomy import CATEGORIES, CATEGORY_WEIGHT
from .types import Reason, Score, ScoreInput

__all__ = ["CATEGORIES", "CATEGORY_WEIGHT", "Reason", "Score", "ScoreInput", "Scorer"]
