"""Scorer throughput against VADER alone, measured in one run on the same texts (not a timed test).

Texts: VADER's 4,200 ground-truth tweets from tests/fixtures plus generated brand mentions, every
text distinct (the scorer reads a repeated text once, which would flatter it).
Usage: .venv/bin/python tests/benchmarks/bench_scoring.py [--json] [--repeat 3]
Prints {"texts", "scorer_per_s", "cues_only_per_s", "vader_only_per_s", "ratio", "rss_mb"}: the
full scorer (VADER, the cue engine, language, the sentence encoder and the trained heads), the
cue engine alone as the detector of earlier versions ran, VADER alone; ratio = scorer / VADER;
rss_mb is this process's peak resident memory with the model loaded.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: E402

from monitor.scoring import ScoreInput, Scorer  # noqa: E402

_TEMPLATES = [
    "{b} has everything in the cart at $0.00 at checkout, is this real??",
    "@{b} I was charged twice for the same order and nobody answers the phone",
    "Still waiting for my {b} refund after three weeks. Ridiculous.",
    "Love my new {b} jacket, the fit is perfect and shipping was quick",
    "{b} app keeps crashing when I try to log in, third time today",
    "The {b} kettle handle melted and burned my hand this morning",
    "Anyone know when the {b} sale starts? thinking about getting the blue one",
]
_BRANDS = ["Acme", "Orbit", "Zephyr", "Solstice", "Marlow & Finch", "Tidewater"]


def texts(generated: int = 2000, seed: int = 11) -> list[str]:
    """VADER's fixture tweets followed by generated mentions."""
    path = ROOT / "tests" / "fixtures" / "vader" / "tweets_GroundTruth.txt"
    tweets = [line.rstrip("\r").split("\t", 2)[2] for line in path.read_text(encoding="utf-8").split("\n")]
    rng = random.Random(seed)
    made = [f"{rng.choice(_TEMPLATES).format(b=rng.choice(_BRANDS))} #{i}" for i in range(generated)]
    return tweets + made


def bench(repeat: int) -> dict:
    sample = texts()
    items = [ScoreInput(t) for t in sample]
    analyzer = SentimentIntensityAnalyzer()
    scorer = Scorer()
    cues = Scorer(engine="cues")
    best_vader = best_scorer = best_cues = float("inf")
    # Interleave and keep the best of each, so a noisy neighbour hurts every side alike.
    for _ in range(repeat):
        t = time.perf_counter()
        for text in sample:
            analyzer.polarity_scores(text)
        best_vader = min(best_vader, time.perf_counter() - t)
        t = time.perf_counter()
        cues.score_many(items)
        best_cues = min(best_cues, time.perf_counter() - t)
        t = time.perf_counter()
        scorer.score_many(items)
        best_scorer = min(best_scorer, time.perf_counter() - t)
    n = len(sample)
    return {
        "texts": n,
        "scorer_per_s": round(n / best_scorer, 1),
        "cues_only_per_s": round(n / best_cues, 1),
        "vader_only_per_s": round(n / best_vader, 1),
        "ratio": round(best_vader / best_scorer, 3),
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON line")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    result = bench(args.repeat)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")


if __name__ == "__main__":
    main()
