"""What the detector reads in a mention: VADER, the language, the cue engine's verdict, the sentence
embedding and the feature row. Training reads labeled rows through the same Reader, so a model
is trained on exactly what it will be shown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from .cues import CueScorer, CueVerdict
from .model.encoder import Encoder
from .model.features import encoder_text, features
from .model.language import UNDETERMINED, LanguageDetector
from .types import ScoreInput

# Languages the cue engine's phrase lists are written in; elsewhere only its price arithmetic counts.
CUE_LANGUAGES = frozenset({"en", UNDETERMINED})


@cache
def _encoder() -> Encoder:
    # One copy per process: the API and the worker of `monitor run` share ~100 MB of weights.
    return Encoder()


@cache
def _language() -> LanguageDetector:
    return LanguageDetector()


@cache
def _cues() -> CueScorer:
    # Immutable once compiled; compiling the phrase families is most of a scorer's start-up.
    return CueScorer()


def language_code(stated: str | None) -> str | None:
    """ "pt-BR" -> "pt", "EN" -> "en"; None or nonsense -> None (then the text decides)."""
    if not stated:
        return None
    code = stated.strip().lower().replace("_", "-").split("-", 1)[0]
    return code if len(code) in (2, 3) and code.isalpha() else None


@dataclass(slots=True)
class Reading:
    """Per mention of a batch: VADER's compound, the language, the cue verdict; the embeddings and
    feature rows of the batch (None when the reader has no encoder)."""

    compounds: list[float]
    languages: list[str]
    verdicts: list[CueVerdict]
    embeddings: np.ndarray | None
    features: np.ndarray | None


class Reader:
    """Reads batches of mentions; `embed=False` skips the encoder (the cue engine alone)."""

    def __init__(self, *, embed: bool = True) -> None:
        # VADER itself, called as published: `sentiment` is reported exactly as vaderSentiment gives it.
        self._vader = SentimentIntensityAnalyzer()
        self._cues = _cues()
        self._language = _language()
        self._encoder = _encoder() if embed else None

    def read(self, items: Sequence[ScoreInput]) -> Reading:
        """Read mentions in order; a text shared by several brands is read by VADER once."""
        compounds: dict[str, float] = {}
        languages: dict[str, str] = {}
        reading = Reading([], [], [], None, None)
        for item in items:
            compound = compounds.get(item.text)
            if compound is None:
                # The text alone, never the title: `sentiment` is VADER on what the person wrote.
                compound = compounds[item.text] = self._vader.polarity_scores(item.text)["compound"]
            lang = language_code(item.language)
            if lang is None:
                text = encoder_text(item)
                lang = languages.get(text)
                if lang is None:
                    lang = languages[text] = self._language.detect(text)
            reading.compounds.append(compound)
            reading.languages.append(lang)
            reading.verdicts.append(self._cues.assess(item, compound))
        if self._encoder is not None and items:
            reading.embeddings = self._encoder.encode([encoder_text(item) for item in items])
            rows = zip(items, reading.verdicts, reading.compounds, reading.languages, strict=True)
            reading.features = np.stack(
                [features(item, v, c, lang in CUE_LANGUAGES) for item, v, c, lang in rows]
            )
        return reading
