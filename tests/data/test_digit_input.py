"""A drawing -> one network input, made the way each dataset's images were made (pure NumPy)."""

from itertools import pairwise

import numpy as np
import pytest

from playground.core.errors import SpecError
from playground.data import digit_input, generated_images
from playground.data.datasets import load_dataset
from playground.data.digit_input import centre_of_mass, ink_box, style_for, to_network_input

SIZE = 280


def blank():
    return np.zeros((SIZE, SIZE))


def disc(image, cy, cx, r):
    y, x = np.mgrid[:image.shape[0], :image.shape[1]]
    image[(y - cy) ** 2 + (x - cx) ** 2 <= r * r] = 1.0


def stroke(image, points, width=28):
    """A polyline drawn with a round pen (the canvas's: 28 of 280 pixels), by discs along
    each segment."""
    for (y0, x0), (y1, x1) in pairwise(points):
        steps = int(max(abs(y1 - y0), abs(x1 - x0))) + 1
        for t in np.linspace(0.0, 1.0, steps):
            disc(image, y0 + t * (y1 - y0), x0 + t * (x1 - x0), width / 2)
    return image


def correlation(a, b):
    return float(np.corrcoef(np.ravel(a), np.ravel(b))[0, 1])


def upsampled(image, factor=10):
    return np.kron(image, np.ones((factor, factor)))


@pytest.fixture(scope="module")
def mnist_test():
    return load_dataset({"name": "mnist", "subset": "test", "samples": 300})


# --- the MNIST way -------------------------------------------------------------------------------
def test_an_empty_drawing_is_an_all_zero_input_in_every_style():
    for style in digit_input.STYLES:
        out = to_network_input(blank(), (1, 28, 28), style)
        assert out.shape == (1, 28, 28) and out.dtype == np.float32 and not out.any()


def test_a_vertical_bar_drawn_off_centre_ends_up_centred_and_20_pixels_tall():
    image = blank()
    image[30:230, 20:40] = 1.0  # 200 tall, 20 wide, in the left part of the canvas
    out = to_network_input(image, (1, 28, 28), "mnist")[0]
    top, bottom, left, right = ink_box(out, 0.0)
    assert bottom - top == 20  # the longer side fits the 20×20 box exactly
    assert right - left == 2  # 20 wide at scale 20/200
    assert (top, bottom) == (4, 24)
    cy, cx = centre_of_mass(out)
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5
    assert out.max() == pytest.approx(1.0)


def test_the_centre_of_mass_lands_on_the_centre_like_mnist(mnist_test):
    # MNIST itself: centre of mass 14.00 ± 0.29 (whole-pixel moves), never off by more than 0.5
    real = np.array([centre_of_mass(x[0]) for x in mnist_test.X])
    assert np.abs(real.mean(axis=0) - 14).max() < 0.1 and np.abs(real - 14).max() <= 0.55
    # a lopsided figure (a 7: heavy top bar) drawn in a corner
    image = stroke(blank(), [(20, 20), (20, 120), (140, 60)])
    out = to_network_input(image, (1, 28, 28), "mnist")[0]
    cy, cx = centre_of_mass(out)
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5
    top, bottom, left, right = ink_box(out, 0.0)
    assert max(bottom - top, right - left) in (20, 21)  # 20 box, a partly covered pixel at most


def test_scaling_keeps_the_aspect_ratio():
    image = blank()
    image[100:180, 20:260] = 1.0  # 240 wide, 80 tall: 3:1
    out = to_network_input(image, (1, 28, 28), "mnist")[0]
    top, bottom, left, right = ink_box(out, 0.01)
    assert right - left == 20
    assert (bottom - top) in (7, 8)  # 20 / 3 = 6.7 pixels, covering 7 or 8 rows
    assert out.sum() == pytest.approx(20 * 20 / 3, rel=0.01)  # the area scales by (20/240)²


def test_value_range_and_polarity_match_the_mnist_images(mnist_test):
    X = mnist_test.X
    assert X.dtype == np.float32 and X.min() == 0.0 and X.max() == 1.0
    assert X[:, :, 0, :].max() == 0.0  # background (the border) is 0, ink is 1
    means = X.reshape(len(X), -1).mean(axis=1)
    # digits drawn 200 pixels tall with the canvas's pen: as much ink as typical MNIST digits
    drawn = {"0": stroke(blank(), [(40 + 100 - 100 * np.cos(t), 140 + 70 * np.sin(t))
                                   for t in np.linspace(0, 2 * np.pi, 40)]),
             "1": stroke(blank(), [(40, 150), (240, 130)]),
             "7": stroke(blank(), [(40, 60), (40, 210), (240, 110)])}
    for name, image in drawn.items():
        out = to_network_input(image, (1, 28, 28), "mnist")
        assert out.dtype == np.float32 and out.min() == 0.0 and out.max() == pytest.approx(1.0)
        assert out[0, 0, :].max() == 0.0
        low, high = np.percentile(means[mnist_test.labels == int(name)], [10, 90])
        assert low <= out.mean() <= high, name


def test_an_mnist_image_drawn_back_ten_times_larger_comes_back_as_it_was(mnist_test):
    scores = [correlation(to_network_input(upsampled(x[0]), (1, 28, 28), "mnist"), x[0])
              for x in mnist_test.X[:200]]
    assert min(scores) > 0.9
    assert np.median(scores) > 0.999  # the same box and centring as LeCun's


def test_fashion_images_drawn_back_come_back_close():
    fashion = load_dataset({"name": "fashion_mnist", "subset": "test", "samples": 100})
    scores = [correlation(to_network_input(upsampled(x[0]), (1, 28, 28), "fashion"), x[0])
              for x in fashion.X]
    assert np.median(scores) > 0.9


# --- scikit-learn's 8×8 digits -----------------------------------------------------------------
@pytest.fixture(scope="module")
def digits():
    return load_dataset({"name": "digits"})


def test_optdigits_counts_blocks_of_a_bitmap_that_fills_the_height(digits):
    X = digits.X[:, 0]
    assert np.allclose(X * 16, np.round(X * 16)) and X.max() == 1.0  # counts 0..16, / 16
    assert (X > 0).any(axis=2).all()  # every data image has ink in all 8 rows
    zero = stroke(blank(), [(40 + 100 - 100 * np.cos(t), 140 + 60 * np.sin(t))
                            for t in np.linspace(0, 2 * np.pi, 40)])
    out = to_network_input(zero, (1, 8, 8), "optdigits")[0]
    assert out.shape == (8, 8) and np.allclose(out * 16, np.round(out * 16))
    assert out.max() == 1.0 and (out > 0).any(axis=1).all()
    columns = np.flatnonzero((out > 0).any(axis=0))
    data_widths = [np.ptp(np.flatnonzero(x.any(axis=0))) + 1 for x in X[digits.labels == 0] > 0]
    assert min(data_widths) <= len(columns) <= max(data_widths)  # 5..7 block columns, as zeros
    one = to_network_input(stroke(blank(), [(30, 140), (250, 140)]), (1, 8, 8), "optdigits")[0]
    assert (one > 0).any(axis=0).sum() <= 3  # a plain stroke is not stretched sideways


def test_optdigits_conversion_reads_other_writers_digits_like_the_data(digits, mnist_test):
    """A nearest-class-mean classifier fitted on the 8×8 digits reads MNIST digits converted
    this way far better than the drawing merely shrunk to 8×8."""
    flat = digits.X.reshape(len(digits.X), -1)
    centroids = np.stack([flat[digits.labels == c].mean(axis=0) for c in range(10)])

    def accuracy(inputs):
        d = ((inputs[:, None, :] - centroids[None]) ** 2).sum(axis=-1)
        return float((d.argmin(axis=1) == mnist_test.labels).mean())

    drawings = [upsampled(x[0]) for x in mnist_test.X]
    converted = np.array([to_network_input(d, (1, 8, 8), "optdigits").ravel() for d in drawings])
    shrunk = np.array([digit_input.area_resample(digit_input.area_resample(d, 8, 0, 8 / 280),
                                                 8, 0, 8 / 280, axis=1).ravel()
                       for d in drawings])
    shrunk /= shrunk.max(axis=1, keepdims=True)
    assert accuracy(converted) > 0.45 and accuracy(shrunk) < 0.3
    assert abs(converted.mean() - flat.mean()) < 0.05  # the data's mean pixel: 0.305


# --- generated sets and other targets ------------------------------------------------------------
def test_font_glyphs_converted_match_the_font_digits_set():
    masks, chars = generated_images.glyph_masks()
    plain = generated_images.font_digits(samples=50, variation=0.0)
    for c, char in enumerate(chars):
        image = plain.X[np.flatnonzero(plain.labels == plain.class_names.index(char))[0], 0]
        assert correlation(to_network_input(masks[c], (1, 28, 28), "font")[0], image) > 0.98


@pytest.mark.parametrize("name", ["shapes", "bars"])
def test_shapes_and_bars_drawn_large_come_back_at_their_size(name):
    big = generated_images.generate(name, samples=24, size=224, variation=0.0)
    small = generated_images.generate(name, samples=24, size=28, variation=0.0)
    scores = [correlation(to_network_input(b[0], (1, 28, 28), style_for(name)), s[0])
              for b, s in zip(big.X, small.X, strict=True)]
    assert np.median(scores) > 0.9


def test_other_target_shapes_scale_the_box_and_fill_every_channel():
    image = blank()
    image[30:230, 130:150] = 1.0
    out = to_network_input(image, (3, 56, 56), "mnist")
    assert out.shape == (3, 56, 56)
    assert np.array_equal(out[0], out[1]) and np.array_equal(out[0], out[2])
    top, bottom, _, _ = ink_box(out[0], 0.0)
    assert bottom - top == 40  # 20/28 of 56


def test_styles_by_dataset_and_bad_arguments():
    assert style_for({"name": "mnist", "samples": 500}) == "mnist"
    assert style_for("fashion_mnist_full") == "fashion"
    assert style_for("digits") == "optdigits" and style_for("optdigits") == "optdigits"
    assert style_for("font_digits") == "font" and style_for("image_folder") == "mnist"
    with pytest.raises(SpecError, match="unknown style"):
        to_network_input(blank(), (1, 28, 28), "picasso")
    with pytest.raises(SpecError, match="2-D greyscale"):
        to_network_input(np.zeros((4, 4, 3)), (1, 28, 28), "mnist")
    with pytest.raises(SpecError, match="channels, height, width"):
        to_network_input(blank(), (28, 28), "mnist")
