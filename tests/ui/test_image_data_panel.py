"""The image data panel, driven through its widgets: dataset choice (one undo step each), credits,
settings, the sample grid loaded off the GUI thread, augmentation with its preview, the
preprocessing, and IDX / image-folder imports that change nothing when the files are bad."""

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from playground.core.experiment import load_preset
from playground.data import augment, idx
from playground.data.datasets import load_dataset
from playground.ui.experiment_model import ExperimentModel
from playground.ui.image_data_panel import CELL, ImageDataPanel


@pytest.fixture
def make(qtbot, tmp_path):
    def make(preset="lenet", find=None):
        model = ExperimentModel(load_preset(preset))
        # no full sets from this machine unless a test puts one there
        find = find or {"home": tmp_path / "home", "roots": [], "system": tmp_path / "none"}
        panel = ImageDataPanel(model, find=find)
        qtbot.addWidget(panel)
        panel.resize(370, 800)
        panel.show()
        qtbot.waitExposed(panel)
        panel.messages = []
        panel.message.connect(panel.messages.append)
        return model, panel
    return make


def loaded(qtbot, panel, count=32):
    qtbot.waitUntil(lambda: panel.grid.count() == count, timeout=15000)


def choose(panel, name):
    for i in range(panel.chooser.count()):
        data = panel.chooser.itemData(i)
        if data is not None and data[0] == "catalog" and data[1] == name:
            panel.chooser.setCurrentIndex(i)
            return
    raise AssertionError(f"{name} is not offered")


def type_into(qtbot, spin, text):
    spin.setFocus()
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), text)
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)


def dataset(model):
    return model.document()["dataset"]


def pixels(image: QImage) -> np.ndarray:
    return np.array([[image.pixelColor(x, y).red() for x in range(image.width())]
                     for y in range(image.height())])


# --- choosing ------------------------------------------------------------------------------------
def test_every_image_dataset_is_offered_with_its_credits(qtbot, make, tmp_path):
    folder = tmp_path / "roots" / "FashionMNIST" / "raw"  # a torchvision-style full set
    folder.mkdir(parents=True)
    for stem, shape in (("train-images-idx3-ubyte", (20, 28, 28)), ("train-labels-idx1-ubyte",
                                                                     (20,)),
                        ("t10k-images-idx3-ubyte", (10, 28, 28)), ("t10k-labels-idx1-ubyte",
                                                                    (10,))):
        idx.write_idx(folder / stem, np.zeros(shape, dtype=np.uint8))
    model, panel = make(find={"home": tmp_path / "home", "roots": [tmp_path / "roots"],
                              "system": tmp_path / "none"})
    offered = [panel.chooser.itemData(i)[1] for i in range(panel.chooser.count())
               if panel.chooser.itemData(i) is not None]
    assert offered == ["digits", "mnist", "fashion_mnist", "shapes", "bars", "font_digits",
                       "fashion_mnist_full"]
    assert "spiral" not in offered  # 2-D data lives in the other panel
    assert panel.chooser.currentText().startswith("MNIST")
    text = panel.info.text()
    assert "LeCun" in text and "CC BY-SA 3.0" in text and "12,000" in text and "1×28×28" in text
    for name, credit, licence in (("fashion_mnist", "Zalando", "MIT"),
                                  ("digits", "Alpaydin", "CC BY 4.0")):
        choose(panel, name)
        assert credit in panel.info.text() and licence in panel.info.text()
    choose(panel, "font_digits")
    assert "DejaVu" in panel.info.text()
    choose(panel, "fashion_mnist_full")
    assert dataset(model)["name"] == "fashion_mnist_full"
    assert "(full)" in panel.chooser.currentText() and "MIT" in panel.info.text()


def test_choosing_a_dataset_sets_the_document_in_one_undo_step(qtbot, make):
    model, panel = make()
    spec = dataset(model)
    spec["preprocessing"] = "standardize"
    model.set("dataset", spec, "setup")
    steps = model.undo_stack.count()
    choose(panel, "fashion_mnist")
    assert dataset(model) == {"name": "fashion_mnist", "preprocessing": "standardize"}
    assert model.undo_stack.count() == steps + 1
    loaded(qtbot, panel)
    assert "T-shirt/top" in panel.key_label.text()  # long names: numbers and a key
    model.undo_stack.undo()
    assert dataset(model) == {"name": "mnist", "preprocessing": "standardize"}
    assert panel.chooser.currentText().startswith("MNIST")
    assert model.undo_stack.count() == steps + 1  # following the document edits nothing


def test_the_panel_follows_the_document_and_ignores_2d_data(qtbot, make):
    model, panel = make("xor")
    assert panel.chooser.currentIndex() == -1 and "2-D" in panel.info.text()
    assert panel.grid.count() == 0 and not panel.samples_box.isEnabled()
    model.set("dataset", {"name": "shapes", "samples": 300}, "from elsewhere")
    assert panel.chooser.currentText() == "Shapes"
    assert panel.setting_widgets["samples"].value() == 300
    loaded(qtbot, panel)
    assert set(panel.grid.captions) <= {str(i) for i in range(6)}
    assert "circle" in panel.key_label.text()


# --- the sample grid ------------------------------------------------------------------------------
def test_the_grid_shows_training_images_with_their_labels(qtbot, make):
    _model, panel = make()
    loaded(qtbot, panel)
    assert panel.grid.captions == [str(k % 10) for k in range(32)]
    data = load_dataset({"name": "mnist"})
    train = data.train_index
    for k in (0, 7, 13, 31):
        label = k % 10
        expected = data.X[train[data.labels[train] == label][k // 10], 0]
        shown = pixels(panel.grid.images[k])
        assert np.abs(shown - np.round(expected * 255)).max() <= 1
    picture = panel.grid.grab().toImage()  # what is painted: white ink on black
    rect = panel.grid.cell_rect(1)
    cell = pixels(picture.copy(rect.adjusted(2, 2, -2, -2)))
    assert rect.width() == CELL and cell.max() > 200 and cell[0, 0] == 0
    assert "12,000 images" in panel.samples_box.title()


def test_samples_load_off_the_gui_thread_and_are_cached(qtbot, make):
    _model, panel = make()
    loaded(qtbot, panel)
    choose(panel, "font_digits")
    # the choice returns before the set is made: the grid waits for the worker
    assert panel.grid.count() == 0 and "Loading" in panel.status.text()
    loaded(qtbot, panel)
    choose(panel, "mnist")
    assert panel.grid.count() == 32  # cached: shown at once
    assert panel.grid.captions[:3] == ["0", "1", "2"]


def test_settings_of_subsets_and_generated_sets_edit_the_spec(qtbot, make):
    model, panel = make()
    assert set(panel.setting_widgets) == {"subset", "samples", "seed"}
    samples = panel.setting_widgets["samples"]
    assert samples.text() == "all"
    type_into(qtbot, samples, "500")
    assert dataset(model) == {"name": "mnist", "samples": 500}
    qtbot.waitUntil(lambda: "500 images" in panel.samples_box.title(), timeout=15000)
    samples.setValue(samples.minimum())  # the bottom of the range reads "all"
    assert samples.text() == "all"
    assert dataset(model) == {"name": "mnist"}  # back to the default: the key goes
    choose(panel, "font_digits")
    widgets = panel.setting_widgets
    assert set(widgets) == {"samples", "size", "noise", "classes", "variation", "seed"}
    for check in widgets["classes"].checks[3:]:
        check.click()
    assert dataset(model)["classes"] == ["0", "1", "2"]
    widgets["classes"].checks[2].click()  # only two left: allowed
    assert dataset(model)["classes"] == ["0", "1"]
    steps = model.undo_stack.count()
    widgets["classes"].checks[1].click()  # one class: refused with a message
    assert panel.messages and "two classes" in panel.messages[-1]
    assert dataset(model)["classes"] == ["0", "1"] and model.undo_stack.count() == steps
    assert widgets["classes"].checks[1].isChecked()
    qtbot.waitUntil(lambda: panel.grid.count() == 32
                    and set(panel.grid.captions) == {"0", "1"}, timeout=15000)


# --- augmentation ---------------------------------------------------------------------------------
def test_augmentation_controls_write_the_spec_and_the_preview_shows_them(qtbot, make):
    model, panel = make()
    loaded(qtbot, panel)
    assert list(panel.aug_widgets) == [p.name for p in augment.PARAMETERS]
    assert "augmentation" not in dataset(model)
    original = panel.preview.original
    assert pixels(panel.preview._images[0]).tolist() == pixels(panel.grid.images[0]).tolist()
    assert all(np.array_equal(v, original) for v in panel.preview.variants)  # all off: as is
    assert "off" in panel.preview_note.text()

    type_into(qtbot, panel.aug_widgets["rotation"], "20")
    spec = dataset(model)
    assert spec["augmentation"] == {"flip": False, "rotation": 20.0, "shift": 0, "crop": 0,
                                    "noise": 0.0, "fill": "zero"}
    assert all(not np.allclose(v, original) for v in panel.preview.variants)
    type_into(qtbot, panel.aug_widgets["shift"], "3")
    assert dataset(model)["augmentation"]["shift"] == 3
    type_into(qtbot, panel.aug_widgets["rotation"], "0")
    assert all(not np.array_equal(v, original) for v in panel.preview.variants)  # the shifts
    first = panel.preview.variants.copy()
    qtbot.mouseClick(panel.reroll, Qt.MouseButton.LeftButton)
    assert not np.array_equal(first, panel.preview.variants)  # new random versions
    type_into(qtbot, panel.aug_widgets["shift"], "0")
    assert "augmentation" not in dataset(model)  # everything off again: no augmentation
    assert all(np.array_equal(v, original) for v in panel.preview.variants)

    panel.aug_widgets["flip"].click()
    panel.aug_widgets["fill"].setCurrentText("edge")
    assert dataset(model)["augmentation"]["flip"] is True
    assert dataset(model)["augmentation"]["fill"] == "edge"
    model.undo_stack.undo()
    assert dataset(model)["augmentation"]["fill"] == "zero"
    assert panel.aug_widgets["fill"].currentText() == "zero"


def test_a_clicked_sample_is_the_one_previewed(qtbot, make):
    _model, panel = make()
    loaded(qtbot, panel)
    rect = panel.grid.cell_rect(5)
    qtbot.mouseClick(panel.grid, Qt.MouseButton.LeftButton, pos=rect.center())
    assert panel.grid.chosen == 5
    assert pixels(panel.preview._images[0]).tolist() == pixels(panel.grid.images[5]).tolist()
    assert "“5”" in panel.preview_note.text()


def test_the_preprocessing_choice_writes_the_spec(qtbot, make):
    model, panel = make()
    index = panel.preprocessing.findData("minmax")
    panel.preprocessing.setCurrentIndex(index)
    assert dataset(model)["preprocessing"] == "minmax"
    model.undo_stack.undo()
    assert "preprocessing" not in dataset(model)
    assert panel.preprocessing.currentData() == "none"


# --- imports --------------------------------------------------------------------------------------
def write_idx_set(folder, train=40, test=12, size=28, gz=False):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    paths = []
    for prefix, n in (("train", train), ("t10k", test)):
        labels = (np.arange(n) % 4).astype(np.uint8)
        images = np.zeros((n, size, size), dtype=np.uint8)
        for i, label in enumerate(labels):  # a bar whose position is the class
            images[i, :, 4 + 5 * label:7 + 5 * label] = rng.integers(150, 256)
        ext = ".gz" if gz else ""
        for what, array, dims in (("images", images, 3), ("labels", labels, 1)):
            path = folder / f"{prefix}-{what}-idx{dims}-ubyte{ext}"
            idx.write_idx(path, array)
            paths.append(str(path))
    return paths  # train images, train labels, test images, test labels


def test_idx_files_become_the_data(qtbot, make, tmp_path):
    model, panel = make()
    steps = model.undo_stack.count()
    paths = write_idx_set(tmp_path / "four")
    assert panel.import_idx(list(reversed(paths)))  # any order: told apart by names and shapes
    qtbot.waitUntil(lambda: dataset(model)["name"] == "idx", timeout=15000)
    spec = dataset(model)
    assert (spec["train_images"], spec["train_labels"], spec["test_images"],
            spec["test_labels"]) == tuple(paths)
    assert model.undo_stack.count() == steps + 1
    loaded(qtbot, panel)
    assert panel.grid.captions[:5] == ["0", "1", "2", "3", "0"]
    assert panel.chooser.currentText() == "IDX: train-images-idx3-ubyte"
    assert "52 images" in panel.samples_box.title()
    assert "40 training, 12 test" in panel.info.text() and "4 classes" in panel.info.text()
    two = write_idx_set(tmp_path / "two", train=8, gz=True)[:2]
    assert panel.import_idx(two)
    qtbot.waitUntil(lambda: dataset(model).get("train_images") == two[0], timeout=15000)
    assert "test_images" not in dataset(model)
    model.undo_stack.undo()
    assert dataset(model)["train_images"] == paths[0]
    model.undo_stack.undo()
    assert dataset(model) == {"name": "mnist"}
    assert not panel.messages


def test_bad_idx_files_give_a_message_and_change_nothing(qtbot, make, tmp_path):
    model, panel = make()
    before = model.document()
    good = write_idx_set(tmp_path / "good")
    junk = tmp_path / "junk-images.idx3-ubyte"
    junk.write_bytes(b"this is not an IDX file at all")
    assert not panel.import_idx([str(junk), good[1]])
    assert "not an IDX file" in panel.messages[-1] and "junk" in panel.messages[-1]
    assert not panel.import_idx(good[:3])
    assert "2 files" in panel.messages[-1]
    assert not panel.import_idx([good[1], good[3]])  # two label files
    assert "train images" in panel.messages[-1] or "both" in panel.messages[-1]
    # a header that promises more than the file holds: found only when the data is read
    truncated = tmp_path / "cut" / "train-images-idx3-ubyte"
    truncated.parent.mkdir()
    truncated.write_bytes(Path(good[0]).read_bytes()[:500])
    count = len(panel.messages)
    assert panel.import_idx([str(truncated), good[1]])
    qtbot.waitUntil(lambda: len(panel.messages) > count, timeout=15000)
    assert "truncated" in panel.messages[-1]
    # labels that do not match the images
    few = tmp_path / "few-labels-idx1-ubyte"
    idx.write_idx(few, np.zeros(7, dtype=np.uint8))
    count = len(panel.messages)
    assert panel.import_idx([good[0], str(few)])
    qtbot.waitUntil(lambda: len(panel.messages) > count, timeout=15000)
    assert "7 labels" in panel.messages[-1]
    assert model.document() == before and model.undo_stack.count() == 0
    assert panel.chooser.currentText().startswith("MNIST")


def write_folder(root, sizes=(8, 8)):
    for label, cls in enumerate(["horizontal", "vertical"]):
        (root / cls).mkdir(parents=True)
        for k in range(6):
            size = sizes[k % len(sizes)]
            image = QImage(size, size, QImage.Format.Format_Grayscale8)
            image.fill(QColor(0, 0, 0))
            for t in range(size):
                x, y = (t, k % size) if label == 0 else (k % size, t)
                image.setPixelColor(x, y, QColor(255, 255, 255))
            assert image.save(str(root / cls / f"{k}.png"))


def test_an_image_folder_becomes_the_data_and_bad_folders_change_nothing(qtbot, make,
                                                                           tmp_path):
    model, panel = make()
    before = model.document()
    assert not panel.import_folder(str(tmp_path / "missing"))
    assert "not a folder" in panel.messages[-1]
    (tmp_path / "one" / "only").mkdir(parents=True)
    assert panel.import_folder(str(tmp_path / "one"))
    qtbot.waitUntil(lambda: len(panel.messages) == 2, timeout=15000)
    assert "one subfolder per class" in panel.messages[-1]
    write_folder(tmp_path / "broken")
    (tmp_path / "broken" / "vertical" / "bad.png").write_bytes(b"\x89PNG not really")
    assert panel.import_folder(str(tmp_path / "broken"))
    qtbot.waitUntil(lambda: len(panel.messages) == 3, timeout=15000)
    assert "bad.png" in panel.messages[-1]
    assert model.document() == before

    write_folder(tmp_path / "bars")
    assert panel.import_folder(str(tmp_path / "bars"))
    qtbot.waitUntil(lambda: dataset(model)["name"] == "image_folder", timeout=15000)
    assert dataset(model) == {"name": "image_folder", "path": str(tmp_path / "bars")}
    loaded(qtbot, panel, 12)
    assert panel.grid.captions[:2] == ["horizontal", "vertical"] or \
        "horizontal" in panel.key_label.text()
    write_folder(tmp_path / "mixed", sizes=(8, 12))
    assert panel.import_folder(str(tmp_path / "mixed"))
    qtbot.waitUntil(lambda: dataset(model).get("path") == str(tmp_path / "mixed"),
                    timeout=15000)
    assert dataset(model)["size"] == [28, 28]  # mixed sizes: resized to one
    assert len(panel.messages) == 3
