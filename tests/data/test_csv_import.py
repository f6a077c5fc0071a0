"""CSV import (D6): good files in their variants, and bad files whose errors name the line."""

import numpy as np
import pytest

from playground.core.errors import SpecError
from playground.data.csv_import import load_csv


def write(tmp_path, content, name="data.csv"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_header_and_text_classes(tmp_path):
    data = load_csv(write(tmp_path, "x,y,kind\n0.1,0.2,dog\n0.3,0.4,cat\n0.5,0.6,dog\n"))
    np.testing.assert_array_equal(data.X, [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])
    assert data.class_names == ["cat", "dog"]  # sorted
    assert data.labels.tolist() == [1, 0, 1]
    assert data.feature_names == ["x", "y"] and data.name == "data"


def test_no_header_detected_with_text_classes(tmp_path):
    data = load_csv(write(tmp_path, "0.1,0.2,dog\n0.3,0.4,cat\n"))
    assert len(data) == 2 and data.class_names == ["cat", "dog"]


def test_numeric_classes_sorted_by_value(tmp_path):
    data = load_csv(write(tmp_path, "1,2,10\n3,4,2\n5,6,2.0\n7,8,1\n"))
    assert data.class_names == ["1", "2", "10"]
    assert data.labels.tolist() == [2, 1, 1, 0]
    assert data.values is None


def test_non_integer_labels_make_regression(tmp_path):
    data = load_csv(write(tmp_path, "a,b,target\n1,2,0.5\n3,4,-1.25\n"))
    assert data.labels is None
    np.testing.assert_array_equal(data.values, [[0.5], [-1.25]])


def test_task_can_be_forced(tmp_path):
    path = write(tmp_path, "1,2,0\n3,4,1\n5,6,1\n")
    assert load_csv(path, task="regression").values.ravel().tolist() == [0, 1, 1]
    path = write(tmp_path, "1,2,0.5\n3,4,1.5\n")
    assert load_csv(path, task="classification").class_names == ["0.5", "1.5"]


def test_semicolon_with_decimal_comma(tmp_path):
    data = load_csv(write(tmp_path, "x;y;class\n1,5;-2,25;A\n3;4;B\n"))
    np.testing.assert_array_equal(data.X, [[1.5, -2.25], [3.0, 4.0]])
    assert data.class_names == ["A", "B"]


def test_tabs_spaces_bom_crlf_blank_lines_and_comments(tmp_path):
    assert load_csv(write(tmp_path, "1\t2\t0\n3\t4\t1\n")).X.shape == (2, 2)
    assert load_csv(write(tmp_path, "1  2 0\n 3 4  1\n")).X.shape == (2, 2)
    content = "\ufeffx,y,c\r\n# a comment\r\n1,2,0\r\n\r\n3,4,1\r\n\r\n\r\n".encode()
    data = load_csv(write(tmp_path, content))
    assert data.feature_names == ["x", "y"] and data.labels.tolist() == [0, 1]
    data = load_csv(write(tmp_path, "x,y,c\n1,2,0\n3,4,1\n".encode("utf-16")))
    assert len(data) == 2


def test_n_dimensional_points_and_label_column_choice(tmp_path):
    path = write(tmp_path, "label,a,b,c,d\nA,1,2,3,4\nB,5,6,7,8\n")
    data = load_csv(path, label_column="label")
    assert data.X.shape == (2, 4) and data.feature_names == ["a", "b", "c", "d"]
    assert load_csv(path, label_column=0).class_names == ["A", "B"]
    assert load_csv(path, label_column="LABEL").class_names == ["A", "B"]
    with pytest.raises(SpecError, match=r"'e'.*columns: label, a"):
        load_csv(path, label_column="e")
    with pytest.raises(SpecError, match="no column 5"):
        load_csv(path, label_column=5)


def test_quoted_text_classes(tmp_path):
    data = load_csv(write(tmp_path, 'x,y,name\n1,2,"a, b"\n3,4,c\n'))
    assert data.class_names == ["a, b", "c"]


@pytest.mark.parametrize(("content", "message"), [
    ("x,y,c\n1,2,0\n3,4\n", "line 3: expected 3 fields, found 2"),
    ("x,y,c\n1,2,0\n3,4,1,9\n", "line 3: expected 3 fields, found 4"),
    ("x,y,c\n1,2,0\n\n3,abc,1\n", "line 4, column y: 'abc' is not a number"),
    ("1,2,0\n3,,1\n", "line 2, column column 2: empty value"),
    ("x,y,c\n1,nan,0\n3,4,1\n", "line 2, column y: 'nan' is not a finite number"),
    ("x,y,c\n1,2,0\n3,inf,1\n", "line 3, column y: 'inf' is not a finite number"),
    ("x,y,c\n1,2,0.5\n3,4,nan\n", "line 3, column c: 'nan' is not a finite number"),
    ("x,y,c\n1,2,a\n3,4,a\n", "lines 2–3) has the class 'a'"),
    ("x,y,c\n1,2,a\n3,4,\n", "line 3, column c: empty label"),
    ("x,y,c\n", "no data rows after the header (line 1)"),
    ("x,y,c\n1,2,3\n", "only one data row (line 2)"),
    ("1\n2\n3\n", "at least one input column"),
    ("1,2,0\n3,4,\x02\n", "line 2: control character"),
])
def test_bad_files_name_the_line_and_problem(tmp_path, content, message):
    with pytest.raises(SpecError) as err:
        load_csv(write(tmp_path, content))
    assert message in str(err.value)
    assert "data.csv" in str(err.value)


def test_regression_label_must_be_numbers(tmp_path):
    with pytest.raises(SpecError, match="line 3, column c: 'dog' is not a number"):
        load_csv(write(tmp_path, "x,y,c\n1,2,0.5\n3,4,dog\n"), task="regression")


@pytest.mark.parametrize("content", [b"", b"\n\n   \n", b"\xef\xbb\xbf"])
def test_empty_files(tmp_path, content):
    with pytest.raises(SpecError, match="empty"):
        load_csv(write(tmp_path, content))


def test_binary_junk_is_refused_not_crashed_on(tmp_path):
    rng = np.random.default_rng(0)
    with pytest.raises(SpecError, match="line 3: binary data"):
        load_csv(write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
    for _ in range(200):  # random bytes, with or without NULs: always a SpecError
        junk = rng.integers(1 if _ % 2 else 0, 256, size=rng.integers(1, 300), dtype=np.uint8)
        with pytest.raises(SpecError):
            load_csv(write(tmp_path, junk.tobytes()))


def test_missing_file_and_bad_arguments(tmp_path):
    with pytest.raises(SpecError, match="cannot read"):
        load_csv(tmp_path / "nope.csv")
    path = write(tmp_path, "1,2,0\n3,4,1\n")
    with pytest.raises(SpecError, match="task"):
        load_csv(path, task="clustering")
    with pytest.raises(SpecError, match="no header row"):
        load_csv(path, label_column="c")
