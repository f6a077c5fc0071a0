import json

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from playground.cli import main
from playground.core.errors import SpecError
from playground.ui.image_folder import load_image_folder


def write_folder(root, per_class=6, size=8):
    for label, cls in enumerate(["horizontal", "vertical"]):
        (root / cls).mkdir(parents=True)
        for k in range(per_class):
            image = QImage(size, size, QImage.Format.Format_Grayscale8)
            image.fill(QColor(0, 0, 0))
            for t in range(size):
                x, y = (t, k % size) if label == 0 else (k % size, t)
                image.setPixelColor(x, y, QColor(255, 255, 255))
            suffix = ".png" if k % 2 else ".jpg"
            assert image.save(str(root / cls / f"{k}{suffix}"))


def test_a_folder_of_class_folders_becomes_a_dataset(tmp_path):
    write_folder(tmp_path / "bars")
    data = load_image_folder(str(tmp_path / "bars"))
    assert data.class_names == ["horizontal", "vertical"]
    assert data.X.shape == (12, 1, 8, 8) and list(np.bincount(data.labels)) == [6, 6]
    first_png = data.X[1, 0] if data.X.dtype.kind == "f" else data.X[1, 0] / data.max_value
    assert first_png[1].min() > 0.9 and first_png[0].max() < 0.1  # row 1 is the white bar
    resized = load_image_folder(str(tmp_path / "bars"), size=[4, 4])
    assert resized.X.shape == (12, 1, 4, 4)


def test_broken_and_wrongly_shaped_folders_are_clear_errors(tmp_path):
    write_folder(tmp_path / "ok")
    (tmp_path / "ok" / "vertical" / "broken.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(SpecError, match=r"broken\.png: cannot read"):
        load_image_folder(str(tmp_path / "ok"))
    (tmp_path / "one" / "only").mkdir(parents=True)
    with pytest.raises(SpecError, match="one subfolder per class"):
        load_image_folder(str(tmp_path / "one"))
    with pytest.raises(SpecError, match="not a folder"):
        load_image_folder(str(tmp_path / "missing"))


def test_playground_train_reads_an_image_folder(tmp_path, capsys):
    write_folder(tmp_path / "bars", per_class=20)
    spec = {"dataset": {"name": "image_folder", "path": str(tmp_path / "bars")},
            "layers": [{"name": "flatten"}, {"name": "dense", "units": 2,
                                             "activation": "softmax"}],
            "loss": "softmax_crossentropy", "optimizer": {"name": "adam", "learning_rate": 0.05},
            "batch_size": 8, "epochs": 20}
    path = tmp_path / "folder.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    assert main(["train", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["train"]["accuracy"] == 1.0
