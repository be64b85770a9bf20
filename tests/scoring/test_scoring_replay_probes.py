"""Texts the replay streams of a busy brand's day showed the scorer misjudging, and variants of them.

A handful of ordinary posts misfiled on a busy brand add up to a false page, and one post in a
severe category (security, safety, legal) pages by itself; meanwhile glitch and outage reports
were missed. The first table holds the texts as the streams have them; the second holds other
phrasings of the same situations, so each mechanism is checked beyond the words that found it,
and the incidents that share words with the damped chatter must stay incidents.
"""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import pytest

from monitor.scoring import ScoreInput, Scorer

AIR, TEL, BANK, RET, GRO = (
    "SkyBridge Airlines",
    "Lumen Mobile",
    "Crescent Bank",
    "Marlow & Finch",
    "Pantry Lane",
)

# (brand, text, category or None for "not an incident"), as the replay streams have them.
REPLAY = [
    # Ordinary chatter flagged as an incident.
    (
        AIR,
        "gate agent for SkyBridge Airlines in Denver was so patient with the guy yelling at her. "
        "give her a raise",
        None,
    ),
    (AIR, "landed early in Boise on SkyBridge Airlines, we waited for a gate for ten minutes but fine", None),
    (
        AIR,
        "SkyBridge Airlines seat pitch is brutal for anyone over six feet, my knees are filing a report",
        None,
    ),
    (BANK, "Crescent Bank app is down for maintenance tonight, they emailed about it last week", None),
    (TEL, "Lumen Mobile is giving the new phone away for $0 down with a trade-in", None),
    (AIR, "SkyBridge Airlines charged me $0 change fee, love that they dropped those", None),
    (RET, "is the Marlow & Finch 30% off code real or a scam? saw it on instagram", None),
    # Glitches missed.
    (
        RET,
        "you can stack three coupons at Marlow & Finch checkout right now and the order total goes to zero, "
        "someone is going to get fired",
        "pricing_error",
    ),
    (
        AIR,
        "@SkyBridgeAir your fares are showing like $15 for international flights, "
        "someone fat-fingered a decimal",
        "pricing_error",
    ),
    (GRO, "the Pantry Lane glitch is real, full cart of steaks for zero dollars", "pricing_error"),
    (
        RET,
        "saw the Marlow & Finch $12 dining table thing, ordered one, confirmation came through",
        "pricing_error",
    ),
    (
        GRO,
        "@PantryLane your app is taking 100 percent off everything, I don't want to get in trouble",
        "pricing_error",
    ),
    (RET, "Marlow & Finch still has the wrong prices up, $14 armchair", "pricing_error"),
    # Outages missed.
    (TEL, "Lumen Mobile down in Richmond? can't make calls", "outage"),
    (TEL, "zero bars on Lumen Mobile, wifi calling is the only thing working", "outage"),
    (TEL, "Lumen Mobile still down, I work from my phone, this is costing me money", "outage"),
    (TEL, "3 hours without Lumen Mobile service. any ETA @LumenMobile?", "outage"),
    (TEL, "my parents can't reach me because Lumen Mobile is down, great", "outage"),
    (TEL, "Lumen Mobile status page says 'investigating' for two hours now", "outage"),
    (TEL, "SOS only on my Lumen Mobile phone, still, in Austin", "outage"),
    (
        TEL,
        "Lumen Mobile dropped everyone in Richmond it seems, the whole block is outside holding phones up",
        "outage",
    ),
    (TEL, "Lumen Mobile network completely dead in Anchorage, can't even call 911 apparently", "outage"),
    # Wrong category.
    (TEL, "Lumen Mobile bill went up $5 again with no explanation", "billing"),
    (TEL, "Lumen Mobile never applied the promo credit they promised me", "billing"),
    # The previous round's remaining weaknesses.
    (TEL, "Lumen Mobile service has gone downhill since they got bought", None),
    (RET, "Marlow & Finch told me it would take a week, came in 3 days", None),
    (RET, "no refund needed, Marlow & Finch fixed it", None),
    (AIR, "SkyBridge Airlines double booked? nah, just a rumor", None),
]

# The same situations in other words, and the incidents that share their words.
VARIANTS = [
    # Announced downtime, financing and fee waivers, promo questions, praise, shrugs, jokes, rumors.
    (
        "Orbit Bank",
        "heads up: Orbit Bank online banking will be down for scheduled maintenance Sunday 2-4am",
        None,
    ),
    ("Zephyr", "Zephyr app down for maintenance tonight, they sent a notice last week", None),
    ("Acme", "Acme financing deal: $0 down, 0% APR for 24 months on every laptop", None),
    ("Acme", "Acme is doing $0 activation fee on new lines this month", None),
    ("Acme", "Is this Acme giveaway legit or a scam? saw it on facebook", None),
    (
        "Orbit Cafe",
        "the lady at Orbit Cafe was so patient with a customer screaming at her, give her a raise",
        None,
    ),
    ("Acme Air", "Acme Air flight was 20 min late but fine", None),
    (
        "Acme",
        "tried the Acme mattress at the store, my back is filing a complaint about my own bed now",
        None,
    ),
    ("SkyBridge Airlines", "SkyBridge Airlines seat pitch is brutal for anyone over six feet", None),
    ("Orbit", "Orbit recall? nah, just a rumor", None),
    ("Acme", "Acme said it'd take two weeks, arrived in 4 days. impressed", None),
    ("Acme", "Acme stock is down 4% after earnings", None),
    ("Acme", "Acme prices are down this week, good time to buy", None),
    # ... and the incidents that must stay incidents.
    (
        "Orbit",
        "Orbit app has been down for maintenance for 3 days now, I can't pay my rent, this is ridiculous",
        "outage",
    ),
    (
        "Acme",
        "I got scammed by a fake Acme site, they took $200 from my card. is this real or a scam?",
        "security",
    ),
    ("Acme", "Acme charger caught fire, we're fine but the couch is ruined", "safety"),
    ("Acme", "the Acme manager was yelling at me in front of my kids", "service_failure"),
    ("Acme", "Acme app is down for everyone, can't log in", "outage"),
    # Telco outage vocabulary.
    ("Lumen", "Lumen down in Austin? no service since noon", "outage"),
    ("Orbit Wireless", "Orbit Wireless SOS only since this morning", "outage"),
    ("Orbit Wireless", "no bars on Orbit Wireless anywhere downtown, calls won't go through", "outage"),
    # Glitch talk.
    ("Acme", "Acme has a $9 sectional sofa right now, ordering two", "pricing_error"),
    ("Acme", "Acme site is taking 95 percent off all TVs, go go go", "pricing_error"),
    ("Acme", "stacked four coupons at Acme and the total dropped to zero", "pricing_error"),
    ("Acme", "the Acme glitch is real, whole basket for nothing", "pricing_error"),
    # Promised money that never came is billing.
    ("Acme", "Acme never credited the $50 discount they promised", "billing"),
    ("Acme", "Acme promised to waive the late fee and never did", "billing"),
    ("Acme", "Acme promised a callback and never called, it's been a week", "service_failure"),
]


# Share of each table the shipped model gets exactly right (flag and category); floors allow a margin.
ACHIEVED = {"replay": 0.929, "variants": 0.893}
MARGIN = 0.05
# At most this share of the once-misjudged chatter may still be flagged (the alert policy needs
# volume before paging on these categories; the stress replays check that no page follows).
CHATTER_LOUD = 0.0


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer()


@pytest.mark.parametrize(("table", "rows"), [("replay", REPLAY), ("variants", VARIANTS)])
def test_table_floor(scorer: Scorer, table: str, rows: list) -> None:
    scores = scorer.score_many([ScoreInput(text, brand=brand) for brand, text, _ in rows])
    misses = [
        (text, category, s.category if s.incident else None)
        for (_, text, category), s in zip(rows, scores, strict=True)
        if s.incident is not (category is not None) or s.category != category
    ]
    assert 1 - len(misses) / len(rows) >= ACHIEVED[table] - MARGIN, misses


def _chatter():
    path = Path(__file__).resolve().parents[1] / "fixtures" / "replay" / "stress" / "chatter.py"
    spec = importlib.util.spec_from_file_location("stress_chatter", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_once_misjudged_chatter_stays_quiet_in_every_city(scorer: Scorer) -> None:
    chatter = _chatter()
    rng = random.Random(7)
    items = []
    for template in chatter.SCORER_MISJUDGED:
        brand = next(b for b in (AIR, TEL, BANK, RET, GRO) if b in template)
        items += [ScoreInput(chatter.fill(template, rng), brand=brand) for _ in range(12)]
    loud = [item.text for item, s in zip(items, scorer.score_many(items), strict=True) if s.incident]
    assert len(loud) <= len(items) * CHATTER_LOUD, loud
