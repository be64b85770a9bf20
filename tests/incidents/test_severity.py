"""Severity as a table: the same stats always give the same level."""

from __future__ import annotations

import pytest

from monitor.incidents.severity import SeverityStats, severity, severity_score, spike_ratio


@pytest.mark.parametrize(
    ("stats", "level"),
    [
        # one voice: the category decides
        (SeverityStats("service_failure", mentions=1), 4),
        (SeverityStats("order_problem", mentions=1), 4),
        (SeverityStats("pricing_error", mentions=1), 3),
        (SeverityStats("legal", mentions=1), 3),
        (SeverityStats("safety", mentions=1), 2),
        (SeverityStats("security", mentions=1, max_urgency=0.95), 2),
        # volume and velocity
        (SeverityStats("pricing_error", mentions=2, last_15m=2, last_hour=2), 2),
        (SeverityStats("service_failure", mentions=4, last_15m=1, last_hour=4), 3),
        (SeverityStats("service_failure", mentions=4, last_15m=4, last_hour=4), 3),
        (SeverityStats("order_problem", mentions=3, last_15m=3, last_hour=3), 3),
        (SeverityStats("outage", mentions=3, last_15m=1, last_hour=3), 2),
        (SeverityStats("pricing_error", mentions=8, last_15m=3, last_hour=8), 1),
        (SeverityStats("safety", mentions=6, last_15m=3, last_hour=6), 1),
        # reach: a big account's post about a mild problem is louder
        (SeverityStats("billing", mentions=1, reach=500), 4),
        (SeverityStats("billing", mentions=1, reach=50_000), 3),
        (SeverityStats("billing", mentions=2, reach=2_000_000), 2),
        # the brand far above its usual hour
        (SeverityStats("order_problem", mentions=2, spike_ratio=1.0), 3),
        (SeverityStats("order_problem", mentions=2, spike_ratio=3.5), 3),
        (SeverityStats("order_problem", mentions=2, spike_ratio=12.0), 2),
        (SeverityStats("outage", mentions=5, last_15m=3, last_hour=5, spike_ratio=12.0), 1),
    ],
)
def test_severity_levels(stats: SeverityStats, level: int) -> None:
    assert severity(stats) == level, severity_score(stats)


def test_more_of_anything_is_never_milder() -> None:
    base = SeverityStats("billing", mentions=2, last_15m=1, last_hour=2, reach=100)
    worse = [
        SeverityStats("billing", mentions=9, last_15m=1, last_hour=2, reach=100),
        SeverityStats("billing", mentions=2, last_15m=5, last_hour=7, reach=100),
        SeverityStats("billing", mentions=2, last_15m=1, last_hour=2, reach=10**7),
        SeverityStats("billing", mentions=2, last_15m=1, last_hour=2, reach=100, spike_ratio=20),
        SeverityStats("safety", mentions=2, last_15m=1, last_hour=2, reach=100),
    ]
    for w in worse:
        assert severity_score(w) > severity_score(base)
        assert severity(w) <= severity(base)


@pytest.mark.parametrize(
    ("last_hour", "baseline", "ratio"),
    [
        (10, None, 1.0),  # unknown baseline: no spike at all
        (0, 0.0, 1.0),
        (1, 0.0, 2.0),  # smoothed: one mention on a silent hour is not infinity
        (9, 0.0, 10.0),
        (30, 9.0, 3.1),
        (5, 4.0, 1.2),
    ],
)
def test_spike_ratio(last_hour: int, baseline: float | None, ratio: float) -> None:
    assert spike_ratio(last_hour, baseline) == pytest.approx(ratio)
