"""The training worker (DESIGN.md, "Training ↔ GUI"): a QObject living in its own QThread that
trains in time-budgeted chunks and re-queues itself, so commands from the GUI (pause, step,
reset, live hyperparameters) arrive between chunks without locks. It sends copied snapshots
at most about 30 times a second, and always on pause, step, stop and finish. The GUI thread
never trains."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal, Slot

from playground.core.errors import PlaygroundError
from playground.core.experiment import Experiment
from playground.core.trainer import Trainer

CHUNK_SECONDS = 0.015
SNAPSHOT_INTERVAL = 0.030  # two 15 ms chunks: about 30 snapshots a second


class TrainingWorker(QObject):
    """Owns the Trainer; every method runs on the worker's thread (call it through signals)."""

    snapshot = Signal(object)  # core.trainer.Snapshot
    failed = Signal(str)  # a bad document or setting: the message for the user
    running_changed = Signal(bool)

    def __init__(self) -> None:
        super().__init__()
        self.trainer: Trainer | None = None
        self.experiment: Experiment | None = None
        self.running = False
        #: steps per chunk in slow motion (0: as many as fit in the time budget)
        self.slow_steps = 0
        self.slow_delay_ms = 0
        self._last_snapshot = 0.0
        self._timer: QTimer | None = None

    # --- commands (queued from the GUI thread) ------------------------------------------------
    @Slot(object)
    def load(self, experiment: Experiment) -> None:
        """Build a new run from a document (a structural change resets)."""
        self._set_running(False)
        try:
            trainer = experiment.build()
        except PlaygroundError as exc:
            self.failed.emit(str(exc))
            return
        self.experiment = experiment
        self.trainer = trainer
        self._emit(force=True)

    @Slot()
    def play(self) -> None:
        if self.trainer is None or not self.trainer.running:
            self._emit(force=True)
            return
        self._set_running(True)
        self._schedule()

    @Slot()
    def pause(self) -> None:
        self._set_running(False)
        self._emit(force=True)

    @Slot()
    def step_batch(self) -> None:
        self._set_running(False)
        if self.trainer is not None:
            self.trainer.step()
        self._emit(force=True)

    @Slot()
    def step_epoch(self) -> None:
        self._set_running(False)
        if self.trainer is not None:
            self.trainer.run_epoch()
        self._emit(force=True)

    @Slot()
    def reset(self) -> None:
        """New initial weights from the run's seed; settings are kept."""
        self._set_running(False)
        if self.trainer is not None:
            self.trainer.reinitialize()
        self._emit(force=True)

    @Slot(str, object)
    def set_hyperparameter(self, name: str, value: Any) -> None:
        """Live changes: learning_rate, momentum, batch_size, or penalty (layer, config)."""
        if self.trainer is None:
            return
        try:
            if name == "learning_rate":
                self.trainer.set_learning_rate(value)
            elif name == "momentum":
                self.trainer.set_momentum(value)
            elif name == "batch_size":
                self.trainer.batch_size = value
            elif name == "penalty":
                layer, config = value
                self.trainer.set_penalty(layer, config)
            else:
                raise PlaygroundError(f"{name} cannot change during training")
        except PlaygroundError as exc:
            self.failed.emit(str(exc))
        self._emit(force=not self.running)

    @Slot(int, int)
    def set_speed(self, steps_per_frame: int, delay_ms: int) -> None:
        """0 steps: full speed; otherwise that many steps, then wait delay_ms (slow motion)."""
        self.slow_steps = max(0, int(steps_per_frame))
        self.slow_delay_ms = max(0, int(delay_ms))

    @Slot()
    def stop(self) -> None:
        """Before the thread quits: no chunk may run after this."""
        self._set_running(False)
        if self._timer is not None:
            # a timer must die on its own thread: deleted here, before the thread ends
            self._timer.stop()
            self._timer.deleteLater()
            self._timer = None

    # --- the loop --------------------------------------------------------------------------------
    def _schedule(self) -> None:
        if self._timer is None:
            self._timer = QTimer(self)
            self._timer.setSingleShot(True)
            self._timer.timeout.connect(self._chunk)
        self._timer.start(self.slow_delay_ms if self.slow_steps else 0)

    @Slot()
    def _chunk(self) -> None:
        trainer = self.trainer
        if not self.running or trainer is None:
            return
        if self.slow_steps:
            trainer.run_steps(self.slow_steps)
        else:
            deadline = time.perf_counter() + CHUNK_SECONDS
            batch = 1
            while time.perf_counter() < deadline and trainer.running:
                start = time.perf_counter()
                trainer.run_steps(batch)
                took = time.perf_counter() - start
                # grow the batch of steps while each call is far below the budget
                if took < CHUNK_SECONDS / 8:
                    batch = min(batch * 2, 1 << 16)
        if not trainer.running:  # diverged or stopped early: stop and say so
            self._set_running(False)
            self._emit(force=True)
            return
        self._emit(force=False)
        self._schedule()

    def _set_running(self, running: bool) -> None:
        if running != self.running:
            self.running = running
            self.running_changed.emit(running)

    def _emit(self, force: bool) -> None:
        now = time.perf_counter()
        if self.trainer is None or (not force and now - self._last_snapshot < SNAPSHOT_INTERVAL):
            return
        self._last_snapshot = now
        self.snapshot.emit(self.trainer.snapshot())


class TrainingController(QObject):
    """The GUI side: starts the worker's thread, forwards commands as queued signals, keeps the
    latest snapshot, and shuts the thread down cleanly."""

    load_requested = Signal(object)
    play_requested = Signal()
    pause_requested = Signal()
    step_batch_requested = Signal()
    step_epoch_requested = Signal()
    reset_requested = Signal()
    hyperparameter_requested = Signal(str, object)
    speed_requested = Signal(int, int)
    stop_requested = Signal()

    snapshot_received = Signal(object)
    message = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.latest = None
        self.running = False
        self.thread = QThread()
        self.thread.setObjectName("training")
        self.worker = TrainingWorker()
        self.worker.moveToThread(self.thread)
        for signal, slot in ((self.load_requested, self.worker.load),
                             (self.play_requested, self.worker.play),
                             (self.pause_requested, self.worker.pause),
                             (self.step_batch_requested, self.worker.step_batch),
                             (self.step_epoch_requested, self.worker.step_epoch),
                             (self.reset_requested, self.worker.reset),
                             (self.hyperparameter_requested, self.worker.set_hyperparameter),
                             (self.speed_requested, self.worker.set_speed)):
            signal.connect(slot)
        # blocking, so that stop has run on the worker's thread before quit() ends its loop
        self.stop_requested.connect(self.worker.stop, Qt.ConnectionType.BlockingQueuedConnection)
        self.worker.snapshot.connect(self._on_snapshot)
        self.worker.failed.connect(self.message)
        self.worker.running_changed.connect(self._on_running)
        self.thread.start()

    @Slot(object)
    def _on_snapshot(self, snap: Any) -> None:
        self.latest = snap
        if snap.divergence:
            self.message.emit(snap.divergence)
        elif snap.stopped:
            self.message.emit(snap.stopped)
        self.snapshot_received.emit(snap)

    @Slot(bool)
    def _on_running(self, running: bool) -> None:
        self.running = running

    def shutdown(self) -> None:
        """Stop training, quit the thread and wait for it (closing mid-training is clean)."""
        if not self.thread.isRunning():
            return
        self.stop_requested.emit()
        self.thread.quit()
        self.thread.wait()
