"""Preprocessing (D1): fitted on the training data only, applied to every part."""

import json

import numpy as np
import pytest

from playground.core.errors import SpecError
from playground.data.preprocessing import METHODS, Preprocessor

rng = np.random.default_rng(0)
TRAIN = rng.normal([1.0, -2.0], [2.0, 0.5], size=(200, 2))
TEST = rng.normal([5.0, 3.0], [1.0, 3.0], size=(50, 2))  # a different distribution


def test_standardize_uses_training_statistics_only():
    pre = Preprocessor.fit("standardize", TRAIN)
    np.testing.assert_allclose(pre.stats["mean"], TRAIN.mean(axis=0))
    np.testing.assert_allclose(pre.stats["std"], TRAIN.std(axis=0))
    both = np.concatenate([TRAIN, TEST])
    assert not np.allclose(pre.stats["mean"], both.mean(axis=0))
    train = pre.transform(TRAIN)
    np.testing.assert_allclose(train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(train.std(axis=0), 1)
    test = pre.transform(TEST)
    np.testing.assert_allclose(test, (TEST - TRAIN.mean(0)) / TRAIN.std(0))
    assert test.mean(axis=0)[0] > 1  # the test data is not re-centred on itself


def test_minmax_maps_training_range_to_minus_one_one():
    pre = Preprocessor.fit("minmax", TRAIN)
    train = pre.transform(TRAIN)
    np.testing.assert_allclose(train.min(axis=0), -1)
    np.testing.assert_allclose(train.max(axis=0), 1)
    test = pre.transform(TEST)
    lo, hi = TRAIN.min(0), TRAIN.max(0)
    np.testing.assert_allclose(test, 2 * (TEST - lo) / (hi - lo) - 1)
    assert test.max() > 1  # outside the training range stays outside


def test_mean_image_subtracts_the_per_pixel_training_mean():
    images = rng.random((30, 1, 4, 4))
    images[:, 0, 0, 0] += 10  # one bright pixel
    pre = Preprocessor.fit("mean_image", images[:20])
    assert pre.stats["mean"].shape == (1, 4, 4)
    np.testing.assert_allclose(pre.transform(images[:20]).mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(pre.transform(images[20:]), images[20:] - images[:20].mean(0))


def test_none_is_identity_and_returns_a_copy():
    pre = Preprocessor.fit("none", TRAIN)
    out = pre.transform(TRAIN)
    np.testing.assert_array_equal(out, TRAIN)
    assert out is not TRAIN
    assert pre.get_config() == {"name": "none", "input_shape": [2]}


def test_constant_inputs_map_to_zero_not_nan():
    X = np.column_stack([np.full(10, 3.0), np.arange(10.0)])
    for method in ("standardize", "minmax", "mean_image"):
        out = Preprocessor.fit(method, X).transform(X)
        assert np.isfinite(out).all()
        np.testing.assert_array_equal(out[:, 0], 0)


@pytest.mark.parametrize("method", list(METHODS))
def test_config_round_trips_through_json(method):
    pre = Preprocessor.fit(method, TRAIN)
    config = json.loads(json.dumps(pre.get_config()))
    again = Preprocessor.from_config(config)
    np.testing.assert_allclose(again.transform(TEST), pre.transform(TEST))
    np.testing.assert_allclose(pre.inverse_transform(pre.transform(TEST)), TEST)


def test_dtypes_shapes_and_names_are_checked():
    pre = Preprocessor.fit("standardize", TRAIN)
    assert pre.transform(TEST.astype(np.float32)).dtype == np.float32
    assert pre.transform(TEST).dtype == np.float64
    with pytest.raises(SpecError, match=r"\(2,\)"):
        pre.transform(np.zeros((3, 5)))
    with pytest.raises(SpecError, match="'zscore'"):
        Preprocessor.fit("zscore", TRAIN)
    with pytest.raises(SpecError, match="NaN"):
        Preprocessor.fit("standardize", np.array([[np.nan, 1.0]]))
    with pytest.raises(SpecError, match="training data"):
        Preprocessor.fit("minmax", np.zeros((0, 2)))
