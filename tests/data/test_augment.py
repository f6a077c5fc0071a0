"""Image augmentation (D5): each transform's effect, determinism, config and preview."""

import numpy as np
import pytest

from playground.core.errors import SpecError
from playground.data import augment
from playground.data.augment import Augmenter


def asymmetric(n=16, size=9):
    """Images with a bright off-centre block, so flips, shifts and rotations are visible."""
    rng = np.random.default_rng(1)
    batch = np.zeros((n, 1, size, size), dtype=np.float32)
    batch[:, :, 1:4, 5:8] = 1.0
    batch += rng.random(batch.shape).astype(np.float32) * 0.1
    return batch


def centre_of_mass(images):
    h, w = images.shape[-2:]
    mass = images.sum(axis=(-2, -1))
    rows = (images.sum(axis=-1) * np.arange(h)).sum(-1) / mass
    cols = (images.sum(axis=-2) * np.arange(w)).sum(-1) / mass
    return rows[:, 0], cols[:, 0]


def test_flip_mirrors_left_right():
    batch = asymmetric()
    np.testing.assert_array_equal(augment.flip(batch), batch[..., ::-1])
    out = Augmenter({"flip": True}).apply(batch, np.random.default_rng(0))
    mirrored = np.array([np.array_equal(o, b[..., ::-1]) for o, b in zip(out, batch, strict=True)])
    same = np.array([np.array_equal(o, b) for o, b in zip(out, batch, strict=True)])
    assert (mirrored | same).all() and mirrored.any() and same.any()


def test_translate_moves_the_mass_by_the_shift():
    batch = asymmetric(2)
    batch[:] = 0
    batch[:, 0, 4, 4] = 1.0
    out = augment.translate(batch, [2, -1], [-3, 1])
    r, c = centre_of_mass(out)
    assert r.tolist() == [6.0, 3.0] and c.tolist() == [1.0, 5.0]


def test_random_shift_moves_mass_within_the_limit():
    batch = asymmetric(32)
    r0, c0 = centre_of_mass(batch)
    out = Augmenter({"shift": 2}).apply(batch, np.random.default_rng(3))
    r, c = centre_of_mass(out)
    moved = np.maximum(np.abs(r - r0), np.abs(c - c0))
    assert moved.max() <= 2.5 and (moved > 0.5).mean() > 0.5


def test_crop_keeps_size_and_is_a_translation_with_zero_padding():
    batch = asymmetric(8)
    out = Augmenter({"crop": 2}).apply(batch, np.random.default_rng(0))
    assert out.shape == batch.shape
    for o, b in zip(out, batch, strict=True):
        matches = [np.array_equal(o, augment.translate(b[None], dy, dx)[0])
                   for dy in range(-2, 3) for dx in range(-2, 3)]
        assert any(matches)


def test_noise_changes_the_std_by_sigma():
    batch = np.zeros((64, 1, 16, 16), dtype=np.float32)
    out = Augmenter({"noise": 0.3}).apply(batch, np.random.default_rng(0))
    assert out.std() == pytest.approx(0.3, rel=0.05)
    assert out.dtype == np.float32


def test_rotation_by_zero_is_identity_and_by_ninety_is_rot90():
    batch = asymmetric(3)
    np.testing.assert_array_equal(augment.rotate(batch, 0.0), batch)
    np.testing.assert_allclose(augment.rotate(batch, 90.0), np.rot90(batch, 1, axes=(2, 3)),
                               atol=1e-5)
    np.testing.assert_allclose(augment.rotate(batch, -90.0), np.rot90(batch, -1, axes=(2, 3)),
                               atol=1e-5)


def test_small_rotation_moves_an_off_centre_block_around_the_centre():
    batch = asymmetric(1)
    r0, c0 = centre_of_mass(batch)
    out = augment.rotate(batch, 30.0)
    r, c = centre_of_mass(out)
    centre = 4.0
    angle0 = np.arctan2(-(r0 - centre), c0 - centre)
    angle1 = np.arctan2(-(r - centre), c - centre)
    assert np.rad2deg(angle1 - angle0)[0] == pytest.approx(30, abs=4)  # counter-clockwise


def test_edge_fill_copies_border_pixels():
    batch = np.ones((1, 1, 5, 5))
    assert augment.translate(batch, [2], [2], fill="zero").sum() == 9
    assert augment.translate(batch, [2], [2], fill="edge").sum() == 25


def test_same_seed_same_batch_and_input_untouched():
    batch = asymmetric()
    keep = batch.copy()
    aug = Augmenter({"flip": True, "rotation": 15, "shift": 1, "crop": 1, "noise": 0.05})
    a = aug.apply(batch, np.random.default_rng(7))
    b = aug.apply(batch, np.random.default_rng(7))
    c = aug.apply(batch, np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    np.testing.assert_array_equal(batch, keep)


def test_off_augmenter_returns_the_batch_unchanged():
    batch = asymmetric()
    aug = Augmenter()
    assert not aug.enabled
    np.testing.assert_array_equal(aug.apply(batch, np.random.default_rng(0)), batch)


def test_preview_is_deterministic_and_cycles_through_images():
    aug = Augmenter({"rotation": 20, "noise": 0.1})
    one = asymmetric(1)[0]
    a = aug.preview(one, count=6, seed=3)
    assert a.shape == (6, 1, 9, 9)
    np.testing.assert_array_equal(a, aug.preview(one, count=6, seed=3))
    assert not np.allclose(a[0], a[1])
    assert aug.preview(asymmetric(4), count=10, seed=0).shape == (10, 1, 9, 9)


def test_config_round_trip_and_errors():
    config = {"flip": True, "rotation": 10.0, "shift": 2, "crop": 0, "noise": 0.1,
              "fill": "edge"}
    assert Augmenter.from_config(Augmenter(config).get_config()).get_config() == config
    assert [p.name for p in augment.PARAMETERS] == list(config)
    with pytest.raises(SpecError, match=r"augmentation\.blur"):
        Augmenter({"blur": 1})
    with pytest.raises(SpecError, match=r"augmentation\.rotation"):
        Augmenter({"rotation": 90})
    with pytest.raises(SpecError, match=r"augmentation\.flip"):
        Augmenter({"flip": 1})
    with pytest.raises(SpecError, match="N×C×H×W"):
        Augmenter({"flip": True}).apply(np.zeros((4, 9)), np.random.default_rng(0))
