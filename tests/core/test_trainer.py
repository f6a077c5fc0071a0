import math

import numpy as np
import pytest

from playground.core.errors import SpecError
from playground.core.experiment import load_preset
from playground.core.trainer import EarlyStopping
from tests.core.helpers import dense, toy_trainer


@pytest.mark.parametrize("name", ["xor", "circle", "spiral"])
def test_presets_reach_97_percent_test_accuracy(name):
    exp = load_preset(name)
    trainer = exp.build()
    trainer.fit(exp.epochs)
    assert trainer.divergence is None
    assert trainer.epoch == exp.epochs
    assert trainer.evaluate("test")["accuracy"] >= 0.97


def test_same_seed_gives_bit_identical_runs_and_another_seed_does_not():
    runs = []
    for seed in (3, 3, 4):
        trainer = toy_trainer(seed=seed, optimizer={"name": "adam", "learning_rate": 0.01},
                              layers=[dense(8), {"name": "dropout", "rate": 0.2},
                                      dense(1, "sigmoid")])
        trainer.fit(5)
        runs.append((trainer.network.theta.copy(), trainer.steps.column("loss")))
    assert np.array_equal(runs[0][0], runs[1][0])
    assert np.array_equal(runs[0][1], runs[1][1])
    assert not np.array_equal(runs[0][0], runs[2][0])


def test_reinitialize_with_the_same_seed_restores_the_initial_weights():
    trainer = toy_trainer(seed=5)
    initial = trainer.network.theta.copy()
    trainer.fit(3)
    assert not np.array_equal(initial, trainer.network.theta)
    trainer.reinitialize()
    assert np.array_equal(initial, trainer.network.theta)
    assert trainer.step_count == 0 and len(trainer.steps) == 0


@pytest.mark.parametrize("init", ["zeros", {"name": "constant", "value": 0.3}])
def test_symmetric_initialization_keeps_hidden_units_identical(init):
    layers = [dense(6, "tanh", weight_init=init, bias_init=init),
              dense(6, "tanh", weight_init=init, bias_init=init),
              dense(1, "sigmoid", weight_init=init)]
    trainer = toy_trainer(layers=layers, optimizer={"name": "momentum", "learning_rate": 0.1})
    trainer.fit(20)
    trainer.network.forward(trainer.split.test.X)
    for layer in trainer.network.layers[:2]:
        w = layer.params["weight"]
        assert np.all(w == w[:, :1]), "every unit's incoming weights stay the same"
        hidden = layer.a
        assert np.all(hidden == hidden[:, :1])
    if init != "zeros":
        assert np.ptp(trainer.network.layers[0].params["weight"]) > 0  # rows differ: it learned


def test_learning_rate_100_on_spiral_is_reported_as_divergence():
    exp = load_preset("spiral")
    exp.optimizer["learning_rate"] = 100.0
    trainer = exp.build()
    trainer.fit(exp.epochs)  # no exception escapes
    div = trainer.divergence
    assert div is not None and not trainer.running
    assert div.step >= 1 and div.layer.startswith("Dense #")
    assert f"step {div.step}" in div.message and div.layer in div.message
    assert trainer.step_count == div.step - 1  # the failing step did not count
    assert np.isfinite(trainer.network.theta).all()  # the weights the user had are kept
    assert trainer.run_steps(10) == 0  # stopped until reset
    trainer.reinitialize()
    trainer.set_learning_rate(0.01)
    assert trainer.run_steps(10) == 10


def test_batch_size_from_one_to_full_batch():
    trainer = toy_trainer(samples=100, fractions=(0.5, 0.3, 0.2))
    n = len(trainer.split.train)
    trainer.batch_size = 1
    assert trainer.steps_per_epoch == n
    trainer.run_epoch()
    assert trainer.step_count == n and trainer.epoch == 1
    trainer.batch_size = 10_000  # more than the data: full-batch gradient descent
    assert trainer.batch_size == n and trainer.steps_per_epoch == 1
    trainer.run_epoch()
    assert trainer.step_count == n + 1 and trainer.epoch == 2


def test_uneven_last_batch_and_epoch_bookkeeping():
    trainer = toy_trainer(samples=100, fractions=(0.5, 0.3, 0.2), batch_size=16)
    n = len(trainer.split.train)
    assert trainer.steps_per_epoch == math.ceil(n / 16)
    trainer.fit(3)
    assert trainer.epoch == 3 and trainer.step_count == 3 * trainer.steps_per_epoch
    epochs = trainer.epochs.array()
    assert list(epochs[:, 0]) == [1, 2, 3]
    assert np.isfinite(trainer.epochs.column("val_loss")).all()


def test_each_epoch_visits_every_training_sample_once_in_a_new_order():
    trainer = toy_trainer(samples=60, fractions=(0.5, 0.3, 0.2), batch_size=7)
    orders = []
    for _ in range(2):
        trainer.run_epoch()
        orders.append(trainer._order.copy())
    assert sorted(orders[0]) == list(range(len(trainer.split.train)))
    assert not np.array_equal(orders[0], orders[1])


def test_live_learning_rate_momentum_batch_size_and_penalty_changes():
    trainer = toy_trainer(layers=[dense(8), dense(1, "sigmoid")],
                          optimizer={"name": "momentum", "learning_rate": 0.1, "momentum": 0.9})
    trainer.run_steps(5)
    trainer.set_learning_rate(0.02)
    trainer.set_momentum(0.5)
    trainer.set_penalty(1, {"name": "l2", "rate": 0.1})
    trainer.batch_size = 4
    trainer.run_steps(5)
    lrs = trainer.steps.column("learning_rate")
    assert np.allclose(lrs[:5], 0.1) and np.allclose(lrs[5:], 0.02)
    assert trainer.optimizer.momentum == 0.5
    penalties = trainer.steps.column("penalty")
    assert np.all(penalties[:5] == 0) and np.all(penalties[5:] > 0)
    assert trainer.step_count == 10  # nothing was reset
    with pytest.raises(SpecError, match="learning_rate"):
        trainer.set_learning_rate(-1)


def test_schedule_drives_the_recorded_learning_rate():
    trainer = toy_trainer(schedule={"name": "step", "drop": 0.5, "every": 4})
    trainer.run_steps(12)
    assert np.allclose(trainer.steps.column("learning_rate"),
                       [0.1] * 4 + [0.05] * 4 + [0.025] * 4)


def test_frozen_layer_does_not_change():
    trainer = toy_trainer(layers=[dense(8), dense(8), dense(1, "sigmoid")])
    trainer.freeze(2)
    before = [layer.params["weight"].copy() for layer in trainer.network.layers]
    trainer.fit(3)
    after = [layer.params["weight"] for layer in trainer.network.layers]
    assert np.array_equal(before[1], after[1])
    assert not np.array_equal(before[0], after[0])
    assert not np.array_equal(before[2], after[2])


def test_early_stopping_restores_the_best_weights():
    trainer = toy_trainer(name="spiral", samples=80, noise=0.3,
                          layers=[dense(64, "relu"), dense(64, "relu"), dense(1, "sigmoid")],
                          optimizer={"name": "adam", "learning_rate": 0.02},
                          early_stopping=EarlyStopping(patience=5))
    trainer.fit(500)
    assert trainer.stopped is not None and "Early stopping" in trainer.stopped
    assert trainer.epoch < 500
    assert trainer.best_epoch == trainer.epoch - 5
    val = trainer.epochs.column("val_loss")
    assert trainer.best_val_loss == pytest.approx(val.min())
    assert trainer.evaluate("validation")["loss"] == pytest.approx(trainer.best_val_loss,
                                                                   rel=1e-5)


def test_early_stopping_needs_a_validation_part():
    with pytest.raises(SpecError, match="early_stopping"):
        toy_trainer(fractions=(0.9, 0.0, 0.1), early_stopping=EarlyStopping(patience=3))


def test_loss_must_match_the_output_layer():
    with pytest.raises(SpecError, match="sigmoid"):
        toy_trainer(layers=[dense(8), dense(1, "tanh")])
    with pytest.raises(SpecError, match="2 classes"):
        toy_trainer(layers=[dense(8), dense(3, "softmax")], loss="softmax_crossentropy")


def test_class_weights_scale_the_loss():
    plain = toy_trainer(seed=2)
    weighted = toy_trainer(seed=2, class_weights=[1.0, 3.0])
    a, b = plain.evaluate("train"), weighted.evaluate("train")
    labels = plain.split.train.labels
    per_sample = b["loss"] * len(labels) / np.where(labels == 1, 3.0, 1.0).sum()
    assert b["loss"] > a["loss"] and per_sample == pytest.approx(a["loss"], rel=0.3)
    with pytest.raises(SpecError, match="class_weights"):
        toy_trainer(class_weights=[1.0])


def test_l1_penalty_drives_weights_to_exact_zero():
    layers = [dense(16, "tanh", penalty={"name": "l1", "rate": 0.01}), dense(1, "sigmoid")]
    trainer = toy_trainer(layers=layers, name="gaussians",
                          optimizer={"name": "sgd", "learning_rate": 0.1})
    trainer.fit(60)
    w = trainer.network.layers[0].params["weight"]
    assert (w == 0).mean() > 0.3
    plain = toy_trainer(name="gaussians", layers=[dense(16, "tanh"), dense(1, "sigmoid")])
    plain.fit(60)
    assert (plain.network.layers[0].params["weight"] == 0).mean() == 0


def test_max_norm_constraint_holds_after_training():
    layers = [dense(8, "relu", max_norm=0.5), dense(1, "sigmoid")]
    trainer = toy_trainer(layers=layers, optimizer={"name": "sgd", "learning_rate": 0.5})
    trainer.fit(10)
    norms = np.linalg.norm(trainer.network.layers[0].params["weight"], axis=0)
    assert norms.max() <= 0.5 + 1e-5


def test_history_stays_bounded_on_long_runs():
    trainer = toy_trainer(samples=40, fractions=(0.5, 0.3, 0.2), batch_size=1)
    trainer.steps.capacity = 64
    trainer.run_steps(2000)
    steps = trainer.steps.array()
    assert len(steps) <= 64 + trainer.steps.stride
    assert trainer.steps.count == 2000
    assert steps[0, 0] < 100 and steps[-1, 0] > 1900  # still spans the whole run


def test_layer_statistics_report_dead_relus_and_saturated_sigmoids():
    relu = toy_trainer(layers=[dense(32, "relu", bias_init={"name": "constant", "value": -5.0}),
                               dense(1, "sigmoid")])
    stats = relu.layer_statistics()
    assert stats[0].dead_fraction == 1.0 and stats[0].zero_fraction == 1.0
    big = {"name": "normal", "std": 40.0}
    sig = toy_trainer(layers=[dense(32, "sigmoid", weight_init=big), dense(1, "sigmoid")])
    sig.run_steps(1)
    stats = sig.layer_statistics()
    assert stats[0].saturated_fraction > 0.5
    counts, edges = stats[0].activation_hist
    assert counts.sum() == len(sig.split.train) * 32 and edges[0] >= 0 and edges[-1] <= 1
    assert stats[0].grad_norm >= 0 and stats[0].weight_norm > 0


def test_gradient_norms_are_recorded_per_layer_per_step():
    trainer = toy_trainer(layers=[dense(8), dense(8), dense(1, "sigmoid")])
    trainer.run_steps(7)
    norms = trainer.grad_norms.array()
    assert norms.shape == (7, 4)
    assert np.all(norms[:, 1:] > 0)


def test_snapshot_is_a_copy():
    trainer = toy_trainer()
    trainer.run_steps(3)
    snap = trainer.snapshot()
    trainer.run_steps(3)
    assert snap.step == 3 and not np.array_equal(snap.theta, trainer.network.theta)
    assert math.isfinite(snap.metrics["loss"])


def test_monte_carlo_dropout_averages_stochastic_predictions():
    layers = [dense(32, "relu"), {"name": "dropout", "rate": 0.5}, dense(1, "sigmoid")]
    trainer = toy_trainer(layers=layers)
    trainer.fit(5)
    X = trainer.split.test.X
    plain = trainer.predict(X)
    assert np.array_equal(plain, trainer.predict(X))  # dropout off in inference
    one = trainer.predict(X, mc_samples=1)
    many = trainer.predict(X, mc_samples=200)
    assert not np.allclose(one, plain)
    assert np.abs(many - plain).mean() < np.abs(one - plain).mean()


def test_batchnorm_uses_running_statistics_in_inference():
    layers = [dense(8, "linear"), {"name": "batchnorm"}, {"name": "activation",
                                                          "activation": "tanh"},
              dense(1, "sigmoid")]
    trainer = toy_trainer(layers=layers)
    trainer.fit(3)
    X = trainer.split.test.X
    bn = trainer.network.layers[1]
    assert not np.allclose(bn.buffers["running_mean"], 0)
    single = np.concatenate([trainer.predict(X[i:i + 1]) for i in range(len(X))])
    assert np.allclose(single, trainer.predict(X), atol=1e-6)  # no batch dependence


def test_regression_reports_r_squared():
    from playground.core.network import Network
    from playground.core.trainer import Trainer
    from playground.data.dataset import Dataset, split_dataset

    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (300, 2))
    y = (np.sin(2 * X[:, 0]) + X[:, 1] ** 2).reshape(-1, 1)
    split = split_dataset(Dataset("bumps", X, values=y), seed=0)
    net = Network([dense(16, "tanh"), dense(1, "linear")], (2,), seed=0)
    trainer = Trainer(net, "mse", {"name": "adam", "learning_rate": 0.02}, split, batch_size=16)
    trainer.fit(100)
    result = trainer.evaluate("test")
    assert "accuracy" not in result and result["r2"] > 0.9
    assert np.isnan(trainer.steps.column("accuracy")).all()
    sigmoid_net = Network([dense(16, "tanh"), dense(1, "sigmoid")], (2,), seed=0)
    with pytest.raises(SpecError, match="regression"):
        Trainer(sigmoid_net, "binary_crossentropy", "sgd", split)


def test_confusion_matrix_and_per_class_accuracy():
    trainer = toy_trainer()
    trainer.fit(20)
    result = trainer.evaluate("test")
    confusion = np.array(result["confusion"])
    assert confusion.sum() == len(trainer.split.test)
    assert np.trace(confusion) / confusion.sum() == pytest.approx(result["accuracy"])
    assert len(result["per_class_accuracy"]) == 2
