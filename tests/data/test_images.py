"""Image datasets: the shipped pack (sizes, balance, pixels against their sources), selection,
IDX pairs and full sets in the usual places, and datasets from decoded images."""

import hashlib
import json
import zipfile
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest

from playground.core.errors import SpecError
from playground.data import idx, images
from playground.data.dataset import split_dataset
from playground.data.datasets import load_dataset

PACK = files("playground.resources") / "datasets"
RECORDS = json.loads((PACK / "SOURCES.json").read_text(encoding="utf-8"))["datasets"]
# the first ten labels of each source file, as published
KNOWN_LABELS = {("mnist", "train"): [5, 0, 4, 1, 9, 2, 1, 3, 1, 4],
                ("mnist", "test"): [7, 2, 1, 0, 4, 1, 4, 9, 5, 9],
                ("fashion_mnist", "train"): [9, 0, 0, 3, 0, 2, 7, 2, 5, 5],
                ("fashion_mnist", "test"): [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]}
FASHION_SOURCE = Path("/usr/share/datasets/fashion-mnist")


def shipped(name):
    with (PACK / RECORDS[name]["file"]).open("rb") as f, np.load(f) as z:
        return {k: z[k] for k in z.files}


# --- the shipped pack -----------------------------------------------------------------------------
@pytest.mark.parametrize("name, train, test, shape", [
    ("digits", 1797, 0, (1, 8, 8)), ("mnist", 10000, 2000, (1, 28, 28)),
    ("fashion_mnist", 10000, 2000, (1, 28, 28))])
def test_shipped_sets_have_the_documented_sizes_and_balance(name, train, test, shape):
    data = images.load_builtin(name)
    assert len(data) == train + test and data.input_shape == shape
    assert data.X.dtype == np.float32 and data.X.min() == 0.0 and data.X.max() == 1.0
    assert data.labels.dtype == np.int64 and data.classes == 10
    assert RECORDS[name]["sizes"] == {"train": train, "test": test}
    if test:
        assert np.array_equal(data.test_index, np.arange(train, train + test))
        tr, te = data.official_split()
        assert np.bincount(tr.labels).tolist() == [train // 10] * 10
        assert np.bincount(te.labels).tolist() == [test // 10] * 10
    else:
        assert data.test_index is None
        assert np.bincount(data.labels).min() >= 170  # the source's own (near) balance


def test_class_names():
    assert images.load_builtin("fashion_mnist", samples=10).class_names[::9] == [
        "T-shirt/top", "Ankle boot"]
    assert images.load_builtin("mnist", samples=10).class_names == [str(d) for d in range(10)]


@pytest.mark.parametrize("name", ["digits", "mnist", "fashion_mnist"])
def test_shipped_files_match_their_record(name):
    """The file is the one the script wrote (md5), and each array is what it recorded."""
    record = RECORDS[name]
    data = (PACK / record["file"]).read_bytes()
    assert hashlib.md5(data).hexdigest() == record["md5"]
    for key, array in shipped(name).items():
        assert hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest() == \
            record["arrays"][key], key
    assert len(data) < 6_000_000
    assert record["licence"] and record["source"] and record["credit"]


@pytest.mark.parametrize("name", ["digits", "mnist", "fashion_mnist"])
def test_pixels_match_the_source_spot_checks(name):
    """sha256 of a few images read straight from the source files, by source index."""
    arrays = shipped(name)
    checked = 0
    for part, checks in RECORDS[name]["spot_checks"].items():
        origin = arrays[f"{part}_index"]
        for source_index, check in checks.items():
            pos = int(np.flatnonzero(origin == int(source_index))[0])
            image = arrays[f"{part}_images"][pos]
            assert hashlib.sha256(image.tobytes()).hexdigest() == check["sha256"]
            assert int(arrays[f"{part}_labels"][pos]) == check["label"]
            checked += 1
    assert checked >= 6


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_selection_is_recorded_and_labels_agree_with_the_published_ones(name):
    arrays = shipped(name)
    record = RECORDS[name]
    for part, total in (("train", 60000), ("test", 10000)):
        origin = arrays[f"{part}_index"]
        assert len(np.unique(origin)) == len(origin) and origin.max() < total
        assert np.all(np.diff(origin) > 0)  # source order
        known = KNOWN_LABELS[name, part]
        early = np.flatnonzero(origin < 10)
        assert len(early) > 0
        for pos in early:
            assert arrays[f"{part}_labels"][pos] == known[origin[pos]]
    assert len(record["source_files"]) == 4


def test_mnist_came_from_the_original_files():
    """md5 of the uncompressed original MNIST files (the same bytes as the published .gz)."""
    assert RECORDS["mnist"]["source_files"] == {
        "train-images.idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
        "train-labels.idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
        "t10k-images.idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
        "t10k-labels.idx1-ubyte": "27ae3e4e09519cfbb04c329615203637"}


@pytest.mark.skipif(not FASHION_SOURCE.is_dir(), reason="dataset-fashion-mnist not installed")
def test_every_fashion_image_equals_its_source():
    arrays = shipped("fashion_mnist")
    for part, prefix in (("train", "train"), ("test", "t10k")):
        source = idx.read_idx(FASHION_SOURCE / f"{prefix}-images-idx3-ubyte.gz")
        labels = idx.read_idx(FASHION_SOURCE / f"{prefix}-labels-idx1-ubyte.gz")
        origin = arrays[f"{part}_index"]
        assert np.array_equal(arrays[f"{part}_images"], source[origin])
        assert np.array_equal(arrays[f"{part}_labels"], labels[origin])


def test_digits_keep_their_sixteen_levels():
    data = images.load_builtin("digits", dtype="uint8")
    assert data.X.dtype == np.uint8 and data.X.max() == 16 and data.max_value == 16
    assert np.array_equal(data.as_float().X * 16, images.load_builtin("digits").X * 16)
    assert set(np.unique(images.load_builtin("digits").X * 16)) <= set(range(17))


# --- choosing samples -----------------------------------------------------------------------------
def test_samples_give_a_balanced_deterministic_subset():
    a = images.load_builtin("mnist", samples=600, seed=4)
    b = images.load_builtin("mnist", samples=600, seed=4)
    c = images.load_builtin("mnist", samples=600, seed=5)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.labels, b.labels)
    assert not np.array_equal(a.X, c.X)
    assert len(a) == 600 and len(a.test_index) == 100  # 10,000 : 2,000 kept
    train, test = a.official_split()
    assert np.bincount(train.labels).tolist() == [50] * 10
    assert np.bincount(test.labels).tolist() == [10] * 10


def test_subsets_of_the_official_parts():
    train = images.load_builtin("fashion_mnist", subset="train", samples=100)
    assert train.test_index is None and np.bincount(train.labels).tolist() == [10] * 10
    test = images.load_builtin("fashion_mnist", subset="test")
    assert len(test) == 2000 and test.test_index is None  # one part alone is plain data
    full = images.load_builtin("fashion_mnist")
    assert np.array_equal(test.X, full.X[full.test_index])
    with pytest.raises(SpecError, match=r"no official test part"):
        images.load_builtin("digits", subset="test")
    with pytest.raises(SpecError, match=r"dataset.subset"):
        images.load_builtin("mnist", subset="validation")
    with pytest.raises(SpecError, match=r"dataset.samples"):
        images.load_builtin("mnist", samples=5)
    with pytest.raises(SpecError, match=r"dataset.samples"):
        images.load_builtin("digits", samples=5000)


def test_subset_and_split_carry_the_official_test_marks():
    data = images.load_builtin("mnist", samples=300)
    is_test = np.zeros(len(data), bool)
    is_test[data.test_index] = True
    index = np.random.default_rng(0).permutation(len(data))[:120]
    sub = data.subset(index)
    assert isinstance(sub, images.ImageDataset)
    assert np.array_equal(sub.test_index, np.flatnonzero(is_test[index]))
    parts = split_dataset(data, 0.7, 0.2, 0.1, seed=1)
    marked = sum(len(p.test_index) for p in (parts.train, parts.validation, parts.test))
    assert marked == len(data.test_index)


def test_uint8_until_converted():
    raw = images.load_builtin("mnist", samples=50, dtype="uint8")
    assert raw.X.dtype == np.uint8 and raw.max_value == 255
    converted = raw.as_float()
    assert converted.X.dtype == np.float32 and converted.max_value == 1.0
    np.testing.assert_array_equal(converted.X, images.load_builtin("mnist", samples=50).X)
    assert converted.as_float() is converted


def test_balanced_indices_when_a_class_is_short():
    labels = np.array([0] * 3 + [1] * 50 + [2] * 50)
    got = images.balanced_indices(labels, 30, 3, np.random.default_rng(0))
    assert np.bincount(labels[got]).tolist() == [3, 14, 13]
    assert len(np.unique(got)) == 30


# --- IDX pairs ------------------------------------------------------------------------------------
def write_pair(folder, n=40, classes=10, prefix="train", gz=False, size=(28, 28), seed=0,
               names=("{p}-images-idx3-ubyte", "{p}-labels-idx1-ubyte")):
    rng = np.random.default_rng(seed)
    imgs = rng.integers(0, 256, (n, *size), dtype=np.uint8)
    labels = (np.arange(n) % classes).astype(np.uint8)
    ext = ".gz" if gz else ""
    ip = Path(folder) / (names[0].format(p=prefix) + ext)
    lp = Path(folder) / (names[1].format(p=prefix) + ext)
    idx.write_idx(ip, imgs)
    idx.write_idx(lp, labels)
    return ip, lp, imgs, labels


@pytest.mark.parametrize("gz", [False, True])
def test_load_idx_pair(tmp_path, gz):
    ip, lp, imgs, labels = write_pair(tmp_path, gz=gz)
    data = images.load_idx_pair(ip, lp, name="mine")
    assert data.name == "mine" and data.input_shape == (1, 28, 28) and data.classes == 10
    np.testing.assert_array_equal(data.X[:, 0], imgs.astype(np.float32) / 255)
    np.testing.assert_array_equal(data.labels, labels)
    raw = images.load_idx_pair(ip, lp, dtype="uint8")
    assert raw.X.dtype == np.uint8 and raw.max_value == 255


def test_train_and_test_files_become_one_set(tmp_path):
    tr = write_pair(tmp_path, 60, prefix="train")
    te = write_pair(tmp_path, 20, prefix="t10k", seed=1)
    data = images.load_idx_dataset(tr[0], tr[1], te[0], te[1])
    assert len(data) == 80 and np.array_equal(data.test_index, np.arange(60, 80))
    np.testing.assert_array_equal(data.X[60:, 0], te[2] / np.float32(255))


def test_mismatched_counts(tmp_path):
    ip, _, _, _ = write_pair(tmp_path, 40)
    lp = tmp_path / "short-labels"
    idx.write_idx(lp, np.zeros(39, np.uint8))
    with pytest.raises(SpecError, match=r"short-labels has 39 labels but .*has 40 images"):
        images.load_idx_pair(ip, lp)


def test_labels_out_of_range(tmp_path):
    ip, lp, _, labels = write_pair(tmp_path, 40)
    labels[17] = 12
    idx.write_idx(lp, labels)
    with pytest.raises(SpecError, match=r"labels-idx1-ubyte: label 12 at position 17 is out of "
                                        r"range \(expected 0..9\)"):
        images.load_idx_pair(ip, lp, class_names=[str(d) for d in range(10)])
    idx.write_idx(lp, labels.astype(np.int16) - 13)
    with pytest.raises(SpecError, match=r"out of range"):
        images.load_idx_pair(ip, lp)


def test_wrong_shapes_and_types(tmp_path):
    ip, lp, imgs, labels = write_pair(tmp_path, 10)
    idx.write_idx(tmp_path / "flat", imgs.reshape(10, -1))
    with pytest.raises(SpecError, match=r"flat: expected images"):
        images.load_idx_pair(tmp_path / "flat", lp)
    idx.write_idx(tmp_path / "lab2", labels.reshape(5, 2))
    with pytest.raises(SpecError, match=r"lab2: expected one label per image"):
        images.load_idx_pair(ip, tmp_path / "lab2")
    idx.write_idx(tmp_path / "wide", imgs.astype(np.int16))
    with pytest.raises(SpecError, match=r"wide: pixels must be unsigned bytes"):
        images.load_idx_pair(tmp_path / "wide", lp)
    idx.write_idx(tmp_path / "flabels", labels.astype(np.float32))
    with pytest.raises(SpecError, match=r"flabels: labels must be whole numbers"):
        images.load_idx_pair(ip, tmp_path / "flabels")
    te = write_pair(tmp_path, 10, prefix="t10k", size=(20, 20))
    with pytest.raises(SpecError, match=r"20×20 pixels, but the training images are 28×28"):
        images.load_idx_dataset(ip, lp, te[0], te[1])


def test_malformed_files_surface_from_the_dataset_loader(tmp_path):
    ip, lp, _, _ = write_pair(tmp_path, 10, gz=True)
    ip.write_bytes(ip.read_bytes()[:-30])
    with pytest.raises(SpecError, match=r"train-images-idx3-ubyte.gz: truncated"):
        load_dataset({"name": "idx", "train_images": str(ip), "train_labels": str(lp)})
    with pytest.raises(SpecError, match=r"dataset.train_labels"):
        load_dataset({"name": "idx", "train_images": str(ip)})


def test_a_full_size_set_loads_and_stays_uint8(tmp_path):
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, (60000, 28, 28), dtype=np.uint8)
    idx.write_idx(tmp_path / "i", imgs)
    idx.write_idx(tmp_path / "l", (np.arange(60000) % 10).astype(np.uint8))
    data = images.load_idx_pair(tmp_path / "i", tmp_path / "l", dtype="uint8")
    assert data.X.shape == (60000, 1, 28, 28) and data.X.dtype == np.uint8
    assert np.array_equal(data.X[12345, 0], imgs[12345])
    part = data.subset(np.arange(100)).as_float()
    assert part.X.dtype == np.float32 and part.X.max() <= 1


# --- full sets in the usual places ----------------------------------------------------------------
def make_places(home):
    keras = home / ".keras" / "datasets"
    keras.mkdir(parents=True)
    rng = np.random.default_rng(2)
    np.savez(keras / "mnist.npz", x_train=rng.integers(0, 256, (30, 28, 28), dtype=np.uint8),
             y_train=np.arange(30) % 10, x_test=rng.integers(0, 256, (10, 28, 28), dtype=np.uint8),
             y_test=np.arange(10) % 10)
    fashion = keras / "fashion-mnist"
    fashion.mkdir()
    write_pair(fashion, 20, prefix="train", gz=True)
    write_pair(fashion, 10, prefix="t10k", gz=True)
    raw = home / "data" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    dotted = ("{p}-images.idx3-ubyte", "{p}-labels.idx1-ubyte")
    write_pair(raw, 50, prefix="train", names=dotted)
    write_pair(raw, 20, prefix="t10k", names=dotted)
    return home


def test_find_installed_in_keras_torchvision_and_debian_places(tmp_path):
    home = make_places(tmp_path / "home")
    system = tmp_path / "usr-share-datasets"
    (system / "fashion-mnist").mkdir(parents=True)
    write_pair(system / "fashion-mnist", 30, prefix="train", gz=True)
    write_pair(system / "fashion-mnist", 5, prefix="t10k", gz=True)
    found = images.find_installed(home=home, roots=[home / "data"], system=system)
    got = {(f.name, f.origin): f for f in found}
    assert set(got) == {("fashion_mnist", "Debian package"), ("mnist", "Keras"),
                        ("fashion_mnist", "Keras"), ("mnist", "torchvision")}
    assert got["mnist", "Keras"].sizes == {"train": 30, "test": 10}
    assert got["mnist", "torchvision"].sizes == {"train": 50, "test": 20}
    assert got["fashion_mnist", "Debian package"].sizes == {"train": 30, "test": 5}
    assert all(f.problem == "" for f in found)
    data = images.load_full("mnist", got["mnist", "Keras"].location)
    assert len(data) == 40 and len(data.test_index) == 10 and data.name == "mnist_full"
    data = images.load_full("mnist", home=home, roots=[home / "data"], system=system)
    assert len(data) == 40  # the first place found: Keras
    data = load_dataset({"name": "fashion_mnist_full", "path": str(system / "fashion-mnist"),
                         "samples": 20, "seed": 1})
    assert len(data) == 20 and data.class_names[0] == "T-shirt/top"


def test_broken_installed_files_are_reported_not_raised(tmp_path):
    home = tmp_path / "home"
    keras = home / ".keras" / "datasets"
    keras.mkdir(parents=True)
    (keras / "mnist.npz").write_bytes(b"not a zip file")
    raw = tmp_path / "root" / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    write_pair(raw, 10, prefix="train")
    write_pair(raw, 10, prefix="t10k")
    (raw / "t10k-images-idx3-ubyte").write_bytes(b"\x00\x00\x08")
    found = {f.name: f for f in images.find_installed(home=home, roots=[tmp_path / "root"],
                                                      system=tmp_path / "none")}
    assert "not a usable Keras" in found["mnist"].problem
    assert "truncated" in found["fashion_mnist"].problem
    with pytest.raises(SpecError, match=r"mnist.npz: cannot read it"):
        images.load_full("mnist", keras / "mnist.npz")
    with pytest.raises(SpecError, match=r"t10k-images-idx3-ubyte: truncated"):
        images.load_full("fashion_mnist", raw)


def test_missing_full_set_names_where_it_looked(tmp_path):
    with pytest.raises(SpecError, match=r"full mnist set was not found \(looked in .*mnist.npz"):
        images.load_full("mnist", home=tmp_path, roots=[], system=tmp_path)
    with pytest.raises(SpecError, match=r"not all there"):
        images.load_full("mnist", tmp_path)


def test_keras_file_with_bad_labels(tmp_path):
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=np.zeros((3, 28, 28), np.uint8), y_train=np.array([0, 1, 10]),
             x_test=np.zeros((1, 28, 28), np.uint8), y_test=np.array([0]))
    with pytest.raises(SpecError, match=r"train labels\): label 10 at position 2"):
        images.load_full("mnist", path)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("x_train.npy", b"")
    with pytest.raises(SpecError, match=r"not a Keras MNIST file"):
        images.load_full("mnist", path)


@pytest.mark.skipif(not FASHION_SOURCE.is_dir(), reason="dataset-fashion-mnist not installed")
def test_the_real_full_fashion_set_loads():
    data = images.load_full("fashion_mnist", FASHION_SOURCE, dtype="uint8")
    assert data.X.shape == (70000, 1, 28, 28) and len(data.test_index) == 10000
    assert np.bincount(data.labels).tolist() == [7000] * 10


# --- images decoded elsewhere ---------------------------------------------------------------------
def test_dataset_from_arrays_grey_and_colour():
    grey = np.full((6, 5), 255, np.uint8)
    rgb = np.zeros((6, 5, 3), np.float32)
    rgba = np.zeros((6, 5, 4), np.uint8)
    data = images.dataset_from_arrays("pets", [grey, rgb, rgba], [0, 1, 1], ["cat", "dog"])
    assert data.X.shape == (3, 3, 6, 5) and data.X.dtype == np.float32
    assert np.all(data.X[0] == 1.0) and np.all(data.X[1:] == 0.0)
    assert data.class_names == ["cat", "dog"] and data.labels.dtype == np.int64
    only_grey = images.dataset_from_arrays("g", [grey, grey], [0, 1], ["a", "b"])
    assert only_grey.input_shape == (1, 6, 5)


def test_dataset_from_arrays_sizes():
    a, b = np.zeros((8, 8), np.uint8), np.zeros((4, 6), np.uint8)
    with pytest.raises(SpecError, match=r"image 1 is 6×4 but image 0 is 8×8"):
        images.dataset_from_arrays("x", [a, b], [0, 1], ["a", "b"])
    data = images.dataset_from_arrays("x", [a, b + 200], [0, 1], ["a", "b"], size=(8, 8))
    assert data.input_shape == (1, 8, 8)
    np.testing.assert_allclose(data.X[1], 200 / 255, rtol=1e-6)


@pytest.mark.parametrize("images_, labels, words", [
    ([], [], "no images"),
    ([np.zeros((2, 2))], [0, 1], "labels of shape"),
    ([np.zeros((2, 2))], [2], "outside 0..1"),
    ([np.full((2, 2), 1.5)], [0], "must lie in"),
    ([np.zeros((2, 2), np.int32)], [0], "uint8 or floats"),
    ([np.zeros((2, 2, 2))], [0], "channels"),
])
def test_dataset_from_arrays_errors(images_, labels, words):
    with pytest.raises(SpecError, match=words):
        images.dataset_from_arrays("x", images_, labels, ["a", "b"])


def test_resize_keeps_constants_and_averages_when_shrinking():
    flat = np.full((1, 9, 7), 0.3)
    np.testing.assert_allclose(images.resize_image(flat, (4, 13)), 0.3)
    stripes = np.zeros((1, 8, 8))
    stripes[:, :, ::2] = 1.0
    half = images.resize_image(stripes, (4, 4))
    np.testing.assert_allclose(half, 0.5, atol=0.15)


@pytest.mark.skipif(not FASHION_SOURCE.is_dir(), reason="dataset-fashion-mnist not installed")
def test_the_real_full_fashion_set_trains():
    from playground.core.experiment import Experiment

    doc = {"dataset": {"name": "fashion_mnist_full"},
           "split": {"train": 0.9, "validation": 0.1, "test": 0.0},
           "layers": [{"name": "conv2d", "filters": 4, "kernel_size": 5, "stride": 2},
                      {"name": "flatten"},
                      {"name": "dense", "units": 10, "activation": "softmax"}],
           "loss": "softmax_crossentropy", "optimizer": {"name": "adam", "learning_rate": 0.01},
           "batch_size": 128}
    trainer = Experiment.from_dict(doc).build()
    assert len(trainer.split.train) + len(trainer.split.validation) == 60_000
    assert len(trainer.split.test) == 10_000
    trainer.run_steps(60)
    assert trainer.evaluate("test")["accuracy"] > 0.6  # chance is 0.1
