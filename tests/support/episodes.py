"""Counting replayed alerts per incident episode: a regression starts a new one with its own cap."""

from __future__ import annotations

from collections import Counter
from typing import Any


def per_episode(alerts: list[dict[str, Any]]) -> Counter[tuple[Any, int]]:
    """Messages per (incident id, episode number), in stream order."""
    episode: Counter[Any] = Counter()
    counts: Counter[tuple[Any, int]] = Counter()
    for a in alerts:
        episode[a["incident_id"]] += a["event"] == "incident.regressed"
        counts[(a["incident_id"], episode[a["incident_id"]])] += 1
    return counts
