from PySide6.QtCore import Qt

from playground.ui.app import MainWindow


def test_window_lists_presets_and_shows_their_layers(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    names = [window.presets.item(i).data(Qt.ItemDataRole.UserRole)
             for i in range(window.presets.count())]
    assert {"xor", "circle", "spiral"} <= set(names)
    window.presets.setCurrentRow(names.index("spiral"))
    text = window.details.toPlainText()
    assert "Spiral" in text
    assert "Dense #3" in text
    assert "playground train spiral" in text
