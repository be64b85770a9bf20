"""The shipped detector: it loads, it is the model `monitor train` makes from the corpus in the repo,
it reproduces its recorded evaluation, and it holds its figures on the blind sets.

The blind sets (tests/detector/blind/) were written by writers who never saw the training corpus,
before the model they measure was trained, and were each scored once for docs/detection.md; the
floors below are those figures less a margin, so a retrain that loses ground fails here.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from monitor.scoring import CATEGORIES, ScoreInput, Scorer
from monitor.scoring.model.detector import SHIPPED, Detector, ModelError
from monitor.scoring.reader import Reader
from monitor.training.corpus import load_corpus
from monitor.training.evaluate import Labeled, evaluate
from monitor.training.train import read_rows, train

BLIND = Path(__file__).resolve().parents[1] / "detector" / "blind"
# (F1, category accuracy, needs_reply F1, opportunity F1) of the shipped model, less 0.03. blind_v3
# was scored once for it (0.899, 0.816, 0.920, 0.811); blind_v2 was scored once for an earlier model
# of the same round (0.916, 0.821, 0.920, 0.770) and reads 0.920, 0.821, 0.913, 0.773 on this one.
FLOORS = {
    "blind_v2.jsonl": (0.89, 0.79, 0.88, 0.74),
    "blind_v3.jsonl": (0.869, 0.786, 0.89, 0.78),
}


@pytest.fixture(scope="module")
def shipped() -> Detector:
    return Detector.load(SHIPPED)


def test_the_shipped_model_loads_with_every_head(shipped: Detector) -> None:
    assert set(shipped.heads) == {"incident", "category", "needs_reply", "opportunity"}
    assert shipped.heads["category"].classes == CATEGORIES
    assert shipped.version.startswith("usem3-heads-")
    assert 0 < shipped.thresholds["incident"] < shipped.thresholds["incident_quiet"] < 1
    assert len(shipped.examples.texts) > 1000 and shipped.examples.vectors.dtype == np.int8
    record = json.loads(SHIPPED.with_suffix(".json").read_text())
    assert record["version"] == shipped.version and record["trained_by"] == "monitor train"


@pytest.fixture(scope="module")
def retrained():
    """`monitor train` from scratch on the corpus in the repo (about a minute on 2 cores)."""
    rows = load_corpus()
    reader = Reader()
    feats = read_rows(reader, rows)
    return rows, feats, train(rows, reader=reader, feats=feats)


def _figures(ours: object, theirs: object, path: str = "") -> list[tuple[str, float, float]]:
    """(path, ours, theirs) for every number of two nested evaluation records."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        assert set(ours) == set(theirs), path
        return [f for key in ours for f in _figures(ours[key], theirs[key], f"{path}/{key}")]
    if isinstance(ours, int | float) and isinstance(theirs, int | float):
        return [(path, float(ours), float(theirs))]
    assert ours == theirs, path
    return []


def test_monitor_train_reproduces_the_shipped_model(shipped: Detector, retrained) -> None:
    """Same corpus, same settings: the same model — exactly on the CPU that trained it, and within
    float noise on another. OpenBLAS picks its kernels per CPU (AVX-512 or not), so embeddings differ
    in their last bits; the linear heads (needs_reply, opportunity) land within 1e-6 regardless, while
    the hidden layer of the incident and category heads carries the difference a little further
    (measured between two Xeons: incident probabilities within 0.033, 99.92% the same decisions;
    category 99.5% the same; cross-validation figures within 0.028)."""
    rows, feats, result = retrained
    assert result.detector.version == shipped.version, "the corpus changed: run `monitor train`"
    for name, threshold in shipped.thresholds.items():
        assert abs(result.detector.thresholds[name] - threshold) <= 0.03, name
    recorded = json.loads(SHIPPED.with_suffix(".json").read_text())["cross_validation"]
    for path, ours, theirs in _figures(result.meta["cross_validation"], recorded):
        assert abs(ours - theirs) <= (0 if path.endswith("/n") else 0.04), (path, ours, theirs)
    # and the same decisions on every corpus row
    ours = result.detector.predict(feats.embeddings, feats.features)
    theirs = shipped.predict(feats.embeddings, feats.features)
    for head in ("needs_reply", "opportunity"):
        assert np.allclose(getattr(ours, head), getattr(theirs, head), atol=1e-3), head
    assert np.abs(ours.incident - theirs.incident).max() <= 0.1
    assert np.mean((ours.incident >= 0.5) == (theirs.incident >= 0.5)) >= 0.995
    assert np.mean(ours.category.argmax(axis=1) == theirs.category.argmax(axis=1)) >= 0.99


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_blind_set_floor(name: str) -> None:
    rows = [json.loads(line) for line in (BLIND / name).read_text(encoding="utf-8").splitlines() if line]
    scores = Scorer().score_many([ScoreInput(r["text"], brand=r["brand"]) for r in rows])
    report = evaluate(
        Labeled(
            r["incident"],
            r["category"],
            s.incident,
            s.category,
            r["needs_reply"],
            s.needs_reply,
            r["opportunity"],
            s.opportunity,
        )
        for r, s in zip(rows, scores, strict=True)
    )
    f1, category, reply, opportunity = FLOORS[name]
    assert report.f1 >= f1 and report.category_accuracy >= category, report.summary()
    assert (report.needs_reply_f1 or 0) >= reply and (report.opportunity_f1 or 0) >= opportunity


def test_a_missing_or_foreign_model_is_a_clear_error(tmp_path: Path, shipped: Detector) -> None:
    with pytest.raises(ModelError, match=r"absent.npz: .*absent.json not found \(run `monitor train`\)"):
        Detector.load(tmp_path / "absent.npz")
    shipped.save(tmp_path / "old.npz", meta={})
    record = json.loads((tmp_path / "old.json").read_text())
    (tmp_path / "old.json").write_text(json.dumps(record | {"format": 99}))
    with pytest.raises(ModelError, match="format 99, expected 1"):
        Detector.load(tmp_path / "old.npz")
    (tmp_path / "old.npz").write_bytes(b"not a zip")
    (tmp_path / "old.json").write_text(json.dumps(record))
    with pytest.raises(ModelError, match="unreadable"):
        Detector.load(tmp_path / "old.npz")


def test_save_and_load_keep_every_prediction(tmp_path: Path, shipped: Detector) -> None:
    shipped.save(tmp_path / "copy.npz", meta={"note": "copy"})
    copy = Detector.load(tmp_path / "copy.npz")
    rng = np.random.default_rng(0)
    e = rng.normal(size=(5, 512)).astype(np.float32)
    f = rng.uniform(size=(5, shipped.mean.shape[0] - 512)).astype(np.float32)
    a, b = shipped.predict(e, f), copy.predict(e, f)
    assert np.array_equal(a.incident, b.incident) and np.array_equal(a.category, b.category)
    assert copy.meta["note"] == "copy" and copy.version == shipped.version
