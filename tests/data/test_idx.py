"""IDX files: round trips for every value type, plain and gzip, and a clear error for every kind
of malformed file."""

import gzip
import struct

import numpy as np
import pytest

from playground.core.errors import SpecError
from playground.data import idx


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "float32", "float64"])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_round_trip_every_type(tmp_path, dtype, suffix):
    rng = np.random.default_rng(1)
    array = (rng.normal(0, 100, (7, 5, 3)) if dtype.startswith("float")
             else rng.integers(np.iinfo(dtype).min, np.iinfo(dtype).max, (7, 5, 3), endpoint=True)
             ).astype(dtype)
    path = tmp_path / f"a.idx{suffix}"
    idx.write_idx(path, array)
    back = idx.read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.dtype.isnative
    assert back.shape == array.shape
    np.testing.assert_array_equal(back, array)
    assert idx.read_header(path) == (np.dtype(dtype), (7, 5, 3))
    raw = path.read_bytes()
    assert raw[:2] == (b"\x1f\x8b" if suffix else b"\x00\x00")


def test_layout_is_the_published_one(tmp_path):
    """Big-endian values after a magic number and big-endian dimensions, as MNIST's files."""
    path = tmp_path / "labels-idx1-ubyte"
    idx.write_idx(path, np.array([5, 0, 4], dtype=np.uint8))
    assert path.read_bytes() == bytes([0, 0, 8, 1, 0, 0, 0, 3, 5, 0, 4])
    idx.write_idx(path, np.array([1, -2], dtype=np.int16))
    assert path.read_bytes() == bytes([0, 0, 0x0B, 1, 0, 0, 0, 2, 0, 1, 0xFF, 0xFE])


def test_gzip_is_detected_by_content_not_name(tmp_path):
    path = tmp_path / "images-idx3-ubyte"  # gzip data without .gz in the name
    idx.write_idx(tmp_path / "x.gz", np.arange(24, dtype=np.uint8).reshape(2, 3, 4))
    path.write_bytes((tmp_path / "x.gz").read_bytes())
    assert idx.read_idx(path).shape == (2, 3, 4)


def test_one_dimensional_and_empty_arrays(tmp_path):
    for array in (np.arange(10, dtype=np.uint8), np.zeros((0, 28, 28), dtype=np.uint8)):
        idx.write_idx(tmp_path / "a", array)
        np.testing.assert_array_equal(idx.read_idx(tmp_path / "a"), array)


def _header(code, dims):
    return bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}i", *dims)


MALFORMED = {
    "empty file": (b"", "truncated"),
    "short header": (b"\x00\x00\x08", "truncated"),
    "dims cut off": (bytes([0, 0, 8, 3, 0, 0, 0, 2]), "truncated"),
    "text file": (b"hello, world\n", "not an IDX file"),
    "non-zero first bytes": (bytes([1, 0, 8, 1, 0, 0, 0, 1, 7]), "not an IDX file"),
    "unknown type code": (_header(0x07, [1]) + b"\x00", "not an IDX file"),
    "zero dimensions": (bytes([0, 0, 8, 0]), "dimensions"),
    "data cut off": (_header(8, [2, 3, 3]) + bytes(10), "truncated"),
    "data of a wider type cut off": (_header(0x0C, [4]) + bytes(15), "truncated"),
    "extra data": (_header(8, [2, 2]) + bytes(5), "more data"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
@pytest.mark.parametrize("compress", [False, True])
def test_malformed_files_raise_a_clear_error(tmp_path, case, compress):
    content, words = MALFORMED[case]
    path = tmp_path / ("bad.gz" if compress else "bad")
    path.write_bytes(gzip.compress(content) if compress else content)
    with pytest.raises(SpecError) as err:
        idx.read_idx(path)
    assert str(path) in str(err.value) and words in str(err.value)


def test_truncated_gzip_stream(tmp_path):
    whole = tmp_path / "whole.gz"
    idx.write_idx(whole, np.random.default_rng(0).integers(0, 255, (50, 28, 28), dtype=np.uint8))
    data = whole.read_bytes()
    cut = tmp_path / "cut.gz"
    cut.write_bytes(data[:len(data) // 2])
    with pytest.raises(SpecError, match=r"cut.gz: truncated or damaged gzip"):
        idx.read_idx(cut)
    garbled = tmp_path / "garbled.gz"
    garbled.write_bytes(data[:20] + bytes(len(data) - 20))
    with pytest.raises(SpecError, match=r"garbled.gz"):
        idx.read_idx(garbled)


def test_missing_file_and_unsupported_types(tmp_path):
    with pytest.raises(SpecError, match=r"nothing-here.*cannot read"):
        idx.read_idx(tmp_path / "nothing-here")
    with pytest.raises(SpecError, match=r"cannot store int64"):
        idx.write_idx(tmp_path / "a", np.arange(3))
    with pytest.raises(SpecError, match=r"dimensions"):
        idx.write_idx(tmp_path / "a", np.uint8(3))
