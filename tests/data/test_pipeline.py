"""The data pipeline (load, split, features, preprocessing) and splits (D2)."""

import numpy as np
import pytest

from playground.core.errors import SpecError
from playground.data import features, pipeline
from playground.data.dataset import Dataset, split_dataset


def test_prepare_features_then_preprocessing_fitted_on_train():
    spec = {"name": "circle", "samples": 300, "features": ["x2_sq", "x1_sq"],
            "preprocessing": "standardize"}
    prep = pipeline.prepare(spec, {"train": 0.6, "validation": 0.2, "test": 0.2}, seed=1)
    assert prep.features == ["x1_sq", "x2_sq"]
    assert prep.input_shape == (2,)
    assert [len(p) for p in (prep.split.train, prep.split.validation, prep.split.test)] == \
        [180, 60, 60]
    featured_train = features.expand(prep.raw.train.X, prep.features)
    np.testing.assert_allclose(prep.preprocessor.stats["mean"], featured_train.mean(axis=0))
    all_points = np.concatenate([prep.raw.train.X, prep.raw.validation.X, prep.raw.test.X])
    assert not np.allclose(prep.preprocessor.stats["mean"],
                           features.expand(all_points, prep.features).mean(axis=0))
    np.testing.assert_allclose(prep.split.train.X.mean(axis=0), 0, atol=1e-12)
    # the raw split holds the same points, in the same order, in original coordinates
    for raw, ready in zip((prep.raw.train, prep.raw.test), (prep.split.train, prep.split.test),
                          strict=True):
        np.testing.assert_array_equal(raw.labels, ready.labels)
        np.testing.assert_allclose(prep.transform(raw.X), ready.X)
    assert prep.split.train.feature_names == ["x1²", "x2²"]
    assert prep.config()["preprocessing"]["name"] == "standardize"


def test_defaults_are_raw_inputs_and_no_preprocessing():
    prep = pipeline.prepare({"name": "spiral", "samples": 100}, None, seed=0)
    assert prep.features == [] and prep.preprocessor.name == "none"
    assert prep.augmenter is None
    np.testing.assert_array_equal(prep.split.train.X, prep.raw.train.X)
    assert len(prep.split.train) == 70


def test_same_seed_same_split():
    a = pipeline.prepare({"name": "xor", "samples": 100}, None, seed=4)
    b = pipeline.prepare({"name": "xor", "samples": 100}, None, seed=4)
    c = pipeline.prepare({"name": "xor", "samples": 100}, None, seed=5)
    np.testing.assert_array_equal(a.split.test.X, b.split.test.X)
    assert not np.array_equal(a.split.test.X, c.split.test.X)


def test_new_generators_and_their_settings_pass_through():
    prep = pipeline.prepare({"name": "blobs", "classes": 5, "imbalance": 0.5, "samples": 200,
                             "preprocessing": "minmax"}, None, seed=0)
    assert prep.split.train.classes == 5
    np.testing.assert_allclose(prep.split.train.X.min(axis=0), -1)


def test_bad_pipeline_settings_name_the_field():
    with pytest.raises(SpecError, match="'x9'"):
        pipeline.prepare({"name": "xor", "features": ["x9"]}, None, 0)
    with pytest.raises(SpecError, match="preprocessing"):
        pipeline.prepare({"name": "xor", "preprocessing": "whiten"}, None, 0)
    with pytest.raises(SpecError, match=r"augmentation\.blur"):
        pipeline.prepare({"name": "xor", "augmentation": {"blur": 1}}, None, 0)
    with pytest.raises(SpecError, match=r"split\.tests"):
        pipeline.prepare({"name": "xor"}, {"train": 0.9, "tests": 0.1}, 0)


def test_features_refuse_images():
    images = Dataset("tiny", np.zeros((10, 1, 3, 3)), np.arange(10) % 2, class_names=["a", "b"])
    with pytest.raises(SpecError, match="2-D points"):
        pipeline.prepare({"name": "tiny", "features": ["x1"]}, None, 0, loader=lambda s: images)


def test_images_mean_image_and_augmenter():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, size=(40, 1, 4, 4)).astype(np.uint8)
    images = Dataset("tiny", X, np.arange(40) % 2, class_names=["a", "b"])
    prep = pipeline.prepare({"name": "tiny", "preprocessing": "mean_image",
                             "augmentation": {"flip": True}}, None, 0, loader=lambda s: images)
    assert prep.split.train.X.dtype == np.float64  # integer pixels become floats
    np.testing.assert_allclose(prep.split.train.X.mean(axis=0), 0, atol=1e-9)
    assert prep.preprocessor.stats["mean"].shape == (1, 4, 4)
    assert prep.augmenter.get_config()["flip"] is True


def test_official_test_part_is_kept_as_the_test_part():
    from playground.data.images import ImageDataset

    X = np.arange(30, dtype=np.float32).reshape(30, 1, 1, 1)
    data = ImageDataset("official", X, np.arange(30) % 2, class_names=["a", "b"],
                        test_index=np.arange(20, 30))
    prep = pipeline.prepare({"name": "official"}, {"train": 0.6, "validation": 0.2, "test": 0.2},
                            0, loader=lambda s: data)
    assert sorted(prep.split.test.X.ravel()) == list(range(20, 30))
    assert len(prep.split.train) + len(prep.split.validation) == 20
    assert abs(len(prep.split.train) - 15) <= 1  # 0.6 : 0.2 of the non-test images
    assert prep.split.train.X.max() < 20 and prep.split.validation.X.max() < 20


def test_points_and_csv_documents(tmp_path):
    spec = {"name": "points", "classes": 2,
            "points": [[0.1, 0.2, 0], [0.3, 0.1, 1], [-0.2, 0.5, 0], [0.4, -0.4, 1]]}
    prep = pipeline.prepare(spec, {"train": 1.0, "validation": 0.0, "test": 0.0}, 0)
    assert len(prep.split.train) == 4
    path = tmp_path / "pts.csv"
    path.write_text("a,b,c\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n", encoding="utf-8")
    prep = pipeline.prepare({"name": "csv", "path": str(path), "preprocessing": "minmax"},
                            {"train": 0.5, "validation": 0.0, "test": 0.5}, 0)
    assert prep.split.train.class_names == ["x", "y"]
    assert prep.raw.train.feature_names == ["a", "b"]


# --- splits (D2) ---------------------------------------------------------------------------------

def test_regression_split_70_20_10():
    data = Dataset("r", np.random.default_rng(0).random((100, 2)), values=np.zeros((100, 1)))
    split = split_dataset(data, 0.7, 0.2, 0.1, seed=0)
    assert (len(split.train), len(split.validation), len(split.test)) == (70, 20, 10)
    together = np.concatenate([split.train.X, split.validation.X, split.test.X])
    assert len(np.unique(together, axis=0)) == 100


def test_tiny_sets_keep_every_class_in_training():
    data = Dataset("t", np.arange(6.0).reshape(3, 2), np.array([0, 1, 1]),
                   class_names=["0", "1"])
    split = split_dataset(data, 0.1, 0.45, 0.45, seed=0)
    assert sorted(split.train.labels) == [0, 1]
    assert len(split.train) + len(split.validation) + len(split.test) == 3
    one = Dataset("one", np.zeros((1, 2)), values=np.zeros((1, 1)))
    assert len(split_dataset(one, 0.2, 0.4, 0.4).train) == 1


def test_split_is_stratified():
    data = Dataset("s", np.zeros((100, 2)), np.repeat([0, 1], [80, 20]), class_names=["0", "1"])
    split = split_dataset(data, 0.5, 0.25, 0.25, seed=0)
    assert np.bincount(split.train.labels).tolist() == [40, 10]
    assert np.bincount(split.test.labels).tolist() == [20, 5]
