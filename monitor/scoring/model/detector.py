"""The trained detector: four heads over [embedding | features], and the labeled examples they learned from.

An artifact is two files side by side: `NAME.npz` (weights, standardization, example embeddings
and texts) and `NAME.json` (version, thresholds, feature names and the evaluation that `monitor
train` recorded, readable in a diff). `monitor train` writes both; the scorer only reads them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..taxonomy import CATEGORIES
from .linear import Head

HEADS = ("incident", "category", "needs_reply", "opportunity")
SHIPPED = Path(__file__).parent / "detector.npz"
FORMAT = 1


class ModelError(Exception):
    """A detector artifact that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Examples:
    """Labeled examples for "like: …" explanations: int8 unit vectors, labels and short texts."""

    vectors: np.ndarray  # (n, dim) int8, each row a unit vector scaled by 127
    categories: tuple[str, ...]  # the example's category
    texts: tuple[str, ...]

    def __post_init__(self) -> None:
        # Unpacked once: the int8 rows are for the file, float32 is what the product needs.
        object.__setattr__(self, "_unit", self.vectors.astype(np.float32) / 127.0)
        labels = np.array(self.categories, dtype=object)
        object.__setattr__(self, "_rows", {c: np.flatnonzero(labels == c) for c in set(self.categories)})

    def nearest(
        self, vectors: np.ndarray, categories: list[str], k: int = 2
    ) -> list[list[tuple[str, float]]]:
        """Per row of `vectors`, the k examples of its category most alike, with cosine similarity."""
        out: list[list[tuple[str, float]]] = [[] for _ in categories]
        unit: np.ndarray = self._unit  # type: ignore[attr-defined]
        rows: dict[str, np.ndarray] = self._rows  # type: ignore[attr-defined]
        for category in set(categories):
            mine = rows.get(category)
            if mine is None or not len(mine):
                continue
            asking = [i for i, c in enumerate(categories) if c == category]
            sims = vectors[asking] @ unit[mine].T
            for row, i in enumerate(asking):
                top = np.argsort(-sims[row], kind="stable")[:k]
                out[i] = [(self.texts[mine[j]], float(sims[row, j])) for j in top]
        return out


@dataclass(frozen=True)
class Prediction:
    """Per mention: incident probability, category probabilities, reply and opportunity probabilities."""

    incident: np.ndarray  # (n,)
    category: np.ndarray  # (n, len(CATEGORIES)) in CATEGORIES order
    needs_reply: np.ndarray  # (n,)
    opportunity: np.ndarray  # (n,)


@dataclass(frozen=True)
class Detector:
    """A loaded artifact; `predict` is pure numpy."""

    version: str
    mean: np.ndarray
    scale: np.ndarray
    heads: dict[str, Head]
    thresholds: dict[str, float]
    examples: Examples
    meta: dict[str, Any] = field(default_factory=dict)

    def standardize(self, embeddings: np.ndarray, feats: np.ndarray) -> np.ndarray:
        x = np.hstack([embeddings, feats]).astype(np.float32)
        x -= self.mean
        x /= self.scale
        return x

    def predict(self, embeddings: np.ndarray, feats: np.ndarray) -> Prediction:
        """Probabilities for rows of embeddings and their feature rows."""
        x = self.standardize(embeddings, feats)
        return Prediction(
            incident=self.heads["incident"].probabilities(x)[:, 1],
            category=self.heads["category"].probabilities(x),
            needs_reply=self.heads["needs_reply"].probabilities(x)[:, 1],
            opportunity=self.heads["opportunity"].probabilities(x)[:, 1],
        )

    def save(self, path: Path, *, meta: dict[str, Any]) -> None:
        """Write NAME.npz and NAME.json (the JSON holds what a reviewer reads)."""
        arrays: dict[str, np.ndarray] = {"mean": self.mean, "scale": self.scale}
        for name, head in self.heads.items():
            arrays[f"{name}.weights"] = head.weights
            arrays[f"{name}.bias"] = head.bias
            if head.hidden is not None and head.hidden_bias is not None:
                arrays[f"{name}.hidden"] = head.hidden
                arrays[f"{name}.hidden_bias"] = head.hidden_bias
        arrays["examples.vectors"] = self.examples.vectors
        blob = json.dumps(
            {"categories": list(self.examples.categories), "texts": list(self.examples.texts)},
            ensure_ascii=False,
        ).encode("utf-8")
        arrays["examples.json"] = np.frombuffer(blob, dtype=np.uint8)
        path = path.with_suffix(".npz")
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            np.savez_compressed(f, **arrays)
        record = {
            "format": FORMAT,
            "version": self.version,
            "heads": {name: list(head.classes) for name, head in self.heads.items()},
            "thresholds": self.thresholds,
            **meta,
        }
        path.with_suffix(".json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, path: Path = SHIPPED) -> Detector:
        """Read an artifact written by `save`; ModelError names what is wrong."""
        path = Path(path).with_suffix(".npz")
        meta_path = path.with_suffix(".json")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
        except FileNotFoundError as exc:
            raise ModelError(
                f"detector model {path}: {exc.filename} not found (run `monitor train`)"
            ) from None
        except (OSError, ValueError) as exc:
            raise ModelError(f"detector model {path}: unreadable ({exc})") from None
        if meta.get("format") != FORMAT:
            raise ModelError(f"detector model {path}: format {meta.get('format')!r}, expected {FORMAT}")
        try:
            heads = {
                name: Head(
                    tuple(meta["heads"][name]),
                    arrays[f"{name}.weights"],
                    arrays[f"{name}.bias"],
                    arrays.get(f"{name}.hidden"),
                    arrays.get(f"{name}.hidden_bias"),
                )
                for name in HEADS
            }
            if heads["category"].classes != CATEGORIES:
                raise ModelError(f"detector model {path}: category classes differ from this version's")
            blob = json.loads(arrays["examples.json"].tobytes().decode("utf-8"))
            examples = Examples(arrays["examples.vectors"], tuple(blob["categories"]), tuple(blob["texts"]))
            return cls(
                version=str(meta["version"]),
                mean=arrays["mean"],
                scale=arrays["scale"],
                heads=heads,
                thresholds={k: float(v) for k, v in meta["thresholds"].items()},
                examples=examples,
                meta=meta,
            )
        except KeyError as exc:
            raise ModelError(f"detector model {path}: missing {exc.args[0]!r}") from None
