"""Incident severity, sev1 (worst) .. sev4, from a few numbers (pure).

A score adds up what makes an incident worse — how harmful its category is, how many distinct
people report it, how fast, how many people can see it, and how far the brand is above its own
usual volume — and fixed thresholds turn the score into a level. docs/alert-policy.md has the
table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from monitor.scoring import CATEGORY_WEIGHT

# score >= threshold -> level; below the last one is sev4
THRESHOLDS: tuple[tuple[float, int], ...] = ((16.0, 1), (10.0, 2), (7.0, 3))


@dataclass(frozen=True, slots=True)
class SeverityStats:
    """The incident's numbers at the moment of the newest mention."""

    category: str
    mentions: int  # distinct mentions (duplicates once)
    last_15m: int = 0  # distinct mentions in the 15 minutes up to the newest
    last_hour: int = 0  # distinct mentions in the hour up to the newest
    reach: int = 0  # sum of author reach and engagement
    max_urgency: float = 0.0
    spike_ratio: float = 1.0  # brand volume this hour / its usual volume at this hour (1.0 unknown)


def _volume(mentions: int) -> float:
    # 1 -> 0, 2 -> 2, 3 -> 3.2, 4 -> 4, 8 -> 6, 16+ -> 8: each doubling of voices adds 2
    return min(8.0, 2.0 * math.log2(max(mentions, 1)))


def _velocity(last_15m: int, last_hour: int) -> float:
    # a burst (3 in 15 minutes) matters beyond its count: it is spreading now
    return (1.5 if last_15m >= 3 else 0.0) + (1.5 if last_hour >= 6 else 0.0)


def _reach(reach: int) -> float:
    # up to 1,000 people is a private complaint; 10k -> 2, 100k -> 4, 1M+ -> 6
    if reach <= 1000:
        return 0.0
    return min(6.0, 2.0 * (math.log10(reach) - 3.0))


def _spike(ratio: float) -> float:
    if ratio >= 10:
        return 3.0
    if ratio >= 5:
        return 2.0
    if ratio >= 3:
        return 1.0
    return 0.0


def severity_score(s: SeverityStats) -> float:
    """The additive score behind the level (category weight x 10 plus the signals)."""
    score = 10.0 * CATEGORY_WEIGHT.get(s.category, 0.3)
    score += (
        _volume(s.mentions) + _velocity(s.last_15m, s.last_hour) + _reach(s.reach) + _spike(s.spike_ratio)
    )
    if s.max_urgency >= 0.9:
        score += 1.0
    return score


def severity(s: SeverityStats) -> int:
    """The level: 1 worst .. 4 mildest."""
    score = severity_score(s)
    for threshold, level in THRESHOLDS:
        if score >= threshold:
            return level
    return 4


def spike_ratio(last_hour: int, baseline_per_hour: float | None) -> float:
    """This hour's brand volume against its usual hour, smoothed so 1 vs 0 is not a spike of infinity."""
    if baseline_per_hour is None:
        return 1.0
    return (last_hour + 1.0) / (baseline_per_hour + 1.0)
