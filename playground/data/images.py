"""Image datasets: the built-in pack, full MNIST-format sets found or given as IDX files, and
datasets made from images that a UI layer has decoded.

Images are N×C×H×W (C = 1 for grey). The datasets handed to the core hold float32 in [0, 1].
Inside this module pixels stay uint8 until the samples are chosen; `ImageDataset.as_float()` is
the one conversion point for callers that asked for `dtype="uint8"` to save memory.

Sets with an official train/test division (MNIST, Fashion-MNIST) come back as one ImageDataset
holding both parts, training images first; `test_index` marks the official test images.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from playground.core.errors import SpecError, check_number
from playground.data import idx
from playground.data.dataset import Dataset

DIGIT_CLASSES = [str(d) for d in range(10)]
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot"]
BUILTIN = ("digits", "mnist", "fashion_mnist")
FULL = {"mnist_full": "mnist", "fashion_mnist_full": "fashion_mnist"}
FULL_CLASSES = {"mnist": DIGIT_CLASSES, "fashion_mnist": FASHION_CLASSES}
SUBSETS = ("train+test", "train", "test")
PARTS = ("train", "test")


@dataclass
class ImageDataset(Dataset):
    """A Dataset of images; `test_index` holds the positions of the official test images
    (None when the set has no official division); integer X means pixels / `max_value`."""

    test_index: np.ndarray | None = None
    max_value: float = 1.0

    def subset(self, index: np.ndarray) -> ImageDataset:
        test = None
        if self.test_index is not None:
            is_test = np.zeros(len(self.X), dtype=bool)
            is_test[self.test_index] = True
            test = np.flatnonzero(is_test[index])
        return ImageDataset(self.name, self.X[index],
                            None if self.labels is None else self.labels[index],
                            None if self.values is None else self.values[index],
                            list(self.class_names), test, self.max_value)

    @property
    def train_index(self) -> np.ndarray:
        """Positions of the images outside the official test part."""
        keep = np.ones(len(self.X), dtype=bool)
        if self.test_index is not None:
            keep[self.test_index] = False
        return np.flatnonzero(keep)

    def official_split(self) -> tuple[ImageDataset, ImageDataset]:
        """(train, test) as the source divides them."""
        if self.test_index is None:
            raise SpecError(f"dataset '{self.name}' has no official test part")
        return self.subset(self.train_index), self.subset(self.test_index)

    def as_float(self, dtype: Any = np.float32) -> ImageDataset:
        """The same images as floats in [0, 1] (the dataset itself when already float)."""
        if np.issubdtype(self.X.dtype, np.floating) and self.X.dtype == np.dtype(dtype):
            return self
        X = to_float(self.X, self.max_value, dtype)
        return ImageDataset(self.name, X, self.labels, self.values, list(self.class_names),
                            self.test_index, 1.0)


def to_float(pixels: np.ndarray, max_value: float = 255.0, dtype: Any = np.float32) -> np.ndarray:
    """Integer pixels 0..max_value as floats in [0, 1], without a float64 intermediate."""
    if np.issubdtype(pixels.dtype, np.floating):
        return pixels.astype(dtype, copy=False)
    out = np.empty(pixels.shape, dtype=dtype)
    np.divide(pixels, np.dtype(dtype).type(max_value), out=out, dtype=dtype)
    return out


# --- choosing and assembling ---------------------------------------------------------------------
@dataclass
class Parts:
    """Raw parts of a set before selection: integer images (N, H, W) or (N, C, H, W), labels."""

    images: dict[str, np.ndarray]
    labels: dict[str, np.ndarray]
    class_names: list[str]
    max_value: float = 255.0
    origin: dict[str, np.ndarray] = field(default_factory=dict)  # part -> source indices


def balanced_indices(labels: np.ndarray, count: int, classes: int,
                     rng: np.random.Generator) -> np.ndarray:
    """`count` positions with the classes as equal as the labels allow, in ascending order."""
    groups = [np.flatnonzero(labels == c) for c in range(classes)]
    want = [count // classes + (1 if c < count % classes else 0) for c in range(classes)]
    # classes short of images hand their share to the others, round by round
    take = [min(w, len(g)) for w, g in zip(want, groups, strict=True)]
    short = count - sum(take)
    while short > 0:
        room = [c for c in range(classes) if take[c] < len(groups[c])]
        if not room:
            break
        for c in room[:short]:
            take[c] += 1
        short = count - sum(take)
    chosen = [rng.choice(g, t, replace=False) for g, t in zip(groups, take, strict=True) if t]
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, dtype=np.int64)


def assemble(name: str, parts: Parts, subset: str = "train+test", samples: int | None = None,
             seed: int = 0, dtype: str = "float32") -> ImageDataset:
    """Choose (optionally a class-balanced `samples` subset) and join the parts into one set."""
    if subset not in SUBSETS:
        raise SpecError(f"dataset.subset: use one of {', '.join(SUBSETS)} (got {subset!r})")
    if dtype not in ("float32", "uint8"):
        raise SpecError(f"dataset.dtype: use float32 or uint8 (got {dtype!r})")
    names = [p for p in PARTS if p in subset.split("+") and p in parts.images]
    if not names:
        raise SpecError(f"dataset.subset: '{name}' has no official test part "
                        "(use subset 'train+test' or 'train')")
    sizes = {p: len(parts.labels[p]) for p in names}
    total = sum(sizes.values())
    counts = dict(sizes)
    if samples is not None:
        samples = int(check_number("dataset.samples", samples, len(parts.class_names), total,
                                   integer=True))
        counts = {p: round(samples * sizes[p] / total) for p in names}
        counts[names[0]] = samples - sum(counts[p] for p in names[1:])
    seed = int(check_number("dataset.seed", seed, 0, 2**32 - 1, integer=True))
    rng = np.random.default_rng([seed, 28])
    chosen = {p: (np.arange(sizes[p]) if counts[p] == sizes[p] else
                  balanced_indices(parts.labels[p], counts[p], len(parts.class_names), rng))
              for p in names}
    n = sum(len(c) for c in chosen.values())
    first = parts.images[names[0]]
    shape = (first.shape[1:] if first.ndim == 4 else (1, *first.shape[1:]))
    X = np.empty((n, *shape), dtype=np.uint8 if dtype == "uint8" else np.float32)
    labels = np.empty(n, dtype=np.int64)
    start = 0
    for p in names:
        pick = chosen[p]
        whole = len(pick) == sizes[p]  # no copy of the source before conversion
        block = (parts.images[p] if whole else parts.images[p][pick]).reshape(len(pick), *shape)
        end = start + len(pick)
        if dtype == "uint8":
            X[start:end] = block
        else:
            np.divide(block, np.float32(parts.max_value), out=X[start:end], dtype=np.float32)
        labels[start:end] = parts.labels[p][pick]
        start = end
    # one official part alone is plain data: only train+test keeps the division
    test_index = (np.arange(n - len(chosen["test"]), n) if "test" in chosen and len(chosen) == 2
                  else None)
    return ImageDataset(name, X, labels, class_names=list(parts.class_names),
                        test_index=test_index,
                        max_value=parts.max_value if dtype == "uint8" else 1.0)


# --- the built-in pack -------------------------------------------------------------------------
def _pack_folder() -> Any:
    return files("playground.resources") / "datasets"


@lru_cache(maxsize=1)
def builtin_records() -> dict[str, dict[str, Any]]:
    """SOURCES.json of the shipped pack: per set its sizes, source, licence and checksums."""
    doc = json.loads((_pack_folder() / "SOURCES.json").read_text(encoding="utf-8"))
    return doc["datasets"]


@lru_cache(maxsize=len(BUILTIN))
def builtin_parts(name: str) -> Parts:
    """The shipped arrays of a built-in set (cached; the arrays are read-only)."""
    if name not in BUILTIN:
        raise SpecError(f"dataset.name: no built-in image set {name!r} "
                        f"(built in: {', '.join(BUILTIN)})")
    record = builtin_records()[name]
    resource = _pack_folder() / record["file"]
    try:
        with resource.open("rb") as f, np.load(f, allow_pickle=False) as z:
            arrays = {key: z[key] for key in z.files}
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise SpecError(f"built-in dataset file {record['file']} cannot be read ({exc}); "
                        "reinstall the program") from None
    for a in arrays.values():
        a.flags.writeable = False
    present = [p for p in PARTS if f"{p}_images" in arrays]
    return Parts({p: arrays[f"{p}_images"] for p in present},
                 {p: arrays[f"{p}_labels"].astype(np.int64) for p in present},
                 list(record["class_names"]), float(record["max_value"]),
                 {p: arrays[f"{p}_index"] for p in present})


def load_builtin(name: str, subset: str = "train+test", samples: int | None = None,
                 seed: int = 0, dtype: str = "float32") -> ImageDataset:
    """A shipped set: digits (8×8, 1,797), mnist or fashion_mnist (10,000 train + 2,000 test).

    `subset` picks the official parts ("train+test" keeps the division in `test_index`; one part
    alone comes back as plain data); `samples` takes a class-balanced subset of them (split
    between train and test in their proportion), chosen by `seed`."""
    return assemble(name, builtin_parts(name), subset, samples, seed, dtype)


# --- IDX files ----------------------------------------------------------------------------------
def _read_part(images_path: str | os.PathLike[str], labels_path: str | os.PathLike[str],
               classes: int | None) -> tuple[np.ndarray, np.ndarray, float]:
    images = idx.read_idx(images_path)
    labels = idx.read_idx(labels_path)
    return _check_part(images, labels, classes, str(images_path), str(labels_path))


def _check_part(images: np.ndarray, labels: np.ndarray, classes: int | None, images_name: str,
                labels_name: str) -> tuple[np.ndarray, np.ndarray, float]:
    if images.ndim != 3 or 0 in images.shape:
        raise SpecError(f"{images_name}: expected images (count × height × width), "
                        f"found an array of shape {images.shape}")
    if labels.ndim != 1:
        raise SpecError(f"{labels_name}: expected one label per image, "
                        f"found an array of shape {labels.shape}")
    if len(labels) != len(images):
        raise SpecError(f"{labels_name} has {len(labels):,} labels but {images_name} has "
                        f"{len(images):,} images")
    if not np.issubdtype(labels.dtype, np.integer):
        raise SpecError(f"{labels_name}: labels must be whole numbers, found {labels.dtype}")
    if images.dtype == np.uint8:
        max_value = 255.0
    elif np.issubdtype(images.dtype, np.floating):
        if not np.all(np.isfinite(images)) or images.min() < 0 or images.max() > 1:
            raise SpecError(f"{images_name}: float pixels must lie in [0, 1]")
        max_value = 1.0
    else:
        raise SpecError(f"{images_name}: pixels must be unsigned bytes (or floats in [0, 1]), "
                        f"found {images.dtype}")
    low, high = int(labels.min()), int(labels.max())
    limit = classes if classes is not None else 256
    if low < 0 or high >= limit:
        bad = int(np.flatnonzero((labels < 0) | (labels >= limit))[0])
        raise SpecError(f"{labels_name}: label {int(labels[bad])} at position {bad} is out of "
                        f"range (expected 0..{limit - 1})")
    return images, labels.astype(np.int64), max_value


def _class_names(labels: list[np.ndarray], class_names: list[str] | None) -> list[str]:
    if class_names is not None:
        return [str(c) for c in class_names]
    top = max(int(lab.max()) for lab in labels)
    return [str(c) for c in range(max(top + 1, 2))]


def load_idx_pair(images_path: str | os.PathLike[str], labels_path: str | os.PathLike[str], *,
                  name: str = "idx", class_names: list[str] | None = None,
                  dtype: str = "float32") -> ImageDataset:
    """One images file and its labels file (IDX, plain or .gz) as a dataset."""
    return load_idx_dataset(images_path, labels_path, name=name, class_names=class_names,
                            dtype=dtype)


def load_idx_dataset(train_images: str | os.PathLike[str], train_labels: str | os.PathLike[str],
                     test_images: str | os.PathLike[str] | None = None,
                     test_labels: str | os.PathLike[str] | None = None, *, name: str = "idx",
                     class_names: list[str] | None = None, subset: str = "train+test",
                     samples: int | None = None, seed: int = 0,
                     dtype: str = "float32") -> ImageDataset:
    """Training files and optionally test files (IDX) as one dataset; `test_index` marks the
    test images. Pixels stay uint8 until the chosen samples are converted."""
    if (test_images is None) != (test_labels is None):
        raise SpecError("dataset: give both test_images and test_labels, or neither")
    classes = None if class_names is None else len(class_names)
    pairs = {"train": (train_images, train_labels)}
    if test_images is not None:
        pairs["test"] = (test_images, test_labels)
    images, labels, scale = {}, {}, {}
    for part, (im, lab) in pairs.items():
        images[part], labels[part], scale[part] = _read_part(im, lab, classes)
    if len(images) == 2 and images["train"].shape[1:] != images["test"].shape[1:]:
        raise SpecError(f"{test_images}: images of {_size(images['test'])} pixels, but the "
                        f"training images are {_size(images['train'])}")
    if len(set(scale.values())) != 1:
        raise SpecError(f"{test_images}: pixel type differs from {train_images}")
    names = _class_names(list(labels.values()), class_names)
    return assemble(name, Parts(images, labels, names, scale["train"]), subset, samples, seed,
                    dtype)


def _size(images: np.ndarray) -> str:
    return "×".join(str(n) for n in images.shape[-2:])


# --- full sets in the usual places ---------------------------------------------------------------
IDX_NAMES = {
    "train_images": ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    "train_labels": ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    "test_images": ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
    "test_labels": ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
}
KERAS_KEYS = {"train_images": "x_train", "train_labels": "y_train", "test_images": "x_test",
              "test_labels": "y_test"}


@dataclass
class Installed:
    """A full set found on this machine."""

    name: str  # "mnist" or "fashion_mnist"
    origin: str  # where it came from: "Debian package", "Keras", "torchvision", "folder"
    location: str  # a folder of IDX files or a Keras .npz file
    format: str  # "idx" or "keras-npz"
    files: dict[str, str]
    sizes: dict[str, int]
    problem: str = ""  # non-empty when the files are there but cannot be used

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def idx_files_in(folder: str | os.PathLike[str]) -> dict[str, Path] | None:
    """The four MNIST-style IDX files in a folder (usual names, plain or .gz), or None."""
    folder = Path(folder)
    found = {}
    for key, stems in IDX_NAMES.items():
        for stem in stems:
            hits = [folder / (stem + ext) for ext in ("", ".gz")
                    if (folder / (stem + ext)).is_file()]
            if hits:
                found[key] = hits[0]
                break
        else:
            return None
    return found


def data_roots(home: str | os.PathLike[str] | None = None) -> list[Path]:
    """Folders where torchvision-style roots are looked for: $PLAYGROUND_DATA_PATH, then
    ./data, ~/data, ~/datasets."""
    home = Path(home) if home is not None else Path.home()
    roots = [Path(p) for p in os.environ.get("PLAYGROUND_DATA_PATH", "").split(os.pathsep) if p]
    return [*roots, Path.cwd() / "data", home / "data", home / "datasets"]


def candidate_places(home: str | os.PathLike[str] | None = None,
                     roots: list[Path] | None = None,
                     system: str | os.PathLike[str] = "/usr/share/datasets",
                     ) -> list[tuple[str, str, Path]]:
    """(set, origin, path) for every place a full set may be: a folder of IDX files or a Keras
    .npz file."""
    home = Path(home) if home is not None else Path.home()
    keras = Path(os.environ["KERAS_HOME"]) if "KERAS_HOME" in os.environ else home / ".keras"
    system = Path(system)
    places = [("mnist", "Debian package", system / "mnist"),
              ("fashion_mnist", "Debian package", system / "fashion-mnist"),
              ("mnist", "Keras", keras / "datasets" / "mnist.npz"),
              ("fashion_mnist", "Keras", keras / "datasets" / "fashion-mnist")]
    for root in roots if roots is not None else data_roots(home):
        places += [("mnist", "torchvision", root / "MNIST" / "raw"),
                   ("fashion_mnist", "torchvision", root / "FashionMNIST" / "raw")]
    return places


def _keras_sizes(path: Path) -> dict[str, int]:
    """Image counts in a Keras mnist.npz, from the array headers only."""
    sizes = {}
    with zipfile.ZipFile(path) as z:
        for part in PARTS:
            with z.open(KERAS_KEYS[f"{part}_images"] + ".npy") as f:
                major, _ = np.lib.format.read_magic(f)
                read = (np.lib.format.read_array_header_1_0 if major == 1
                        else np.lib.format.read_array_header_2_0)
                shape = read(f)[0]
            sizes[part] = int(shape[0])
    return sizes


def inspect_place(name: str, origin: str, path: Path) -> Installed | None:
    """What is at a place: None when nothing is there."""
    try:
        if path.suffix == ".npz":
            if not path.is_file():
                return None
            try:
                sizes = _keras_sizes(path)
                problem = ""
            except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
                sizes, problem = {}, f"{path}: not a usable Keras MNIST file ({exc})"
            return Installed(name, origin, str(path), "keras-npz", {"npz": str(path)}, sizes,
                             problem)
        found = idx_files_in(path) if path.is_dir() else None
    except OSError:
        return None
    if found is None:
        return None
    sizes, problem = {}, ""
    try:
        for part in PARTS:
            sizes[part] = idx.read_header(found[f"{part}_images"])[1][0]
    except SpecError as exc:
        problem = str(exc)
    return Installed(name, origin, str(path), "idx", {k: str(v) for k, v in found.items()},
                     sizes, problem)


def find_installed(home: str | os.PathLike[str] | None = None, roots: list[Path] | None = None,
                   system: str | os.PathLike[str] = "/usr/share/datasets") -> list[Installed]:
    """Full MNIST / Fashion-MNIST sets present in the usual places (reads headers only)."""
    found = []
    for name, origin, path in candidate_places(home, roots, system):
        item = inspect_place(name, origin, path)
        if item is not None:
            found.append(item)
    return found


def _keras_parts(path: Path) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    images, labels = {}, {}
    try:
        with np.load(path, allow_pickle=False) as z:
            for part in PARTS:
                images[part] = z[KERAS_KEYS[f"{part}_images"]]
                labels[part] = z[KERAS_KEYS[f"{part}_labels"]]
    except KeyError as exc:
        raise SpecError(f"{path}: not a Keras MNIST file (no array {exc})") from None
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise SpecError(f"{path}: cannot read it ({exc})") from None
    return images, labels


def load_full(name: str, location: str | os.PathLike[str] | None = None,
              subset: str = "train+test", samples: int | None = None, seed: int = 0,
              dtype: str = "float32", **find: Any) -> ImageDataset:
    """A full set ("mnist" or "fashion_mnist", 60,000 + 10,000) from `location` (a folder of IDX
    files or a Keras .npz), or from the first usual place where it is found."""
    if name not in FULL_CLASSES:
        raise SpecError(f"dataset.name: no full set {name!r} (known: {', '.join(FULL_CLASSES)})")
    if location is None:
        found = [f for f in find_installed(**find) if f.name == name]
        if not found:
            places = ", ".join(str(p) for n, _, p in candidate_places(**find) if n == name)
            raise SpecError(f"the full {name} set was not found (looked in {places}); give "
                            "its folder as dataset.path")
        location = found[0].location
    path = Path(location)
    classes = FULL_CLASSES[name]
    if path.suffix == ".npz":
        images, labels = _keras_parts(path)
        for part in PARTS:
            images[part], labels[part], _ = _check_part(
                images[part], labels[part], len(classes), f"{path} ({part} images)",
                f"{path} ({part} labels)")
        parts = Parts(images, labels, classes, 255.0)
        return assemble(f"{name}_full", parts, subset, samples, seed, dtype)
    if not path.is_dir():
        raise SpecError(f"{path}: no such folder")
    found_files = idx_files_in(path)
    if found_files is None:
        raise SpecError(f"{path}: the four IDX files (train-images-idx3-ubyte, "
                        "train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, "
                        "plain or .gz) are not all there")
    return load_idx_dataset(found_files["train_images"], found_files["train_labels"],
                            found_files["test_images"], found_files["test_labels"],
                            name=f"{name}_full", class_names=classes, subset=subset,
                            samples=samples, seed=seed, dtype=dtype)


# --- images decoded elsewhere (PNG/JPEG folders: decoding happens in the UI layer) -------------
def resize_image(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(C, H, W) float image resampled to size (h, w) with a triangle filter (antialiased)."""
    height, width = size
    rows = _resample_matrix(image.shape[1], height)
    cols = _resample_matrix(image.shape[2], width)
    return np.einsum("yh,chw,xw->cyx", rows, image.astype(np.float64), cols)


def _resample_matrix(n_in: int, n_out: int) -> np.ndarray:
    scale = n_in / n_out
    support = max(scale, 1.0)
    centres = (np.arange(n_out) + 0.5) * scale - 0.5
    taps = np.arange(n_in)
    w = np.maximum(0.0, 1.0 - np.abs(taps[None, :] - centres[:, None]) / support)
    total = w.sum(axis=1, keepdims=True)
    nearest = np.clip(np.rint(centres).astype(int), 0, n_in - 1)
    empty = total[:, 0] == 0
    w[empty, nearest[empty]] = 1.0
    return w / np.where(total > 0, total, 1.0)


def _as_chw(image: Any, position: int) -> np.ndarray:
    a = np.asarray(image)
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3 or a.shape[2] not in (1, 3, 4) or 0 in a.shape:
        raise SpecError(f"image {position}: expected height × width (× 1, 3 or 4 channels), "
                        f"got shape {a.shape}")
    if a.dtype == np.uint8:
        a = a.astype(np.float32) / 255
    elif np.issubdtype(a.dtype, np.floating):
        if not np.all(np.isfinite(a)) or a.min() < 0 or a.max() > 1:
            raise SpecError(f"image {position}: float pixels must lie in [0, 1]")
    else:
        raise SpecError(f"image {position}: pixels must be uint8 or floats in [0, 1], "
                        f"got {a.dtype}")
    if a.shape[2] == 4:
        a = a[:, :, :3]  # alpha is dropped
    return np.transpose(a, (2, 0, 1))


def dataset_from_arrays(name: str, images: list[Any], labels: Any, class_names: list[str], *,
                        size: tuple[int, int] | None = None) -> ImageDataset:
    """A dataset from decoded images: each H×W (grey) or H×W×3/4 (RGB/RGBA; alpha dropped),
    uint8 or float in [0, 1]. Images of other sizes than `size` are resized (triangle filter);
    with size=None they must all have the same size. Mixed grey and colour gives colour."""
    labels = np.asarray(labels)
    if len(images) == 0:
        raise SpecError(f"dataset '{name}': no images")
    if labels.shape != (len(images),):
        raise SpecError(f"dataset '{name}': {len(images)} images but labels of shape "
                        f"{labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise SpecError(f"dataset '{name}': labels must be whole numbers")
    if len(class_names) < 2:
        raise SpecError(f"dataset '{name}': needs at least two classes")
    bad = np.flatnonzero((labels < 0) | (labels >= len(class_names)))
    if len(bad):
        raise SpecError(f"dataset '{name}': image {int(bad[0])} has label {int(labels[bad[0]])}, "
                        f"outside 0..{len(class_names) - 1}")
    chw = [_as_chw(im, i) for i, im in enumerate(images)]
    if size is None:
        first = chw[0].shape[1:]
        for i, a in enumerate(chw):
            if a.shape[1:] != first:
                raise SpecError(f"dataset '{name}': image {i} is {a.shape[2]}×{a.shape[1]} but "
                                f"image 0 is {first[1]}×{first[0]}; choose one size to "
                                "resize them to")
        size = first
    else:
        size = (int(check_number("size[0]", size[0], 1, 4096, integer=True)),
                int(check_number("size[1]", size[1], 1, 4096, integer=True)))
    channels = 3 if any(a.shape[0] == 3 for a in chw) else 1
    X = np.empty((len(chw), channels, *size), dtype=np.float32)
    for i, a in enumerate(chw):
        if a.shape[1:] != tuple(size):
            a = resize_image(a, size)
        X[i] = a if a.shape[0] == channels else np.repeat(a, channels, axis=0)
    np.clip(X, 0.0, 1.0, out=X)
    return ImageDataset(name, X, labels.astype(np.int64), class_names=[str(c) for c in class_names])
