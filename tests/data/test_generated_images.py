"""Generated image sets: the same seed gives the same pixels (here and on every machine), the
shapes, labels and classes are right, and the pictures show what their labels say."""

import hashlib

import numpy as np
import pytest

from playground.core.errors import SpecError
from playground.data import generated_images as gen
from playground.data.datasets import load_dataset

SMALL = {"samples": 60, "size": 20, "noise": 0.1, "seed": 7}
# sha256 of the uint8 pixels and of the labels of generate(name, **SMALL): a change here means
# every saved experiment with this dataset would train on other images.
FINGERPRINTS = {
    "shapes": ("2d387331ec82325c3cb5bba6fdcc622e0e60b0766da550fab1b07e4fef516107",
               "daf3d34485a5276e102f4a588118edb7b8d070ad23b8d763ae1d212a6491d6d2"),
    "bars": ("a5beb89642fe9da09427a8c7d879d3fd0cdd9666f5f94df46b41d42b66589f91",
             "072692092fd5b10d41f7d3280d1bdad66bcce980a039295cb61022ac75873bdd"),
    "font_digits": ("2847f2a77ac53cca9f6e3289d24b8c57b341e51751b43ed0cb4869190e6418fb",
                    "e784e4fba68d5411ef35d350572506f79483d4f585a99c740e7b80c59c4d47bd"),
}


def sha(array):
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


@pytest.mark.parametrize("name", sorted(gen.GENERATORS))
def test_same_seed_same_pixels_other_seed_other_pixels(name):
    a = gen.generate(name, **SMALL)
    b = gen.generate(name, **SMALL)
    c = gen.generate(name, **{**SMALL, "seed": 8})
    assert np.array_equal(a.X, b.X) and np.array_equal(a.labels, b.labels)
    assert not np.array_equal(a.X, c.X)


@pytest.mark.parametrize("name", sorted(gen.GENERATORS))
def test_pixels_are_the_recorded_ones(name):
    data = gen.generate(name, dtype="uint8", **SMALL)
    assert (sha(data.X), sha(data.labels)) == FINGERPRINTS[name]


@pytest.mark.parametrize("name, classes", [("shapes", 6), ("bars", 4), ("font_digits", 10)])
@pytest.mark.parametrize("size", [12, 28, 40])
def test_shape_type_range_and_balance(name, classes, size):
    data = gen.generate(name, samples=10 * classes + 3, size=size, noise=0.3)
    assert data.X.shape == (10 * classes + 3, 1, size, size) and data.X.dtype == np.float32
    assert data.X.min() >= 0 and data.X.max() <= 1
    assert data.labels.dtype == np.int64 and data.classes == classes
    counts = np.bincount(data.labels, minlength=classes)
    assert counts.max() - counts.min() <= 1
    # every image has ink (a shape, bar or digit) and background
    ink = data.X.reshape(len(data), -1)
    assert np.all(ink.max(axis=1) > 0.9) and np.all(np.median(ink, axis=1) < 0.5)


def test_uint8_and_float_agree():
    a = gen.shapes(dtype="uint8", **SMALL)
    b = gen.shapes(**SMALL)
    np.testing.assert_array_equal(a.as_float().X, b.X)


def test_no_variation_no_noise_draws_every_class_member_alike():
    for name in gen.GENERATORS:
        data = gen.generate(name, samples=40, variation=0.0)
        for c in range(data.classes):
            group = data.X[data.labels == c]
            assert np.all(group == group[0]), (name, c)
        firsts = [data.X[data.labels == c][0] for c in range(data.classes)]
        assert len({f.tobytes() for f in firsts}) == data.classes


def orientation(image):
    """Angle in degrees of the ink's long axis, counter-clockwise from horizontal (y up)."""
    h, w = image.shape
    y, x = np.mgrid[0:h, 0:w]
    m = image.sum()
    cx, cy = (image * x).sum() / m, (image * y).sum() / m
    cov = np.cov(np.stack([(x - cx).ravel(), -(y - cy).ravel()]), aweights=image.ravel())
    vals, vecs = np.linalg.eigh(cov)
    vx, vy = vecs[:, np.argmax(vals)]
    return np.degrees(np.arctan2(vy, vx)) % 180


def test_bars_point_the_way_their_class_says():
    data = gen.bars(samples=120, classes=6, noise=0.0, variation=0.0, size=32)
    assert data.class_names == ["0°", "30°", "60°", "90°", "120°", "150°"]
    for image, label in zip(data.X[:, 0], data.labels, strict=True):
        diff = (orientation(image) - 30 * label + 90) % 180 - 90
        assert abs(diff) < 3


def test_shapes_classes_and_geometry():
    data = gen.shapes(samples=40, classes=["ring", "circle"], variation=0.0, size=32)
    assert data.class_names == ["ring", "circle"]
    ring = data.X[data.labels == 0][0, 0]
    disc = data.X[data.labels == 1][0, 0]
    assert ring[16, 16] == 0 and disc[16, 16] == 1  # the ring has a hole, the disc does not
    square = gen.shapes(samples=2, classes=["square", "star"], variation=0.0, size=32)
    sq = square.X[square.labels == 0][0, 0]
    np.testing.assert_allclose(sq, sq.T, atol=1e-6)  # unrotated square: symmetric
    assert abs(sq.sum() - (0.7 * 0.62 * 32) ** 2) < 8  # area of the side-0.7·scale square


def test_font_digits_look_like_digits():
    data = gen.font_digits(samples=20, classes=[1, 8], variation=0.0, size=28)
    assert data.class_names == ["1", "8"]
    one = data.X[data.labels == 0][0, 0]
    eight = data.X[data.labels == 1][0, 0]
    assert one.sum() < 0.7 * eight.sum()  # a 1 has less ink than an 8
    rows = np.flatnonzero(eight.max(axis=1) > 0.5)
    assert 16 <= rows[-1] - rows[0] + 1 <= 21  # about MNIST's 20-pixel digit height


def test_noise_changes_pixels_but_not_labels():
    quiet = gen.shapes(samples=30, noise=0.0)
    noisy = gen.shapes(samples=30, noise=0.2)
    assert np.array_equal(quiet.labels, noisy.labels)
    assert 0.05 < np.abs(noisy.X - quiet.X).mean() < 0.25


@pytest.mark.parametrize("name, params, words", [
    ("shapes", {"classes": ["circle", "blob"]}, "unknown shape 'blob'"),
    ("shapes", {"classes": ["circle"]}, "at least two"),
    ("shapes", {"classes": ["circle", "circle"]}, "each shape once"),
    ("shapes", {"size": 4}, "dataset.size"),
    ("bars", {"classes": 1}, "dataset.classes"),
    ("font_digits", {"classes": [1, "x"]}, "not a digit"),
    ("font_digits", {"noise": -1}, "dataset.noise"),
    ("bars", {"variation": 2}, "dataset.variation"),
    ("shapes", {"samples": 0}, "dataset.samples"),
])
def test_bad_settings(name, params, words):
    with pytest.raises(SpecError, match=words):
        gen.generate(name, **params)


def test_through_the_document_loader():
    data = load_dataset({"name": "bars", "samples": 30, "size": 16, "classes": 3})
    assert data.input_shape == (1, 16, 16) and data.classes == 3
    with pytest.raises(SpecError, match=r"dataset.colour: unknown setting for 'shapes'"):
        load_dataset({"name": "shapes", "colour": "red"})
    with pytest.raises(SpecError, match=r"unknown generated image set"):
        gen.generate("clouds")
