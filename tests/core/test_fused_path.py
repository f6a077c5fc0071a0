"""The fused Numba training kernel against the layer-by-layer path: the same experiment, built
twice in float64, must give the same weights, histories, predictions and evaluations."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from playground.core.layers import BLAS_MIN_WEIGHTS
from playground.core.network import Network
from playground.core.trainer import EarlyStopping, Trainer
from playground.data.dataset import Dataset, split_dataset

STEPS = 50
THETA_ATOL = 1e-10
HIST_RTOL = 1e-10
HIST_ATOL = 1e-12


def dense(units: int, activation: Any = "tanh", **extra: Any) -> dict[str, Any]:
    return {"name": "dense", "units": units, "activation": activation, **extra}


# --- data ----------------------------------------------------------------------------------------
def make_data(kind: str, n: int = 120, features: int = 3, seed: int = 0) -> Dataset:
    rng = np.random.default_rng([seed, 40])
    X = rng.standard_normal((n, features))
    if kind == "binary":
        labels = ((X[:, 0] * X[:, 1] > 0) ^ (X[:, 2] > 1.0)).astype(np.int64)
        return Dataset("binary", X, labels, class_names=["no", "yes"])
    if kind == "three":
        labels = np.digitize(X[:, 0] + 0.5 * X[:, 1] ** 2, [-0.3, 0.8]).astype(np.int64)
        return Dataset("three", X, labels, class_names=["a", "b", "c"])
    if kind == "regression":
        Y = np.column_stack([np.sin(X[:, 0]) + 0.3 * X[:, 1], X[:, 1] * X[:, 2] - 0.5])
        return Dataset("regression", X, values=Y)
    raise ValueError(kind)


DEFAULT_LAYERS = {
    "binary_crossentropy": [dense(8, "tanh"), dense(6, "relu"), dense(1, "sigmoid")],
    "softmax_crossentropy": [dense(8, "tanh"), dense(6, "relu"), dense(3, "softmax")],
    "hinge": [dense(8, "tanh"), dense(6, "elu"), dense(3, "linear")],
    "mse": [dense(8, "tanh"), dense(6, "softplus"), dense(2, "linear")],
}
DEFAULT_DATA = {"binary_crossentropy": "binary", "softmax_crossentropy": "three",
                "hinge": "three", "mse": "regression"}


def build(case: dict[str, Any], fused: bool) -> Trainer:
    loss = case.get("loss", "binary_crossentropy")
    data = make_data(case.get("data", DEFAULT_DATA[loss]))
    split = split_dataset(data, 0.7, 0.2, 0.1, seed=0)
    layers = case.get("layers", DEFAULT_LAYERS[loss])
    net = Network(layers, data.input_shape, seed=case.get("seed", 7), dtype=np.float64)
    optimizer = dict(case.get("optimizer", {"name": "sgd", "learning_rate": 0.2}))
    trainer = Trainer(net, loss, optimizer, split, batch_size=case.get("batch_size", 16),
                      seed=3, schedule=case.get("schedule"),
                      class_weights=case.get("class_weights"),
                      early_stopping=(EarlyStopping(**case["early_stopping"])
                                      if "early_stopping" in case else None))
    for index in case.get("freeze", []):
        trainer.freeze(index)
    assert trainer._fused, "the experiment should qualify for the fused kernel"
    if not fused:
        trainer._fused = False
    return trainer


def run_pair(case: dict[str, Any], steps: int = STEPS) -> tuple[Trainer, Trainer]:
    fused, layerwise = build(case, True), build(case, False)
    np.testing.assert_array_equal(fused.network.theta, layerwise.network.theta)
    assert fused.run_steps(steps) == layerwise.run_steps(steps)
    return fused, layerwise


def assert_same_run(fused: Trainer, layerwise: Trainer) -> None:
    assert fused._fused and not layerwise._fused
    assert fused.step_count == layerwise.step_count
    assert fused.epoch == layerwise.epoch
    np.testing.assert_allclose(fused.network.theta, layerwise.network.theta,
                               rtol=0, atol=THETA_ATOL)
    np.testing.assert_allclose(fused.s1, layerwise.s1, rtol=1e-9, atol=THETA_ATOL)
    np.testing.assert_allclose(fused.s2, layerwise.s2, rtol=1e-9, atol=THETA_ATOL)
    np.testing.assert_allclose(fused.steps.column("loss"), layerwise.steps.column("loss"),
                               rtol=HIST_RTOL, atol=HIST_ATOL)
    # every column of the step log: epoch, penalty, accuracy (NaN for regression), rate
    np.testing.assert_allclose(fused.steps.array(), layerwise.steps.array(),
                               rtol=HIST_RTOL, atol=HIST_ATOL, equal_nan=True)
    np.testing.assert_allclose(fused.grad_norms.array(), layerwise.grad_norms.array(),
                               rtol=1e-8, atol=1e-10)
    # the epoch log, except wall-clock seconds
    cols = [c for c in fused.epochs.columns if c != "seconds"]
    idx = [fused.epochs.columns.index(c) for c in cols]
    np.testing.assert_allclose(fused.epochs.array()[:, idx], layerwise.epochs.array()[:, idx],
                               rtol=HIST_RTOL, atol=HIST_ATOL, equal_nan=True)
    assert (fused.divergence is None) == (layerwise.divergence is None)
    assert fused.stopped == layerwise.stopped


def assert_same_outputs(fused: Trainer, layerwise: Trainer) -> None:
    # more rows than the fused predictor's block (256), not a multiple of it
    X = np.random.default_rng(99).standard_normal((601, fused.network.input_shape[0])) * 2
    p1, p2 = fused.predict(X), layerwise.predict(X)
    assert p1.shape == p2.shape == (601, fused.outputs)
    np.testing.assert_allclose(p1, p2, rtol=1e-12, atol=1e-12)
    o1, z1 = fused.outputs_and_logits(X)
    o2, z2 = layerwise.outputs_and_logits(X)
    np.testing.assert_allclose(o1, o2, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(o1, p1, rtol=1e-12, atol=1e-12)
    if fused.loss.fused_activation is not None:  # see test_outputs_and_logits_unfused_loss
        np.testing.assert_allclose(z1, z2, rtol=1e-12, atol=1e-12)
    for part in ("train", "validation", "test"):
        e1, e2 = fused.evaluate(part), layerwise.evaluate(part)
        assert e1.keys() == e2.keys()
        assert e1["loss"] == pytest.approx(e2["loss"], rel=1e-11, abs=1e-13)
        for key, value in e1.items():
            if key == "loss":
                continue
            if isinstance(value, float) and math.isnan(value):
                assert math.isnan(e2[key])
            elif key == "r2":
                assert value == pytest.approx(e2[key], rel=1e-10)
            else:
                assert value == e2[key], key


# --- optimizers ----------------------------------------------------------------------------------
OPTIMIZERS = [
    {"name": "sgd", "learning_rate": 0.3},
    {"name": "momentum", "learning_rate": 0.05, "momentum": 0.9},
    {"name": "nesterov", "learning_rate": 0.05, "momentum": 0.9},
    {"name": "adagrad", "learning_rate": 0.1, "initial_accumulator": 0.1},
    {"name": "rmsprop", "learning_rate": 0.01},
    {"name": "adadelta"},
    {"name": "adam", "learning_rate": 0.02},
    {"name": "adamw", "learning_rate": 0.02, "weight_decay": 0.05},
]


def test_optimizer_list_is_complete():
    from playground.core import optimizers

    assert {o["name"] for o in OPTIMIZERS} == set(optimizers.names())


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda o: o["name"])
def test_optimizers(optimizer):
    fused, layerwise = run_pair({"optimizer": optimizer})
    assert_same_run(fused, layerwise)
    assert_same_outputs(fused, layerwise)
    # it trained: the weights moved
    assert not np.allclose(fused.network.theta, build({"optimizer": optimizer}, True).network.theta)


# --- regularization and constraints --------------------------------------------------------------
PENALTY_CASES = {
    "l1_sgd": {"layers": [dense(8, "tanh", penalty={"name": "l1", "rate": 0.01}),
                          dense(6, "relu", penalty={"name": "l1", "rate": 0.02}),
                          dense(1, "sigmoid")]},
    "l1_adam": {"optimizer": {"name": "adam", "learning_rate": 0.03},
                "layers": [dense(8, "tanh", penalty={"name": "l1", "rate": 0.01}),
                           dense(1, "sigmoid", penalty={"name": "l1", "rate": 0.01})]},
    "l2_momentum": {"optimizer": {"name": "momentum", "learning_rate": 0.05},
                    "layers": [dense(8, "tanh", penalty={"name": "l2", "rate": 0.01}),
                               dense(6, "relu", penalty={"name": "l2", "rate": 0.05}),
                               dense(1, "sigmoid")]},
    "l1_l2_rmsprop": {"optimizer": {"name": "rmsprop", "learning_rate": 0.01},
                      "layers": [dense(8, "tanh",
                                       penalty={"name": "l1_l2", "l1": 0.01, "l2": 0.01}),
                                 dense(1, "sigmoid", penalty={"name": "l2", "rate": 0.1})]},
    "max_norm": {"optimizer": {"name": "sgd", "learning_rate": 0.5},
                 "layers": [dense(8, "tanh", max_norm=0.8), dense(6, "relu", max_norm=0.5),
                            dense(1, "sigmoid", max_norm=1.0)]},
    "clipnorm": {"optimizer": {"name": "momentum", "learning_rate": 0.1, "clipnorm": 0.05}},
    "clipnorm_adam_penalty": {
        "optimizer": {"name": "adam", "learning_rate": 0.02, "clipnorm": 0.2},
        "layers": [dense(8, "tanh", penalty={"name": "l2", "rate": 0.05}, max_norm=1.0),
                   dense(1, "sigmoid")]},
    "frozen_first": {"freeze": [1]},
    "frozen_middle_with_penalty": {
        "optimizer": {"name": "adamw", "learning_rate": 0.02},
        "freeze": [2],
        "layers": [dense(8, "tanh"), dense(6, "relu", penalty={"name": "l1", "rate": 0.1}),
                   dense(1, "sigmoid")]},
}


@pytest.mark.parametrize("name", list(PENALTY_CASES))
def test_regularization(name):
    case = PENALTY_CASES[name]
    fused, layerwise = run_pair(case)
    assert_same_run(fused, layerwise)
    assert_same_outputs(fused, layerwise)
    if name.startswith("l1") or "l2" in name:
        assert np.any(fused.steps.column("penalty") > 0)


def test_frozen_layer_does_not_move_in_either_path():
    case = PENALTY_CASES["frozen_first"]
    initial = build(case, True).network.weight_arrays()
    fused, layerwise = run_pair(case)
    for trainer in (fused, layerwise):
        weights = trainer.network.weight_arrays()
        np.testing.assert_array_equal(weights["1.dense.weight"], initial["1.dense.weight"])
        np.testing.assert_array_equal(weights["1.dense.bias"], initial["1.dense.bias"])
        assert not np.array_equal(weights["2.dense.weight"], initial["2.dense.weight"])


def test_max_norm_holds_in_both_paths():
    fused, layerwise = run_pair(PENALTY_CASES["max_norm"])
    for trainer in (fused, layerwise):
        w = trainer.network.layers[1].params["weight"]
        assert np.linalg.norm(w, axis=0).max() <= 0.5 + 1e-9


# --- losses, outputs and data --------------------------------------------------------------------
OUTPUT_CASES = {
    "bce_class_weights": {"class_weights": [0.5, 2.5]},
    "softmax_ce_3_class": {"loss": "softmax_crossentropy",
                           "optimizer": {"name": "adam", "learning_rate": 0.02}},
    "softmax_ce_class_weights": {"loss": "softmax_crossentropy",
                                 "class_weights": [1.0, 2.0, 0.5]},
    "hinge": {"loss": "hinge", "optimizer": {"name": "sgd", "learning_rate": 0.05}},
    "hinge_tanh_output": {"loss": "hinge",
                          "layers": [dense(8, "relu"), dense(3, "tanh")]},
    "hinge_class_weights": {"loss": "hinge", "class_weights": [2.0, 1.0, 0.0]},
    "mse_regression": {"loss": "mse", "optimizer": {"name": "sgd", "learning_rate": 0.05}},
    "mse_regression_adam_penalty": {
        "loss": "mse", "optimizer": {"name": "adam", "learning_rate": 0.01},
        "layers": [dense(8, "gelu", penalty={"name": "l1_l2", "l1": 0.001, "l2": 0.01}),
                   dense(2, "linear")]},
    # unfused output activations: the kernel's own activation backward at the output
    "mse_on_softmax_output": {"loss": "mse", "data": "three",
                              "layers": [dense(8, "tanh"), dense(3, "softmax")]},
    "mse_on_sigmoid_output": {"loss": "mse", "data": "binary",
                              "layers": [dense(8, "tanh"), dense(1, "sigmoid")]},
    "no_bias": {"layers": [dense(8, "tanh", use_bias=False), dense(6, "relu", use_bias=False),
                           dense(1, "sigmoid", use_bias=False)]},
    "no_bias_mixed": {"loss": "softmax_crossentropy",
                      "layers": [dense(8, "tanh"), dense(6, "silu", use_bias=False),
                                 dense(3, "softmax")]},
    "single_layer": {"layers": [dense(1, "sigmoid")]},
    "deep": {"optimizer": {"name": "nesterov", "learning_rate": 0.05},
             "layers": [dense(12, "tanh"), dense(10, "leaky_relu"), dense(8, "sigmoid"),
                        dense(6, "sine"), dense(5, "silu"), dense(1, "sigmoid")]},
    "wide_below_blas": {"layers": [dense(40, "tanh"), dense(40, "relu"), dense(1, "sigmoid")]},
    "batch_of_one": {"batch_size": 1},
    "full_batch": {"batch_size": 10_000},
    "odd_batch": {"batch_size": 13},
    "schedule": {"optimizer": {"name": "momentum", "learning_rate": 0.1},
                 "schedule": {"name": "exponential", "rate": 0.5, "decay_steps": 10}},
    "early_stopping": {"optimizer": {"name": "sgd", "learning_rate": 2.0},
                       "early_stopping": {"patience": 1, "min_delta": 0.0}},
}


@pytest.mark.parametrize("name", list(OUTPUT_CASES))
def test_outputs_and_data(name):
    fused, layerwise = run_pair(OUTPUT_CASES[name])
    assert_same_run(fused, layerwise)
    assert_same_outputs(fused, layerwise)


def test_outputs_and_logits_unfused_loss():
    """outputs_and_logits promises "the logits the loss uses (the same array when unfused)":
    for a loss that takes the outputs (hinge, mse) the second array must be the outputs, on
    both paths, whatever the output activation."""
    for name in ("hinge_tanh_output", "mse_on_sigmoid_output", "mse_on_softmax_output"):
        for fused in (False, True):
            trainer = build(OUTPUT_CASES[name], fused)
            out, logits = trainer.outputs_and_logits(trainer.test_data.X)
            np.testing.assert_array_equal(logits, out, err_msg=f"{name}, fused={fused}")


def test_wide_case_really_is_just_below_blas():
    layers = OUTPUT_CASES["wide_below_blas"]["layers"]
    net = Network(layers, (3,), dtype=np.float64)
    assert net.layers[1].params["weight"].size == 1600 < BLAS_MIN_WEIGHTS


FUSABLE_ACTIVATIONS = ["linear", "sigmoid", "tanh", "relu", "softplus", "silu", "gelu", "sine",
                       "leaky_relu", {"name": "leaky_relu", "alpha": 0.3}, "elu",
                       {"name": "elu", "alpha": 0.4}]


@pytest.mark.parametrize("activation", FUSABLE_ACTIVATIONS,
                         ids=lambda a: a if isinstance(a, str) else f"{a['name']}-{a['alpha']}")
def test_hidden_activations(activation):
    case = {"loss": "softmax_crossentropy",
            "optimizer": {"name": "adam", "learning_rate": 0.02},
            "layers": [dense(8, activation), dense(6, activation), dense(3, "softmax")]}
    fused, layerwise = run_pair(case, steps=20)
    assert_same_run(fused, layerwise)
    assert_same_outputs(fused, layerwise)


def test_stepping_in_pieces_matches_one_call():
    """Blocks of steps (as the UI runs them) give the same run as one long call, on both paths."""
    case = {"optimizer": {"name": "adam", "learning_rate": 0.02}}
    for fused in (True, False):
        whole = build(case, fused)
        whole.run_steps(STEPS)
        pieces = build(case, fused)
        for n in (1, 4, 7, 3, 20, 15):
            pieces.run_steps(n)
        np.testing.assert_array_equal(whole.network.theta, pieces.network.theta)
        np.testing.assert_array_equal(whole.steps.array(), pieces.steps.array())
    a, b = build(case, True), build(case, False)
    for n in (1, 4, 7, 3, 20, 15):
        a.run_steps(n)
        b.run_steps(n)
    assert_same_run(a, b)


# --- divergence ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("learning_rate", "what"), [(1e10, "exploded"), (1e200, "output")])
def test_divergence_is_reported_the_same(learning_rate, what):
    case = {"loss": "mse", "optimizer": {"name": "sgd", "learning_rate": learning_rate},
            "layers": [dense(4, "relu"), dense(4, "relu"), dense(2, "linear")]}
    fused, layerwise = run_pair(case)
    assert fused.divergence is not None and layerwise.divergence is not None
    d1, d2 = fused.divergence, layerwise.divergence
    assert d1.what == d2.what == what
    assert (d1.step, d1.epoch, d1.layer) == (d2.step, d2.epoch, d2.layer)
    assert d1.loss == pytest.approx(d2.loss, rel=1e-10) or (math.isnan(d1.loss)
                                                           and math.isnan(d2.loss))
    assert_same_run(fused, layerwise)


# --- which stacks are fused ----------------------------------------------------------------------
@pytest.mark.parametrize(("layers", "fusable"), [
    ([dense(8), dense(1, "sigmoid")], True),
    ([dense(8, "softmax"), dense(1, "sigmoid")], False),  # softmax only at the output
    ([dense(8, "prelu"), dense(1, "sigmoid")], False),
    ([dense(8), {"name": "dropout", "rate": 0.2}, dense(1, "sigmoid")], False),
    ([dense(8), {"name": "batchnorm"}, dense(1, "sigmoid")], False),
    ([dense(8), {"name": "activation", "activation": "relu"}, dense(1, "sigmoid")], False),
    ([{"name": "maxout", "units": 4}, dense(1, "sigmoid")], False),
    ([dense(64), dense(40), dense(1, "sigmoid")], False),  # 2560 weights: BLAS
], ids=["plain", "hidden_softmax", "prelu", "dropout", "batchnorm", "activation", "maxout",
        "blas"])
def test_fusable(layers, fusable):
    data = make_data("binary")
    net = Network(layers, data.input_shape, dtype=np.float64)
    trainer = Trainer(net, "binary_crossentropy", "sgd", split_dataset(data, 0.7, 0.2, 0.1))
    assert trainer._fused is fusable
