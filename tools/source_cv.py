#!/usr/bin/env python3
"""Leave-one-source-out cross-validation: each corpus file held out in turn, trained on the rest.

    python tools/source_cv.py

Every file was written by a different writer for a different slice, so this is the corpus's best
stand-in for wording nobody predicted (docs/detection.md). Same reader, heads, settings and
thresholds as `monitor train`; prints the overall figures and one line per held-out file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.scoring.model.detector import SHIPPED  # noqa: E402
from monitor.scoring.reader import Reader  # noqa: E402
from monitor.training.corpus import load_corpus  # noqa: E402
from monitor.training.evaluate import evaluate  # noqa: E402
from monitor.training.train import TrainConfig, cross_validate, labeled_rows, read_rows  # noqa: E402


def main() -> None:
    rows = load_corpus()
    sources = sorted({r.source for r in rows})
    folds = np.array([sources.index(r.source) for r in rows])
    oof = cross_validate(rows, read_rows(Reader(), rows), TrainConfig(), folds=folds)
    thresholds = json.loads(SHIPPED.with_suffix(".json").read_text())["thresholds"]
    labeled = labeled_rows(rows, oof, thresholds)
    print(json.dumps({"all": evaluate(labeled).summary()}))
    for source in sources:
        mine = [lab for r, lab in zip(rows, labeled, strict=True) if r.source == source]
        print(json.dumps({source: evaluate(mine).summary()}))


if __name__ == "__main__":
    main()
