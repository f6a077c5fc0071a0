"""The app's quality bars (#5, #6): train a preset at full speed in the real window and measure
the worst GUI-thread gap, the frames drawn per second, and the training rate against the same
run headless. Usage: python scripts/measure_app.py [PRESET] [--seconds S] [--size WxH]"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_name, "1")  # as the app runs (playground.cli.one_compute_thread)

from PySide6.QtCore import QElapsedTimer, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def headless_rate(preset: str, seconds: float) -> float:
    """Steps per second of the same document trained without the GUI, on one thread."""
    from playground.core.experiment import resolve

    trainer = resolve(preset).build()
    trainer.run_steps(20)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        done += trainer.run_steps(50)
    return done / (time.perf_counter() - start)


def measure(preset: str, seconds: float, size: tuple[int, int]) -> dict:
    from playground.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    folder = tempfile.mkdtemp()
    window = MainWindow(preset, QSettings(folder + "/s.ini", QSettings.Format.IniFormat))
    window.resize(*size)
    window.show()
    while not (window.ready and window.run_info and window.latest):
        app.processEvents()
    epochs = window.model.get("epochs")
    window.model.set("epochs", 10_000_000, "no budget")  # train on for the whole measurement
    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]

    def tick() -> None:
        now = clock.nsecsElapsed()
        gaps.append((now - last[0]) / 1e6)
        last[0] = now

    probe = QTimer()
    probe.setInterval(5)
    probe.timeout.connect(tick)
    probe.start()
    window.controller.play_requested.emit()
    while not window.running:
        app.processEvents()
    # the event loop proper from here: a loop calling processEvents() would hold the GIL and
    # starve the worker, which a user's app (idle in app.exec()) never does
    start = {}

    def begin() -> None:
        start.update(t=time.perf_counter(), step=window.latest.step, frames=window.frames)
        gaps.clear()

    QTimer.singleShot(500, begin)
    QTimer.singleShot(int(500 + seconds * 1000), app.quit)
    app.exec()
    t0, s0, f0 = start["t"], start["step"], start["frames"]
    t1, s1, f1 = time.perf_counter(), window.latest.step, window.frames
    worst = max(gaps)
    window.pause()
    probe.stop()
    window.model.set("epochs", epochs, "budget back")
    window.close()
    rate = (s1 - s0) / (t1 - t0)
    gaps.sort()
    return {"preset": preset, "seconds": round(t1 - t0, 2), "size": f"{size[0]}x{size[1]}",
            "app_steps_per_s": round(rate), "frames_per_s": round((f1 - f0) / (t1 - t0), 1),
            "worst_gui_gap_ms": round(worst, 1),
            "p99_gui_gap_ms": round(gaps[int(0.99 * (len(gaps) - 1))], 1),
            "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("preset", nargs="?", default="spiral")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--size", default="1280x800")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    # the machine's speed drifts: headless before and after the app, and their mean
    before = headless_rate(args.preset, min(args.seconds, 5.0))
    result = measure(args.preset, args.seconds, size)
    after = headless_rate(args.preset, min(args.seconds, 5.0))
    result["headless_before_after"] = [round(before), round(after)]
    result["headless_steps_per_s"] = round((before + after) / 2)
    result["app_vs_headless"] = round(result["app_steps_per_s"] /
                                      result["headless_steps_per_s"], 3)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
