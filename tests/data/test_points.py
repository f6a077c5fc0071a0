"""User-painted points (D6): the editing API behind the brush."""

import json

import numpy as np
import pytest

from playground.core.errors import SpecError
from playground.data.points import PointSet, dataset_from_spec


def painted() -> PointSet:
    pts = PointSet(classes=3)
    pts.add(0.0, 0.0, 0)
    pts.add_many([[0.5, 0.5], [0.6, 0.5]], [1, 2])
    pts.add_many([[-0.5, -0.5], [-0.6, -0.5]], 1)  # one class for a whole stroke
    return pts


def test_add_and_add_many_return_indices():
    pts = PointSet()
    assert pts.add(0.1, 0.2, 1) == 0
    assert pts.add_many([[0.3, 0.4], [0.5, 0.6]], [0, 1]).tolist() == [1, 2]
    assert len(pts) == 3
    np.testing.assert_array_equal(pts.xy, [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])
    assert pts.labels.tolist() == [1, 0, 1]
    assert pts.counts().tolist() == [1, 2]


def test_move_returns_the_old_position():
    pts = painted()
    assert pts.move(1, -0.9, 0.9) == (0.5, 0.5)
    np.testing.assert_array_equal(pts.xy[1], [-0.9, 0.9])
    with pytest.raises(SpecError, match="#7"):
        pts.move(7, 0, 0)


def test_delete_by_index_and_near_a_position():
    pts = painted()
    assert pts.delete([3, 0, 3]).tolist() == [0, 3]
    np.testing.assert_array_equal(pts.xy, [[0.5, 0.5], [0.6, 0.5], [-0.6, -0.5]])
    assert pts.delete_near(0.55, 0.5, 0.06).tolist() == [0, 1]
    np.testing.assert_array_equal(pts.xy, [[-0.6, -0.5]])
    assert pts.delete_near(0.9, 0.9, 0.1).tolist() == []
    assert len(pts) == 1


def test_nearest_picks_within_radius():
    pts = painted()
    assert pts.nearest(0.58, 0.5) == 2
    assert pts.nearest(0.9, -0.9, radius=0.1) is None
    assert PointSet().nearest(0, 0) is None


def test_clear_and_version_counter():
    pts = painted()
    before = pts.version
    pts.clear()
    assert len(pts) == 0 and pts.version > before


def test_classes_between_two_and_eight():
    with pytest.raises(SpecError, match="classes"):
        PointSet(classes=9)
    with pytest.raises(SpecError, match="classes"):
        PointSet(classes=1)
    pts = painted()
    with pytest.raises(SpecError, match="class 2 remain"):
        pts.set_classes(2)
    with pytest.raises(SpecError, match=r"not one of 0\.\.2"):
        pts.add(0, 0, 3)
    pts.set_classes(8)
    pts.add(0, 0, 7)
    assert pts.classes == 8


def test_snapshot_and_restore_undo_every_kind_of_edit():
    pts = painted()
    snap = pts.snapshot()
    pts.move(0, 1, 1)
    pts.delete_near(0.5, 0.5, 0.2)
    pts.add(0.3, 0.3, 2)
    pts.set_target(0, 1)
    pts.restore(snap)
    np.testing.assert_array_equal(pts.xy, painted().xy)
    assert pts.labels.tolist() == painted().labels.tolist()
    pts.add(0, 0, 0)  # the snapshot is not changed by later edits
    assert len(snap.xy) == 5


def test_to_dataset_classification_and_its_checks():
    data = painted().to_dataset()
    assert data.X.shape == (5, 2) and data.class_names == ["0", "1", "2"]
    assert data.labels.tolist() == [0, 1, 2, 1, 1]
    one_class = PointSet()
    one_class.add_many([[0, 0], [1, 1]], 0)
    with pytest.raises(SpecError, match="two classes"):
        one_class.to_dataset()
    with pytest.raises(SpecError, match="at least 2 points"):
        PointSet().to_dataset()


def test_regression_point_set():
    pts = PointSet(task="regression")
    pts.add_many([[0, 0], [0.5, 0.5], [1, 0]], [0.25, -1.5, 3.0])
    data = pts.to_dataset()
    assert data.labels is None and data.values.tolist() == [[0.25], [-1.5], [3.0]]
    with pytest.raises(SpecError, match="regression"):
        _ = pts.labels
    with pytest.raises(SpecError, match="finite"):
        pts.add(0, 0, float("nan"))


def test_spec_round_trip_through_json():
    pts = painted()
    spec = json.loads(json.dumps(pts.to_spec()))
    again = PointSet.from_spec(spec)
    np.testing.assert_array_equal(again.xy, pts.xy)
    assert again.labels.tolist() == pts.labels.tolist() and again.classes == 3
    assert dataset_from_spec(spec).classes == 3


def test_bad_spec_rows_name_their_index():
    with pytest.raises(SpecError, match=r"points\[1\]"):
        PointSet.from_spec({"points": [[0, 0, 0], [0, "a", 1]]})
    with pytest.raises(SpecError, match=r"points\[2\].*not one of"):
        PointSet.from_spec({"classes": 2, "points": [[0, 0, 0], [1, 1, 1], [1, 0, 5]]})
    with pytest.raises(SpecError, match=r"dataset\.colour"):
        PointSet.from_spec({"colour": 1})
