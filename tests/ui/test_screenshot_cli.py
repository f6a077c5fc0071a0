"""`playground --screenshot`: the whole window, offscreen, after training, then exit."""

import os
import subprocess
import sys

from PySide6.QtGui import QImage


def test_screenshot_trains_saves_the_window_and_exits(tmp_path):
    out = tmp_path / "window.png"
    result = subprocess.run(
        [sys.executable, "-m", "playground", "--screenshot", str(out), "--preset", "xor",
         "--train-seconds", "1"], capture_output=True, text=True, timeout=300,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr[-2000:]
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 800)
    colours = {image.pixel(x, y) for x in range(0, 1280, 9) for y in range(0, 800, 9)}
    assert len(colours) > 200  # a drawn window, not a blank one


def test_screenshot_of_an_unknown_preset_is_a_clear_error(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "playground", "--screenshot", str(tmp_path / "x.png"),
         "--preset", "no-such-preset"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    assert "unknown preset" in result.stderr
    assert not (tmp_path / "x.png").exists()
