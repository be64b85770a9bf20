"""The cue engine: hand-weighted phrase families, price arithmetic and directness."""

from .engine import CueScorer, CueVerdict

__all__ = ["CueScorer", "CueVerdict"]
