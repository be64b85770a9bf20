"""The trained heads in numpy, and the optimizer that fits them.

No scikit-learn or scipy at run time (together they would add ~160 MB to an install). A head is
softmax regression, optionally with one hidden ReLU layer in front (an interaction such as "two
prices a hundred times apart *and* an order went through" is not a sum of its parts). Both are
fitted by L-BFGS on the mean weighted cross-entropy plus an L2 penalty; fitting is deterministic:
a fixed start (zeros, or a seeded draw for the hidden layer), full batch, a fixed line search.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Head:
    """One classifier: probabilities = softmax(h @ weights + bias) over `classes`, where h is the
    input rows, or relu(x @ hidden + hidden_bias) when the head has a hidden layer."""

    classes: tuple[str, ...]
    weights: np.ndarray  # (features or hidden units, classes) float32
    bias: np.ndarray  # (classes,) float32
    hidden: np.ndarray | None = None  # (features, units) float32
    hidden_bias: np.ndarray | None = None  # (units,) float32

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """Rows of class probabilities for standardized feature rows."""
        if self.hidden is not None:
            x = np.maximum(x @ self.hidden + self.hidden_bias, 0.0)
        return softmax(x @ self.weights + self.bias)


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def _targets(
    labels: list[str], classes: tuple[str, ...], sample_weight: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """One-hot rows of the labels, and the sample weights scaled to sum to 1."""
    index = {c: i for i, c in enumerate(classes)}
    y = np.zeros((len(labels), len(classes)), dtype=np.float64)
    y[np.arange(len(labels)), [index[label] for label in labels]] = 1.0
    w = np.ones(len(labels)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    return y, w / w.sum()


def fit_head(
    x: np.ndarray,
    labels: list[str],
    classes: tuple[str, ...],
    *,
    sample_weight: np.ndarray | None = None,
    l2: float = 1e-3,
    max_iter: int = 400,
) -> Head:
    """Fit a softmax head on standardized rows `x` with string labels drawn from `classes`."""
    d, k = x.shape[1], len(classes)
    y, w = _targets(labels, classes, sample_weight)
    x64 = np.asarray(x, dtype=np.float64)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        weights = theta[: d * k].reshape(d, k)
        bias = theta[d * k :]
        p = softmax(x64 @ weights + bias)
        value = -float(np.sum(w * np.log(np.clip((p * y).sum(axis=1), 1e-12, None))))
        value += 0.5 * l2 * float(np.sum(weights * weights))
        residual = (p - y) * w[:, None]
        grad_w = x64.T @ residual + l2 * weights
        return value, np.concatenate([grad_w.ravel(), residual.sum(axis=0)])

    theta = lbfgs(loss, np.zeros(d * k + k), max_iter=max_iter)
    return Head(
        classes,
        theta[: d * k].reshape(d, k).astype(np.float32),
        theta[d * k :].astype(np.float32),
    )


def fit_mlp_head(
    x: np.ndarray,
    labels: list[str],
    classes: tuple[str, ...],
    *,
    units: int = 64,
    sample_weight: np.ndarray | None = None,
    l2: float = 1e-3,
    max_iter: int = 300,
    seed: int = 0,
) -> Head:
    """Fit a head with one hidden ReLU layer of `units` (seeded Glorot start, L-BFGS, deterministic)."""
    d, k = x.shape[1], len(classes)
    y, w = _targets(labels, classes, sample_weight)
    x32 = np.ascontiguousarray(x, dtype=np.float32)
    sizes = (d * units, units, units * k, k)
    cuts = np.cumsum(sizes)[:-1]

    def unpack(theta: np.ndarray) -> list[np.ndarray]:
        a, b, c, e = np.split(theta, cuts)
        return [a.reshape(d, units), b, c.reshape(units, k), e]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        # Products in float32 (half the time of float64 on these sizes), sums in float64.
        w1, b1, w2, b2 = (part.astype(np.float32) for part in unpack(theta))
        pre = x32 @ w1 + b1
        h = np.maximum(pre, 0.0)
        p = softmax((h @ w2 + b2).astype(np.float64))
        value = -float(np.sum(w * np.log(np.clip((p * y).sum(axis=1), 1e-12, None))))
        value += (
            0.5
            * l2
            * (
                float(np.sum(np.square(w1, dtype=np.float64)))
                + float(np.sum(np.square(w2, dtype=np.float64)))
            )
        )
        residual = (p - y) * w[:, None]
        r32 = residual.astype(np.float32)
        grad_w2 = (h.T @ r32).astype(np.float64) + l2 * w2
        back = (r32 @ w2.T) * (pre > 0)
        grad_w1 = (x32.T @ back).astype(np.float64) + l2 * w1
        return value, np.concatenate(
            [grad_w1.ravel(), back.sum(axis=0, dtype=np.float64), grad_w2.ravel(), residual.sum(axis=0)]
        )

    rng = np.random.default_rng(seed)
    bound1, bound2 = np.sqrt(6.0 / (d + units)), np.sqrt(6.0 / (units + k))
    theta0 = np.concatenate(
        [
            rng.uniform(-bound1, bound1, d * units),
            np.zeros(units),
            rng.uniform(-bound2, bound2, units * k),
            np.zeros(k),
        ]
    )
    w1, b1, w2, b2 = unpack(lbfgs(loss, theta0, max_iter=max_iter))
    return Head(
        classes,
        w2.astype(np.float32),
        b2.astype(np.float32),
        w1.astype(np.float32),
        b1.astype(np.float32),
    )


def lbfgs(
    fun: Callable[[np.ndarray], tuple[float, np.ndarray]],
    x0: np.ndarray,
    *,
    max_iter: int = 400,
    memory: int = 10,
    tol: float = 1e-9,
) -> np.ndarray:
    """Minimize a smooth convex `fun` (value, gradient) by limited-memory BFGS with backtracking."""
    x = x0.astype(np.float64)
    f, g = fun(x)
    steps: list[tuple[np.ndarray, np.ndarray, float]] = []
    for _ in range(max_iter):
        q = g.copy()
        alphas = []
        for s, yv, rho in reversed(steps):
            a = rho * float(s @ q)
            q -= a * yv
            alphas.append(a)
        if steps:
            s, yv, _ = steps[-1]
            q *= float(s @ yv) / float(yv @ yv)
        else:
            q /= max(1.0, float(np.linalg.norm(g)))
        for (s, yv, rho), a in zip(steps, reversed(alphas), strict=True):
            q += s * (a - rho * float(yv @ q))
        direction = -q
        slope = float(g @ direction)
        if slope >= 0:  # not a descent direction: forget the curvature and follow the gradient
            steps.clear()
            direction = -g
            slope = -float(g @ g)
        step = 1.0
        while True:
            x_new = x + step * direction
            f_new, g_new = fun(x_new)
            if f_new <= f + 1e-4 * step * slope:
                break
            step *= 0.5
            if step < 1e-12:
                return x
        s = x_new - x
        yv = g_new - g
        sy = float(s @ yv)
        if sy > 1e-12:
            steps.append((s, yv, 1.0 / sy))
            if len(steps) > memory:
                steps.pop(0)
        converged = abs(f - f_new) <= tol * max(1.0, abs(f))
        x, f, g = x_new, f_new, g_new
        if converged:
            break
    return x
