"""Helpers for the main-window tests."""

WAIT = 120_000


def open_window(qtbot, settings, preset="spiral"):
    """The main window at 1280×800, once its kernels are warm and the run is built."""
    from playground.ui.main_window import MainWindow

    window = MainWindow(preset, settings=settings)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitUntil(lambda: window.ready and window.run_info is not None
                    and window.latest is not None, timeout=WAIT)
    qtbot.wait(50)  # the first frame's diagram and curves are drawn in events of their own
    return window
