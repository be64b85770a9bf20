"""Labeled sets as regression floors: incident F1 and category accuracy may not fall below them.

heldout.jsonl was written before the structural detectors and scored once (F1 0.786, category
0.556); its misses were read only for missing cue families, so its figure now is optimistic.
heldout2.jsonl was written blind after the changes and never tuned against: the honest estimate.
dev_extra.jsonl is the development set the mechanisms were built against. Floors are the achieved
figures less a small margin, so a regression fails and a small wording change does not.

Third round: heldout3.jsonl was written before any change of that round and scored blind (F1 0.582,
category 0.322); only its aggregate figures were looked at afterwards, never its misses. The
round's mechanisms (lexicon_more.py, priority.py, the new structures) were built on heldout2's
misses and dev_extra2.jsonl, so heldout2's figure is no longer an honest estimate; heldout3's is.

Fourth round: heldout4.jsonl was written before any change of that round and scored blind (F1 0.784,
category 0.611); the round's symptom families (lexicon_symptoms.py) were built on heldout3's misses,
so heldout3 is now a development set and heldout4's blind figure is the honest estimate.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.scoring import ScoreInput, Scorer
from monitor.scoring.evaluate import Labeled, evaluate

LABELED = Path(__file__).parent / "labeled"

# file: (min incident F1, min category accuracy); achieved: heldout 1.000/1.000, dev_extra 0.995/0.989,
# heldout2 1.000/1.000 (0.818/0.635 blind), dev_extra2 0.981/0.963, heldout3 0.861/0.744 (0.582/0.322 blind),
# heldout4 0.815/0.667 (0.784/0.611 blind).
FLOORS = {
    "heldout.jsonl": (0.97, 0.96),
    "dev_extra.jsonl": (0.97, 0.96),
    "heldout2.jsonl": (0.95, 0.93),
    "dev_extra2.jsonl": (0.95, 0.93),
    "heldout3.jsonl": (0.83, 0.71),
    "heldout4.jsonl": (0.78, 0.63),
}


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer()


def _rows(name: str) -> list[dict]:
    with open(LABELED / name, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_labeled_set_floor(scorer: Scorer, name: str) -> None:
    labeled = []
    for row in _rows(name):
        s = scorer.score(ScoreInput(text=row["text"], brand=row.get("brand")))
        labeled.append(Labeled(row["incident"], row["category"], s.incident, s.category))
    report = evaluate(labeled)
    min_f1, min_cat = FLOORS[name]
    assert report.f1 >= min_f1, f"{name}: incident F1 {report.f1:.3f} < {min_f1}"
    assert report.category_accuracy >= min_cat, (
        f"{name}: category accuracy {report.category_accuracy:.3f} < {min_cat}"
    )


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_labeled_set_is_well_formed(name: str) -> None:
    rows = _rows(name)
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    for r in rows:
        assert isinstance(r["incident"], bool) and r["text"].strip()
        assert (r["category"] is None) == (not r["incident"])


# The probe phrasings that motivated each mechanism: (brand, text, category or None).
PROBES = [
    (
        "Northwind Apparel",
        "Ordered two dresses from Northwind Apparel for my sister's wedding and received two "
        "t-shirts. Wedding is Saturday @NorthwindWear",
        "order_problem",
    ),
    ("Acme", "got a pair of boots from Acme but the box had sandals in it", "order_problem"),
    ("Acme", "Acme sent me a blue sofa, I ordered grey", "order_problem"),
    (
        "Lumiere Jewelers",
        "lol lumiere jewelers pricing is broken, $1,200 necklace went through for $12. ordered two",
        "pricing_error",
    ),
    ("Acme", "Acme's site lets you stack coupons, I got a 65 inch TV for $40", "pricing_error"),
    ("Acme", "Acme forgot the birthday surprise they promised for my daughter", "service_failure"),
    ("Northwind Apparel", "Northwind Apparel returns were super easy, refund in 2 days", None),
    # Structures must not fire on the praise or the ordinary story they resemble.
    ("Acme", "Ordered a pizza from Acme and got it in 20 minutes", None),
    ("Acme", "ordered a medium from Acme and got a large as a free upgrade, love it", None),
    ("Acme", "I bought Acme headphones and received so many compliments", None),
    ("Acme", "Got a $500 TV from Acme for $450 on sale", None),
    ("Acme", "paid $20 for a $25 Acme gift card, nice deal", None),
    ("Acme", "Acme returns were not easy, refund took 6 weeks", "billing"),
    ("Acme", "cancelled my Acme sub because I'm broke rn, not their fault, great service", None),
    # Third round: partial deliveries, award prices, charges against the plan, category priority.
    ("Acme", "we ordered 4 pizzas from Acme and only 3 of them arrived", "order_problem"),
    ("Acme", "Acme showing 3 points per night for the ocean suite, can't be intentional", "pricing_error"),
    ("Acme", "Acme added a $10 statement fee even though I'm on paperless billing", "billing"),
    ("Acme", "Acme said the sofa would be delivered Friday. it's the 9th. nothing", "order_problem"),
    ("Acme", "Acme heater sparked and burned my hand, the plug is broken too", "safety"),
    ("Acme", "Acme charged me twice for one ticket and now I'm speaking to a lawyer", "legal"),
    ("Acme", "Acme order status has said processing for three weeks, payment taken day one", "order_problem"),
    # ... and not on the chatter that shares their words.
    ("Acme", "Acme fraud team caught a weird charge before I even noticed, impressed", None),
    ("Acme", "Acme double points this weekend: earn 50 points a night on suites", None),
    ("Acme", "charged my phone twice on the Acme train, sockets at every seat", None),
    ("Acme", "my kid pretending to be an Acme delivery driver is the cutest thing", None),
    ("Acme", "nothing came close to the Acme burger, ten out of ten", None),
    ("Acme", "anyone know if the Acme recall covers the 2018 model too?", None),
]


@pytest.mark.parametrize(("brand", "text", "category"), PROBES)
def test_probe(scorer: Scorer, brand: str, text: str, category: str | None) -> None:
    s = scorer.score(ScoreInput(text=text, brand=brand))
    assert s.incident == (category is not None), s.reasons
    assert s.category == category, s.reasons
    if category:
        assert all(r.cue for r in s.reasons) and s.reasons[0].weight > 0
