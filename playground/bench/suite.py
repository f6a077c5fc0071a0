"""The speed suite: each workload run by this project, a hand-written NumPy version and, when
installed, PyTorch, on the same data and initial weights, at 1 and 2 threads (DESIGN.md, "Speed").

Each thread count runs in a child process, because BLAS and Numba read their thread counts from
the environment once, at import.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                    "NUMBA_NUM_THREADS")


@dataclass
class Row:
    workload: str
    unit: str
    threads: int
    ours: float | None
    numpy: float | None
    torch: float | None
    ratio_vs_torch: float | None
    ratio_vs_numpy: float | None


def _ratio(ours: float | None, ref: float | None, higher_is_better: bool) -> float | None:
    if not ours or not ref:
        return None
    return round(ours / ref if higher_is_better else ref / ours, 2)


def _calls_per_timing(run: Callable[[int], Any], quick: bool) -> int:
    """How many calls make one timing long enough to measure, after a warm-up."""
    run(2)  # compile / warm up
    n = 1
    target = 0.05 if quick else 0.25
    while True:
        start = time.perf_counter()
        run(n)
        took = time.perf_counter() - start
        if took >= target or n >= 1 << 24:
            return n
        n *= 2 if took <= 0 else max(2, min(16, int(target / took) + 1))


def _rates(runs: dict[str, Callable[[int], Any]], quick: bool) -> dict[str, float]:
    """Median calls-per-second of each run(n). The implementations take turns, one timing
    each per round, so that a change in the machine's load during the suite (a busy host)
    falls on all of them alike instead of on whichever ran then."""
    calls = {name: _calls_per_timing(run, quick) for name, run in runs.items()}
    rates: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(3 if quick else 7):
        for name, run in runs.items():
            start = time.perf_counter()
            run(calls[name])
            rates[name].append(calls[name] / (time.perf_counter() - start))
    return {name: statistics.median(values) for name, values in rates.items()}


def _millis(calls: dict[str, Callable[[], Any]], quick: bool) -> dict[str, float]:
    """Median milliseconds of each call, the implementations taking turns (see _rates)."""
    for call in calls.values():
        call()
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(5 if quick else 30):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) * 1000.0 for name, values in times.items()}


def _mlp_case(sizes, hidden, output, optimizer, lr, samples, seed=0):
    """Data, targets and initial weights shared by all implementations."""
    import numpy as np

    rng = np.random.default_rng(seed)
    if sizes[0] == 2:
        from playground.data.toy2d import generate

        X, labels = generate("xor", samples, 0.0, seed)
    else:
        X = rng.random((samples, sizes[0]))
        labels = rng.integers(0, sizes[-1], samples)
    X = X.astype(np.float32)
    Y = (labels.reshape(-1, 1) if sizes[-1] == 1 else np.eye(sizes[-1])[labels]).astype(
        np.float32)
    weights = [rng.normal(0, np.sqrt(2.0 / sizes[i]), (sizes[i], sizes[i + 1])).astype(np.float32)
               for i in range(len(sizes) - 1)]
    biases = [np.zeros(s, np.float32) for s in sizes[1:]]
    return X, labels, Y, weights, biases


def _our_trainer(sizes, hidden, output, optimizer, lr, X, labels, batch_size, weights, biases,
                 threads=1):
    import numpy as np

    from playground.core.network import Network
    from playground.core.trainer import Trainer
    from playground.data.dataset import Dataset, split_dataset

    classes = max(2, sizes[-1])
    data = Dataset("bench", X, labels, class_names=[str(c) for c in range(classes)])
    split = split_dataset(data, 1.0, 0.0, 0.0, seed=0)
    out_act = "sigmoid" if output == "sigmoid_bce" else "softmax"
    layers = [{"name": "dense", "units": s, "activation": hidden} for s in sizes[1:-1]]
    layers.append({"name": "dense", "units": sizes[-1], "activation": out_act})
    net = Network(layers, (sizes[0],), seed=0, dtype=np.float32)
    arrays = {}
    for i, (w, b) in enumerate(zip(weights, biases, strict=True), start=1):
        arrays[f"{i}.dense.weight"] = w
        arrays[f"{i}.dense.bias"] = b
    net.set_weight_arrays(arrays)
    loss = "binary_crossentropy" if output == "sigmoid_bce" else "softmax_crossentropy"
    return Trainer(net, loss, {"name": optimizer, "learning_rate": lr}, split,
                   batch_size=batch_size, seed=0, threads=threads)


def _references() -> dict[str, Any]:
    from playground.bench import reference_numpy

    refs: dict[str, Any] = {"numpy": reference_numpy}
    try:
        from playground.bench import reference_torch
    except ImportError:  # PyTorch is optional
        return refs
    refs["torch"] = reference_torch
    return refs


def _row(workload, unit, threads, measured, higher_is_better=True) -> Row:
    """A row from {"ours": ..., "numpy": ..., "torch": ...} (references may be missing)."""
    ours, refs = measured["ours"], measured
    return Row(workload, unit, threads, ours, refs.get("numpy"), refs.get("torch"),
               _ratio(ours, refs.get("torch"), higher_is_better),
               _ratio(ours, refs.get("numpy"), higher_is_better))


def run_workloads(threads: int, quick: bool) -> list[Row]:
    """All workloads at the thread count this process was started with."""
    import numpy as np

    refs = _references()
    if "torch" in refs:
        import torch

        torch.set_num_threads(threads)
    rows = []

    # 1. the playground MLP: steps per second
    sizes, hidden, output = [2, 8, 8, 1], "tanh", "sigmoid_bce"
    X, labels, Y, w, b = _mlp_case(sizes, hidden, output, "sgd", 0.03, 1000)
    ours = _our_trainer(sizes, hidden, output, "sgd", 0.03, X, labels, 10, w, b)
    runs = {name: mod.mlp_trainer(sizes, hidden, output, "sgd", 0.03, X, Y, 10, w, b)
            for name, mod in refs.items()}
    rows.append(_row("playground MLP 2-8-8-1 tanh, batch 10, SGD", "steps/s", threads,
                     _rates({"ours": ours.run_steps, **runs}, quick)))

    # 2. a 200x200 decision-boundary grid for that network: milliseconds
    axis = np.linspace(-1.2, 1.2, 200, dtype=np.float32)
    grid = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
    calls = {name: mod.grid_predictor(sizes, hidden, output, w, b, grid)
             for name, mod in refs.items()}
    rows.append(_row("decision grid 200x200, playground MLP", "ms", threads,
                     _millis({"ours": lambda: ours.predict(grid), **calls}, quick),
                     higher_is_better=False))

    # 3. the MNIST-shaped MLP: samples per second
    sizes, hidden, output = [784, 128, 64, 10], "relu", "softmax_ce"
    X, labels, Y, w, b = _mlp_case(sizes, hidden, output, "adam", 1e-3, 4096)
    ours = _our_trainer(sizes, hidden, output, "adam", 1e-3, X, labels, 64, w, b, threads)
    runs = {name: mod.mlp_trainer(sizes, hidden, output, "adam", 1e-3, X, Y, 64, w, b)
            for name, mod in refs.items()}
    steps = _rates({"ours": ours.run_steps, **runs}, quick)
    rows.append(_row("MNIST-shaped MLP 784-128-64-10 ReLU, batch 64, Adam", "samples/s",
                     threads, {name: 64 * rate for name, rate in steps.items()}))
    ours.close()

    # 4. LeNet-5 on 1×28×28: samples per second
    rng = np.random.default_rng(0)
    images = rng.random((2048, 1, 28, 28)).astype(np.float32)
    labels = rng.integers(0, 10, 2048)
    onehot = np.eye(10, dtype=np.float32)[labels]
    ours = _our_lenet(images, labels, threads)
    runs = {name: mod.lenet_trainer(images, onehot, 64, 0.01) for name, mod in refs.items()}
    steps = _rates({"ours": ours.run_steps, **runs}, quick)
    rows.append(_row("LeNet-5 1x28x28, batch 64, SGD momentum", "samples/s", threads,
                     {name: 64 * rate for name, rate in steps.items()}))
    ours.close()
    return rows


LENET = [{"name": "conv2d", "filters": 6, "kernel_size": 5, "padding": 2, "activation": "relu"},
         {"name": "maxpool2d", "size": 2},
         {"name": "conv2d", "filters": 16, "kernel_size": 5, "activation": "relu"},
         {"name": "maxpool2d", "size": 2}, {"name": "flatten"},
         {"name": "dense", "units": 120, "activation": "relu"},
         {"name": "dense", "units": 84, "activation": "relu"},
         {"name": "dense", "units": 10, "activation": "softmax"}]


def _our_lenet(images, labels, threads=1):
    from playground.core.network import Network
    from playground.core.trainer import Trainer
    from playground.data.dataset import Dataset, split_dataset

    data = Dataset("bench", images, labels, class_names=[str(c) for c in range(10)])
    split = split_dataset(data, 1.0, 0.0, 0.0, seed=0)
    net = Network(LENET, (1, 28, 28), seed=0)
    return Trainer(net, "softmax_crossentropy",
                   {"name": "momentum", "learning_rate": 0.01, "momentum": 0.9}, split,
                   batch_size=64, seed=0, threads=threads)


def startup_seconds() -> float:
    """End to end: `playground train xor --epochs 1`, with the kernel cache already warm."""
    command = [sys.executable, "-m", "playground", "train", "xor", "--epochs", "1", "--json"]
    subprocess.run(command, check=True, capture_output=True)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _child_env(threads: int, native_blas: bool) -> dict[str, str]:
    env = dict(os.environ)
    for name in THREAD_VARIABLES:
        env[name] = str(threads)
    if native_blas:
        # these build machines force OpenBLAS onto its AVX2 kernels; users' machines let it
        # choose (DESIGN.md). PyTorch does not read the variable either way.
        env.pop("OPENBLAS_CORETYPE", None)
    return env


def collect(quick: bool, threads: list[int], native_blas: bool = False,
            startup: bool = True) -> list[Row]:
    rows: list[Row] = []
    for count in threads:
        command = [sys.executable, "-m", "playground.bench.suite", "--child", str(count)]
        if quick:
            command.append("--quick")
        result = subprocess.run(command, env=_child_env(count, native_blas),
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"benchmark child ({count} threads) failed:\n{result.stderr}")
        rows += [Row(**r) for r in json.loads(result.stdout)]
    if startup:
        rows.append(Row("start-up: playground train xor --epochs 1 (warm cache)", "s", 0,
                        round(startup_seconds(), 3), None, None, None, None))
    return rows


def format_table(rows: list[Row], native_blas: bool = False) -> str:
    def num(v: float | None) -> str:
        if v is None:
            return "-"
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"

    head = ("workload", "threads", "unit", "ours", "numpy", "torch", "x torch", "x numpy")
    body = [(r.workload, str(r.threads or "-"), r.unit, num(r.ours), num(r.numpy), num(r.torch),
             num(r.ratio_vs_torch), num(r.ratio_vs_numpy)) for r in rows]
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                       for i, (c, w) in enumerate(zip(line, widths, strict=True)))
             for line in [head, *body]]
    blas = None if native_blas else os.environ.get("OPENBLAS_CORETYPE")
    note = (f"OPENBLAS_CORETYPE={blas} was in force (it chooses NumPy's BLAS kernels)" if blas
            else "OPENBLAS_CORETYPE not set: OpenBLAS chose its kernels for this CPU")
    ratios = "x torch / x numpy: how many times faster ours is (rates: ours/ref; times: ref/ours)"
    return "\n".join([*lines, "", ratios, note])


def main(quick: bool = False, as_json: bool = False, threads: list[int] | None = None,
         native_blas: bool = False) -> int:
    rows = collect(quick, threads or [1, 2], native_blas)
    if as_json:
        print(json.dumps([asdict(r) for r in rows]))
    else:
        print(format_table(rows, native_blas))
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--child":
        result = run_workloads(int(args[1]), "--quick" in args)
        print(json.dumps([asdict(r) for r in result]))
    else:
        sys.exit(main(quick="--quick" in args, as_json="--json" in args))
