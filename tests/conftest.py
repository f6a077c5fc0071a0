import os

# Qt tests run without a display; set before any Qt import (DESIGN.md, "Tests").
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The app trains on one thread (playground.cli.one_compute_thread); the tests run it the same
# way, and two BLAS threads would spin against the test's own GUI thread.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
