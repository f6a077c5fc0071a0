"""Image folders (D6): one subfolder per class, PNG or JPEG files, decoded by Qt's image reader.

Importing this module registers the "image_folder" dataset, so documents and
`playground train` can name it: {"name": "image_folder", "path": "...", "size": [28, 28]}.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtGui import QImage, QImageReader

from playground.core.errors import SpecError
from playground.data.datasets import register_loader
from playground.data.images import ImageDataset, dataset_from_arrays

SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif"}


def decode(path: Path) -> np.ndarray:
    """H×W uint8 for grey images, H×W×3 for colour; a clear error for a broken file."""
    reader = QImageReader(str(path))
    image = reader.read()
    if image.isNull():
        raise SpecError(f"{path}: cannot read this image ({reader.errorString()})")
    grey = image.isGrayscale()
    image = image.convertToFormat(QImage.Format.Format_Grayscale8 if grey
                                  else QImage.Format.Format_RGB888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * height)
    rows = data.reshape(height, stride)
    if grey:
        return rows[:, :width].copy()
    return rows[:, :width * 3].reshape(height, width, 3).copy()


def load_image_folder(path: str, size: Any = None, name: str | None = None) -> ImageDataset:
    """Every image under path/<class>/ (classes sorted by folder name)."""
    root = Path(path)
    if not root.is_dir():
        raise SpecError(f"dataset.path: {root} is not a folder")
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if len(classes) < 2:
        raise SpecError(f"dataset.path: {root} needs one subfolder per class (found "
                        f"{len(classes)})")
    images, labels = [], []
    for label, cls in enumerate(classes):
        files = sorted(p for p in (root / cls).iterdir() if p.suffix.lower() in SUFFIXES)
        if not files:
            raise SpecError(f"dataset.path: the class folder {root / cls} has no images")
        for file in files:
            images.append(decode(file))
            labels.append(label)
    target = None if size is None else (tuple(size) if isinstance(size, list | tuple)
                                        else (int(size), int(size)))
    return dataset_from_arrays(name or root.name, images, np.array(labels, dtype=np.int64),
                               classes, size=target)


register_loader("image_folder", load_image_folder)
