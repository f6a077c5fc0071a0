"""The update kernel against textbook optimizer rules written out here in plain NumPy.

Every expected value is computed in this file from the formulas (float64); playground code is
only the thing under test. The problem is the gradient of a fixed ill-conditioned quadratic
f(w) = 0.5 w^T A w - b^T w, re-evaluated at the current parameters before every step.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from playground.core import optimizers
from playground.core.errors import SpecError
from playground.kernels import optimizers as ko

N = 6
RTOL = 1e-12


def _quadratic() -> tuple[np.ndarray, np.ndarray]:
    """Symmetric positive definite A with condition number 1e4, and b."""
    rng = np.random.default_rng(1234)
    q, _ = np.linalg.qr(rng.normal(size=(N, N)))
    eigenvalues = np.logspace(-2, 2, N)
    a = (q * eigenvalues) @ q.T
    a = 0.5 * (a + a.T)
    b = rng.normal(size=N)
    return a, b


A, B = _quadratic()
THETA0 = np.array([1.5, -2.0, 0.75, 0.3, -1.1, 2.4])


def grad_f(w: np.ndarray) -> np.ndarray:
    return A @ w - B


# --- kernel plumbing ---------------------------------------------------------------------------


def segments(*bounds: tuple[int, int], active=None, decay=None):
    """Segment tables for consecutive ranges; every segment active and decayed by default."""
    k = len(bounds)
    seg_i = np.zeros((k, ko.SEG_INT_COLUMNS), np.int64)
    for s, (lo, hi) in enumerate(bounds):
        seg_i[s, ko.S_START] = lo
        seg_i[s, ko.S_END] = hi
        seg_i[s, ko.S_ACTIVE] = 1 if active is None else active[s]
        seg_i[s, ko.S_DECAY] = 1 if decay is None else decay[s]
        seg_i[s, ko.S_LAYER] = s
    seg_f = np.zeros((k, ko.SEG_FLOAT_COLUMNS))
    seg_gsq = np.zeros(k)
    return seg_i, seg_f, seg_gsq


def one_segment(n: int = N):
    return segments((0, n))


def step(opt, t, theta, grad, s1, s2, seg, clipnorm=0.0, lr=None):
    seg_i, seg_f, seg_gsq = seg
    rate = opt.learning_rate if lr is None else lr
    penalty, bad = ko.update_kernel(opt.code, opt.hyperparameters(), rate, t, clipnorm, theta,
                                    grad, s1, s2, seg_i, seg_f, seg_gsq)
    return penalty, bad


def run_ours(config: dict, steps: int, seg=None, dtype=np.float64) -> list[np.ndarray]:
    """Iterates theta_1 .. theta_steps of the kernel on the quadratic."""
    opt = optimizers.get(config)
    theta = THETA0.astype(dtype)
    s1, s2 = opt.initial_state(theta.size, dtype)
    seg = one_segment() if seg is None else seg
    out = []
    for t in range(1, steps + 1):
        g = grad_f(theta.astype(np.float64)).astype(dtype)
        penalty, bad = step(opt, t, theta, g, s1, s2, seg)
        assert bad == -1
        assert penalty == 0.0
        out.append(theta.copy())
    return out


# --- textbook rules ----------------------------------------------------------------------------
# Each factory returns step(w, g, t) -> new w, keeping its own state; t is 1-based.

Rule = Callable[[np.ndarray, np.ndarray, int], np.ndarray]


def textbook_sgd(lr: float) -> Rule:
    def rule(w, g, t):
        return w - lr * g

    return rule


def textbook_momentum(lr: float, mu: float) -> Rule:
    v = np.zeros(N)

    def rule(w, g, t):
        nonlocal v
        v = mu * v - lr * g
        return w + v

    return rule


def textbook_nesterov_sutskever(lr: float, mu: float) -> Rule:
    v = np.zeros(N)

    def rule(w, g, t):
        nonlocal v
        v = mu * v - lr * g
        return w + mu * v - lr * g

    return rule


def textbook_adagrad(lr: float, eps: float, acc0: float) -> Rule:
    acc = np.full(N, acc0)

    def rule(w, g, t):
        nonlocal acc
        acc = acc + g**2
        return w - lr * g / (np.sqrt(acc) + eps)

    return rule


def textbook_rmsprop(lr: float, rho: float, eps: float) -> Rule:
    acc = np.zeros(N)

    def rule(w, g, t):
        nonlocal acc
        acc = rho * acc + (1 - rho) * g**2
        return w - lr * g / (np.sqrt(acc) + eps)

    return rule


def textbook_adadelta(lr: float, rho: float, eps: float) -> Rule:
    eg = np.zeros(N)
    edx = np.zeros(N)

    def rule(w, g, t):
        nonlocal eg, edx
        eg = rho * eg + (1 - rho) * g**2
        dx = -np.sqrt(edx + eps) / np.sqrt(eg + eps) * g
        edx = rho * edx + (1 - rho) * dx**2
        return w + lr * dx

    return rule


def textbook_adam(lr: float, b1: float, b2: float, eps: float, wd: float = 0.0,
                  decay_mask: np.ndarray | None = None) -> Rule:
    m = np.zeros(N)
    v = np.zeros(N)
    mask = np.ones(N) if decay_mask is None else decay_mask

    def rule(w, g, t):
        nonlocal m, v
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        mhat = m / (1 - b1**t)
        vhat = v / (1 - b2**t)
        return w - lr * (mhat / (np.sqrt(vhat) + eps) + wd * mask * w)

    return rule


def run_textbook(rule: Rule, steps: int) -> list[np.ndarray]:
    w = THETA0.copy()
    out = []
    for t in range(1, steps + 1):
        w = rule(w, grad_f(w), t)
        out.append(w.copy())
    return out


CASES = {
    "sgd": ({"name": "sgd", "learning_rate": 0.015}, lambda: textbook_sgd(0.015)),
    "momentum": ({"name": "momentum", "learning_rate": 0.01, "momentum": 0.8},
                 lambda: textbook_momentum(0.01, 0.8)),
    "nesterov": ({"name": "nesterov", "learning_rate": 0.01, "momentum": 0.85},
                 lambda: textbook_nesterov_sutskever(0.01, 0.85)),
    "adagrad": ({"name": "adagrad", "learning_rate": 0.3, "epsilon": 1e-3,
                 "initial_accumulator": 0.2},
                lambda: textbook_adagrad(0.3, 1e-3, 0.2)),
    "rmsprop": ({"name": "rmsprop", "learning_rate": 0.05, "rho": 0.8, "epsilon": 1e-4},
                lambda: textbook_rmsprop(0.05, 0.8, 1e-4)),
    "adadelta": ({"name": "adadelta", "learning_rate": 0.7, "rho": 0.9, "epsilon": 1e-3},
                 lambda: textbook_adadelta(0.7, 0.9, 1e-3)),
    "adam": ({"name": "adam", "learning_rate": 0.1, "beta1": 0.8, "beta2": 0.95,
              "epsilon": 1e-3},
             lambda: textbook_adam(0.1, 0.8, 0.95, 1e-3)),
    "adamw": ({"name": "adamw", "learning_rate": 0.1, "beta1": 0.8, "beta2": 0.95,
               "epsilon": 1e-3, "weight_decay": 0.3},
              lambda: textbook_adam(0.1, 0.8, 0.95, 1e-3, wd=0.3)),
}


def test_every_optimizer_has_a_textbook_case():
    assert sorted(CASES) == sorted(optimizers.names())


@pytest.mark.parametrize("name", list(CASES))
def test_first_three_steps_match_textbook(name):
    config, factory = CASES[name]
    ours = run_ours(config, 3)
    expected = run_textbook(factory(), 3)
    for t, (got, want) in enumerate(zip(ours, expected, strict=True), start=1):
        assert not np.allclose(want, THETA0), "the step must move the parameters"
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=0, err_msg=f"{name} step {t}")


@pytest.mark.parametrize("name", list(CASES))
def test_default_hyperparameters_match_textbook(name):
    """The defaults the registry builds (epsilon etc.) go through to the kernel unchanged."""
    opt = optimizers.get(name)
    lr = opt.learning_rate
    rules = {
        "sgd": lambda: textbook_sgd(lr),
        "momentum": lambda: textbook_momentum(lr, opt.momentum),
        "nesterov": lambda: textbook_nesterov_sutskever(lr, opt.momentum),
        "adagrad": lambda: textbook_adagrad(lr, opt.epsilon, opt.initial_accumulator),
        "rmsprop": lambda: textbook_rmsprop(lr, opt.rho, opt.epsilon),
        "adadelta": lambda: textbook_adadelta(lr, opt.rho, opt.epsilon),
        "adam": lambda: textbook_adam(lr, opt.beta1, opt.beta2, opt.epsilon),
        "adamw": lambda: textbook_adam(lr, opt.beta1, opt.beta2, opt.epsilon,
                                       wd=opt.weight_decay),
    }
    ours = run_ours({"name": name}, 3)
    expected = run_textbook(rules[name](), 3)
    for got, want in zip(ours, expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=0)


def test_nesterov_equals_lookahead_nag_over_ten_steps():
    """Sutskever's form tracks the look-ahead point: theta = w + mu v of textbook NAG, where
    NAG evaluates the gradient at w + mu v: v <- mu v - lr g(w + mu v); w <- w + v."""
    lr, mu = 0.01, 0.9
    opt = optimizers.get({"name": "nesterov", "learning_rate": lr, "momentum": mu})
    theta = THETA0.copy()
    s1, s2 = opt.initial_state(N, np.float64)
    seg = one_segment()
    w = THETA0.copy()
    v = np.zeros(N)
    for t in range(1, 11):
        step(opt, t, theta, grad_f(theta), s1, s2, seg)
        v = mu * v - lr * grad_f(w + mu * v)
        w = w + v
        np.testing.assert_allclose(theta, w + mu * v, rtol=1e-11, atol=1e-14,
                                   err_msg=f"step {t}")
        np.testing.assert_allclose(s1, v, rtol=1e-11, atol=1e-14, err_msg=f"velocity, step {t}")
    # it is not plain momentum
    heavy_ball = run_textbook(textbook_momentum(lr, mu), 10)[-1]
    assert not np.allclose(theta, heavy_ball, rtol=1e-6)


def test_adamw_decay_applies_only_to_decayed_segments():
    lr, b1, b2, eps, wd = 0.1, 0.8, 0.95, 1e-3, 0.3
    config = {"name": "adamw", "learning_rate": lr, "beta1": b1, "beta2": b2, "epsilon": eps,
              "weight_decay": wd}
    seg = segments((0, 4), (4, N), decay=[1, 0])
    ours = run_ours(config, 3, seg=seg)
    mask = np.array([1.0, 1, 1, 1, 0, 0])
    expected = run_textbook(textbook_adam(lr, b1, b2, eps, wd=wd, decay_mask=mask), 3)
    plain_adam = run_textbook(textbook_adam(lr, b1, b2, eps), 3)
    for got, want in zip(ours, expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=0)
    # on the first step (same gradient) the non-decayed segment moves like plain Adam and the
    # decayed one does not; later the coupled gradients make the trajectories differ anyway
    np.testing.assert_allclose(ours[0][4:], plain_adam[0][4:], rtol=RTOL, atol=0)
    assert not np.allclose(ours[0][:4], plain_adam[0][:4], rtol=1e-6)


def test_adam_ignores_decay_flag():
    """Only AdamW has decoupled decay: Adam is the same with S_DECAY set or not."""
    config = {"name": "adam", "learning_rate": 0.1, "beta1": 0.8, "beta2": 0.95,
              "epsilon": 1e-3}
    a = run_ours(config, 3, seg=segments((0, N), decay=[1]))
    b = run_ours(config, 3, seg=segments((0, N), decay=[0]))
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


# --- clipping, penalties, constraints, frozen segments, bad gradients --------------------------


def test_clipping_rescales_whole_gradient_of_active_segments():
    opt = optimizers.get({"name": "sgd", "learning_rate": 1.0})
    theta = np.zeros(7)
    grad = np.array([3.0, 4.0, 0.0, 12.0, 100.0, 200.0, -300.0])
    seg = segments((0, 3), (3, 4), (4, 7), active=[1, 1, 0])
    s1, s2 = opt.initial_state(7, np.float64)
    clipnorm = 6.5
    active_norm = np.sqrt(3.0**2 + 4.0**2 + 12.0**2)  # 13; the frozen segment does not count
    expected = np.zeros(7)
    expected[:4] = -grad[:4] * clipnorm / active_norm
    _, bad = step(opt, 1, theta, grad.copy(), s1, s2, seg, clipnorm=clipnorm)
    assert bad == -1
    np.testing.assert_allclose(theta, expected, rtol=RTOL, atol=0)
    assert np.linalg.norm(theta) == pytest.approx(clipnorm, rel=1e-12)


def test_clipping_leaves_small_gradients_alone():
    opt = optimizers.get({"name": "sgd", "learning_rate": 0.5})
    theta = np.ones(4)
    grad = np.array([0.3, -0.4, 0.0, 1.2])  # norm 1.3
    s1, s2 = opt.initial_state(4, np.float64)
    step(opt, 1, theta, grad.copy(), s1, s2, one_segment(4), clipnorm=1.31)
    np.testing.assert_allclose(theta, 1.0 - 0.5 * grad, rtol=RTOL, atol=0)


def test_clipping_applies_before_the_optimizer_rule():
    """Adam is scale-invariant in g except through epsilon; use momentum to see the scale."""
    lr, mu, c = 0.1, 0.9, 0.5
    opt = optimizers.get({"name": "momentum", "learning_rate": lr, "momentum": mu})
    theta = THETA0.copy()
    s1, s2 = opt.initial_state(N, np.float64)
    v = np.zeros(N)
    w = THETA0.copy()
    for t in range(1, 4):
        g = grad_f(w)
        norm = np.linalg.norm(g)
        g_clipped = g * (c / norm) if norm > c else g
        v = mu * v - lr * g_clipped
        w = w + v
        step(opt, t, theta, grad_f(theta), s1, s2, one_segment(), clipnorm=c)
        np.testing.assert_allclose(theta, w, rtol=RTOL, atol=0)


def test_penalties_add_gradient_and_return_loss():
    lr, l1, l2 = 0.1, 0.03, 0.2
    opt = optimizers.get({"name": "sgd", "learning_rate": lr})
    theta = np.array([0.5, -1.5, 0.0, 2.0, 0.7, -0.2])
    w0 = theta.copy()
    grad = np.array([0.1, 0.2, -0.3, 0.4, 0.5, 0.6])
    seg_i, seg_f, seg_gsq = segments((0, 4), (4, 6))
    seg_f[0, ko.F_L1] = l1
    seg_f[0, ko.F_L2] = l2  # the second segment (e.g. a bias) has no penalty
    s1, s2 = opt.initial_state(6, np.float64)
    penalty, bad = step(opt, 1, theta, grad.copy(), s1, s2, (seg_i, seg_f, seg_gsq))
    assert bad == -1
    w = w0[:4]
    assert penalty == pytest.approx(l1 * np.abs(w).sum() + l2 * (w**2).sum(), rel=1e-14)
    expected = w0 - lr * grad
    expected[:4] -= lr * (l1 * np.sign(w) + 2 * l2 * w)
    np.testing.assert_allclose(theta, expected, rtol=RTOL, atol=0)
    assert theta[2] == pytest.approx(w0[2] - lr * grad[2], abs=0), "sign(0) is 0"


def test_add_penalties_kernel_alone():
    theta = np.array([1.0, -2.0, 3.0])
    grad = np.zeros(3)
    seg_i, seg_f, seg_gsq = segments((0, 3))
    seg_f[0, ko.F_L1] = 0.5
    seg_f[0, ko.F_L2] = 0.25
    penalty = ko.add_penalties_kernel(theta, grad, seg_i, seg_f, seg_gsq)
    assert penalty == pytest.approx(0.5 * 6 + 0.25 * 14, rel=1e-14)
    np.testing.assert_allclose(grad, 0.5 * np.sign(theta) + 0.5 * theta, rtol=1e-14)
    assert seg_gsq[0] == pytest.approx(np.sum(grad**2), rel=1e-14)


def test_max_norm_rescales_each_unit_column():
    fan_in, units, c = 3, 4, 1.0
    w = np.array([[0.3, 2.0, -0.1, 0.6],
                  [0.4, 0.0, -0.2, 0.6],
                  [0.0, 1.0, 0.2, 0.6]])  # column norms 0.5, sqrt 5, 0.3, 1.039
    lr = 0.05
    g = np.arange(12, dtype=np.float64).reshape(fan_in, units) / 10.0 - 0.5
    bias = np.array([5.0, -5.0, 7.0, 0.0])  # a second segment without the constraint
    theta = np.concatenate([w.ravel(), bias])
    grad = np.concatenate([g.ravel(), np.zeros(units)])
    seg_i, seg_f, seg_gsq = segments((0, 12), (12, 16))
    seg_i[0, ko.S_UNITS] = units
    seg_i[0, ko.S_UNIT_LEN] = fan_in
    seg_i[0, ko.S_UNIT_STRIDE] = 1
    seg_i[0, ko.S_ELEM_STRIDE] = units
    seg_f[0, ko.F_MAXNORM] = c
    opt = optimizers.get({"name": "sgd", "learning_rate": lr})
    s1, s2 = opt.initial_state(16, np.float64)
    step(opt, 1, theta, grad, s1, s2, (seg_i, seg_f, seg_gsq))

    updated = w - lr * g
    norms = np.linalg.norm(updated, axis=0)
    assert (norms > c).any() and (norms < c).any()
    expected = updated * np.where(norms > c, c / norms, 1.0)
    got = theta[:12].reshape(fan_in, units)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=0)
    got_norms = np.linalg.norm(got, axis=0)
    assert np.all(got_norms <= c * (1 + 1e-12))
    np.testing.assert_array_equal(got[:, norms <= c], updated[:, norms <= c])
    np.testing.assert_array_equal(theta[12:], bias)


def test_inactive_segment_is_not_changed():
    for name in optimizers.names():
        opt = optimizers.get({"name": name, "learning_rate": 0.1})
        theta = THETA0.copy()
        s1, s2 = opt.initial_state(N, np.float64)
        s1_0, s2_0 = s1.copy(), s2.copy()
        seg_i, seg_f, seg_gsq = segments((0, 3), (3, N), active=[1, 0])
        seg_f[1, ko.F_L2] = 0.5
        seg_f[1, ko.F_MAXNORM] = 0.01
        seg_i[1, ko.S_UNITS] = 3
        seg_i[1, ko.S_UNIT_LEN] = 1
        seg_i[1, ko.S_UNIT_STRIDE] = 1
        seg_i[1, ko.S_ELEM_STRIDE] = 1
        for t in range(1, 4):
            step(opt, t, theta, grad_f(theta), s1, s2, (seg_i, seg_f, seg_gsq), clipnorm=1.0)
        np.testing.assert_array_equal(theta[3:], THETA0[3:], err_msg=name)
        np.testing.assert_array_equal(s1[3:], s1_0[3:], err_msg=name)
        np.testing.assert_array_equal(s2[3:], s2_0[3:], err_msg=name)
        assert not np.array_equal(theta[:3], THETA0[:3]), name


@pytest.mark.parametrize("name", list(CASES))
def test_nan_gradient_reports_segment_and_changes_nothing(name):
    opt = optimizers.get({"name": name, "learning_rate": 0.1})
    theta = THETA0.copy()
    s1, s2 = opt.initial_state(N, np.float64)
    seg = segments((0, 2), (2, 4), (4, N))
    step(opt, 1, theta, grad_f(theta), s1, s2, seg)  # some state to preserve
    before = theta.copy(), s1.copy(), s2.copy()
    grad = grad_f(theta)
    grad[3] = np.nan
    _, bad = step(opt, 2, theta, grad, s1, s2, seg)
    assert bad == 1
    np.testing.assert_array_equal(theta, before[0])
    np.testing.assert_array_equal(s1, before[1])
    np.testing.assert_array_equal(s2, before[2])


def test_infinite_gradient_is_reported_too():
    opt = optimizers.get("sgd")
    theta = THETA0.copy()
    s1, s2 = opt.initial_state(N, np.float64)
    grad = grad_f(theta)
    grad[5] = -np.inf
    _, bad = step(opt, 1, theta, grad, s1, s2, segments((0, 3), (3, N)))
    assert bad == 1
    np.testing.assert_array_equal(theta, THETA0)


def test_finite_gradient_reports_no_bad_segment():
    opt = optimizers.get("sgd")
    theta = THETA0.copy()
    s1, s2 = opt.initial_state(N, np.float64)
    _, bad = step(opt, 1, theta, grad_f(theta), s1, s2, segments((0, 3), (3, N)))
    assert bad == -1


@pytest.mark.parametrize("name", list(CASES))
def test_float32_agrees_with_float64(name):
    config, _ = CASES[name]
    ours64 = run_ours(config, 3)
    ours32 = run_ours(config, 3, dtype=np.float32)
    for a, b in zip(ours64, ours32, strict=True):
        assert b.dtype == np.float32
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-6)


# --- live hyperparameter changes ---------------------------------------------------------------


def test_set_momentum_changes_momentum_and_kernel_hyperparameter():
    opt = optimizers.get("momentum")
    assert opt.momentum != 0.5
    opt.set_momentum(0.5)
    assert opt.momentum == 0.5
    assert opt.momentum_value == 0.5
    assert opt.hyperparameters()[0] == 0.5
    assert opt.get_config()["momentum"] == 0.5


@pytest.mark.parametrize("value", [-0.1, 1.5, float("nan"), float("inf"), "high", None])
def test_set_momentum_out_of_range_raises(value):
    opt = optimizers.get("momentum")
    with pytest.raises(SpecError, match="momentum"):
        opt.set_momentum(value)
    assert opt.momentum == 0.9


@pytest.mark.parametrize(("name", "field"), [("nesterov", "momentum"), ("rmsprop", "rho"),
                                             ("adadelta", "rho"), ("adam", "beta1"),
                                             ("adamw", "beta1")])
def test_set_momentum_sets_the_momentum_like_field(name, field):
    opt = optimizers.get(name)
    opt.set_momentum(0.5)
    assert getattr(opt, field) == 0.5
    assert opt.hyperparameters()[0] == 0.5
    with pytest.raises(SpecError, match=field):
        opt.set_momentum(2.0)


def test_learning_rate_live_change_is_checked():
    opt = optimizers.get("adam")
    opt.learning_rate = 0.25
    assert opt.learning_rate == 0.25
    with pytest.raises(SpecError, match="learning_rate"):
        opt.learning_rate = -1.0
    assert opt.learning_rate == 0.25
