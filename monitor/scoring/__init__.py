"""Scoring stage: sentiment (VADER), urgency, incident, category, needs_reply and opportunity."""

from .scorer import Scorer
from .taxonomy import CATEGORIES, CATEGORY_WEIGHT
from .types import Reason, Score, ScoreInput

__all__ = ["CATEGORIES", "CATEGORY_WEIGHT", "Reason", "Score", "ScoreInput", "Scorer"]
