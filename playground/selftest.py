"""`playground --selftest`: does this installation work on this machine?

Checks, in order, each timed:

- numba cache: which folder the compiled kernels go to (and that they really go there);
- xor: builds the 2-D "xor" preset, trains a few steps on the fused MLP kernel, and compares the
  network's outputs with an independent NumPy forward pass over the same weights;
- lenet: builds the "lenet" preset (shipped MNIST subset), compares the outputs of the untrained
  network with a NumPy forward pass (direct convolution loops, not im2col), trains a few steps
  and checks the loss on a fixed batch went down and every output is finite;
- render: opens the main window (offscreen unless a display is set), grabs a 1280×800 frame
  and checks it is not blank (many distinct colours, no single colour covering almost all).

Prints one line per check, then OK (exit 0) or FAILED (exit 1). `--report FILE.json` writes the
details: frozen or not, versions, the Numba cache folder with its hits and misses, the Qt
platform, timings; the grabbed frame goes beside it as FILE.png.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import playground
from playground import _numba_cache

XOR_STEPS = 200
LENET_STEPS = 12
#: lenet's first steps on one process and on two (playground train --threads 2)
PARALLEL_STEPS = 4
#: their weights agree to float32 rounding (the two parts' gradients are summed in another order)
PARALLEL_TOLERANCE = 1e-4
LENET_CHECK_IMAGES = 64
#: float32 network vs float64 reference
OUTPUT_TOLERANCE = 1e-4
MIN_COLOURS = 32
MAX_DOMINANT_SHARE = 0.98


class CheckFailed(Exception):
    pass


# --- NumPy reference ---------------------------------------------------------------------------
def _activation(name: str, z: np.ndarray) -> np.ndarray:
    if name == "linear":
        return z
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    raise CheckFailed(f"the NumPy reference has no activation {name!r}")


def _pair(value: Any) -> tuple[int, int]:
    return (int(value[0]), int(value[1])) if isinstance(value, list | tuple) else (
        int(value), int(value))


def _conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, stride: Any,
            padding: Any) -> np.ndarray:
    """Direct convolution (cross-correlation, as every framework's conv2d): one kernel offset at
    a time, summed over input channels with einsum."""
    sh, sw = _pair(stride)
    f, _c, kh, kw = w.shape
    if padding == "valid":
        ph = pw = 0
    elif padding == "same":
        raise CheckFailed("the NumPy reference does not do 'same' padding")
    else:
        ph, pw = _pair(padding)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh = (xp.shape[2] - kh) // sh + 1
    ow = (xp.shape[3] - kw) // sw + 1
    out = np.zeros((x.shape[0], f, oh, ow))
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, :, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw]
            out += np.einsum("nchw,fc->nfhw", patch, w[:, :, i, j])
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out


def _maxpool(x: np.ndarray, size: Any, stride: Any) -> np.ndarray:
    kh, kw = _pair(size)
    sh, sw = _pair(stride if stride is not None else size)
    oh = (x.shape[2] - kh) // sh + 1
    ow = (x.shape[3] - kw) // sw + 1
    out = np.full((x.shape[0], x.shape[1], oh, ow), -np.inf)
    for i in range(kh):
        for j in range(kw):
            out = np.maximum(out, x[:, :, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw])
    return out


def reference_forward(layers: list[dict[str, Any]], weights: dict[str, np.ndarray],
                      x: np.ndarray) -> np.ndarray:
    """Inference of a layer stack in float64 from the experiment document's layer configs and
    the network's saved weights ('1.dense.weight', ...): dense, conv2d, maxpool2d, flatten."""
    a = np.asarray(x, dtype=np.float64)
    for index, layer in enumerate(layers, start=1):
        name = layer["name"]

        def param(key: str, index: int = index, name: str = name) -> np.ndarray | None:
            value = weights.get(f"{index}.{name}.{key}")
            return None if value is None else value.astype(np.float64)

        if name == "dense":
            a = a.reshape(len(a), -1) @ param("weight")
            bias = param("bias")
            if bias is not None:
                a = a + bias
            a = _activation(layer["activation"]["name"], a)
        elif name == "conv2d":
            a = _conv2d(a, param("weight"), param("bias"), layer["stride"], layer["padding"])
            a = _activation(layer["activation"]["name"], a)
        elif name == "maxpool2d":
            a = _maxpool(a, layer["size"], layer.get("stride"))
        elif name == "flatten":
            a = a.reshape(len(a), -1)
        else:
            raise CheckFailed(f"the NumPy reference has no layer {name!r}")
    return a


def _compare(network_out: np.ndarray, reference: np.ndarray, what: str) -> float:
    got = np.asarray(network_out, dtype=np.float64).reshape(reference.shape)
    if not np.all(np.isfinite(got)):
        raise CheckFailed(f"{what}: the network's outputs are not all finite")
    error = float(np.max(np.abs(got - reference) / (1.0 + np.abs(reference))))
    if error > OUTPUT_TOLERANCE:
        raise CheckFailed(f"{what}: outputs differ from the NumPy reference by {error:.2e} "
                          f"(tolerance {OUTPUT_TOLERANCE:.0e})")
    return error


# --- checks --------------------------------------------------------------------------------------
def check_xor() -> dict[str, Any]:
    from playground.core.experiment import load_preset

    exp = load_preset("xor")
    start = time.perf_counter()
    trainer = exp.build()
    taken = trainer.run_steps(XOR_STEPS)
    first_steps = time.perf_counter() - start
    if taken != XOR_STEPS or trainer.divergence is not None:
        raise CheckFailed(f"xor: {taken} of {XOR_STEPS} steps ({trainer.divergence})")
    X = trainer.train_data.X
    error = _compare(trainer.predict(X), reference_forward(
        exp.layers, trainer.network.weight_arrays(), X), "xor")
    losses = trainer.steps.array()[:, 2]
    return {"steps": taken, "fused_kernel": bool(trainer._fused),
            "first_loss": float(losses[0]), "last_loss": float(losses[-1]),
            "max_relative_error": error, "samples_compared": len(X),
            "build_and_train_seconds": round(first_steps, 3)}


def check_lenet() -> dict[str, Any]:
    from playground.core.experiment import load_preset

    exp = load_preset("lenet")
    start = time.perf_counter()
    trainer = exp.build()
    built = time.perf_counter()
    x = trainer.train_data.X[:LENET_CHECK_IMAGES]
    error = _compare(trainer.predict(x), reference_forward(
        exp.layers, trainer.network.weight_arrays(), x), "lenet (before training)")
    # the loss on one fixed batch, before and after: honest about what a dozen steps can show
    batch = trainer.train_data.X[:256]
    labels = trainer.train_data.labels[:256]

    def batch_loss() -> float:
        out = np.asarray(trainer.predict(batch), dtype=np.float64)
        return float(-np.mean(np.log(np.maximum(out[np.arange(len(out)), labels], 1e-12))))

    before = batch_loss()
    trained = time.perf_counter()
    taken = trainer.run_steps(LENET_STEPS)
    train_seconds = time.perf_counter() - trained
    if taken != LENET_STEPS or trainer.divergence is not None:
        raise CheckFailed(f"lenet: {taken} of {LENET_STEPS} steps ({trainer.divergence})")
    after = batch_loss()
    out = trainer.predict(x)
    if not np.all(np.isfinite(out)):
        raise CheckFailed("lenet: outputs after training are not all finite")
    if not after < before:
        raise CheckFailed(f"lenet: the loss did not go down in {taken} steps "
                          f"({before:.4f} -> {after:.4f})")
    error_after = _compare(out, reference_forward(
        exp.layers, trainer.network.weight_arrays(), x), "lenet (after training)")
    return {"steps": taken, "batch_size": trainer.batch_size, "images_compared": len(x),
            "max_relative_error": max(error, error_after), "fixed_batch_loss_before": before,
            "fixed_batch_loss_after": after, "build_seconds": round(built - start, 3),
            "train_seconds": round(train_seconds, 3),
            "build_and_train_seconds": round(time.perf_counter() - start, 3)}


def check_parallel() -> dict[str, Any]:
    """lenet's first steps with a worker process training half of each batch, against the
    same steps on this process alone: starting the worker works here (in the bundle too)."""
    from playground.core.experiment import load_preset

    exp = load_preset("lenet")
    thetas, seconds, workers = [], [], 0
    for threads in (1, 2):
        trainer = exp.build(threads=threads)
        start = time.perf_counter()
        try:
            taken = trainer.run_steps(PARALLEL_STEPS)
            workers = max(workers, trainer.worker_processes)
        finally:
            trainer.close()
        seconds.append(time.perf_counter() - start)
        if taken != PARALLEL_STEPS or trainer.divergence is not None:
            raise CheckFailed(f"parallel: {taken} of {PARALLEL_STEPS} steps on {threads} "
                              f"processes ({trainer.divergence})")
        thetas.append(trainer.network.theta.astype(np.float64))
    if workers != 1:
        raise CheckFailed(f"parallel: {workers} worker processes trained, expected 1")
    difference = float(np.abs(thetas[1] - thetas[0]).max() / np.abs(thetas[0]).max())
    if not difference <= PARALLEL_TOLERANCE:
        raise CheckFailed(f"parallel: two processes' weights differ from one's by "
                          f"{difference:.1e} (limit {PARALLEL_TOLERANCE:.0e})")
    return {"steps": PARALLEL_STEPS, "worker_processes": workers,
            "max_relative_difference": difference, "one_process_seconds": round(seconds[0], 3),
            "two_processes_seconds": round(seconds[1], 3)}


def numba_cache_stats() -> dict[str, Any]:
    """Hits and misses of every compiled kernel in playground.kernels, and where they cache."""
    import importlib
    import pkgutil

    from numba.core.registry import CPUDispatcher

    import playground.kernels as kernels_pkg

    folder = os.environ.get("NUMBA_CACHE_DIR")
    hits = misses = 0
    used, elsewhere, compiled = set(), [], {}
    for info in pkgutil.iter_modules(kernels_pkg.__path__):
        module = importlib.import_module(f"playground.kernels.{info.name}")
        for name, obj in vars(module).items():
            if not isinstance(obj, CPUDispatcher) or obj.__module__ != module.__name__:
                continue
            stats = obj.stats
            h, m = sum(stats.cache_hits.values()), sum(stats.cache_misses.values())
            if not (h or m):
                continue
            hits += h
            misses += m
            compiled[f"{info.name}.{name}"] = {"hits": h, "misses": m}
            path = stats.cache_path
            if path:
                used.add(path)
                if folder and not os.path.realpath(path).startswith(os.path.realpath(folder)):
                    elsewhere.append(f"{info.name}.{name}: {path}")
    return {"folder": folder, "source": _numba_cache.status["source"],
            "not_usable": _numba_cache.status["tried"], "hits": hits, "misses": misses,
            "kernels_used": len(compiled), "cache_paths": sorted(used),
            "cached_elsewhere": elsewhere, "kernels": compiled}


def check_numba_cache(stats: dict[str, Any]) -> dict[str, Any]:
    if stats["kernels_used"] == 0:
        raise CheckFailed("numba: no kernel was compiled or loaded")
    if stats["cached_elsewhere"]:
        # e.g. a frozen app whose kernels have relative file names (PYZ): Numba then caches
        # under ~/.cache/numba, keyed by the folder the app was started from
        raise CheckFailed("numba: kernels cache outside NUMBA_CACHE_DIR: "
                          + "; ".join(stats["cached_elsewhere"][:3]))
    return stats


def _choose_qt_platform() -> str | None:
    """Offscreen on a Linux machine without a display, unless the user chose a platform."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return os.environ["QT_QPA_PLATFORM"]
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                 or os.environ.get("WAYLAND_DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        return "offscreen"
    return None


def frame_statistics(image: Any) -> dict[str, Any]:
    """Distinct colours and the share of the most common one in a QImage."""
    from PySide6.QtGui import QImage

    rgb = image.convertToFormat(QImage.Format.Format_RGB32)
    w, h = rgb.width(), rgb.height()
    if w == 0 or h == 0:
        return {"width": w, "height": h, "colours": 0, "dominant_share": 1.0}
    rows = np.frombuffer(rgb.constBits(), dtype=np.uint8, count=rgb.sizeInBytes())
    pixels = rows.reshape(h, rgb.bytesPerLine())[:, :w * 4].copy().view(np.uint32) & 0xFFFFFF
    _, counts = np.unique(pixels, return_counts=True)
    return {"width": w, "height": h, "colours": len(counts),
            "dominant_share": round(float(counts.max()) / pixels.size, 4)}


def check_render(frame_path: Path | None) -> dict[str, Any]:
    requested = _choose_qt_platform()
    messages: list[str] = []
    from PySide6.QtCore import QSettings, QtMsgType, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    def collect(kind: QtMsgType, _context: Any, text: str) -> None:
        if kind != QtMsgType.QtDebugMsg:
            messages.append(f"{kind.name}: {text}")

    previous = qInstallMessageHandler(collect)
    scratch = tempfile.mkdtemp(prefix="playground-selftest-")
    try:
        start = time.perf_counter()
        app = QApplication.instance() or QApplication([sys.argv[0]])
        # the window's settings (QSettings()) go to a scratch folder: the selftest neither
        # reads the user's saved state nor replaces it
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, scratch)
        from playground.ui.app import MainWindow

        window = MainWindow()
        window.resize(1280, 800)
        window.show()
        app.processEvents()
        image = window.grab().toImage()
        seconds = time.perf_counter() - start
        stats = frame_statistics(image)
        if frame_path is not None:
            image.save(str(frame_path))
        window.close()
        app.processEvents()
    finally:
        qInstallMessageHandler(previous)
        shutil.rmtree(scratch, ignore_errors=True)
    result = {"qt_platform": QApplication.platformName(), "requested_platform": requested,
              **stats, "qt_messages": messages[:20], "window_seconds": round(seconds, 3)}
    if frame_path is not None:
        result["frame"] = str(frame_path)
    if stats["colours"] < MIN_COLOURS or stats["dominant_share"] > MAX_DOMINANT_SHARE:
        raise CheckFailed(f"render: the frame looks blank ({stats['colours']} colours, one "
                          f"covers {stats['dominant_share']:.1%})")
    return result


# --- driver --------------------------------------------------------------------------------------
def environment() -> dict[str, Any]:
    import numba

    versions = {"playground": playground.__version__, "python": platform.python_version(),
                "numpy": np.__version__, "numba": numba.__version__}
    try:
        import PySide6

        versions["pyside6"] = PySide6.__version__
    except ImportError:
        versions["pyside6"] = None
    return {"frozen": bool(getattr(sys, "frozen", False)), "executable": sys.executable,
            "bundle": getattr(sys, "_MEIPASS", None), "platform": platform.platform(),
            "machine": platform.machine(), "versions": versions,
            "build_id": _numba_cache.frozen_build_id(), "cwd": os.getcwd(),
            "home": os.path.expanduser("~"), "cpus": os.cpu_count(),
            # timings swing when other processes keep the cores busy: say how busy they were
            "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
            "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE")}


def run_checks(frame_path: Path | None = None,
               out: Callable[[str], None] = print) -> dict[str, Any]:
    report: dict[str, Any] = {"ok": False, "environment": environment(), "checks": {},
                              "timings": {}}
    started = time.perf_counter()
    checks: list[tuple[str, Callable[[], dict[str, Any]]]] = [
        ("xor", check_xor),
        ("lenet", check_lenet),
        ("parallel", check_parallel),
        ("numba_cache", lambda: check_numba_cache(numba_cache_stats())),
        ("render", lambda: check_render(frame_path)),
    ]
    failed = None
    for name, check in checks:
        start = time.perf_counter()
        try:
            result = check()
        except CheckFailed as exc:
            failed = str(exc)
        except Exception as exc:  # a crash in a check is a failed check, with its reason
            failed = f"{name}: {type(exc).__name__}: {exc}"
        seconds = time.perf_counter() - start
        report["timings"][name] = round(seconds, 3)
        if failed:
            report["checks"][name] = {"ok": False, "error": failed}
            out(f"{name:<12} FAILED  {failed}")
            break
        report["checks"][name] = {"ok": True, **result}
        out(f"{name:<12} ok      {seconds:6.2f} s  {_summary(name, result)}")
    report["timings"]["total"] = round(time.perf_counter() - started, 3)
    if "numba_cache" not in report["checks"]:
        try:
            report["numba_cache"] = numba_cache_stats()
        except Exception as exc:
            report["numba_cache"] = {"error": f"{type(exc).__name__}: {exc}"}
    else:
        report["numba_cache"] = {k: v for k, v in report["checks"]["numba_cache"].items()
                                 if k != "ok"}
    report["ok"] = failed is None
    report["error"] = failed
    return report


def _summary(name: str, result: dict[str, Any]) -> str:
    if name == "xor":
        return (f"{result['steps']} steps, loss {result['first_loss']:.3f} -> "
                f"{result['last_loss']:.3f}, vs NumPy {result['max_relative_error']:.1e}")
    if name == "lenet":
        return (f"{result['steps']} steps, batch loss {result['fixed_batch_loss_before']:.3f}"
                f" -> {result['fixed_batch_loss_after']:.3f}, vs NumPy "
                f"{result['max_relative_error']:.1e}")
    if name == "parallel":
        return (f"{result['steps']} steps on 1 and 2 processes, weights agree to "
                f"{result['max_relative_difference']:.1e}")
    if name == "numba_cache":
        return (f"{result['hits']} hits, {result['misses']} misses, "
                f"{result['folder'] or 'no cache'} ({result['source']})")
    if name == "render":
        return (f"{result['qt_platform']}, {result['width']}×{result['height']}, "
                f"{result['colours']} colours")
    return ""


def main(report: str | None = None) -> int:
    frame = Path(report).with_suffix(".png") if report else None
    result = run_checks(frame)
    if report:
        Path(report).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print("OK" if result["ok"] else "FAILED", flush=True)
    return 0 if result["ok"] else 1
