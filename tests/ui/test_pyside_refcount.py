"""DESIGN.md: PySide6 6.12.0 on Python 3.11 drops references to True / None on every
Signal.emit and QImage.fill until the interpreter aborts. Run many thousands of each in a child
process (an abort would take pytest down with it) and require a clean exit."""

import subprocess
import sys

CHILD = r"""
import os
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage, QColor
from PySide6.QtWidgets import QApplication

class Source(QObject):
    changed = Signal(object)

app = QApplication([])
src = Source()
seen = []
src.changed.connect(seen.append)
image = QImage(8, 8, QImage.Format.Format_RGB32)
for i in range(60000):
    src.changed.emit(True)
    src.changed.emit(None)
    image.fill(QColor(i % 255, 0, 0))
    if len(seen) > 1000:
        seen.clear()
print("survived")
"""


def test_many_emits_and_fills_do_not_abort_the_interpreter():
    result = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "survived" in result.stdout
