"""/metrics: scraped and parsed like Prometheus would, behind the API keys when keys are set."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from monitor.config import parse_config
from monitor.db import make_engine, make_session_factory, upgrade
from monitor.worker import Worker
from tests.support.servers import Reply, ScriptedServer, rss


def _scrape(client, **headers) -> dict[str, dict[tuple, float]]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    samples: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def test_database_gauges_count_sources_incidents_deliveries_and_mentions(seed, make_client):
    brand = seed.brand()
    ok = seed.source("ok-feed", state="ok")
    seed.source("broken", state="failing", error_class="timeout", consecutive_errors=5)
    seed.source("off", state="failing", error_class="auth", enabled=False)  # disabled: not counted
    for _ in range(3):
        seed.mention(brand, ok)
    seed.incident(brand, status="open")
    seed.incident(brand, status="open")
    seed.incident(brand, status="resolved")
    seed.delivery(status="delivered")
    seed.delivery(status="failed")
    seed.session.commit()

    samples = _scrape(make_client())

    assert samples["monitor_database_up"][()] == 1
    assert samples["monitor_sources"] == {
        (("error_class", "none"), ("state", "ok")): 1,
        (("error_class", "timeout"), ("state", "failing")): 1,
    }
    assert samples["monitor_sources_due"][()] == 2  # both enabled sources are new, due at once
    assert samples["monitor_incidents"] == {(("status", "open"),): 2, (("status", "resolved"),): 1}
    assert samples["monitor_alert_deliveries"] == {(("status", "delivered"),): 1, (("status", "failed"),): 1}
    assert samples["monitor_mentions"][()] == 3


def test_api_latency_is_labelled_by_route_template_not_raw_path(seed, make_client):
    client = make_client()
    before = _scrape(client).get("monitor_api_request_seconds_count", {})
    key = (("method", "GET"), ("route", "/api/incidents/{incident_id}"), ("status", "404"))
    for incident_id in (9001, 9002):
        assert client.get(f"/api/incidents/{incident_id}").status_code == 404
    client.get("/no/such/page/12345")

    after = _scrape(client)["monitor_api_request_seconds_count"]

    assert after[key] - before.get(key, 0) == 2
    assert not any("9001" in value for labels in after for _name, value in labels)
    assert not any("12345" in value for labels in after for _name, value in labels)
    assert any(("route", "unmatched") in labels for labels in after)


def test_metrics_need_an_api_key_when_keys_are_configured(make_client):
    client = make_client(api={"api_keys": ["s3cret-key-for-metrics"]})
    assert client.get("/metrics").status_code == 401
    samples = _scrape(client, authorization="Bearer s3cret-key-for-metrics")
    assert samples["monitor_database_up"][()] == 1


def test_metrics_answer_database_down_instead_of_failing(make_client, engine):
    client = make_client()
    engine.dispose()
    client.app.state.engine = make_engine("sqlite:////nonexistent-dir/none.db")
    samples = _scrape(client)
    assert samples["monitor_database_up"][()] == 0


async def test_polls_are_counted_by_kind_and_outcome_with_latency_and_stored_mentions(tmp_path, make_client):
    url = f"sqlite:///{tmp_path}/m.db"
    upgrade(url)
    engine = make_engine(url)
    with ScriptedServer() as feed:
        feed.routes["/ok.xml"] = Reply(
            200, rss([{"guid": f"g{i}", "title": "acme", "description": "acme down"} for i in range(4)])
        )
        feed.routes["/down.xml"] = Reply(503, "down")
        config = parse_config(
            {
                "brands": [{"name": "Acme", "query": "acme"}],
                "sources": [
                    {"name": "good", "kind": "rss", "url": f"{feed.url}/ok.xml"},
                    {"name": "bad", "kind": "rss", "url": f"{feed.url}/down.xml"},
                ],
            }
        )
        client = make_client()
        before = _scrape(client)
        worker = Worker(config, make_session_factory(engine))
        try:
            outcomes = await worker.poll_once()
        finally:
            await worker.stop()
    engine.dispose()
    assert sorted(o.error is None for o in outcomes) == [False, True]

    after = _scrape(client)

    def delta(name: str, key: tuple) -> float:
        return after.get(name, {}).get(key, 0) - before.get(name, {}).get(key, 0)

    assert delta("monitor_polls_total", (("kind", "rss"), ("outcome", "ok"))) == 1
    assert delta("monitor_polls_total", (("kind", "rss"), ("outcome", "server"))) == 1
    assert delta("monitor_poll_seconds_count", (("kind", "rss"),)) == 2
    assert delta("monitor_mentions_stored_total", ()) == 4
