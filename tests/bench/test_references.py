"""Cross-checks of the benchmark reference implementations (NumPy vs torch).

Both references draw their batch order from ``np.random.default_rng(seed)`` in
the same way, so batch order is identical by construction; the tests also use
a batch size that leaves a smaller last batch to cover the epoch wrap.
"""

from __future__ import annotations

import itertools
import types
from collections.abc import Callable

import numpy as np
import pytest

from playground.bench import reference_numpy as rn

OPTIMIZERS = ["sgd", "momentum", "adam"]
OUTPUTS = ["sigmoid_bce", "softmax_ce"]
RTOL = 1e-4


@pytest.fixture(scope="module")
def rt() -> types.ModuleType:
    """The torch reference module (skips when torch is not importable)."""
    pytest.importorskip("torch")
    from playground.bench import reference_torch

    return reference_torch


def _problem(
    output: str, n: int = 40, seed: int = 0
) -> tuple[list[int], np.ndarray, np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """Tiny float32 problem and initial parameters for an output kind."""
    rng = np.random.default_rng(seed)
    sizes = [2, 8, 8, 1] if output == "sigmoid_bce" else [3, 8, 6, 4]
    X = rng.standard_normal((n, sizes[0])).astype(np.float32)
    if output == "sigmoid_bce":
        Y = (X[:, :1] * X[:, 1:2] > 0).astype(np.float32)
    else:
        Y = np.eye(sizes[-1], dtype=np.float32)[rng.integers(0, sizes[-1], n)]
    W = [
        (rng.standard_normal((a, b)) / np.sqrt(a)).astype(np.float32)
        for a, b in itertools.pairwise(sizes)
    ]
    B = [(0.1 * rng.standard_normal(b)).astype(np.float32) for b in sizes[1:]]
    return sizes, X, Y, W, B


def _trajectory(run: Callable[[int], float], steps: int = 5) -> np.ndarray:
    """Losses of ``steps`` consecutive single steps."""
    return np.array([run(1) for _ in range(steps)])


@pytest.mark.parametrize("batch_size", [40, 16])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_mlp_loss_trajectories_match(
    rt: types.ModuleType, optimizer: str, output: str, activation: str, batch_size: int
) -> None:
    sizes, X, Y, W, B = _problem(output)
    args = (sizes, activation, output, optimizer, 0.05, X, Y, batch_size, W, B)
    ref = _trajectory(rn.mlp_trainer(*args, seed=3))
    got = _trajectory(rt.mlp_trainer(*args, seed=3))
    assert np.all(np.isfinite(ref))
    np.testing.assert_allclose(got, ref, rtol=RTOL)


@pytest.mark.parametrize("fused", [True, False])
def test_mlp_torch_fused_and_default_optimizers_match(rt: types.ModuleType, fused: bool) -> None:
    sizes, X, Y, W, B = _problem("softmax_ce")
    args = (sizes, "relu", "softmax_ce", "adam", 0.01, X, Y, 16, W, B)
    ref = _trajectory(rn.mlp_trainer(*args))
    np.testing.assert_allclose(_trajectory(rt.mlp_trainer(*args, fused=fused)), ref, rtol=RTOL)


def test_mlp_run_n_steps_equals_repeated_single_steps() -> None:
    sizes, X, Y, W, B = _problem("softmax_ce")
    args = (sizes, "tanh", "softmax_ce", "momentum", 0.05, X, Y, 16, W, B)
    many = rn.mlp_trainer(*args)(7)
    single = _trajectory(rn.mlp_trainer(*args), steps=7)[-1]
    assert many == pytest.approx(single, rel=1e-6)


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_numpy_mlp_loss_decreases(optimizer: str, output: str) -> None:
    sizes, X, Y, W, B = _problem(output, n=200, seed=1)
    if output == "softmax_ce":  # easy: class = quadrant-ish linear labels
        Y = np.eye(sizes[-1], dtype=np.float32)[(X[:, 0] > 0) * 2 + (X[:, 1] > 0)]
    lr = 0.01 if optimizer == "adam" else 0.1
    run = rn.mlp_trainer(sizes, "tanh", output, optimizer, lr, X, Y, 200, W, B)
    first = run(1)
    last = run(300)
    assert np.isfinite(last)
    assert last < 0.5 * first


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("output", OUTPUTS)
def test_grid_predictors_match(rt: types.ModuleType, output: str, activation: str) -> None:
    sizes, _, _, W, B = _problem(output)
    grid = np.random.default_rng(5).uniform(-3, 3, (500, sizes[0])).astype(np.float32)
    ref = rn.grid_predictor(sizes, activation, output, W, B, grid)()
    got = rt.grid_predictor(sizes, activation, output, W, B, grid)()
    assert ref.shape == got.shape == (500, sizes[-1])
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)
    if output == "softmax_ce":
        np.testing.assert_allclose(ref.sum(axis=1), 1.0, rtol=1e-5)


def test_lenet_init_identical(rt: types.ModuleType) -> None:
    a = rn.lenet_init(np.random.default_rng(7))
    b = rt.lenet_init(np.random.default_rng(7))
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


def _lenet_data(n: int = 24) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2)
    # MNIST-like: a small random blob on an empty background, plus a few blank
    # images. Large constant regions give exact max-pool ties (also at positive
    # values after the first bias update), which must be routed like torch does.
    X = np.zeros((n, 1, 28, 28), dtype=np.float32)
    for k, (r, c) in enumerate(rng.integers(0, 21, (n, 2))):
        if k % 4:
            X[k, 0, r : r + 8, c : c + 8] = rng.random((8, 8), dtype=np.float32)
    Y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)]
    return X, Y


def test_lenet_losses_match(rt: types.ModuleType) -> None:
    X, Y = _lenet_data()
    ref = _trajectory(rn.lenet_trainer(X, Y, 10, 0.02, seed=4), steps=4)  # 10, 10, 4 | 10
    got = _trajectory(rt.lenet_trainer(X, Y, 10, 0.02, seed=4), steps=4)
    assert np.all(np.isfinite(ref))
    np.testing.assert_allclose(got, ref, rtol=RTOL)


def test_lenet_torch_channels_last_stock_sgd_matches(rt: types.ModuleType) -> None:
    X, Y = _lenet_data()
    ref = _trajectory(rn.lenet_trainer(X, Y, 8, 0.02), steps=3)
    got = rt.lenet_trainer(X, Y, 8, 0.02, fused=False, channels_last=True)
    np.testing.assert_allclose(_trajectory(got, steps=3), ref, rtol=RTOL)


def test_numpy_lenet_loss_decreases() -> None:
    X, Y = _lenet_data(n=32)
    run = rn.lenet_trainer(X, Y, 32, 0.02)
    first = run(1)
    assert run(40) < 0.5 * first
