"""CSV import (D6): points in 2 or more dimensions with a label column, from a text file.

What is read, and how it is decided:
- Encoding: UTF-8 (a byte-order mark is skipped), UTF-16 with a BOM, else Windows-1252 / Latin-1.
  A file with NUL bytes or other control characters is not text and is refused.
- Lines: blank lines and lines starting with "#" are skipped; line numbers in messages are the
  file's own (first line = 1). Quoted fields work; a quoted field cannot span lines.
- Delimiter: sniffed from the first lines (tab, ";", ",", "|", then runs of spaces): the first
  that splits them all into the same number (> 1) of fields. With ";" or tab a decimal comma
  ("1,5") is read as 1.5.
- Header: `has_header=None` decides: the first row is a header when one of its fields is not a
  number where the second row has a number (so "x,y,class" over "0.1,0.2,cat" is a header and
  "0.1,0.2,cat" over "0.3,0.4,dog" is not).
- Label column: `label_column` None = the last column; a header name; or a column number
  (0-based, negative counts from the end). Every other column is an input.
- Task: `task=None` decides: text labels, or whole numbers with at most 50 distinct values, make
  classification; other numbers make regression. "classification" or "regression" forces it.
- Class names: numeric classes are sorted by value ("1", "2", "10"); text classes are sorted
  alphabetically (so a shuffled copy of a file gives the same class numbers). Label i of the
  dataset is `class_names[i]`.
Every problem raises SpecError naming the line (and column) and what is wrong.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import numpy as np

from playground.core.errors import SpecError
from playground.data.dataset import Dataset

SPEC_NAME = "csv"
MAX_AUTO_CLASSES = 50
DELIMITERS = ("\t", ";", ",", "|")
TASKS = ("classification", "regression")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+([eE][+-]?\d+)?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

Row = tuple[int, list[str]]  # (line number, fields)


def load_csv(path: str | Path, label_column: str | int | None = None,
             has_header: bool | None = None, task: str | None = None,
             delimiter: str | None = None) -> Dataset:
    """A Dataset from a CSV file (see the module docstring for how each choice is made)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    text = _decode(data, path.name)
    return read_csv_text(text, path.stem or "csv", label_column, has_header, task, delimiter,
                         source=path.name)


def read_csv_text(text: str, name: str = "csv", label_column: str | int | None = None,
                  has_header: bool | None = None, task: str | None = None,
                  delimiter: str | None = None, source: str | None = None) -> Dataset:
    """The same as load_csv for text already in memory (a paste, a test)."""
    source = source or name
    if task is not None and task not in TASKS:
        raise SpecError(f"task: use one of {', '.join(TASKS)} (or leave it out), got {task!r}")
    if has_header is not None and not isinstance(has_header, bool):
        raise SpecError(f"has_header: expected true, false or null, got {has_header!r}")
    bad = _CONTROL.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise SpecError(f"{source}, line {line}: control character {bad.group()!r}; "
                        "this is not a CSV text file")
    lines = [(n, line.strip()) for n, line in enumerate(text.split("\n"), start=1)]
    lines = [(n, line) for n, line in lines if line and not line.startswith("#")]
    if not lines:
        raise SpecError(f"{source}: the file is empty")
    if delimiter is None:
        delimiter = _sniff([line for _, line in lines[:20]])
    elif not isinstance(delimiter, str) or len(delimiter) != 1:
        raise SpecError(f"delimiter: expected one character, got {delimiter!r}")
    rows = [(n, _split(line, delimiter, n, source)) for n, line in lines]

    header: list[str] | None = None
    if has_header is None:
        has_header = _looks_like_header(rows, delimiter)
    if has_header:
        header = [field.strip() for field in rows[0][1]]
        rows = rows[1:]
        if not rows:
            raise SpecError(f"{source}: no data rows after the header (line {lines[0][0]})")
    width = len(header) if header is not None else len(rows[0][1])
    for n, fields in rows:
        if len(fields) != width:
            raise SpecError(f"{source}, line {n}: expected {width} fields, found {len(fields)}")
    if width < 2:
        raise SpecError(f"{source}: needs a label column and at least one input column "
                        f"(found {width} column per line; delimiter not recognised?)")
    names = _column_names(header, width)
    label_at = _label_index(label_column, header, names, width)
    inputs = [j for j in range(width) if j != label_at]

    X = np.empty((len(rows), len(inputs)), dtype=np.float64)
    for i, (n, fields) in enumerate(rows):
        for k, j in enumerate(inputs):
            X[i, k] = _number(fields[j], delimiter, source, n, names[j])
    raw_labels = []
    for n, fields in rows:
        label = fields[label_at].strip()
        if not label:
            raise SpecError(f"{source}, line {n}, column {names[label_at]}: empty label")
        raw_labels.append(label)
    if len(rows) < 2:
        raise SpecError(f"{source}: only one data row (line {rows[0][0]}); "
                        "a network needs more to learn from")
    feature_names = [names[j] for j in inputs]

    numeric = [_try_number(label, delimiter) for label in raw_labels]
    all_numeric = all(v is not None for v in numeric)
    if task is None:
        whole = all_numeric and all(float(v).is_integer() for v in numeric)
        few = len(set(numeric)) <= MAX_AUTO_CLASSES
        task = "classification" if not all_numeric or (whole and few) else "regression"
    if task == "regression":
        values = np.empty((len(rows), 1), dtype=np.float64)
        for i, ((n, _), v) in enumerate(zip(rows, numeric, strict=True)):
            if v is None:
                raise SpecError(f"{source}, line {n}, column {names[label_at]}: "
                                f"{raw_labels[i]!r} is not a number (regression needs numbers)")
            if not np.isfinite(v):
                raise SpecError(f"{source}, line {n}, column {names[label_at]}: "
                                f"{raw_labels[i]!r} is not a finite number")
            values[i, 0] = v
        return Dataset(name, X, values=values, feature_names=feature_names)

    if all_numeric:
        for (n, _), v, label in zip(rows, numeric, raw_labels, strict=True):
            if not np.isfinite(v):
                raise SpecError(f"{source}, line {n}, column {names[label_at]}: "
                                f"{label!r} is not a finite number")
        distinct = sorted(set(numeric))
        class_names = [f"{v:g}" for v in distinct]
        lookup = {v: i for i, v in enumerate(distinct)}
        labels = np.array([lookup[v] for v in numeric], dtype=np.int64)
    else:
        class_names = sorted(set(raw_labels))
        lookup = {c: i for i, c in enumerate(class_names)}
        labels = np.array([lookup[c] for c in raw_labels], dtype=np.int64)
    if len(class_names) < 2:
        raise SpecError(f"{source}: every row (lines {rows[0][0]}–{rows[-1][0]}) has the "
                        f"class {class_names[0]!r}; a classifier needs at least two classes")
    return Dataset(name, X, labels, class_names=class_names, feature_names=feature_names)


def dataset_from_spec(spec: dict[str, Any]) -> Dataset:
    """The Dataset of a {"name": "csv", "path": ..., "label_column": ..., "has_header": ...,
    "task": ..., "delimiter": ...} document object."""
    params = dict(spec)
    params.pop("name", None)
    allowed = ("path", "label_column", "has_header", "task", "delimiter")
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise SpecError(f"dataset.{unknown[0]}: unknown setting for 'csv' "
                        f"(settings: {', '.join(allowed)})")
    path = params.pop("path", None)
    if not isinstance(path, str) or not path:
        raise SpecError("dataset.path: the path of the CSV file is missing")
    return load_csv(Path(path).expanduser(), **params)


# --- helpers -----------------------------------------------------------------------------------

def _decode(data: bytes, source: str) -> str:
    if not data.strip():
        raise SpecError(f"{source}: the file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise SpecError(f"{source}: not readable as UTF-16 text") from None
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise SpecError(f"{source}, line {line}: binary data (a NUL byte); "
                        "this is not a CSV text file")
    text = None
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    assert text is not None  # latin-1 decodes any bytes
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _split(line: str, delimiter: str | None, n: int, source: str) -> list[str]:
    if delimiter is None:
        return line.split()
    try:
        fields = next(csv.reader([line], delimiter=delimiter, skipinitialspace=True))
    except (csv.Error, StopIteration) as exc:
        raise SpecError(f"{source}, line {n}: cannot split it into fields ({exc})") from None
    return [field.strip() for field in fields]


def _sniff(sample: list[str]) -> str | None:
    """The delimiter that splits every sampled line into the same number (> 1) of fields;
    None means runs of whitespace."""
    best, best_width = None, 1
    for delimiter in (*DELIMITERS, None):
        try:
            widths = {len(_split(line, delimiter, 0, "")) for line in sample}
        except SpecError:
            continue
        if len(widths) == 1 and min(widths) > 1:
            return delimiter
        first = len(_split(sample[0], delimiter, 0, "")) if sample else 1
        if first > best_width:
            best, best_width = delimiter, first
    return best if best_width > 1 else ","


def _try_number(field: str, delimiter: str | None) -> float | None:
    field = field.strip()
    if delimiter != "," and _DECIMAL_COMMA.match(field):
        field = field.replace(",", ".")
    try:
        return float(field)
    except ValueError:
        return None


def _number(field: str, delimiter: str | None, source: str, n: int, column: str) -> float:
    if not field.strip():
        raise SpecError(f"{source}, line {n}, column {column}: empty value")
    value = _try_number(field, delimiter)
    if value is None:
        raise SpecError(f"{source}, line {n}, column {column}: {field!r} is not a number")
    if not np.isfinite(value):
        raise SpecError(f"{source}, line {n}, column {column}: {field!r} is not a finite number")
    return value


def _looks_like_header(rows: list[Row], delimiter: str | None) -> bool:
    first = rows[0][1]
    text = [_try_number(f, delimiter) is None for f in first]
    if not any(text):
        return False
    if len(rows) == 1:
        return all(text)
    second = rows[1][1]
    return any(t and j < len(second) and _try_number(second[j], delimiter) is not None
               for j, t in enumerate(text))


def _column_names(header: list[str] | None, width: int) -> list[str]:
    names = []
    for j in range(width):
        name = header[j] if header is not None and header[j] else f"column {j + 1}"
        names.append(name)
    return names


def _label_index(label_column: str | int | None, header: list[str] | None, names: list[str],
                 width: int) -> int:
    if label_column is None:
        return width - 1
    if isinstance(label_column, bool):
        raise SpecError(f"label_column: expected a column name or number, got {label_column!r}")
    if isinstance(label_column, int):
        if not -width <= label_column < width:
            raise SpecError(f"label_column: no column {label_column} (the file has {width} "
                            f"columns, numbered from 0)")
        return label_column % width
    if isinstance(label_column, str):
        if header is None:
            raise SpecError(f"label_column: {label_column!r} names a column, but the file has "
                            "no header row; give the column's number instead")
        for candidates in (header, [h.lower() for h in header]):
            key = label_column.strip() if candidates is header else label_column.strip().lower()
            if key in candidates:
                return candidates.index(key)
        raise SpecError(f"label_column: no column named {label_column!r} "
                        f"(columns: {', '.join(names)})")
    raise SpecError(f"label_column: expected a column name or number, got {label_column!r}")
