"""`monitor replay` of volume spikes: a surge the detector misses pages; a brand's daily rhythm does not.

The brand exists from the stream's first record (monitor/replay.py), so a stream that starts with an
ordinary week gives the brand a baseline of its own.
"""

from __future__ import annotations

from tests.replay.test_replay import CONFIG, FIXTURES, _when, replay


def test_a_surge_of_unflagged_posts_after_a_quiet_week_is_one_spike_that_pages() -> None:
    code, alerts, err = replay(FIXTURES / "spike_after_quiet_week.jsonl", "--config", str(CONFIG))
    assert code == 0, err
    # the detector flags none of these posts: without spikes the surge raised nothing
    assert {a["category"] for a in alerts} == {"volume_spike"}, alerts
    assert len({a["incident_id"] for a in alerts}) == 1, alerts
    opened = alerts[0]
    assert (opened["brand"], opened["event"], opened["severity"]) == ("Harbor Coffee", "incident.opened", 3)
    # the twelfth post of the surge is the minimum count; the quiet week is far below it
    assert opened["trigger_mention_id"] == "s12"
    assert opened["alert_at"] == _when("spike_after_quiet_week.jsonl", "s12")
    assert "“pumpkin cold brew” (12 posts)" in opened["reason"], opened["reason"]
    # it pages again only when it has grown a lot (three times the threshold), not per post
    assert [(a["event"], a["trigger_mention_id"]) for a in alerts[1:]] == [("incident.escalated", "s36")]


def test_a_busy_brands_evening_rush_is_not_a_spike() -> None:
    # every evening four to eight times the afternoon's rate: only the same hour on earlier days
    # knows it is ordinary (against the 12 hours before alone, every evening from the second
    # would page)
    code, alerts, err = replay(FIXTURES / "evening_rhythm.jsonl", "--config", str(CONFIG))
    assert (code, alerts) == (0, []), err
