"""DESIGN.md: PySide6 6.12.0 on Python 3.11 drops a reference on every Signal.emit() and
QImage/QPainter setter, and the interpreter aborts after a few thousand. The pin avoids it; this
test runs the app's real render path (output surface, diagram, curves, counters) for thousands
of frames in a child process, so that an abort fails the test instead of killing pytest."""

import subprocess
import sys
import textwrap

FRAMES = 5000

CHILD = textwrap.dedent(f"""
    import os, sys, tempfile
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from playground.core.experiment import load_preset
    from playground.ui.main_window import MainWindow
    folder = tempfile.mkdtemp()
    window = MainWindow("spiral", QSettings(folder + "/s.ini", QSettings.Format.IniFormat))
    window.resize(1024, 700)
    window.show()
    while window.run_info is None or window.latest is None:
        app.processEvents()
    trainer = load_preset("spiral").build()
    for frame in range({FRAMES}):
        trainer.run_steps(3)
        window._on_snapshot(trainer.snapshot())
        window._last_curves = 0.0  # redraw the curves on every frame too
        window._render()
        if frame % 50 == 0:
            window.diagram.neuron_hovered.emit(1, frame % 16)
            window.diagram.hover_left.emit()
        app.processEvents()
    print("frames", window.frames)
    window.close()
""")


def test_thousands_of_frames_of_the_real_render_path_complete():
    result = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    frames = int(result.stdout.split("frames")[1])
    assert frames >= FRAMES
