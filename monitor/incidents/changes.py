"""What one batch (or sweep) did to one incident, as the worker, the replay and the logs see it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class IncidentChange:
    incident_id: int
    brand: str
    category: str
    event: str  # "incident.opened" | "incident.updated" | "incident.escalated" | "incident.regressed" | ...
    severity: int  # 1 (worst) .. 4
    mention_count: int
    notify: bool  # the alert policy decided to send a message for this change
    trigger_mention_id: int | None
    reason: str = ""  # the policy's reason, in words ("6 reports in 7 days (threshold 6)")
