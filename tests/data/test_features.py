"""Input features for 2-D points (D3)."""

import numpy as np
import pytest

from playground.core.errors import SpecError
from playground.data import features

X = np.array([[0.5, -0.25], [-1.0, 0.75], [0.0, 0.1]])


def test_the_nine_features_in_order_with_labels():
    assert features.NAMES == ["x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2",
                              "cos_x1", "cos_x2"]
    assert [f.label for f in features.FEATURES][:5] == ["x1", "x2", "x1²", "x2²", "x1·x2"]


def test_expand_all_features_computes_each_column():
    out = features.expand(X, features.NAMES)
    a, b = X[:, 0], X[:, 1]
    expected = np.stack([a, b, a * a, b * b, a * b, np.sin(a), np.sin(b), np.cos(a), np.cos(b)],
                        axis=1)
    np.testing.assert_allclose(out, expected)


def test_columns_follow_the_feature_order_not_the_request_order():
    out = features.expand(X, ["x1_x2", "x1", "x1_x2"])
    np.testing.assert_allclose(out, np.stack([X[:, 0], X[:, 0] * X[:, 1]], axis=1))
    assert features.normalize(["cos_x2", "x2_sq"]) == ["x2_sq", "cos_x2"]
    assert features.labels(["x1_x2", "x1_sq"]) == ["x1²", "x1·x2"]


def test_labels_and_plain_spellings_are_accepted():
    assert features.normalize(["x1²", "x1*x2", "sin(x1)"]) == ["x1_sq", "x1_x2", "sin_x1"]


def test_unknown_feature_is_named():
    with pytest.raises(SpecError, match="'x3'"):
        features.expand(X, ["x1", "x3"])
    with pytest.raises(SpecError, match="at least one"):
        features.expand(X, [])
    with pytest.raises(SpecError, match="list"):
        features.normalize("x1")


def test_features_need_two_dimensional_points():
    with pytest.raises(SpecError, match="2-D points"):
        features.expand(np.zeros((4, 3)), ["x1"])


def test_float32_stays_float32():
    assert features.expand(X.astype(np.float32), ["x1_sq"]).dtype == np.float32
