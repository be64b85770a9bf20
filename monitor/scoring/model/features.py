"""What the heads read about a mention besides its embedding: the cue engine's evidence,
VADER, money arithmetic, and the shape of the text.

Each feature is a small float (0..~1.5). The embedding says what the text means; these say what
an embedding cannot: that two prices are a hundred times apart, that a cue family the team wrote
fired, that the post is addressed to the brand.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

import numpy as np

from ..cues import CueVerdict
from ..taxonomy import CATEGORIES
from ..types import ScoreInput
from .amounts import amount_features

# Bumped whenever what the reader produces changes (features, masking, encoder input): a model is
# only valid for the reader it was trained with, and its version string says which.
READER_VERSION = 2

NAMES: tuple[str, ...] = (
    "cue.incident",
    "cue.problem",
    *(f"cue.{category}" for category in CATEGORIES),
    "cue.price",
    "cue.direct",
    "cue.damped",
    "vader.compound",
    "vader.negative",
    "vader.positive",
    "text.handle",
    "text.leading_handle",
    "text.brand_handle",
    "text.question",
    "text.exclamation",
    "text.words",
    "text.english",
    "amount.count",
    "amount.zero",
    "amount.spread",
)
SIZE = len(NAMES)
_CATEGORY_INDEX = {category: 2 + i for i, category in enumerate(CATEGORIES)}
_WORD = re.compile(r"\w+")
_HANDLE = re.compile(r"@\w")
_HANDLE_WORD = re.compile(r"@(\w+)")
_TAG_OR_HANDLE = re.compile(r"([@#])(\w+)")


def _names_brand_handle(item: ScoreInput, lower: str) -> bool:
    """A configured handle, or an @handle that spells the brand ("@velorashoes", "@VeloraHelp")."""
    if any(h and h.lower() in lower for h in item.handles):
        return True
    if not item.brand:
        return False
    squashed = "".join(ch for ch in item.brand.lower() if ch.isalnum())
    first = "".join(ch for ch in item.brand.lower().split()[0] if ch.isalnum()) if item.brand.split() else ""
    for handle in _HANDLE_WORD.findall(lower):
        if (squashed and squashed in handle) or (len(first) >= 4 and first in handle):
            return True
    return False


# Every brand reads as the same placeholder company, so the meaning of the brand's own name
# ("Pantry Lane", "Orbit") never colours the verdict and a model trained on one set of brands
# reads another the same way.
BRAND_PLACEHOLDER = "Acme"


@lru_cache(maxsize=4096)
def _brand_patterns(brand: str, handles: tuple[str, ...]) -> tuple[re.Pattern[str], str, str]:
    words = brand.split()
    first = re.sub(r"\W", "", words[0].lower()) if words else ""
    squashed = re.sub(r"\W", "", brand.lower())
    names = [re.escape(brand.strip())]
    if len(first) >= 4 and len(words) > 1:
        names.append(re.escape(words[0]))  # "Pantry" for "Pantry Lane"
    names.extend(re.escape(h.lstrip("@")) for h in handles if h.strip("@"))
    pattern = re.compile(r"(?<![\w@])(?:" + "|".join(names) + r")(?!\w)", re.IGNORECASE)
    return pattern, squashed, first if len(first) >= 4 else squashed


def mask_brand(text: str, brand: str | None, handles: tuple[str, ...] = ()) -> str:
    """The text with the brand's name, and @handles and #tags that spell it, replaced by one placeholder."""
    if not brand or not brand.strip():
        return text
    pattern, squashed, first = _brand_patterns(brand, handles)
    if "@" in text or "#" in text:

        def handle(m: re.Match[str]) -> str:
            name = m.group(2).lower()
            if (squashed and squashed in name) or first in name:
                return m.group(1) + BRAND_PLACEHOLDER
            return m.group(0)

        text = _TAG_OR_HANDLE.sub(handle, text)
    return pattern.sub(BRAND_PLACEHOLDER, text)


def encoder_text(item: ScoreInput) -> str:
    """The text the encoder reads: the title (Reddit, forum threads) and the body, brand masked."""
    text = f"{item.title}. {item.text}" if item.title else item.text
    return mask_brand(text, item.brand, item.handles)


def features(item: ScoreInput, verdict: CueVerdict, compound: float, english: bool) -> np.ndarray:
    """The feature row of one mention (see NAMES). Cue features count for English text only."""
    row = np.zeros(SIZE, dtype=np.float32)
    text = encoder_text(item)
    if english:
        row[0] = 1.0 if verdict.incident else 0.0
        row[1] = min(verdict.problem, 2.0) / 2.0
        for category, evidence in verdict.evidence.items():
            row[_CATEGORY_INDEX[category]] = min(evidence, 1.5)
        row[11] = verdict.price
        row[13] = 1.0 if any(r.weight < 0 and r.cue.startswith("damp.") for r in verdict.reasons) else 0.0
        row[14] = compound
        row[15] = max(0.0, -compound)
        row[16] = max(0.0, compound)
    row[12] = 1.0 if verdict.direct else 0.0
    lower = text.lower()
    if "@" in text:
        row[17] = 1.0 if _HANDLE.search(text) else 0.0
        row[18] = 1.0 if text.lstrip().startswith("@") else 0.0
        row[19] = 1.0 if _names_brand_handle(item, lower) else 0.0
    row[20] = 1.0 if "?" in text else 0.0
    row[21] = 1.0 if "!" in text else 0.0
    row[22] = min(math.log1p(len(_WORD.findall(text))) / math.log(200), 1.0)
    row[23] = 1.0 if english else 0.0
    row[24], row[25], row[26] = amount_features(text)
    return row
