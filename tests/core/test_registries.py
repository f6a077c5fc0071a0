"""Registries: config round trips, errors that name the field, initializers' statistics, and
activations against formulas written out here (and against finite differences)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from playground.core import (
    activations,
    initializers,
    layers,
    losses,
    optimizers,
    penalties,
    schedules,
)
from playground.core.errors import SpecError
from playground.kernels import activations as ka

MODULES = {
    "activations": activations,
    "initializers": initializers,
    "optimizers": optimizers,
    "schedules": schedules,
    "penalties": penalties,
    "losses": losses,
    "layers": layers,
}

ALL_ENTRIES = [(m, n) for m, mod in MODULES.items() for n in mod.names()]


def _entry_id(entry: tuple[str, str]) -> str:
    return f"{entry[0]}.{entry[1]}"


# Every parameter of every entry set to a valid value other than its default.
NON_DEFAULT: dict[tuple[str, str], dict] = {
    ("activations", "leaky_relu"): {"alpha": 0.2},
    ("activations", "elu"): {"alpha": 0.5},
    ("activations", "prelu"): {"initial_alpha": -0.3},
    ("initializers", "constant"): {"value": -2.5},
    ("initializers", "uniform"): {"low": -0.3, "high": 0.7},
    ("initializers", "normal"): {"mean": 0.25, "std": 0.5},
    ("initializers", "orthogonal"): {"gain": 1.7},
    ("optimizers", "sgd"): {"learning_rate": 0.3, "clipnorm": 2.0},
    ("optimizers", "momentum"): {"learning_rate": 0.3, "momentum": 0.5, "clipnorm": 2.0},
    ("optimizers", "nesterov"): {"learning_rate": 0.3, "momentum": 0.5, "clipnorm": 2.0},
    ("optimizers", "adagrad"): {"learning_rate": 0.3, "epsilon": 1e-4,
                                "initial_accumulator": 0.1, "clipnorm": 2.0},
    ("optimizers", "rmsprop"): {"learning_rate": 0.3, "rho": 0.7, "epsilon": 1e-4,
                                "clipnorm": 2.0},
    ("optimizers", "adadelta"): {"learning_rate": 0.3, "rho": 0.7, "epsilon": 1e-4,
                                 "clipnorm": 2.0},
    ("optimizers", "adam"): {"learning_rate": 0.3, "beta1": 0.7, "beta2": 0.9, "epsilon": 1e-4,
                             "clipnorm": 2.0},
    ("optimizers", "adamw"): {"learning_rate": 0.3, "beta1": 0.7, "beta2": 0.9,
                              "epsilon": 1e-4, "weight_decay": 0.2, "clipnorm": 2.0},
    ("schedules", "step"): {"drop": 0.3, "every": 17},
    ("schedules", "exponential"): {"rate": 0.3, "decay_steps": 17},
    ("schedules", "inverse_time"): {"rate": 0.3, "decay_steps": 17},
    ("schedules", "cosine"): {"decay_steps": 17, "final_fraction": 0.3},
    ("penalties", "l1"): {"rate": 0.02},
    ("penalties", "l2"): {"rate": 0.03},
    ("penalties", "l1_l2"): {"l1": 0.02, "l2": 0.03},
    ("layers", "dense"): {"units": 5, "activation": {"name": "leaky_relu", "alpha": 0.2},
                          "weight_init": {"name": "normal", "mean": 0.0, "std": 0.3},
                          "bias_init": {"name": "constant", "value": 0.5},
                          "penalty": {"name": "l1_l2", "l1": 0.02, "l2": 0.03},
                          "max_norm": 3.0, "use_bias": False},
    ("layers", "activation"): {"activation": {"name": "elu", "alpha": 0.5}},
    ("layers", "dropout"): {"rate": 0.2},
    ("layers", "batchnorm"): {"momentum": 0.7, "epsilon": 1e-3},
    ("layers", "maxout"): {"units": 5, "pieces": 3,
                           "weight_init": {"name": "uniform", "low": -0.3, "high": 0.7},
                           "bias_init": {"name": "constant", "value": 0.5},
                           "penalty": {"name": "l2", "rate": 0.03}, "max_norm": 3.0},
    ("layers", "conv2d"): {"filters": 4, "kernel_size": [3, 5], "stride": 2, "padding": "same",
                           "activation": {"name": "tanh"},
                           "weight_init": {"name": "glorot_normal"},
                           "bias_init": {"name": "constant", "value": 0.5},
                           "penalty": {"name": "l2", "rate": 0.03}, "max_norm": 3.0,
                           "use_bias": False},
    ("layers", "conv2d_transpose"): {"filters": 4, "kernel_size": 4, "stride": [2, 1],
                                     "padding": 1, "output_padding": [1, 0],
                                     "activation": {"name": "sigmoid"},
                                     "weight_init": {"name": "glorot_normal"},
                                     "bias_init": {"name": "constant", "value": 0.5},
                                     "penalty": {"name": "l1", "rate": 0.02}, "max_norm": 2.0,
                                     "use_bias": False},
    ("layers", "maxpool2d"): {"size": 3, "stride": [1, 2]},
    ("layers", "avgpool2d"): {"size": [2, 3], "stride": 1},
    ("layers", "reshape"): {"shape": [2, 4, 4]},
    ("layers", "upsample2d"): {"factor": [2, 3]},
    ("layers", "spatial_dropout"): {"rate": 0.4},
    ("layers", "residual"): {"layers": [
        {"name": "dense", "units": 5, "activation": {"name": "relu"},
         "weight_init": {"name": "glorot_uniform"}, "bias_init": {"name": "zeros"},
         "penalty": {"name": "none"}, "max_norm": 0.0, "use_bias": True}]},
}


def _json_round_trip(config: dict) -> dict:
    return json.loads(json.dumps(config))


def _is_plain(value) -> bool:
    """JSON-shaped: dicts with string keys, lists, and scalars."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_is_plain(v) for v in value)
    return value is None or type(value) in (str, int, float, bool)


# --- round trips -------------------------------------------------------------------------------


def test_every_module_has_names_and_get():
    for name, mod in MODULES.items():
        assert mod.names(), name
        assert len(set(mod.names())) == len(mod.names()), name


@pytest.mark.parametrize("entry", ALL_ENTRIES, ids=_entry_id)
def test_default_config_round_trips(entry):
    mod = MODULES[entry[0]]
    obj = mod.get(entry[1])
    config = obj.get_config()
    assert isinstance(config, dict)
    assert config["name"] == entry[1]
    assert _is_plain(config), config
    again = mod.get(_json_round_trip(config))
    assert type(again) is type(obj)
    assert again.get_config() == config
    # the same by name or by {"name": ...}
    assert mod.get({"name": entry[1]}).get_config() == config


def test_every_entry_with_parameters_has_a_non_default_case():
    for module, name in ALL_ENTRIES:
        params = MODULES[module].registry.parameters(name)
        if params:
            assert (module, name) in NON_DEFAULT, f"{module}.{name} has {sorted(params)}"
            assert set(NON_DEFAULT[module, name]) == set(params), f"{module}.{name}"


@pytest.mark.parametrize("entry", sorted(NON_DEFAULT), ids=_entry_id)
def test_non_default_parameters_survive_round_trip(entry):
    mod = MODULES[entry[0]]
    params = NON_DEFAULT[entry]
    defaults = mod.get(entry[1]).get_config()
    for key, value in params.items():
        assert defaults[key] != value, f"{key} is not a non-default value"
    config = {"name": entry[1], **params}
    obj = mod.get(config)
    got = obj.get_config()
    assert got == config
    restored = mod.get(_json_round_trip(got))
    assert restored.get_config() == config


@pytest.mark.parametrize("entry", sorted(NON_DEFAULT), ids=_entry_id)
def test_round_trip_is_stable_across_repeats(entry):
    mod = MODULES[entry[0]]
    config = {"name": entry[1], **NON_DEFAULT[entry]}
    text = json.dumps(mod.get(config).get_config(), sort_keys=True)
    for _ in range(3):
        text2 = json.dumps(mod.get(json.loads(text)).get_config(), sort_keys=True)
        assert text2 == text
        text = text2


@pytest.mark.parametrize("entry", [e for e in ALL_ENTRIES if e[0] != "layers"], ids=_entry_id)
def test_equality_by_config(entry):
    mod = MODULES[entry[0]]
    a = mod.get(entry[1])
    b = mod.get(_json_round_trip(a.get_config()))
    assert a == b
    assert hash(a) == hash(b)
    assert a is not b
    if entry in NON_DEFAULT:
        c = mod.get({"name": entry[1], **NON_DEFAULT[entry]})
        assert a != c
    others = [n for n in mod.names() if n != entry[1]]
    assert all(a != mod.get(n) for n in others)


def test_layer_configs_nest_their_parts():
    dense = layers.get({"name": "dense", "activation": "relu", "weight_init": "he_normal",
                        "penalty": "l2"})
    config = dense.get_config()
    assert config["activation"] == {"name": "relu"}
    assert config["weight_init"] == {"name": "he_normal"}
    assert config["penalty"] == {"name": "l2", "rate": 0.001}


def test_get_passes_instances_through():
    for mod in MODULES.values():
        obj = mod.get(mod.names()[0])
        assert mod.get(obj) is obj


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("module", list(MODULES))
def test_unknown_name_raises_spec_error_naming_it(module):
    mod = MODULES[module]
    with pytest.raises(SpecError, match="no_such_entry"):
        mod.get("no_such_entry")
    with pytest.raises(SpecError, match="no_such_entry"):
        mod.get({"name": "no_such_entry"})
    with pytest.raises(SpecError, match="name"):
        mod.get({"learning_rate": 0.1})
    with pytest.raises(SpecError):
        mod.get(42)


BAD = [
    ("activations", {"name": "leaky_relu", "alpha": -0.1}, "alpha"),
    ("activations", {"name": "leaky_relu", "alpha": 1.5}, "alpha"),
    ("activations", {"name": "elu", "alpha": -1.0}, "alpha"),
    ("activations", {"name": "prelu", "initial_alpha": 2.0}, "initial_alpha"),
    ("initializers", {"name": "constant", "value": float("nan")}, "value"),
    ("initializers", {"name": "uniform", "low": "small"}, "low"),
    ("initializers", {"name": "uniform", "low": 1.0, "high": 0.5}, "high"),
    ("initializers", {"name": "normal", "std": -1.0}, "std"),
    ("initializers", {"name": "orthogonal", "gain": -1.0}, "gain"),
    ("optimizers", {"name": "sgd", "learning_rate": -0.1}, "learning_rate"),
    ("optimizers", {"name": "sgd", "clipnorm": -1.0}, "clipnorm"),
    ("optimizers", {"name": "momentum", "momentum": 1.5}, "momentum"),
    ("optimizers", {"name": "nesterov", "momentum": -0.5}, "momentum"),
    ("optimizers", {"name": "adagrad", "epsilon": -1e-7}, "epsilon"),
    ("optimizers", {"name": "adagrad", "initial_accumulator": -1.0}, "initial_accumulator"),
    ("optimizers", {"name": "rmsprop", "rho": 1.1}, "rho"),
    ("optimizers", {"name": "adadelta", "epsilon": 0.0}, "epsilon"),
    ("optimizers", {"name": "adam", "beta1": True}, "beta1"),
    ("optimizers", {"name": "adam", "beta2": 1.5}, "beta2"),
    ("optimizers", {"name": "adamw", "weight_decay": -0.01}, "weight_decay"),
    ("optimizers", {"name": "adam", "learning_rate": "fast"}, "learning_rate"),
    ("schedules", {"name": "cosine", "final_fraction": 2.0}, "final_fraction"),
    ("schedules", {"name": "step", "every": 0}, "every"),
    ("penalties", {"name": "l1", "rate": -1.0}, "rate"),
    ("penalties", {"name": "l2", "rate": float("inf")}, "rate"),
    ("penalties", {"name": "l1_l2", "l1": -0.1}, "l1"),
    ("penalties", {"name": "l1_l2", "l2": "big"}, "l2"),
    ("layers", {"name": "dense", "units": 0}, "units"),
    ("layers", {"name": "dense", "units": 2.5}, "units"),
    ("layers", {"name": "dense", "max_norm": -1.0}, "max_norm"),
    ("layers", {"name": "dense", "activation": "swish"}, "swish"),
    ("layers", {"name": "dense", "weight_init": {"name": "normal", "std": -1.0}}, "std"),
    ("layers", {"name": "dense", "penalty": {"name": "l2", "rate": -1.0}}, "rate"),
    ("layers", {"name": "dropout", "rate": 0.99}, "rate"),
    ("layers", {"name": "batchnorm", "momentum": 1.5}, "momentum"),
    ("layers", {"name": "batchnorm", "epsilon": 0.0}, "epsilon"),
    ("layers", {"name": "maxout", "pieces": 17}, "pieces"),
    ("layers", {"name": "activation", "activation": {"name": "elu", "alpha": -2.0}}, "alpha"),
]


@pytest.mark.parametrize(("module", "config", "field"), BAD,
                         ids=[f"{m}-{c['name']}-{f}" for m, c, f in BAD])
def test_bad_parameter_raises_spec_error_naming_field(module, config, field):
    with pytest.raises(SpecError, match=field):
        MODULES[module].get(config)


def test_unexpected_parameter_is_named():
    """A misspelt or foreign parameter is a SpecError that names it, for every entry (also the
    ones without parameters, e.g. {"name": "relu", "alpha": 0.1})."""
    unnamed = []
    for module, name in ALL_ENTRIES:
        with pytest.raises(SpecError) as info:
            MODULES[module].get({"name": name, "bogus_field": 1})
        if "bogus_field" not in str(info.value):
            unnamed.append(f"{module}.{name}: {info.value}")
    assert not unnamed, "error does not name the field:\n" + "\n".join(unnamed)


def test_spec_error_is_a_value_error():
    with pytest.raises(ValueError):
        optimizers.get({"name": "adam", "beta1": 2.0})


# --- initializers ------------------------------------------------------------------------------

FAN_IN, FAN_OUT = 40, 160
BIG = (400, 250)  # 100k draws


def draw(config, shape=BIG, fan_in=FAN_IN, fan_out=FAN_OUT, seed=0):
    init = initializers.get(config)
    w = init(shape, fan_in, fan_out, np.random.default_rng(seed))
    assert w.shape == shape
    assert w.dtype == np.float64
    return w


def test_zeros_and_constant_are_exact():
    np.testing.assert_array_equal(draw("zeros", (3, 4)), np.zeros((3, 4)))
    np.testing.assert_array_equal(draw({"name": "constant", "value": -2.5}, (5,)),
                                  np.full(5, -2.5))
    np.testing.assert_array_equal(draw("constant", (2, 2)), np.full((2, 2), 0.1))


def test_uniform_within_bounds():
    w = draw({"name": "uniform", "low": -0.3, "high": 0.7})
    assert w.min() >= -0.3
    assert w.max() < 0.7
    assert w.min() < -0.299 and w.max() > 0.699
    assert w.mean() == pytest.approx(0.2, abs=0.005)
    assert w.var() == pytest.approx(1.0 / 12.0, rel=0.02)


def test_normal_mean_and_std():
    w = draw({"name": "normal", "mean": 0.25, "std": 0.5})
    assert w.mean() == pytest.approx(0.25, abs=0.01)
    assert w.std() == pytest.approx(0.5, rel=0.01)


@pytest.mark.parametrize(("name", "variance", "limit"), [
    ("glorot_uniform", 2.0 / (FAN_IN + FAN_OUT), math.sqrt(6.0 / (FAN_IN + FAN_OUT))),
    ("glorot_normal", 2.0 / (FAN_IN + FAN_OUT), None),
    ("he_uniform", 2.0 / FAN_IN, math.sqrt(6.0 / FAN_IN)),
    ("he_normal", 2.0 / FAN_IN, None),
    ("lecun_normal", 1.0 / FAN_IN, None),
])
def test_variance_scaling(name, variance, limit):
    w = draw(name)
    assert abs(w.mean()) < 0.02 * math.sqrt(variance)
    assert w.var() == pytest.approx(variance, rel=0.03)
    if limit is not None:
        assert np.abs(w).max() <= limit
        assert np.abs(w).max() > 0.999 * limit
    else:  # normal: tails beyond 3 std exist on 100k draws
        assert np.abs(w).max() > 3.5 * math.sqrt(variance)


@pytest.mark.parametrize("shape", [(12, 5), (5, 12), (7, 7)])
@pytest.mark.parametrize("gain", [1.0, 1.7])
def test_orthogonal(shape, gain):
    w = draw({"name": "orthogonal", "gain": gain}, shape, shape[0], shape[1])
    rows, cols = shape
    if rows >= cols:
        np.testing.assert_allclose(w.T @ w, gain**2 * np.eye(cols), atol=1e-12)
    if rows <= cols:
        np.testing.assert_allclose(w @ w.T, gain**2 * np.eye(rows), atol=1e-12)


RANDOM_INITS = ["uniform", "normal", "glorot_uniform", "glorot_normal", "he_uniform",
                "he_normal", "lecun_normal", "orthogonal"]


def test_random_initializers_are_listed():
    assert set(RANDOM_INITS) | {"zeros", "constant"} == set(initializers.names())


@pytest.mark.parametrize("name", RANDOM_INITS)
def test_same_seed_same_values(name):
    a = draw(name, (6, 9), 6, 9, seed=7)
    b = draw(name, (6, 9), 6, 9, seed=7)
    c = draw(name, (6, 9), 6, 9, seed=8)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


# --- activations -------------------------------------------------------------------------------

_erf = np.vectorize(math.erf)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


FORMULAS = {
    "linear": lambda z: z,
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "softplus": lambda z: np.log1p(np.exp(z)),
    "silu": lambda z: z * _sigmoid(z),
    "gelu": lambda z: 0.5 * z * (1.0 + _erf(z / math.sqrt(2.0))),
    "sine": np.sin,
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "elu": lambda z: np.where(z > 0, z, 1.0 * np.expm1(z)),
    "prelu": lambda z: np.where(z > 0, z, 0.25 * z),
}

PARAMETRIZED_FORMULAS = {
    ("leaky_relu", 0.2): lambda z: np.where(z > 0, z, 0.2 * z),
    ("elu", 0.5): lambda z: np.where(z > 0, z, 0.5 * (np.exp(z) - 1.0)),
    ("prelu", -0.3): lambda z: np.where(z > 0, z, -0.3 * z),
}

PARAM_NAME = {"leaky_relu": "alpha", "elu": "alpha", "prelu": "initial_alpha"}

# an even number of points: no point sits on a kink at 0
Z = np.linspace(-6.0, 6.0, 240)


def test_every_activation_has_a_formula():
    assert set(FORMULAS) | {"softmax"} == set(activations.names())


@pytest.mark.parametrize("name", list(FORMULAS))
def test_activation_matches_formula(name):
    act = activations.get(name)
    got = act(Z)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, FORMULAS[name](Z), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("key", list(PARAMETRIZED_FORMULAS), ids=lambda k: f"{k[0]}={k[1]}")
def test_parametrized_activation_matches_formula(key):
    name, value = key
    act = activations.get({"name": name, PARAM_NAME[name]: value})
    np.testing.assert_allclose(act(Z), PARAMETRIZED_FORMULAS[key](Z), rtol=1e-13, atol=1e-15)
    h = 1e-6
    fd = (PARAMETRIZED_FORMULAS[key](Z + h) - PARAMETRIZED_FORMULAS[key](Z - h)) / (2 * h)
    np.testing.assert_allclose(act.derivative(Z), fd, rtol=1e-6, atol=1e-9)


def test_activation_keeps_shape():
    z = Z.reshape(4, 60)
    for name in FORMULAS:
        out = activations.get(name)(z)
        assert out.shape == z.shape
        np.testing.assert_allclose(out, FORMULAS[name](z), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", list(FORMULAS))
def test_derivative_matches_central_difference(name):
    act = activations.get(name)
    h = 1e-6
    fd = (FORMULAS[name](Z + h) - FORMULAS[name](Z - h)) / (2 * h)
    d = act.derivative(Z)
    assert d.shape == Z.shape
    np.testing.assert_allclose(d, fd, rtol=1e-6, atol=1e-9)
    # and against the activation's own outputs, so forward and backward agree
    fd_own = (act(Z + h) - act(Z - h)) / (2 * h)
    np.testing.assert_allclose(d, fd_own, rtol=1e-6, atol=1e-9)


def test_softplus_is_stable_for_large_inputs():
    act = activations.get("softplus")
    z = np.array([-800.0, -40.0, 40.0, 800.0])
    np.testing.assert_allclose(act(z), np.logaddexp(0.0, z), rtol=1e-14, atol=0)
    stable_sigmoid = np.exp(-np.logaddexp(0.0, -z))
    np.testing.assert_allclose(act.derivative(z), stable_sigmoid, rtol=1e-14, atol=1e-300)


def _softmax_rows(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


Z2 = np.random.default_rng(3).normal(scale=2.0, size=(7, 5))


def test_softmax_rows():
    act = activations.get("softmax")
    a = act(Z2)
    assert a.shape == Z2.shape
    np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(a, np.exp(Z2) / np.exp(Z2).sum(axis=1, keepdims=True),
                               rtol=1e-13)
    # shift-invariant per row, and safe for large logits
    shifted = Z2 + np.arange(7)[:, None] * 300.0
    np.testing.assert_allclose(act(shifted), a, rtol=1e-12)


def test_softmax_derivative_is_jacobian_diagonal():
    act = activations.get("softmax")
    h = 1e-6
    fd = np.empty_like(Z2)
    for j in range(Z2.shape[1]):
        dz = np.zeros_like(Z2)
        dz[:, j] = h
        fd[:, j] = (_softmax_rows(Z2 + dz)[:, j] - _softmax_rows(Z2 - dz)[:, j]) / (2 * h)
    np.testing.assert_allclose(act.derivative(Z2), fd, rtol=1e-6, atol=1e-9)


def test_float32_tanh_approximation():
    z32 = np.linspace(-10.0, 10.0, 2_000_001, dtype=np.float32)
    out32 = np.empty_like(z32)
    ka.act_forward(ka.TANH, 0.0, z32, out32)
    assert out32.dtype == np.float32
    exact = np.tanh(z32.astype(np.float64))
    err = np.abs(out32.astype(np.float64) - exact)
    assert err.max() <= 1e-6, f"max error {err.max():.3g} at z={z32[err.argmax()]}"
    # odd, and never outside [-1, 1]
    np.testing.assert_array_equal(out32, -out32[::-1])
    assert np.abs(out32).max() <= 1.0
