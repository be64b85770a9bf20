"""Score.sentiment is VADER's compound, untouched: checked against VADER's own ground truth."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from monitor.scoring import ScoreInput, Scorer

GROUND_TRUTH = Path(__file__).resolve().parents[1] / "fixtures" / "vader" / "tweets_GroundTruth.txt"


def _tweets() -> list[tuple[float, str]]:
    rows = []
    # CRLF lines; split on "\n" only, since str.splitlines would also split on rarer separators.
    for line in GROUND_TRUTH.read_text(encoding="utf-8").split("\n"):
        _id, mean, text = line.rstrip("\r").split("\t", 2)
        rows.append((float(mean), text))
    return rows


def _pearson(xs: list[float], ys: list[float]) -> float:
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    vx = sum((x - mx) ** 2 for x in xs)
    vy = sum((y - my) ** 2 for y in ys)
    return cov / math.sqrt(vx * vy)


@pytest.fixture(scope="module")
def scored() -> list[tuple[float, str, float]]:
    tweets = _tweets()
    scores = Scorer().score_many([ScoreInput(text) for _, text in tweets])
    return [(mean, text, s.sentiment) for (mean, text), s in zip(tweets, scores, strict=True)]


def test_fixture_is_complete() -> None:
    assert len(_tweets()) == 4200


def test_pearson_against_human_means(scored: list[tuple[float, str, float]]) -> None:
    r = _pearson([s for _, _, s in scored], [m for m, _, _ in scored])
    assert r == pytest.approx(0.872, abs=0.001)


def test_sentiment_equals_polarity_scores_exactly(scored: list[tuple[float, str, float]]) -> None:
    analyzer = SentimentIntensityAnalyzer()
    for _, text, sentiment in scored[::37]:
        assert sentiment == analyzer.polarity_scores(text)["compound"]


def test_title_does_not_reach_sentiment() -> None:
    text = "The jeweler chipped my engagement diamond"
    scorer = Scorer()
    with_title = scorer.score(ScoreInput(text, title="WORST JEWELER EVER, AVOID!!!"))
    assert with_title.sentiment == SentimentIntensityAnalyzer().polarity_scores(text)["compound"]
