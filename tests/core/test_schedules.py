"""Learning-rate schedules against their formulas, written out here."""

from __future__ import annotations

import math

import numpy as np
import pytest

from playground.core import schedules
from playground.core.errors import SpecError

STEPS = np.arange(0, 3001, dtype=np.float64)


def expected_factor(config: dict, t: np.ndarray) -> np.ndarray:
    name = config["name"]
    if name == "constant":
        return np.ones_like(t)
    if name == "step":
        return config["drop"] ** np.floor(t / config["every"])
    if name == "exponential":
        return config["rate"] ** (t / config["decay_steps"])
    if name == "inverse_time":
        return 1.0 / (1.0 + config["rate"] * t / config["decay_steps"])
    if name == "cosine":
        big_t = config["decay_steps"]
        final = config["final_fraction"]
        return final + (1 - final) * 0.5 * (1 + np.cos(np.pi * np.minimum(t, big_t) / big_t))
    raise AssertionError(name)


CONFIGS = [
    {"name": "constant"},
    {"name": "step", "drop": 0.3, "every": 250},
    {"name": "step", "drop": 1.0, "every": 1},
    {"name": "exponential", "rate": 0.2, "decay_steps": 700},
    {"name": "inverse_time", "rate": 2.5, "decay_steps": 400},
    {"name": "inverse_time", "rate": 0.0, "decay_steps": 1},
    {"name": "cosine", "decay_steps": 1800, "final_fraction": 0.1},
    {"name": "cosine", "decay_steps": 5000, "final_fraction": 0.0},
]


def _id(config: dict) -> str:
    return "-".join(str(v) for v in config.values())


def test_every_schedule_is_covered():
    assert {c["name"] for c in CONFIGS} == set(schedules.names())


@pytest.mark.parametrize("config", CONFIGS, ids=_id)
def test_factor_matches_formula(config):
    sched = schedules.get(config)
    got = sched.factor(STEPS)
    assert got.shape == STEPS.shape
    np.testing.assert_allclose(got, expected_factor(config, STEPS), rtol=1e-12, atol=1e-15)
    assert got[0] == pytest.approx(1.0, abs=1e-15)


@pytest.mark.parametrize("config", CONFIGS, ids=_id)
def test_rate_is_base_times_factor(config):
    sched = schedules.get(config)
    base = 0.04
    for step in (0, 1, 249, 250, 777, 1800, 2500, 10_000):
        want = base * expected_factor(config, np.array([float(step)]))[0]
        got = sched.learning_rate(base, step)
        assert isinstance(got, float)
        assert got == pytest.approx(want, rel=1e-12, abs=1e-18), step


def test_step_values_by_hand():
    sched = schedules.get({"name": "step", "drop": 0.5, "every": 10})
    got = sched.factor(np.array([0.0, 9.0, 10.0, 19.0, 20.0, 35.0]))
    np.testing.assert_array_equal(got, [1.0, 1.0, 0.5, 0.5, 0.25, 0.125])


def test_exponential_values_by_hand():
    sched = schedules.get({"name": "exponential", "rate": 0.5, "decay_steps": 100})
    got = sched.factor(np.array([0.0, 50.0, 100.0, 300.0]))
    np.testing.assert_allclose(got, [1.0, math.sqrt(0.5), 0.5, 0.125], rtol=1e-14)


def test_inverse_time_values_by_hand():
    sched = schedules.get({"name": "inverse_time", "rate": 1.0, "decay_steps": 100})
    got = sched.factor(np.array([0.0, 100.0, 300.0]))
    np.testing.assert_allclose(got, [1.0, 0.5, 0.25], rtol=1e-14)


def test_cosine_values_by_hand():
    sched = schedules.get({"name": "cosine", "decay_steps": 100, "final_fraction": 0.2})
    got = sched.factor(np.array([0.0, 50.0, 100.0, 150.0, 1e6]))
    np.testing.assert_allclose(got, [1.0, 0.6, 0.2, 0.2, 0.2], rtol=1e-14)


def test_default_is_constant():
    assert schedules.get(None).get_config() == {"name": "constant"}
    assert schedules.get(None).learning_rate(0.3, 12345) == 0.3


@pytest.mark.parametrize(("config", "field"), [
    ({"name": "step", "drop": 0.0}, "drop"),
    ({"name": "step", "drop": 1.5}, "drop"),
    ({"name": "step", "every": 0}, "every"),
    ({"name": "step", "every": 2.5}, "every"),
    ({"name": "exponential", "rate": 0.0}, "rate"),
    ({"name": "exponential", "rate": 1.01}, "rate"),
    ({"name": "exponential", "decay_steps": -3}, "decay_steps"),
    ({"name": "inverse_time", "rate": -0.1}, "rate"),
    ({"name": "inverse_time", "decay_steps": 0}, "decay_steps"),
    ({"name": "cosine", "decay_steps": 0}, "decay_steps"),
    ({"name": "cosine", "final_fraction": -0.1}, "final_fraction"),
    ({"name": "cosine", "final_fraction": 1.1}, "final_fraction"),
    ({"name": "cosine", "final_fraction": float("nan")}, "final_fraction"),
    ({"name": "step", "drop": "half"}, "drop"),
    ({"name": "step", "bogus": 1}, "bogus"),
    ({"name": "warmup"}, "warmup"),
])
def test_bad_parameters_raise_spec_error(config, field):
    with pytest.raises(SpecError, match=field):
        schedules.get(config)
