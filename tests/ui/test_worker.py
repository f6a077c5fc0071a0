import threading

import pytest

from playground.core.experiment import load_preset
from playground.ui.worker import TrainingController


@pytest.fixture
def controller(qtbot):
    ctl = TrainingController()
    yield ctl
    ctl.shutdown()
    assert not ctl.thread.isRunning()


def load(qtbot, ctl, name="spiral", **changes):
    exp = load_preset(name)
    for key, value in changes.items():
        setattr(exp, key, value)
    ctl.load_requested.emit(exp, False)
    qtbot.waitUntil(lambda: ctl.latest is not None and ctl.latest.step == 0, timeout=30_000)


def test_playing_spiral_reaches_90_percent_and_pause_stops(qtbot, controller):
    load(qtbot, controller)
    controller.play_requested.emit()
    qtbot.waitUntil(lambda: controller.latest.epoch > 0 and
                    controller.latest.metrics["val_accuracy"] > 0.9, timeout=60_000)
    controller.pause_requested.emit()
    qtbot.waitUntil(lambda: not controller.running, timeout=5_000)
    paused_at = controller.latest.step
    qtbot.wait(200)
    assert controller.latest.step == paused_at


def test_step_batch_and_step_epoch_do_what_they_say(qtbot, controller):
    load(qtbot, controller)
    controller.step_batch_requested.emit()
    qtbot.waitUntil(lambda: controller.latest.step == 1, timeout=10_000)
    controller.step_epoch_requested.emit()  # finishes the epoch the single step began
    steps_per_epoch = -(-700 // 10)
    qtbot.waitUntil(lambda: controller.latest.epoch == 1, timeout=10_000)
    assert controller.latest.step == steps_per_epoch


def test_reset_restores_the_initial_weights(qtbot, controller):
    load(qtbot, controller)
    initial = controller.latest.theta.copy()
    controller.step_epoch_requested.emit()
    qtbot.waitUntil(lambda: controller.latest.epoch == 1, timeout=10_000)
    assert (controller.latest.theta != initial).any()
    controller.reset_requested.emit()
    qtbot.waitUntil(lambda: controller.latest.step == 0, timeout=10_000)
    assert (controller.latest.theta == initial).all()


def test_live_learning_rate_change_reaches_the_running_trainer(qtbot, controller):
    load(qtbot, controller)
    controller.play_requested.emit()
    controller.hyperparameter_requested.emit("learning_rate", 0.0005)
    qtbot.waitUntil(lambda: controller.latest.learning_rate == 0.0005, timeout=10_000)
    messages = []
    controller.message.connect(messages.append)
    controller.hyperparameter_requested.emit("learning_rate", -1.0)
    qtbot.waitUntil(lambda: bool(messages), timeout=10_000)
    assert "learning_rate" in messages[0]
    assert controller.running  # a bad value did not stop the run


def test_divergence_is_a_message_not_an_exception(qtbot, controller):
    exp = load_preset("spiral")
    exp.optimizer["learning_rate"] = 100.0
    messages = []
    controller.message.connect(messages.append)
    controller.load_requested.emit(exp, False)
    qtbot.waitUntil(lambda: controller.latest is not None, timeout=30_000)
    controller.play_requested.emit()
    qtbot.waitUntil(lambda: bool(messages) and not controller.running, timeout=30_000)
    assert "diverged at step" in messages[-1]


def test_a_bad_document_is_reported(qtbot, controller):
    exp = load_preset("xor")
    exp.layers[-1]["activation"] = "tanh"  # binary cross-entropy needs a sigmoid output
    messages = []
    controller.message.connect(messages.append)
    controller.load_requested.emit(exp, False)
    qtbot.waitUntil(lambda: bool(messages), timeout=10_000)
    assert "sigmoid" in messages[0] and controller.latest is None


def test_training_runs_off_the_gui_thread_and_shutdown_mid_run_is_clean(qtbot):
    ctl = TrainingController()
    seen = []
    original = ctl.worker._chunk

    def spy():
        seen.append(threading.current_thread() is threading.main_thread())
        original()

    ctl.worker._chunk = spy
    ctl.worker._timer = None
    load(qtbot, ctl)
    ctl.play_requested.emit()
    qtbot.waitUntil(lambda: ctl.latest.step > 100, timeout=30_000)
    ctl.shutdown()
    assert not ctl.thread.isRunning()
    assert seen and not any(seen)


def test_slow_motion_runs_the_chosen_number_of_steps_per_frame(qtbot, controller):
    load(qtbot, controller)
    controller.speed_requested.emit(3, 1)
    controller.play_requested.emit()
    qtbot.waitUntil(lambda: controller.latest.step >= 30, timeout=30_000)
    controller.pause_requested.emit()
    qtbot.waitUntil(lambda: not controller.running, timeout=5_000)
    qtbot.wait(50)
    assert controller.latest.step % 3 == 0
    controller.speed_requested.emit(0, 0)  # back to full speed
    controller.play_requested.emit()
    qtbot.waitUntil(lambda: controller.latest.step > 1000, timeout=30_000)


def test_evaluate_excite_and_load_weights_answer_from_the_worker(qtbot, controller, tmp_path):
    import numpy as np

    load(qtbot, controller, "xor")
    results, excitations, notices, problems = [], [], [], []
    controller.evaluated.connect(results.append)
    controller.excited.connect(excitations.append)
    controller.notice.connect(notices.append)
    controller.message.connect(problems.append)
    controller.evaluate_requested.emit("test", 15)
    qtbot.waitUntil(lambda: bool(results), timeout=10_000)
    evaluation = results[0]
    assert evaluation.part == "test" and evaluation.outputs.shape == (15, 1)
    assert np.asarray(evaluation.metrics["confusion"]).sum() == 40  # the whole test part
    controller.excite_requested.emit(1, 0)
    qtbot.waitUntil(lambda: bool(excitations), timeout=10_000)
    layer, unit, found = excitations[0]
    assert (layer, unit) == (1, 0) and found.image.shape == (2,)
    assert found.history[-1] > found.history[0]  # the ascent raised the unit's activation

    trainer = load_preset("xor").build()
    trainer.run_steps(100)
    saved = tmp_path / "w.npz"
    trainer.network.save_weights(saved)
    controller.load_weights_requested.emit(str(saved))
    qtbot.waitUntil(lambda: bool(notices), timeout=10_000)
    assert "Loaded" in notices[0]
    qtbot.waitUntil(lambda: np.array_equal(controller.latest.theta, trainer.network.theta),
                    timeout=10_000)
    (tmp_path / "junk.npz").write_bytes(b"not an archive")
    controller.load_weights_requested.emit(str(tmp_path / "junk.npz"))
    qtbot.waitUntil(lambda: bool(problems), timeout=10_000)
    assert "cannot read" in problems[0]
