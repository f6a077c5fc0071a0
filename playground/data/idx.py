"""The IDX file format of MNIST and Fashion-MNIST, plain or gzip-compressed.

A file is a 4-byte magic number (two zero bytes, a type code, the number of dimensions), the
dimensions as big-endian 32-bit integers, then the values, big-endian, row-major. Every problem
with a file is a SpecError that names the file and says what is wrong.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from pathlib import Path
from typing import IO, Any

import numpy as np

from playground.core.errors import SpecError

# type code -> big-endian dtype
TYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8"),
}
CODES = {dt.newbyteorder("=").name: code for code, dt in TYPES.items()}
MAX_DIMS = 8
GZIP_MAGIC = b"\x1f\x8b"


def _open(path: Path) -> IO[bytes]:
    """The file, decompressed on the fly when it starts with the gzip magic bytes."""
    try:
        with open(path, "rb") as f:
            head = f.read(2)
        if head == GZIP_MAGIC:
            return gzip.open(path, "rb")
        return open(path, "rb")
    except OSError as exc:
        raise SpecError(f"{path}: cannot read it ({exc.strerror or exc})") from None


def _read_exact(f: IO[bytes], count: int, path: Path, what: str) -> bytes:
    data = _guarded_read(f, count, path)
    if len(data) != count:
        raise SpecError(f"{path}: truncated IDX file: the {what} needs {count} bytes, "
                        f"found {len(data)}")
    return data


def _guarded_read(f: IO[bytes], count: int, path: Path) -> bytes:
    try:
        return f.read(count)
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
        raise SpecError(f"{path}: damaged gzip data ({exc})") from None


def _header(f: IO[bytes], path: Path) -> tuple[np.dtype, tuple[int, ...]]:
    magic = _read_exact(f, 4, path, "header")
    if magic[0] != 0 or magic[1] != 0 or magic[2] not in TYPES:
        raise SpecError(f"{path}: not an IDX file (magic number {magic.hex()}; "
                        "expected 0000 then a type code 08, 09, 0b, 0c, 0d or 0e)")
    ndim = magic[3]
    if not 1 <= ndim <= MAX_DIMS:
        raise SpecError(f"{path}: not an IDX file (it claims {ndim} dimensions)")
    shape = struct.unpack(f">{ndim}i", _read_exact(f, 4 * ndim, path, "header"))
    if any(n < 0 for n in shape):
        raise SpecError(f"{path}: damaged IDX header (negative size in {shape})")
    return TYPES[magic[2]], tuple(int(n) for n in shape)


def read_header(path: str | os.PathLike[str]) -> tuple[np.dtype, tuple[int, ...]]:
    """The value type (native byte order) and shape an IDX file declares; reads only its header."""
    path = Path(path)
    with _open(path) as f:
        dtype, shape = _header(f, path)
    return dtype.newbyteorder("="), shape


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """The array stored in an IDX file (plain or .gz), in native byte order."""
    path = Path(path)
    with _open(path) as f:
        dtype, shape = _header(f, path)
        count = int(np.prod(shape, dtype=np.int64))
        out = np.empty(count, dtype=dtype)
        view = memoryview(out).cast("B")
        got = 0
        try:
            while got < view.nbytes:
                n = f.readinto(view[got:])
                if not n:
                    break
                got += n
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise SpecError(f"{path}: truncated or damaged gzip data ({exc})") from None
        if got != view.nbytes:
            raise SpecError(f"{path}: truncated IDX file: shape {'×'.join(map(str, shape))} "
                            f"needs {view.nbytes} bytes of data, found {got}")
        extra = _guarded_read(f, 1, path)
        if extra:
            raise SpecError(f"{path}: damaged IDX file: more data than its shape "
                            f"{'×'.join(map(str, shape))} says")
    out = out.reshape(shape)
    return out.astype(dtype.newbyteorder("="), copy=False) if out.dtype.itemsize > 1 else out


def write_idx(path: str | os.PathLike[str], array: Any) -> None:
    """Write an array as an IDX file; gzip-compressed when the name ends in .gz."""
    path = Path(path)
    array = np.asarray(array)
    if array.dtype.name not in CODES:
        raise SpecError(f"{path}: IDX cannot store {array.dtype} values "
                        f"(use one of {', '.join(CODES)})")
    if not 1 <= array.ndim <= MAX_DIMS:
        raise SpecError(f"{path}: IDX stores 1 to {MAX_DIMS} dimensions, got {array.ndim}")
    code = CODES[array.dtype.name]
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}i", *array.shape)
    data = np.ascontiguousarray(array, dtype=TYPES[code]).tobytes()
    if path.suffix == ".gz":
        with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
            f.write(header)
            f.write(data)
    else:
        with open(path, "wb") as f:
            f.write(header)
            f.write(data)
