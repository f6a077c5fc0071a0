import os

# Qt tests run without a display; set before any Qt import (DESIGN.md, "Tests").
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
