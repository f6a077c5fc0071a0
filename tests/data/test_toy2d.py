"""2-D generators: shapes, labels, balance and imbalance, noise, determinism, the table."""

import numpy as np
import pytest

from playground.core.errors import SpecError
from playground.data import toy2d

CLASSIFIERS = [n for n, g in toy2d.GENERATORS.items() if g.kind == "classification"]
REGRESSORS = [n for n, g in toy2d.GENERATORS.items() if g.kind == "regression"]


def test_every_requested_problem_is_in_the_table():
    assert set(CLASSIFIERS) == {"xor", "circle", "gaussians", "spiral", "moons", "blobs",
                                "checkerboard"}
    assert set(REGRESSORS) == {"plane", "bumps", "sine"}


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_classification_shape_labels_and_box(name):
    data = toy2d.make_dataset(name, samples=300)
    assert data.X.shape == (300, 2) and data.X.dtype == np.float64
    assert data.labels.shape == (300,) and data.labels.dtype == np.int64
    assert data.values is None
    k = toy2d.class_count(name)
    assert data.class_names == [str(c) for c in range(k)]
    assert set(np.unique(data.labels)) == set(range(k))
    assert np.abs(data.X).max() < 1.2  # roughly [-1, 1]² without noise


@pytest.mark.parametrize("name", REGRESSORS)
def test_regression_shape_and_targets(name):
    data = toy2d.make_dataset(name, samples=300)
    assert data.X.shape == (300, 2) and data.labels is None and data.class_names == []
    assert data.values.shape == (300, 1)
    assert np.abs(data.X).max() <= 1.0 and np.abs(data.values).max() <= 1.05
    assert data.values.std() > 0.1  # a surface, not a constant


def test_regression_targets_follow_their_formulas():
    X, y = toy2d.generate("plane", 100)
    np.testing.assert_allclose(y[:, 0], (X[:, 0] + X[:, 1]) / 2)
    X, y = toy2d.generate("sine", 100)
    np.testing.assert_allclose(y[:, 0], np.sin(np.pi * X[:, 0]) * np.cos(np.pi * X[:, 1] / 2))
    X, y = toy2d.generate("bumps", 2000)
    near_hill = np.hypot(X[:, 0] - 0.45, X[:, 1] - 0.45) < 0.1
    near_hollow = np.hypot(X[:, 0] + 0.45, X[:, 1] - 0.45) < 0.1
    assert (y[near_hill] > 0.8).all() and (y[near_hollow] < -0.8).all()


@pytest.mark.parametrize("name", ["circle", "spiral", "gaussians", "moons", "checkerboard"])
def test_balanced_exactly_at_zero_imbalance(name):
    counts = np.bincount(toy2d.generate(name, 301)[1])
    assert counts.max() - counts.min() <= 1


def test_xor_is_balanced_on_average_and_labels_follow_quadrants():
    X, labels = toy2d.generate("xor", 2000)
    assert abs(labels.mean() - 0.5) < 0.05
    np.testing.assert_array_equal(labels, (X[:, 0] * X[:, 1] < 0).astype(int))


@pytest.mark.parametrize("classes", [2, 5, 8])
def test_blobs_classes_balanced_and_clustered(classes):
    X, labels = toy2d.generate("blobs", 80 * classes, classes=classes)
    assert np.bincount(labels).tolist() == [80] * classes
    centres = np.array([X[labels == c].mean(axis=0) for c in range(classes)])
    nearest = np.argmin(((X[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
    assert (nearest == labels).mean() > 0.95


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_imbalance_under_represents_later_classes(name):
    _, labels = toy2d.generate(name, 1200, imbalance=0.8)
    counts = np.bincount(labels)
    assert counts[-1] / counts[0] == pytest.approx(0.2, abs=0.01)
    assert (np.diff(counts) <= 0).all() and counts.sum() == 1200


def test_imbalance_counts_are_linear_in_the_class_and_never_empty():
    assert toy2d.class_counts(100, 2, 0.0).tolist() == [50, 50]
    assert toy2d.class_counts(60, 3, 0.5).tolist() == [27, 20, 13]
    assert toy2d.class_counts(8, 8, 0.95).tolist() == [1] * 8
    assert toy2d.class_counts(5, 2, 0.95).min() >= 1
    with pytest.raises(SpecError, match="at least 8 samples"):
        toy2d.class_counts(5, 8, 0.0)


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_noise_moves_points_further_and_keeps_labels(name):
    X0, l0 = toy2d.generate(name, 400, 0.0, seed=3)
    distances = []
    for noise in (0.05, 0.2, 0.5):
        X, labels = toy2d.generate(name, 400, noise, seed=3)
        np.testing.assert_array_equal(labels, l0)
        distances.append(np.linalg.norm(X - X0, axis=1).mean())
    assert 0 < distances[0] < distances[1] < distances[2]


@pytest.mark.parametrize("name", REGRESSORS)
def test_regression_noise_goes_to_the_targets(name):
    X0, y0 = toy2d.generate(name, 400, 0.0, seed=3)
    X1, y1 = toy2d.generate(name, 400, 0.1, seed=3)
    X2, y2 = toy2d.generate(name, 400, 0.4, seed=3)
    np.testing.assert_array_equal(X0, X1)
    np.testing.assert_array_equal(X0, X2)
    assert 0.07 < np.std(y1 - y0) < 0.13 and 0.3 < np.std(y2 - y0) < 0.5


@pytest.mark.parametrize("name", list(toy2d.GENERATORS))
def test_same_seed_same_points_other_seed_other_points(name):
    a = toy2d.generate(name, 100, 0.1, seed=5)
    b = toy2d.generate(name, 100, 0.1, seed=5)
    c = toy2d.generate(name, 100, 0.1, seed=6)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.allclose(a[0], c[0])


# values produced before imbalance existed: presets and tests rely on these exact points
KNOWN = {
    "xor": ([[-0.5713133441466952, 0.372160947061357],
             [-0.5563793630881783, 0.8626930684475929]], [1, 1, 0, 0, 0, 0]),
    "circle": ([[0.6623215556104484, -0.14465412997047375],
                [0.0016783472346877694, -0.09178560836910303]], [1, 0, 1, 0, 0, 1]),
    "spiral": ([[0.18743678502197986, 0.9867463159544648],
                [-0.22736853510531801, 0.25908293073498934]], [1, 0, 0, 1, 1, 0]),
    "gaussians": ([[0.13543463557810403, -0.7743729582106654],
                   [1.0322268876197513, 0.3296054536956587]], [0, 1, 1, 1, 1, 0]),
}


@pytest.mark.parametrize("name", list(KNOWN))
def test_classic_sets_keep_their_points(name):
    X, labels = toy2d.generate(name, 50, 0.1, 7)
    np.testing.assert_allclose(X[:2], KNOWN[name][0], rtol=0, atol=1e-12)
    assert labels[:6].tolist() == KNOWN[name][1]


def test_shape_of_each_classic_problem():
    X, labels = toy2d.generate("circle", 500)
    r = np.hypot(X[:, 0], X[:, 1])
    assert (r[labels == 0] <= 0.45).all() and (r[labels == 1] >= 0.65).all()
    X, labels = toy2d.generate("checkerboard", 500, cells=4)
    cell = np.floor((X + 1) * 2).clip(0, 3).astype(int)
    np.testing.assert_array_equal(labels, cell.sum(axis=1) % 2)
    X, labels = toy2d.generate("moons", 500)
    assert X[labels == 0, 1].mean() > X[labels == 1, 1].mean()  # the upper moon is class 0


def test_parameters_describe_each_generator():
    names = [p.name for p in toy2d.parameters("blobs")]
    assert names == ["samples", "noise", "imbalance", "classes", "seed"]
    assert [p.name for p in toy2d.parameters("plane")] == ["samples", "noise", "seed"]
    classes = toy2d.parameters("blobs")[3]
    assert (classes.default, classes.low, classes.high, classes.kind) == (3, 2, 8, "int")
    assert toy2d.kind("spiral") == "classification" and toy2d.kind("sine") == "regression"
    assert toy2d.class_count("blobs", classes=6) == 6 and toy2d.class_count("xor") == 2
    assert toy2d.class_count("plane") == 0
    for name in toy2d.GENERATORS:  # every default is valid for its own check
        defaults = {p.name: p.default for p in toy2d.parameters(name)}
        assert toy2d.check_params(name, {}) == defaults


def test_bad_settings_name_the_setting():
    with pytest.raises(SpecError, match=r"dataset\.classes"):
        toy2d.make_dataset("blobs", classes=9)
    with pytest.raises(SpecError, match=r"dataset\.imbalance"):
        toy2d.make_dataset("plane", imbalance=0.5)
    with pytest.raises(SpecError, match=r"dataset\.noise"):
        toy2d.make_dataset("xor", noise=-1)
    with pytest.raises(SpecError, match=r"dataset\.name"):
        toy2d.make_dataset("nonesuch")
    with pytest.raises(SpecError, match="at least 8 samples"):
        toy2d.make_dataset("blobs", classes=8, samples=6)


def test_load_dataset_dispatches_every_generator():
    from playground.data.datasets import load_dataset

    data = load_dataset({"name": "blobs", "classes": 4, "imbalance": 0.5, "samples": 100})
    assert data.classes == 4 and len(data) == 100
    assert load_dataset({"name": "sine", "samples": 50}).values.shape == (50, 1)
