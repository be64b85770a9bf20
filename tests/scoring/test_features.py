"""What the detector reads besides the embedding: money arithmetic, the language, the feature row."""

from __future__ import annotations

import pytest

from monitor.scoring import ScoreInput
from monitor.scoring.model.amounts import amount_features, amounts
from monitor.scoring.model.features import NAMES, SIZE
from monitor.scoring.model.language import LanguageDetector
from monitor.scoring.reader import Reader, language_code


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("listed 1.299,00 €, checkout says 12,99", [1299.0, 12.99]),
        ("listed 1299.00 and my cart says 12.99", [1299.0, 12.99]),
        ("$899 tv for $8.99!!", [899.0, 8.99]),
        ("R$ 1.299,90 por R$ 12,99", [1299.9, 12.99]),
        ("shelf tag says 3.49, rang up 5.29", [3.49, 5.29]),
        ("total 0,00 € lol", [0.0]),
        ("it cost 300 bucks", [300.0]),
        ("CHF 49.– for the pass", [49.0]),
        ("call 555-1234 about order 12345", []),
        ("back on 12.05.2024, version 2.10.15", []),
    ],
)
def test_amounts_in_the_forms_customers_type(text: str, found: list[float]) -> None:
    assert amounts(text) == found


def test_amount_features_show_a_hundredfold_gap_and_a_zero() -> None:
    assert amount_features("list price $899.00, checkout $8.99") == (2 / 3, 0.0, 0.5)
    assert amount_features("order total 0.00") == (1 / 3, 1.0, 0.0)
    assert amount_features("no money here") == (0.0, 0.0, 0.0)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("@Acme my order never arrived and nobody answers", "en"),
        ("todo gratis en el carrito, 0,00 € al pagar, ¿es un error?", "es"),
        ("Bestellung kam nie an, Frechheit, seit zwei Wochen warte ich", "de"),
        ("la commande est arrivée cassée et personne ne répond", "fr"),
        ("o pedido chegou errado e ninguém responde, que absurdo", "pt"),
        ("il pacco è arrivato rotto e nessuno risponde", "it"),
        ("@Acme !!! 😡", "und"),
    ],
)
def test_language_is_detected_offline(text: str, lang: str) -> None:
    assert LanguageDetector().detect(text) == lang


@pytest.mark.parametrize(
    ("stated", "code"), [("pt-BR", "pt"), ("EN", "en"), ("es_MX", "es"), ("", None), ("x1", None)]
)
def test_a_sources_language_tag_is_reduced_to_its_code(stated: str, code: str | None) -> None:
    assert language_code(stated) == code


def test_reader_rows_have_every_feature_and_cues_count_only_in_english() -> None:
    reader = Reader()
    english, spanish = (
        ScoreInput("Acme charged me twice for one order", brand="Acme"),
        ScoreInput("Acme me cobró dos veces el mismo pedido", brand="Acme", language="es"),
    )
    reading = reader.read([english, spanish])
    assert reading.features is not None and reading.features.shape == (2, SIZE) == (2, len(NAMES))
    assert reading.embeddings is not None and reading.embeddings.shape == (2, 512)
    assert reading.languages == ["en", "es"]
    billing = NAMES.index("cue.billing")
    assert reading.features[0, billing] > 0 and reading.features[1, billing] == 0
    assert reading.features[1, NAMES.index("text.english")] == 0
