"""Labeled mentions the scorer must mostly get right: incidents by category, and the hard negatives.

Written for this project (not taken from any corpus and not in the training corpus): varied
brands and phrasings, positive-sounding glitch reports, praise about a resolved problem, jokes,
ads, job posts and news. The detector is learned, so the table is held to a floor (what the
shipped model achieves, less a margin) rather than case by case; every miss is listed on failure.
"""

from __future__ import annotations

import pytest

from monitor.scoring import CATEGORIES, ScoreInput, Scorer

# (brand, text, category or None for "not an incident")
CASES: list[tuple[str, str, str | None]] = [
    # pricing errors, including happy-sounding ones
    ("Brightmart", "OMG everything in my cart is FREE at checkout?! Is this real??", "pricing_error"),
    (
        "Helix Audio",
        "Helix headphones are $3.99 on their site right now, must be a pricing error lol",
        "pricing_error",
    ),
    (
        "SkyWay Air",
        "SkyWay error fare: NYC to Tokyo round trip for $87, book before they fix it",
        "pricing_error",
    ),
    (
        "Nordhaus",
        "nordhaus listing the oak dining table at $45 instead of $4500, cart accepted it",
        "pricing_error",
    ),
    ("Petra Pets", "Petra Pets app shows my order total as $0.00 — glitch?", "pricing_error"),
    ("Lumen Optics", "is the lumen optics price real?? 95% off every lens today", "pricing_error"),
    # order problems
    ("Brightmart", "Ordered two dresses and received two t-shirts", "order_problem"),
    (
        "Kettle & Co",
        "My Kettle & Co order never arrived and tracking hasn't updated in 12 days",
        "order_problem",
    ),
    ("Fernwood", "@FernwoodHome where is my package? It was due last Tuesday", "order_problem"),
    ("Pixel Print", "Pixel Print shipped me the wrong size poster, again", "order_problem"),
    # product defects
    ("Aurum Jewelers", "The jeweler chipped my engagement diamond", "product_defect"),
    ("Vantage Phones", "My Vantage phone stopped working after two weeks", "product_defect"),
    ("Trailhead", "Trailhead boots fell apart on the second hike. Sole just peeled off.", "product_defect"),
    ("Glowbox", "the Glowbox lamp arrived with a cracked base", "product_defect"),
    # safety
    ("Voltra", "My Voltra scooter battery caught fire in the hallway last night", "safety"),
    ("Crumb Bakery", "Got food poisoning after eating the Crumb Bakery chicken wrap", "safety"),
    (
        "Tiny Steps",
        "Tiny Steps teether broke into small pieces, that's a choking hazard for my baby",
        "safety",
    ),
    (
        "Glowcare",
        "broke out in an allergic reaction from Glowcare's new face cream, ended up in urgent care",
        "safety",
    ),
    # outages
    ("Paylane", "Is Paylane down? App won't load and I can't log in", "outage"),
    ("StreamBox", "StreamBox servers down again, 500 errors everywhere", "outage"),
    ("Nimbus Bank", "Nimbus Bank checkout page not loading, can't pay my bill", "outage"),
    # security
    ("Quill Mail", "My Quill Mail account got hacked and they sent spam to all my contacts", "security"),
    ("Nimbus Bank", "Unauthorized charge on my Nimbus card from a store I've never been to", "security"),
    ("ShopRight", "Got a phishing text pretending to be ShopRight asking for my card number", "security"),
    # billing
    ("Fitzone", "Fitzone double charged me this month", "billing"),
    ("Streamly", "Streamly still charging me three months after I cancelled my subscription", "billing"),
    ("Voltage Energy", "Voltage Energy overcharged my bill by $200 and won't explain why", "billing"),
    # service failures
    ("Harbor Hotels", "Front desk at Harbor Hotels was so rude, manager just walked away", "service_failure"),
    ("Cablenet", "On hold with Cablenet for 3 hours, nobody answers", "service_failure"),
    (
        "Brio Motors",
        "Brio Motors promised a callback within 24 hours. That was last week. Still waiting.",
        "service_failure",
    ),
    # legal
    ("Fitzone", "Filing a complaint with the BBB about Fitzone's cancellation policy", "legal"),
    ("Voltra", "Talking to a lawyer about suing Voltra over my son's injuries", "legal"),
    # not incidents: praise about a resolved problem
    ("Aurum Jewelers", "they fixed my chipped stone for free — incredible", None),
    ("Vantage Phones", "customer service replaced my broken phone in a day, amazing", None),
    ("Cablenet", "Cablenet support sorted my internet issue in ten minutes, great job", None),
    # not incidents: deals, slang, jokes
    ("Brightmart", "free gift wrapping on all orders", None),
    ("Helix Audio", "that price is a steal", None),
    ("StreamBox", "the new patch is buggy lol", None),
    ("Aurum Jewelers", "I'd kill for that bracelet", None),
    ("Brightmart", "this dress is fire", None),
    ("Brightmart", "prices are insane, such good deals this week", None),
    ("Fernwood", "FREE SHIPPING on everything this weekend only! Shop now", None),
    ("Kettle & Co", "We're hiring! Kettle & Co is looking for baristas, apply now", None),
    ("Vantage Phones", "Vantage rival Orbis recalls 2 million chargers, shares fall", None),
    # not incidents: negation and neutral talk
    ("Vantage Phones", "Dropped my Vantage phone twice, not broken, no problems at all", None),
    ("Trailhead", "Trailhead boots after 500 miles: no issues, still comfy", None),
    ("Nimbus Bank", "Nimbus Bank opens a new branch downtown next month", None),
    ("Crumb Bakery", "Crumb Bakery croissants are the best thing that happened to me this week", None),
    ("Paylane", "How do I add a second card to Paylane?", None),
]


# The shipped model gets ACHIEVED of the cases exactly right (flag and category).
ACHIEVED = 0.939  # 46 of 49
FLOOR = ACHIEVED - 0.05


@pytest.fixture(scope="module")
def scores() -> list:
    return Scorer().score_many([ScoreInput(text, brand=brand) for brand, text, _ in CASES])


def test_labeled_cases_floor(scores: list) -> None:
    misses = [
        (text, category, s.category if s.incident else None)
        for (_, text, category), s in zip(CASES, scores, strict=True)
        if s.incident is not (category is not None) or s.category != category
    ]
    assert 1 - len(misses) / len(CASES) >= FLOOR, misses
    assert all(0.0 <= s.urgency <= 1.0 for s in scores)


def test_cases_cover_every_category() -> None:
    assert {c for _, _, c in CASES if c} == set(CATEGORIES)
    assert len(CASES) >= 40


def test_incidents_outrank_non_incidents(scores: list) -> None:
    incident = [s.urgency for (_, _, c), s in zip(CASES, scores, strict=True) if c]
    other = [s.urgency for (_, _, c), s in zip(CASES, scores, strict=True) if not c]
    assert sum(incident) / len(incident) > 2 * sum(other) / len(other)
