"""The desktop application's entry point, and `--screenshot`: open the window offscreen, train
for a while, save a picture of the whole window and exit (for docs, tests, and for checking what
a user sees)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from playground.core.errors import PlaygroundError
from playground.ui.main_window import DEFAULT_PRESET, MainWindow

ORGANIZATION = APPLICATION = "Neural Playground"
SCREENSHOT_SIZE = (1280, 800)


class ScreenshotRun:
    """Drives a window through: wait for the kernels and the run, train, pause, save."""

    def __init__(self, window: MainWindow, path: str | Path, train_seconds: float,
                 timeout: float = 120.0) -> None:
        self.window = window
        self.path = Path(path)
        self.train_seconds = max(0.0, float(train_seconds))
        self.deadline = time.perf_counter() + timeout + self.train_seconds
        self.stage = "loading"
        self.stage_started = time.perf_counter()
        self.saved = False
        self.timer = QTimer()
        self.timer.timeout.connect(self._tick)
        self.timer.start(50)

    def _next(self, stage: str) -> None:
        self.stage = stage
        self.stage_started = time.perf_counter()

    def _tick(self) -> None:
        w = self.window
        now = time.perf_counter()
        if now > self.deadline:
            print(f"playground --screenshot: gave up while {self.stage}", file=sys.stderr)
            self._finish()
        elif self.stage == "loading":
            if w.ready and w.latest is not None and w.run_info is not None:
                if self.train_seconds > 0:
                    w.controller.play_requested.emit()
                    self._next("training")
                else:
                    self._next("settling")
        elif self.stage == "training":
            if now - self.stage_started >= self.train_seconds:
                w.pause()
                self._next("settling")
        elif self.stage == "settling" and not w.running and now - self.stage_started > 0.4:
            # (after a pause, the final snapshot is drawn, and the curves with it)
            self.saved = w.grab().save(str(self.path))
            if not self.saved:
                print(f"playground --screenshot: could not write {self.path}", file=sys.stderr)
            self._finish()

    def _finish(self) -> None:
        self.timer.stop()
        self.window.close()
        QApplication.instance().quit()


def run(screenshot: str | None = None, preset: str | None = None,
        train_seconds: float = 0.0) -> int:
    if screenshot and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    app = QApplication.instance() or QApplication(sys.argv)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    if screenshot:
        # a screenshot must not replace the user's saved window and last experiment
        with tempfile.TemporaryDirectory(prefix="playground-screenshot-") as scratch:
            settings = QSettings(str(Path(scratch) / "settings.ini"),
                                 QSettings.Format.IniFormat)
            return _screenshot(app, settings, screenshot, preset, train_seconds)
    try:
        window = MainWindow(preset=preset, settings=QSettings())
    except PlaygroundError as exc:
        print(f"playground: {exc}", file=sys.stderr)
        return 2
    window.show()
    return app.exec()


def _screenshot(app: QApplication, settings: QSettings, path: str, preset: str | None,
                train_seconds: float) -> int:
    try:
        window = MainWindow(preset=preset or DEFAULT_PRESET, settings=settings)
    except PlaygroundError as exc:
        print(f"playground: {exc}", file=sys.stderr)
        return 2
    window.resize(*SCREENSHOT_SIZE)
    window.show()
    shot = ScreenshotRun(window, path, train_seconds)
    app.exec()
    settings.sync()
    return 0 if shot.saved else 1
