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


def test_every_preset_shows_its_shapes_including_image_ones(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    shown = {}
    for row in range(window.presets.count()):
        window.presets.setCurrentRow(row)
        name = window.presets.item(row).data(Qt.ItemDataRole.UserRole)
        shown[name] = window.details.toPlainText()
    assert "6×28×28" in shown["lenet"] and "Conv2D #1" in shown["lenet"]
    assert "1×28×28" in shown["conv_autoencoder"]
    assert all("needs" not in text for text in shown.values())  # no shape errors
