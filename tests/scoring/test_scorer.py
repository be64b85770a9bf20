"""The scoring stage as the pipeline and `monitor score` use it: the product's stories, the output
contract, explanations, languages, and the knobs a team has."""

from __future__ import annotations

import pytest

from monitor.scoring import CATEGORIES, ScoreInput, Scorer


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer()


# The stories this product comes from: each must be heard, filed right, and flagged for an answer.
STORIES = [
    ("Helzberg", "OMG everything in my cart is FREE at checkout?! Is this real?? @Helzberg", "pricing_error"),
    (
        "Northwind Apparel",
        "Ordered two dresses from Northwind Apparel for my sister's wedding and got two t-shirts instead",
        "order_problem",
    ),
    (
        "Brightstone Jewelers",
        "Brightstone Jewelers chipped my engagement diamond while cleaning it",
        "product_defect",
    ),
    (
        "Carlotta's",
        "Carlotta's promised a birthday surprise at our table for my mom. Nothing. Nobody remembered",
        "service_failure",
    ),
]


@pytest.mark.parametrize(("brand", "text", "category"), STORIES, ids=[s[2] for s in STORIES])
def test_the_stories_are_heard(scorer: Scorer, brand: str, text: str, category: str) -> None:
    score = scorer.score(ScoreInput(text, brand=brand))
    assert (score.incident, score.category) == (True, category), score.reasons[:3]


def test_the_happy_glitch_post_asks_for_an_answer(scorer: Scorer) -> None:
    score = scorer.score(ScoreInput(STORIES[0][1], brand="Helzberg"))
    assert score.sentiment > 0.5  # VADER reads it as happy ...
    assert score.needs_reply and score.urgency > 0.7  # ... the detector does not


def test_the_steak_at_the_gate_is_an_opportunity_not_an_incident(scorer: Scorer) -> None:
    text = "Hey @Mortons can you meet me at Newark airport with a porterhouse when I land in two hours? lol"
    score = scorer.score(ScoreInput(text, brand="Morton's"))
    assert (score.incident, score.needs_reply, score.opportunity) == (False, True, True)


GLITCH_IN = {
    "es": "@Lumiere todo gratis en el carrito, 0,00 € al pagar?? es un error??",
    "fr": "Le site Lumiere affiche tout à 0,00 € au paiement, c'est normal ?",
    "de": "Lumiere Website: alles kostet 0,00 € im Warenkorb, ist das ein Fehler?",
    "pt": "o site da Lumiere tá com tudo de graça no carrinho, R$ 0,00 kkkk",
    "it": "sul sito Lumiere è tutto gratis nel carrello, 0,00 €, è un errore?",
}


def test_a_glitch_is_heard_in_five_languages(scorer: Scorer) -> None:
    scores = scorer.score_many([ScoreInput(t, brand="Lumiere") for t in GLITCH_IN.values()])
    assert [s.language for s in scores] == list(GLITCH_IN)
    heard = [lang for lang, s in zip(GLITCH_IN, scores, strict=True) if s.category == "pricing_error"]
    # a learned model: the Portuguese one ("kkkk", no question) reads as banter to it today
    assert len(heard) >= 4, heard


def test_routine_questions_and_news_are_not_incidents(scorer: Scorer) -> None:
    hours, news = scorer.score_many(
        [
            ScoreInput("What time does Acme close on Sundays?", brand="Acme"),
            ScoreInput("Acme opens its third store downtown next month", brand="Acme"),
        ]
    )
    assert (hours.incident, hours.needs_reply) == (False, True)
    assert (news.incident, news.needs_reply, news.opportunity) == (False, False, False)


def test_every_verdict_explains_itself(scorer: Scorer) -> None:
    score = scorer.score(ScoreInput("Acme charged me TWICE for one order and nobody answers!!", brand="Acme"))
    assert score.incident and score.category
    cues = [r.cue for r in score.reasons]
    assert cues[:2] == ["model.incident", f"model.{score.category}"]
    assert cues[2:4] == ["like", "like"]  # the two labeled examples of that category it is most like
    assert {"billing.double_charged", "intensity.punctuation"} <= set(cues)
    assert all(r.evidence for r in score.reasons)
    assert score.probability == score.reasons[0].weight and 0.5 <= score.probability <= 1
    assert 0 < score.category_probability <= 1
    assert score.model == scorer.version and score.model.startswith("usem3-heads-")


def test_a_large_audience_raises_urgency_not_the_verdict(scorer: Scorer) -> None:
    text = "Acme app keeps crashing at checkout, third time today"
    plain = scorer.score(ScoreInput(text, brand="Acme"))
    loud = scorer.score(ScoreInput(text, brand="Acme", author_reach=250_000, engagement=900))
    assert loud.incident is plain.incident is True and loud.category == plain.category
    assert loud.urgency > plain.urgency
    assert {"reach.followers", "reach.engagement"} <= {r.cue for r in loud.reasons}


def test_urgency_ranks_harm_above_a_rude_cashier(scorer: Scorer) -> None:
    fire, rude, calm = scorer.score_many(
        [
            ScoreInput("My Acme heater caught fire in the living room last night", brand="Acme"),
            ScoreInput("The Acme cashier rolled her eyes and told me to hurry up", brand="Acme"),
            ScoreInput("Acme heaters are on sale this week", brand="Acme"),
        ]
    )
    assert fire.urgency > rude.urgency > calm.urgency


def test_a_stated_language_wins_and_order_is_kept(scorer: Scorer) -> None:
    items = [
        ScoreInput(f"Acme note {i}", brand="Acme", language="pt-BR" if i == 3 else None) for i in range(6)
    ]
    scores = scorer.score_many(items)
    assert len(scores) == 6 and scores[3].language == "pt"
    assert scorer.score_many([]) == []


def test_the_team_can_trade_recall_for_quiet() -> None:
    text = "Acme app logged me out twice this morning"
    default = Scorer().score(ScoreInput(text, brand="Acme"))
    strict = Scorer(incident_threshold=0.99).score(ScoreInput(text, brand="Acme"))
    assert strict.probability == default.probability
    assert strict.incident is False and strict.category is None


def test_the_cue_engine_alone_is_still_there_for_comparison() -> None:
    cues = Scorer(engine="cues")
    score = cues.score(ScoreInput("Acme charged me twice for one order", brand="Acme"))
    assert (score.incident, score.category, score.model) == (True, "billing", "cues")
    assert cues.detector is None and set(CATEGORIES) >= {score.category}
