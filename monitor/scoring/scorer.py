"""The scoring stage: VADER, the cue engine and the trained detector, combined into one Score.

VADER gives `sentiment` exactly as published. The cue engine reads English text for evidence it
can name (a price gap, a handle, a family of phrases) and its reasons explain the verdict. The
detector (a multilingual sentence encoder and trained heads, see monitor/scoring/model) decides:
the incident flag is a threshold on its calibrated probability, and the category, needs_reply
and opportunity come from its heads. `engine="cues"` scores with the cue engine alone, as the
detector of earlier versions did, for comparison.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np

from .cues import CueVerdict
from .cues.signals import reach_boost
from .model.detector import SHIPPED, Detector, Prediction
from .reader import CUE_LANGUAGES, Reader
from .taxonomy import CATEGORIES, CATEGORY_WEIGHT
from .types import Reason, Score, ScoreInput, make_reason

Engine = Literal["learned", "cues"]
CUES_VERSION = "cues"
_LIKE = 2  # nearest labeled examples quoted per flagged mention


@cache
def _detector(path: Path) -> Detector:
    return Detector.load(path)


class Scorer:
    """Scores mentions; build once (the encoder and the detector are loaded once per process)."""

    def __init__(
        self,
        *,
        model: Path | str | None = None,
        engine: Engine = "learned",
        incident_threshold: float | None = None,
    ) -> None:
        self.engine = engine
        self.reader = Reader(embed=engine == "learned")
        self.detector: Detector | None = None
        self.version = CUES_VERSION
        self.threshold = 0.0
        if engine == "learned":
            self.detector = _detector(Path(model) if model else SHIPPED)
            self.version = self.detector.version
            # A team may trade recall for quiet ([detector] incident_threshold); the model's own is 0.5.
            self.threshold = incident_threshold or self.detector.thresholds["incident"]

    def score(self, item: ScoreInput) -> Score:
        """Score one mention (score_many is faster for several)."""
        return self.score_many([item])[0]

    def score_many(self, items: Sequence[ScoreInput]) -> list[Score]:
        """Score mentions in order; a text shared by several brands is read once."""
        if not items:
            return []
        r = self.reader.read(items)
        if self.detector is None or r.embeddings is None or r.features is None:
            rows = zip(r.verdicts, r.compounds, r.languages, strict=True)
            return [_cue_score(v, c, lang) for v, c, lang in rows]
        detector = self.detector
        pred = detector.predict(r.embeddings, r.features)
        flagged = np.flatnonzero(pred.incident >= self.threshold)
        categories = [CATEGORIES[int(np.argmax(pred.category[i]))] for i in flagged]
        alike = dict(
            zip(flagged, detector.examples.nearest(r.embeddings[flagged], categories, _LIKE), strict=True)
        )
        return [
            self._combine(i, item, r.verdicts[i], r.compounds[i], r.languages[i], pred, alike.get(i, ()))
            for i, item in enumerate(items)
        ]

    def _combine(
        self,
        i: int,
        item: ScoreInput,
        verdict: CueVerdict,
        compound: float,
        lang: str,
        pred: Prediction,
        alike: Sequence[tuple[str, float]],
    ) -> Score:
        detector = self.detector
        assert detector is not None
        thresholds = detector.thresholds
        p = float(pred.incident[i])
        incident = p >= self.threshold
        category, cp = None, 0.0
        if incident:
            best = int(np.argmax(pred.category[i]))
            category, cp = CATEGORIES[best], float(pred.category[i][best])
        reasons: list[Reason] = [make_reason("model.incident", round(p, 4), f"p={p:.2f}")]
        if incident and category:
            reasons.append(make_reason(f"model.{category}", round(cp, 4), f"p={cp:.2f}"))
            for text, similarity in alike:
                reasons.append(make_reason("like", round(similarity, 4), text[:80]))
        cue_reasons = [r for r in verdict.reasons if r.cue != "vader.negative"]
        reasons.extend(cue_reasons)
        return Score(
            sentiment=compound,
            urgency=_urgency(item, p, category, compound, lang, verdict.direct, reasons),
            category=category,
            incident=incident,
            reasons=tuple(reasons),
            direct=verdict.direct,
            needs_reply=bool(pred.needs_reply[i] >= thresholds["needs_reply"]),
            opportunity=bool(pred.opportunity[i] >= thresholds["opportunity"]),
            language=lang,
            probability=round(p, 4),
            category_probability=round(cp, 4),
            model=detector.version,
        )


def _urgency(
    item: ScoreInput,
    p: float,
    category: str | None,
    compound: float,
    lang: str,
    direct: bool,
    reasons: list[Reason],
) -> float:
    """How soon someone should look, 0..1, meant for ranking: rises with the incident probability and
    how grave the category is, a little with anger and with being addressed to the brand, and with
    a large audience (reach_boost adds its reasons). The scale is the cue engine's (1 - e^-1.1x), so
    the alert policy's urgency levels keep their meaning: a sure hazard told angrily to the brand
    nears 0.9, a mention just over the flag sits near 0.55."""
    severity = CATEGORY_WEIGHT[category] if category else 0.0
    negative = max(0.0, -compound) if lang in CUE_LANGUAGES else 0.0
    raw = 1.5 * p + 0.3 * severity * p + 0.15 * negative + 0.05 * direct
    if category and (item.author_reach or item.engagement):
        raw *= reach_boost(item, reasons)
    return round(1.0 - math.exp(-1.1 * raw), 4)


def _cue_score(verdict: CueVerdict, compound: float, lang: str) -> Score:
    """The cue engine's verdict as a Score: needs_reply is its directness, no opportunity head."""
    return Score(
        sentiment=compound,
        urgency=verdict.urgency,
        category=verdict.category,
        incident=verdict.incident,
        reasons=verdict.reasons,
        direct=verdict.direct,
        needs_reply=verdict.direct,
        opportunity=False,
        language=lang,
        probability=1.0 if verdict.incident else 0.0,
        category_probability=1.0 if verdict.incident else 0.0,
        model=CUES_VERSION,
    )
