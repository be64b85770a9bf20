"""Quiet hours: when a channel's non-critical messages wait, and until when. Pure, no I/O.

A held message is not dropped: its outbox row is written at once with `next_attempt_at` at the end
of the quiet hours, so a restart in between changes nothing. SEV1 incidents and safety incidents
(a person may be hurt) are never held.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from monitor.alerts.channel_config import ChannelConfig, QuietHours, clock_time

CRITICAL_CATEGORIES = frozenset({"safety"})


def is_critical(*, severity: int | None, category: str | None) -> bool:
    """Messages that always go at once, quiet hours or not: SEV1, and safety of any severity."""
    return severity == 1 or category in CRITICAL_CATEGORIES


def quiet_until(quiet: QuietHours, now: datetime) -> datetime | None:
    """The UTC end of the quiet period `now` falls in, or None when it is not quiet.

    start < end is a span within one day (12:00–13:00); start > end wraps past midnight
    (22:00–07:00). Times are local wall-clock times in the configured zone, so a DST change moves
    them with the clock.
    """
    zone = ZoneInfo(quiet.timezone)
    local = now.astimezone(zone)
    start, end = clock_time(quiet.start), clock_time(quiet.end)
    at = local.time().replace(tzinfo=None)
    if start < end:
        inside = start <= at < end
        end_day = local.date()
    else:
        inside = at >= start or at < end
        end_day = local.date() + timedelta(days=1) if at >= start else local.date()
    if not inside:
        return None
    return datetime.combine(end_day, end, tzinfo=zone).astimezone(UTC)


def hold_until(
    channel: ChannelConfig, now: datetime, *, severity: int | None, category: str | None
) -> datetime | None:
    """When a message to `channel` decided at `now` may leave: None for at once."""
    if channel.quiet_hours is None or is_critical(severity=severity, category=category):
        return None
    return quiet_until(channel.quiet_hours, now)
