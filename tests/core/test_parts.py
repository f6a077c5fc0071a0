"""A batch trained in parts: pieces on this process, and worker processes (Trainer threads)."""

import math

import numpy as np
import pytest

from playground.core import parts
from playground.core.network import Network
from playground.core.trainer import PART_FLOATS, Trainer
from playground.data.dataset import Dataset, split_dataset
from playground.kernels import losses as kl
from tests.core.test_image_layers import bars

SMALL_CNN = [{"name": "conv2d", "filters": 4, "kernel_size": 3, "padding": 1,
              "activation": "relu"},
             {"name": "maxpool2d"},
             {"name": "conv2d", "filters": 6, "kernel_size": 3, "activation": "tanh"},
             {"name": "flatten"},
             {"name": "dense", "units": 12, "activation": "relu"},
             {"name": "dense", "units": 3, "activation": "softmax"}]


def bars_trainer(layers=SMALL_CNN, threads=1, dtype=np.float32, batch_size=32, seed=0,
                 optimizer=None):
    X, labels = bars(240, size=10, seed=2)
    split = split_dataset(Dataset("bars", X, labels, class_names=["-", "|", "\\"]), 0.8, 0.2,
                          0.0, seed=0)
    net = Network(layers, (1, 10, 10), seed=seed, dtype=dtype)
    return Trainer(net, "softmax_crossentropy",
                   optimizer or {"name": "momentum", "learning_rate": 0.05}, split,
                   batch_size=batch_size, seed=seed, threads=threads)


def one_batch(dtype=np.float64, rows=20):
    X, labels = bars(rows, size=10, seed=3)
    Y = np.eye(3)[labels]
    return X.astype(dtype), Y.astype(dtype), np.ones(rows, dtype)


def test_a_batch_in_pieces_has_the_gradient_and_loss_of_the_whole_batch():
    net = Network(SMALL_CNN, (1, 10, 10), seed=1, dtype=np.float64)
    net.layers[-1].logits_output = True
    xb, yb, sw = one_batch()
    args = (kl.SOFTMAX_CE, True, True)
    whole_loss, whole_correct = parts.train_rows(net, *args, xb, yb, sw, 1 / 20, math.inf, 20,
                                                 None)
    whole = net.grad.copy()
    net.grad[...] = 0
    loss, correct = parts.train_rows(net, *args, xb, yb, sw, 1 / 20, math.inf, 6,
                                     np.empty_like(net.grad))
    assert loss == pytest.approx(whole_loss, rel=1e-12)
    assert correct == whole_correct
    np.testing.assert_allclose(net.grad, whole, rtol=1e-10, atol=1e-14)
    assert np.abs(whole).max() > 1e-3  # the gradient is not trivially zero


def test_part_rows_keep_a_pass_within_the_cache_budget():
    trainer = bars_trainer()
    widest = max(layer.floats_per_sample() for layer in trainer.network.layers)
    assert widest == 1 * 3 * 3 * 10 * 10  # the first convolution's columns per sample
    assert trainer._part_size == PART_FLOATS // widest


@pytest.mark.parametrize("batch_size", [32, 21])
def test_two_threads_train_the_same_run_as_one(batch_size):
    one = bars_trainer(dtype=np.float64, batch_size=batch_size)
    two = bars_trainer(dtype=np.float64, batch_size=batch_size, threads=2)
    try:
        one.fit(2)
        two.fit(2)
        assert two.worker_processes == 1
    finally:
        two.close()
    assert two.step_count == one.step_count > 10
    np.testing.assert_allclose(two.network.theta, one.network.theta, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(two.steps.column("loss"), one.steps.column("loss"), rtol=1e-9)
    np.testing.assert_array_equal(two.steps.column("accuracy"), one.steps.column("accuracy"))


def test_three_threads_with_dropout_repeat_bit_for_bit_and_learn():
    layers = [*SMALL_CNN[:4], {"name": "dropout", "rate": 0.3}, *SMALL_CNN[4:]]
    runs = []
    for _ in range(2):
        trainer = bars_trainer(layers, threads=3, optimizer={"name": "adam",
                                                             "learning_rate": 0.01})
        try:
            trainer.fit(6)
        finally:
            trainer.close()
        runs.append(trainer)
    assert np.array_equal(runs[0].network.theta, runs[1].network.theta)
    assert runs[0].evaluate("validation")["accuracy"] > 0.8


def test_batch_statistics_keep_the_batch_on_one_process():
    layers = [SMALL_CNN[0], {"name": "batchnorm"}, *SMALL_CNN[1:]]
    one = bars_trainer(layers, dtype=np.float64)
    two = bars_trainer(layers, dtype=np.float64, threads=2)
    one.fit(1)
    two.fit(1)
    assert two.worker_processes == 0
    assert np.array_equal(one.network.theta, two.network.theta)


def test_batch_statistics_see_the_whole_batch_even_when_pieces_would_be_smaller():
    layers = [SMALL_CNN[0], {"name": "batchnorm"}, *SMALL_CNN[1:]]
    trainer = bars_trainer(layers, dtype=np.float64, batch_size=48,
                           optimizer={"name": "sgd", "learning_rate": 0.1})
    trainer._part_size = 8  # as a wider network would get
    before = trainer.network.theta.copy()
    twin = Network(layers, (1, 10, 10), seed=0, dtype=np.float64)
    twin.layers[-1].logits_output = True
    trainer.run_steps(1)
    rows = trainer._order[:48]
    xb, yb, sw = (trainer.train_data.X[rows], trainer.train_data.Y[rows],
                  trainer.train_data.SW[rows])
    parts.train_part(twin, kl.SOFTMAX_CE, True, True, xb, yb, sw, 1 / 48, math.inf)
    np.testing.assert_allclose(trainer.network.theta, before - 0.1 * twin.grad, rtol=1e-10,
                               atol=1e-13)


def test_a_batch_too_small_to_share_stays_on_one_process():
    trainer = bars_trainer(threads=4, batch_size=parts_min_rows() * 2 - 1)
    trainer.run_steps(2)
    assert trainer.worker_processes == 0


def parts_min_rows():
    from playground.core.trainer import MIN_ROWS_PER_THREAD

    return MIN_ROWS_PER_THREAD


def test_divergence_on_two_threads_stops_with_a_message_and_finite_weights():
    trainer = bars_trainer(threads=2, optimizer={"name": "sgd", "learning_rate": 1e6})
    try:
        trainer.fit(3)
    finally:
        trainer.close()
    assert trainer.divergence is not None
    assert "step" in trainer.divergence.message
    assert np.isfinite(trainer.network.theta).all()


def test_live_batch_size_change_grows_the_shared_buffers_and_close_ends_the_workers():
    trainer = bars_trainer(threads=2, batch_size=16)
    try:
        trainer.run_steps(2)
        workers = trainer._workers
        trainer.batch_size = 64
        trainer.run_steps(2)
        assert trainer._workers is workers
        assert workers.batches[0].rows == 32
        process = workers.processes[0]
    finally:
        trainer.close()
    assert trainer._workers is None
    process.join(timeout=5)
    assert not process.is_alive()
    trainer.run_steps(1)  # a later parallel step starts a new worker
    assert trainer._workers is not None
    trainer.close()


def test_a_worker_that_fails_raises_its_traceback_in_the_parent():
    trainer = bars_trainer(threads=2)
    try:
        trainer.run_steps(1)
        trainer._workers.conns[0].send(("part", "no rows"))  # a message it cannot take
        with pytest.raises(RuntimeError, match="worker process failed"):
            trainer._workers.finish(0)
    finally:
        trainer.close()
