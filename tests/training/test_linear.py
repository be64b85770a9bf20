"""The numpy heads: they fit what scikit-learn would, deterministically, and keep their shape on disk."""

from __future__ import annotations

import numpy as np
import pytest

from monitor.scoring.model.linear import fit_head, fit_mlp_head, lbfgs, softmax


def _blobs(seed: int = 3, n: int = 300) -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    a = rng.normal(-1.0, 1.0, (n, 4))
    b = rng.normal(1.0, 1.0, (n, 4))
    return np.vstack([a, b]), ["no"] * n + ["yes"] * n


def test_lbfgs_finds_the_minimum_of_a_quadratic() -> None:
    target = np.array([3.0, -2.0, 0.5])

    def fun(x: np.ndarray) -> tuple[float, np.ndarray]:
        d = x - target
        return float(d @ d), 2 * d

    assert np.allclose(lbfgs(fun, np.zeros(3)), target, atol=1e-5)


def test_softmax_rows_sum_to_one_without_overflow() -> None:
    p = softmax(np.array([[1000.0, 0.0], [-1000.0, 1000.0]]))
    assert np.allclose(p.sum(axis=1), 1.0) and p[0, 0] == pytest.approx(1.0)


def test_logistic_head_separates_and_is_deterministic() -> None:
    x, y = _blobs()
    first = fit_head(x, y, ("no", "yes"), l2=1e-3)
    again = fit_head(x, y, ("no", "yes"), l2=1e-3)
    assert np.array_equal(first.weights, again.weights) and np.array_equal(first.bias, again.bias)
    accuracy = np.mean((first.probabilities(x)[:, 1] > 0.5) == np.array([v == "yes" for v in y]))
    assert accuracy > 0.9


def test_the_penalty_shrinks_the_weights() -> None:
    x, y = _blobs()
    loose = fit_head(x, y, ("no", "yes"), l2=1e-4)
    tight = fit_head(x, y, ("no", "yes"), l2=1.0)
    assert np.linalg.norm(tight.weights) < np.linalg.norm(loose.weights)


def test_sample_weights_move_the_boundary() -> None:
    x, y = _blobs()
    plain = fit_head(x, y, ("no", "yes"))
    heavy = fit_head(x, y, ("no", "yes"), sample_weight=np.where(np.array(y) == "yes", 10.0, 1.0))
    assert heavy.probabilities(x)[:, 1].mean() > plain.probabilities(x)[:, 1].mean()


def test_hidden_layer_learns_an_interaction_a_linear_head_cannot() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (600, 2))
    y = ["yes" if a * b > 0 else "no" for a, b in x]  # XOR of the signs
    truth = np.array([v == "yes" for v in y])
    linear = fit_head(x, y, ("no", "yes"))
    mlp = fit_mlp_head(x, y, ("no", "yes"), units=16, l2=1e-4)
    assert np.mean((linear.probabilities(x)[:, 1] > 0.5) == truth) < 0.7
    assert np.mean((mlp.probabilities(x)[:, 1] > 0.5) == truth) > 0.9
    assert np.array_equal(mlp.weights, fit_mlp_head(x, y, ("no", "yes"), units=16, l2=1e-4).weights)
