"""The Mentions view: filters, keyset pages and the CSV export."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from monitor.web.routes_data import csv_cell
from tests.web.conftest import Seeder

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li class="mention[^"]*" data-id="(\d+)"', html)]


@pytest.fixture
def stream(seeder: Seeder) -> Seeder:
    """Nine mentions an hour apart (newest last): two brands, two sources, calm and angry."""
    texts = [
        ("forum", "Acme kettle arrived today, lovely design"),
        ("forum", "Globex phone plan is fine I guess"),
        ("news", "Acme announces a new factory in Ohio"),
        ("forum", "Acme customer service was terrible and rude, awful experience"),
        ("news", "Globex shares rise after strong quarter, great results"),
        ("forum", "Acme checkout shows everything at $0.00, is this real?? ordered 3 already"),
        ("forum", '=HYPERLINK("http://evil.example") Acme formula'),
        ("news", "Globex outage: app down for everyone, cannot log in"),
        ("forum", "Acme kettle caught fire and burned my hand"),
    ]
    for n, (source, text) in enumerate(texts):
        seeder.items(
            [{"text": text, "author": "+cmd" if n == 6 else f"user{n}"}],
            source=source,
            now=T0 + timedelta(hours=n),
        )
    return seeder


def test_newest_first(client: TestClient, stream: Seeder) -> None:
    assert _ids(client.get("/mentions").text) == list(range(9, 0, -1))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=kettle", [9, 1]),
        ("q=KETTLE", [9, 1]),
        ("q=100%25", []),  # a LIKE wildcard is searched for literally
        ("q=user3", [4]),  # authors are searched too
        ("brand=Globex", [8, 5, 2]),
        ("source=news", [8, 5, 3]),
        ("brand=Acme&source=news", [3]),
        ("category=pricing_error", [6]),
        ("category=safety", [9]),
        ("incident=1", [9, 8, 6, 4]),
        ("max_sentiment=-0.5", [4]),
        ("min_sentiment=0.5", [5, 1]),
        ("min_sentiment=0.1&max_sentiment=0.7", [9, 2, 1]),
        ("since=2025-03-01T15:00&until=2025-03-01T17:00", [5, 4]),
        ("since=2025-03-01T16:00:00Z", [9, 8, 7, 6, 5]),
        ("brand=Nobody", []),
    ],
)
def test_filters_narrow_the_stream(
    client: TestClient, stream: Seeder, query: str, expected: list[int]
) -> None:
    r = client.get(f"/mentions?{query}")
    assert r.status_code == 200
    assert _ids(r.text) == expected


def test_bad_filter_values_are_reported_not_500(client: TestClient, stream: Seeder) -> None:
    r = client.get("/mentions?min_sentiment=lots&since=yesterday&category=nope&cursor=zzz&incident_id=x")
    assert r.status_code == 200
    for message in (
        "Min sentiment must be a number",
        "Since must be a date",
        "Unknown category",
        "out of date",
    ):
        assert message in r.text
    assert len(_ids(r.text)) == 9


def test_keyset_pages(client: TestClient, seeder: Seeder) -> None:
    # 120 mentions sharing timestamps in pairs: the (published_at, id) key keeps pages exact
    for n in range(60):
        seeder.items([f"Acme note {2 * n}", f"Acme note {2 * n + 1}"], now=T0 + timedelta(minutes=n))
    seen: list[int] = []
    url = "/mentions?brand=Acme"
    while url:
        html = client.get(url).text
        seen += _ids(html)
        found = re.search(r'<a href="(/mentions\?[^"]+)" class="button" rel="next"', html)
        url = found.group(1).replace("&amp;", "&") if found else ""
        assert "brand=Acme" in (url or "brand=Acme")
    assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen)) == 120


def test_csv_export_streams_every_match(client: TestClient, stream: Seeder) -> None:
    r = client.get("/mentions.csv?brand=Acme")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [int(row["id"]) for row in rows] == [9, 7, 6, 4, 3, 1]
    formula = next(row for row in rows if row["id"] == "7")
    assert formula["text"].startswith("'=HYPERLINK")  # spreadsheet formulas are defused
    assert formula["author"] == "'+cmd"
    angry = next(row for row in rows if row["id"] == "4")
    assert float(angry["sentiment"]) < 0  # numbers stay numbers, minus sign included
    assert "price_anomaly" in next(row for row in rows if row["id"] == "6")["reasons"]


def test_csv_export_is_not_paged(client: TestClient, seeder: Seeder) -> None:
    for n in range(3):
        seeder.items([f"Acme bulk {n}-{k}" for k in range(400)], now=T0 + timedelta(minutes=n))
    rows = list(csv.reader(io.StringIO(client.get("/mentions.csv").text)))
    assert len(rows) == 1 + 1200


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("plain", "plain"),
        (-0.5, -0.5),
        (3, 3),
    ],
)
def test_csv_cell_guard(value: object, expected: object) -> None:
    assert csv_cell(value) == expected


def test_export_link_carries_the_filter(client: TestClient, stream: Seeder) -> None:
    html = client.get("/mentions?q=kettle&brand=Acme&incident=1").text
    link = re.search(r'href="(/mentions\.csv\?[^"]*)"', html).group(1).replace("&amp;", "&")
    assert "q=kettle" in link and "brand=Acme" in link and "incident=1" in link
    rows = list(csv.DictReader(io.StringIO(client.get(link).text)))
    assert [row["id"] for row in rows] == ["9"]
