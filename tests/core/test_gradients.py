"""Float64 finite-difference checks of every layer's, activation's, loss's and penalty's
analytic gradient (playground.core.gradcheck), plus proof that the checker can fail."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from playground.core import activations, losses
from playground.core.gradcheck import check_gradients
from playground.core.layers import BLAS_MIN_WEIGHTS, Dense
from playground.core.network import Network

TOL = 1e-6


# --- helpers -------------------------------------------------------------------------------------
def dense(units: int, activation: Any = "tanh", **extra: Any) -> dict[str, Any]:
    return {"name": "dense", "units": units, "activation": activation, **extra}


def build(layers: list[dict[str, Any]], input_shape: tuple[int, ...], seed: int = 3) -> Network:
    return Network(layers, input_shape, seed=seed, dtype=np.float64)


def inputs(n: int, shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return np.random.default_rng([seed, 10]).standard_normal((n, *shape))


def targets(loss_name: str, n: int, k: int, seed: int = 0) -> np.ndarray:
    """Float targets of the kind each loss expects."""
    rng = np.random.default_rng([seed, 20])
    if loss_name == "binary_crossentropy":
        y = (rng.random((n, k)) < 0.5).astype(np.float64)
        y[0] = 1.0 - y[1]  # both classes present
        return y
    if loss_name in ("softmax_crossentropy", "hinge"):
        return np.eye(k)[np.arange(n) % k][rng.permutation(n)]
    return rng.standard_normal((n, k))


def check(network: Network, loss_name: str, X: np.ndarray, Y: np.ndarray,
          SW: np.ndarray | None = None) -> list:
    """Run the checker the way the trainer would wire the loss, and assert every array passes."""
    loss = losses.get(loss_name)
    if loss.fused_activation is not None:
        last = network.layers[-1]
        assert last.activation_fn.name == loss.fused_activation
        last.logits_output = True
    theta_before = network.theta.copy()
    results = check_gradients(network, loss, X, Y, SW)
    # the checker must leave the weights as it found them
    np.testing.assert_array_equal(network.theta, theta_before)
    assert len(results) == len(network.segments)
    failed = [f"{r.layer}.{r.param}: relative {r.relative_error:.3g}, "
              f"absolute {r.absolute_error:.3g}, |analytic| {r.analytic_norm:.3g}"
              for r in results if not r.passed(TOL)]
    assert not failed, "gradient check failed:\n" + "\n".join(failed)
    # not vacuous: the gradient is really there, and the weights are checked relatively
    assert sum(r.analytic_norm for r in results) > 1e-3
    for r in results:
        if r.param == "weight":
            assert r.analytic_norm > 1e-6, f"{r.layer}.{r.param} has no gradient"
            assert r.relative_error < TOL, f"{r.layer}.{r.param}: {r.relative_error:.3g}"
    return results


# --- activations ---------------------------------------------------------------------------------
ACTIVATION_CONFIGS: list[Any] = [*activations.names(),
                                 {"name": "leaky_relu", "alpha": 0.2},
                                 {"name": "elu", "alpha": 0.5},
                                 {"name": "prelu", "initial_alpha": -0.3}]


def _act_id(config: Any) -> str:
    if isinstance(config, str):
        return config
    return "-".join(f"{v}" for v in config.values())


def test_every_registered_activation_is_covered():
    names = {c if isinstance(c, str) else c["name"] for c in ACTIVATION_CONFIGS}
    assert names == set(activations.names())


@pytest.mark.parametrize("activation", ACTIVATION_CONFIGS, ids=_act_id)
def test_hidden_dense_activation(activation):
    net = build([dense(5, activation), dense(2, "linear")], (3,))
    X = inputs(7, (3,))
    check(net, "mse", X, targets("mse", 7, 2))


@pytest.mark.parametrize("activation", ["tanh", "relu", "gelu", "prelu", "softmax", "sine"])
def test_activation_layer(activation):
    """The standalone Activation layer (PReLU learns a slope per feature)."""
    net = build([dense(6, "linear"), {"name": "activation", "activation": activation},
                 dense(2, "linear")], (4,))
    X = inputs(8, (4,))
    results = check(net, "mse", X, targets("mse", 8, 2))
    if activation == "prelu":
        assert [r.param for r in results if r.layer == "Activation #2"] == ["slope"]


# --- losses --------------------------------------------------------------------------------------
LOSS_CASES = [
    ("mse", "linear", 1),
    ("mse", "linear", 3),
    ("mse", "sigmoid", 2),  # unfused sigmoid output: d loss / d a goes through the derivative
    ("mse", "softmax", 3),  # unfused softmax output: Jacobian-vector product
    ("binary_crossentropy", "sigmoid", 1),
    ("binary_crossentropy", "sigmoid", 3),  # multi-label
    ("softmax_crossentropy", "softmax", 2),
    ("softmax_crossentropy", "softmax", 4),
    ("hinge", "linear", 3),
    ("hinge", "tanh", 4),
]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weights"])
@pytest.mark.parametrize(("loss_name", "output", "k"), LOSS_CASES)
def test_loss(loss_name, output, k, weighted):
    n = 9
    net = build([dense(6, "tanh"), dense(k, output)], (3,))
    X = inputs(n, (3,))
    Y = targets(loss_name, n, k)
    SW = np.random.default_rng(5).uniform(0.2, 3.0, n) if weighted else None
    check(net, loss_name, X, Y, SW)


def test_softmax_crossentropy_soft_labels():
    """Targets that are not one-hot (rows summing to 0.7..1.3): d/dz = a * sum(y) - y."""
    n, k = 8, 3
    rng = np.random.default_rng(2)
    Y = rng.dirichlet(np.ones(k), n) * rng.uniform(0.7, 1.3, (n, 1))
    net = build([dense(5, "elu"), dense(k, "softmax")], (3,))
    check(net, "softmax_crossentropy", inputs(n, (3,)), Y)


def test_binary_crossentropy_with_large_logits():
    """Confident, partly wrong outputs: the logits path keeps the gradient exact."""
    n = 8
    net = build([dense(4, "tanh", weight_init={"name": "normal", "std": 3.0}),
                 dense(1, "sigmoid", weight_init={"name": "normal", "std": 4.0})], (3,))
    X = inputs(n, (3,)) * 3.0
    check(net, "binary_crossentropy", X, targets("binary_crossentropy", n, 1))


# --- layers --------------------------------------------------------------------------------------
LAYER_STACKS: dict[str, tuple[list[dict[str, Any]], tuple[int, ...]]] = {
    "dense": ([dense(5, "tanh"), dense(3, "linear")], (4,)),
    "dense_blas": ([dense(64, "tanh"), dense(40, "tanh"), dense(3, "linear")], (6,)),
    "dense_no_bias": ([dense(5, "tanh", use_bias=False), dense(3, "linear", use_bias=False)],
                      (4,)),
    "activation": ([dense(5, "linear"), {"name": "activation", "activation": "silu"},
                    dense(3, "linear")], (4,)),
    "dropout": ([dense(8, "tanh"), {"name": "dropout", "rate": 0.4}, dense(3, "linear")], (4,)),
    "dropout_on_inputs": ([{"name": "dropout", "rate": 0.25}, dense(5, "tanh"),
                           dense(3, "linear")], (4,)),
    "batchnorm": ([dense(6, "linear"), {"name": "batchnorm"},
                   {"name": "activation", "activation": "relu"}, dense(3, "linear")], (4,)),
    "batchnorm_first": ([{"name": "batchnorm", "momentum": 0.5}, dense(5, "tanh"),
                         dense(3, "linear")], (4,)),
    "batchnorm_channels": ([{"name": "batchnorm"}, {"name": "flatten"}, dense(4, "tanh"),
                            dense(3, "linear")], (3, 4)),
    "maxout": ([{"name": "maxout", "units": 5, "pieces": 3}, dense(3, "linear")], (4,)),
    "maxout_one_piece": ([{"name": "maxout", "units": 4, "pieces": 1}, dense(3, "tanh")], (4,)),
    "flatten": ([{"name": "flatten"}, dense(5, "tanh"), dense(3, "linear")], (2, 3)),
    "flatten_3d": ([{"name": "flatten"}, dense(4, "relu"), dense(3, "linear")], (2, 2, 3)),
}


@pytest.mark.parametrize("stack", list(LAYER_STACKS))
def test_layer(stack):
    layers, shape = LAYER_STACKS[stack]
    net = build(layers, shape)
    n = 10
    check(net, "mse", inputs(n, shape), targets("mse", n, 3))


def test_dense_blas_path_is_used():
    """The 'dense_blas' stack really exercises the matmul branch of Dense."""
    layers, shape = LAYER_STACKS["dense_blas"]
    net = build(layers, shape)
    assert net.layers[1].params["weight"].size >= BLAS_MIN_WEIGHTS
    assert net.layers[0].params["weight"].size < BLAS_MIN_WEIGHTS


def test_dropout_masks_are_active_during_check():
    """The checker runs dropout in training mode: the gradient differs from the no-dropout one."""
    layers = [dense(8, "tanh"), {"name": "dropout", "rate": 0.5}, dense(2, "linear")]
    with_dropout = build(layers, (3,))
    without = build([layers[0], {"name": "dropout", "rate": 0.0}, layers[2]], (3,))
    X, Y = inputs(6, (3,)), targets("mse", 6, 2)
    a = check(with_dropout, "mse", X, Y)
    b = check(without, "mse", X, Y)
    assert a[0].analytic_norm != pytest.approx(b[0].analytic_norm)


def test_frozen_batchnorm_uses_running_statistics():
    """A frozen BatchNorm normalizes with its running statistics even in training mode."""
    net = build([dense(5, "linear"), {"name": "batchnorm"}, dense(3, "tanh")], (4,))
    bn = net.layers[1]
    bn.buffers["running_mean"][...] = [0.3, -0.2, 0.1, 0.0, 0.5]
    bn.buffers["running_var"][...] = [0.5, 2.0, 1.5, 1.0, 0.8]
    net.freeze(2)
    check(net, "mse", inputs(8, (4,)), targets("mse", 8, 3))
    assert bn.batch_stats is False


def test_batchnorm_running_stats_restored_by_checker():
    net = build([dense(5, "linear"), {"name": "batchnorm"}, dense(3, "tanh")], (4,))
    before = {k: v.copy() for k, v in net.layers[1].buffers.items()}
    check(net, "mse", inputs(8, (4,)), targets("mse", 8, 3))
    for name, value in before.items():
        np.testing.assert_array_equal(net.layers[1].buffers[name], value)


# --- penalties -----------------------------------------------------------------------------------
PENALTIES = [
    {"name": "l1", "rate": 0.05},
    {"name": "l2", "rate": 0.05},
    {"name": "l1_l2", "l1": 0.03, "l2": 0.07},
]


@pytest.mark.parametrize("penalty", PENALTIES, ids=lambda p: p["name"])
def test_penalty_dense(penalty):
    net = build([dense(5, "tanh", penalty=penalty), dense(2, "linear", penalty=penalty)], (3,))
    check(net, "mse", inputs(7, (3,)), targets("mse", 7, 2))


@pytest.mark.parametrize("penalty", PENALTIES, ids=lambda p: p["name"])
def test_penalty_maxout(penalty):
    net = build([{"name": "maxout", "units": 4, "pieces": 2, "penalty": penalty},
                 dense(3, "softmax")], (3,))
    check(net, "softmax_crossentropy", inputs(8, (3,)), targets("softmax_crossentropy", 8, 3))


def test_penalty_dominates_gradient():
    """Tiny data loss, large penalty: the penalty gradient alone must be right."""
    penalty = {"name": "l1_l2", "l1": 1.0, "l2": 2.0}
    net = build([dense(4, "tanh", penalty=penalty), dense(2, "linear", penalty=penalty)], (3,))
    X = inputs(6, (3,)) * 1e-3
    Y = net.forward(X)  # data loss near zero
    check(net, "mse", X, Y)


def test_penalty_on_frozen_layer_is_still_checked():
    net = build([dense(5, "tanh", penalty={"name": "l2", "rate": 0.1}), dense(2, "linear")],
                (3,))
    net.freeze(1)
    check(net, "mse", inputs(7, (3,)), targets("mse", 7, 2))


# --- deep stacks ---------------------------------------------------------------------------------
def test_deep_stack_classification():
    layers = [
        dense(8, "tanh", penalty={"name": "l2", "rate": 0.01}, max_norm=2.0),
        {"name": "batchnorm"},
        {"name": "dropout", "rate": 0.2},
        {"name": "maxout", "units": 6, "pieces": 3, "penalty": {"name": "l1", "rate": 0.01}},
        dense(7, "elu"),
        {"name": "activation", "activation": "prelu"},
        dense(6, "gelu", penalty={"name": "l1_l2", "l1": 0.01, "l2": 0.01}),
        dense(3, "softmax"),
    ]
    net = build(layers, (5,))
    n = 12
    check(net, "softmax_crossentropy", inputs(n, (5,)), targets("softmax_crossentropy", n, 3))


def test_deep_stack_binary_from_images():
    layers = [
        {"name": "flatten"},
        dense(10, "relu"),
        {"name": "batchnorm"},
        dense(8, "silu"),
        {"name": "dropout", "rate": 0.3},
        {"name": "maxout", "units": 5, "pieces": 2},
        dense(6, "softplus"),
        dense(1, "sigmoid"),
    ]
    net = build(layers, (2, 3))
    n = 12
    check(net, "binary_crossentropy", inputs(n, (2, 3)),
          targets("binary_crossentropy", n, 1))


def test_deep_stack_without_bias():
    layers = [dense(7, "tanh", use_bias=False),
              dense(6, "leaky_relu", use_bias=False, penalty={"name": "l2", "rate": 0.02}),
              {"name": "batchnorm"},
              dense(5, "sigmoid", use_bias=False),
              dense(3, "linear", use_bias=False)]
    net = build(layers, (4,))
    assert all(seg.name != "bias" for seg in net.segments)
    n = 10
    check(net, "hinge", inputs(n, (4,)), targets("hinge", n, 3))


# --- the checker can fail ------------------------------------------------------------------------
def _sabotage(layer: Dense, monkeypatch: pytest.MonkeyPatch, param: str, factor: float) -> None:
    original = layer.backward

    def backward(dy, need_dx):
        dx = original(dy, need_dx)
        layer.grads[param] *= factor
        return dx

    monkeypatch.setattr(layer, "backward", backward)


@pytest.mark.parametrize("param", ["weight", "bias"])
def test_wrong_gradient_is_caught(monkeypatch, param):
    net = build([dense(5, "tanh", bias_init={"name": "uniform", "low": -0.5, "high": 0.5}),
                 dense(2, "linear")], (3,))
    X, Y = inputs(7, (3,)), targets("mse", 7, 2)
    honest = check_gradients(net, losses.get("mse"), X, Y)
    assert all(r.passed(TOL) for r in honest)

    _sabotage(net.layers[0], monkeypatch, param, 1.01)
    results = check_gradients(net, losses.get("mse"), X, Y)
    by_name = {(r.layer, r.param): r for r in results}
    bad = by_name[("Dense #1", param)]
    assert not bad.passed(TOL)
    assert bad.relative_error == pytest.approx(0.01 / 2.01, rel=1e-3)
    # only the sabotaged array fails
    assert [r for r in results if not r.passed(TOL)] == [bad]


def test_wrong_activation_derivative_is_caught(monkeypatch):
    """A subtly wrong derivative (a missing factor on one layer) shows up in earlier layers."""
    net = build([dense(5, "tanh"), dense(4, "sigmoid"), dense(2, "linear")], (3,))
    X, Y = inputs(7, (3,)), targets("mse", 7, 2)
    layer = net.layers[1]
    original = layer._activation_grad
    monkeypatch.setattr(layer, "_activation_grad", lambda da: original(da) * 1.05)
    results = check_gradients(net, losses.get("mse"), X, Y)
    failed = {(r.layer, r.param) for r in results if not r.passed(TOL)}
    assert ("Dense #1", "weight") in failed
    assert ("Dense #2", "weight") in failed
    assert ("Dense #3", "weight") not in failed
