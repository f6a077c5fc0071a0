"""`playground`: the desktop app by default; headless subcommands for scripts and tests."""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import sys
import time
from typing import Any

EXIT_BAD_INPUT = 2


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _metrics(result: dict[str, Any]) -> dict[str, Any]:
    out = {"loss": _finite(result.get("loss", math.nan))}
    for key in ("accuracy", "r2"):
        if key in result:
            out[key] = _finite(result[key])
    return out


class _Progress:
    """One self-rewriting line on a terminal; silent when stderr is not one."""

    def __init__(self, total: int) -> None:
        self.total = max(total, 1)
        self.enabled = sys.stderr.isatty()
        self.last = 0.0

    def update(self, trainer: Any, force: bool = False) -> None:
        now = time.perf_counter()
        if not self.enabled or (not force and now - self.last < 0.1):
            return
        self.last = now
        done = trainer.epoch
        width = 30
        filled = int(width * min(done, self.total) / self.total)
        text = (f"\repoch {done}/{self.total} [{'#' * filled}{'.' * (width - filled)}] "
                f"loss {trainer.epochs.last('loss'):.4f}")
        acc = trainer.epochs.last("val_accuracy")
        if not math.isnan(acc):
            text += f"  val acc {acc:.3f}"
        sys.stderr.write(text)
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def cmd_train(args: argparse.Namespace) -> int:
    from playground.core.experiment import resolve

    exp = resolve(args.spec)
    if exp.dataset.get("name") == "image_folder":
        import playground.ui.image_folder  # noqa: F401  (registers the Qt image decoder)
    if args.epochs is not None:
        exp.epochs = args.epochs
    if args.seed is not None:
        exp.seed = args.seed
    exp.validate()
    trainer = exp.build(weights=args.weights, threads=args.threads)
    progress = _Progress(exp.epochs)
    start = time.perf_counter()
    try:
        trainer.fit(exp.epochs, callback=progress.update)
    finally:
        trainer.close()
    seconds = time.perf_counter() - start
    progress.update(trainer, force=True)
    progress.close()
    result: dict[str, Any] = {"epochs": trainer.epoch, "seconds": round(seconds, 4)}
    for part in ("train", "validation", "test"):
        result[part] = _metrics(trainer.evaluate(part)) if trainer.divergence is None else {
            "loss": None}
    if trainer.divergence is not None:
        result["diverged"] = trainer.divergence.message
    if trainer.stopped:
        result["stopped"] = trainer.stopped
        result["best_epoch"] = trainer.best_epoch
    if args.save:
        exp.save(args.save, trainer.network)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{trainer.epoch} epochs, {trainer.step_count} steps in {seconds:.2f} s")
        for part in ("train", "validation", "test"):
            m = result[part]
            line = "  ".join(f"{k} {v:.4f}" for k, v in m.items() if v is not None)
            print(f"  {part:<10} {line}")
        for key in ("stopped", "diverged"):
            if key in result:
                print(result[key])
    return 1 if trainer.divergence is not None else 0


def cmd_gradcheck(args: argparse.Namespace) -> int:
    from playground.core.experiment import resolve
    from playground.core.gradcheck import check_gradients

    exp = resolve(args.spec)
    exp.dtype = "float64"
    trainer = exp.build()
    data = trainer.train_data
    n = min(args.samples, len(data.X))
    results = check_gradients(trainer.network, trainer.loss, data.X[:n], data.Y[:n], data.SW[:n])
    ok = all(r.passed() for r in results)
    if args.json:
        print(json.dumps([{"layer": r.layer, "param": r.param, "size": r.size,
                           "relative_error": r.relative_error,
                           "absolute_error": r.absolute_error, "passed": r.passed()}
                          for r in results]))
    else:
        print(f"{'layer':<16}{'parameter':<12}{'size':>8}  {'relative error':>14}")
        for r in results:
            mark = "ok" if r.passed() else "MISMATCH"
            print(f"{r.layer:<16}{r.param:<12}{r.size:>8}  {r.relative_error:>14.2e}  {mark}")
    return 0 if ok else 1


def cmd_bench(args: argparse.Namespace) -> int:
    from playground.bench.suite import main as bench_main

    return bench_main(quick=args.quick, as_json=args.json, threads=args.threads,
                      native_blas=args.native_blas)


def _sizes_text(entry: dict[str, Any]) -> str:
    sizes = entry["sizes"]
    if sizes is None:
        return f"{entry['samples']:,} (any)"
    if sizes["test"]:
        return f"{sizes['train']:,} + {sizes['test']:,}"
    return f"{sizes['train']:,}"


def cmd_datasets(args: argparse.Namespace) -> int:
    from playground.data.catalog import list_datasets

    entries = list_datasets()
    if args.json:
        print(json.dumps(entries, ensure_ascii=False))
        return 0
    print(f"{'name':<20}{'kind':<20}{'input':<10}{'classes':>8}  {'train + test':<16}licence")
    for e in entries:
        shape = "×".join(str(n) for n in e["input_shape"])
        classes = str(e["classes"]) if e["classes"] else "-"
        print(f"{e['name']:<20}{e['kind']:<20}{shape:<10}{classes:>8}  {_sizes_text(e):<16}"
              f"{e['licence'] or '-'}")
    print()
    for e in entries:
        if e["group"] in ("built-in", "installed") or e["source"] != "generated":
            print(f"{e['name']}: {e['source']}")
            if e["credit"]:
                print(f"    {e['credit']} {e['licence']} ({e['url']})".rstrip())
            if e.get("problem"):
                print(f"    problem: {e['problem']}")
    return 0


def one_compute_thread() -> None:
    """The app trains on one thread and leaves the other core to drawing (DESIGN.md): two BLAS
    threads spin against a busy core, and a LeNet step then took 0.4 s instead of 5 ms. Set
    before NumPy loads OpenBLAS; a user's own setting wins."""
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                 "NUMBA_NUM_THREADS"):
        os.environ.setdefault(name, "1")


def cmd_gui(args: argparse.Namespace) -> int:
    if args.selftest:
        from playground.selftest import main as selftest_main

        return selftest_main(report=args.report)
    from playground.ui.app import run

    return run(screenshot=args.screenshot, preset=args.preset, train_seconds=args.train_seconds)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="playground",
        description="Neural Playground. With no command, opens the desktop app.")
    parser.add_argument("--preset", metavar="NAME", help="open this preset (or experiment file)")
    parser.add_argument("--screenshot", metavar="OUT.png",
                        help="open the window offscreen, train, save a screenshot and exit")
    parser.add_argument("--train-seconds", type=float, default=0.0, metavar="S",
                        help="with --screenshot: train this long first (default 0)")
    parser.add_argument("--selftest", action="store_true",
                        help="check kernels, training and rendering on this machine; print OK")
    parser.add_argument("--report", metavar="FILE.json",
                        help="with --selftest: write the details as JSON")
    sub = parser.add_subparsers(dest="command")
    train = sub.add_parser("train", help="train an experiment or preset headless",
                           description="Train headless. Exit status: 0 done, 1 diverged, "
                                       "2 bad input.")
    train.add_argument("spec", help="experiment JSON file or preset name (xor, circle, spiral)")
    train.add_argument("--epochs", type=int, help="override the number of epochs")
    train.add_argument("--seed", type=int, help="override the seed")
    train.add_argument("--weights", help="start from these saved weights (.npz)")
    train.add_argument("--save", metavar="FILE.json",
                       help="save the experiment and its trained weights (FILE.npz)")
    train.add_argument("--json", action="store_true", help="print one JSON object at the end")
    train.add_argument("--threads", type=int, default=1,
                       help="cores to train on (default 1): each batch is split between worker "
                            "processes; a run is reproducible for the same seed and count")
    train.set_defaults(func=cmd_train)
    grad = sub.add_parser("gradcheck", help="compare analytic and numerical gradients",
                          description="Exit status: 0 all agree, 1 a mismatch, 2 bad input.")
    grad.add_argument("spec", help="experiment JSON file or preset name")
    grad.add_argument("--samples", type=int, default=16, help="batch size for the check")
    grad.add_argument("--json", action="store_true")
    grad.set_defaults(func=cmd_gradcheck)
    bench = sub.add_parser("bench", help="run the speed suite against NumPy and PyTorch")
    bench.add_argument("--quick", action="store_true", help="fewer repeats (for smoke tests)")
    bench.add_argument("--json", action="store_true")
    bench.add_argument("--threads", type=int, nargs="*", default=[1, 2],
                       help="thread counts to measure (default: 1 2)")
    bench.add_argument("--native-blas", action="store_true",
                       help="let OpenBLAS choose its kernels, as on users' machines (drops "
                            "OPENBLAS_CORETYPE from the environment)")
    bench.set_defaults(func=cmd_bench)
    datasets = sub.add_parser("datasets", help="list the datasets, their sizes and sources",
                              description="Every dataset: 2-D generators, built-in and generated "
                                          "image sets, full sets found on this machine.")
    datasets.add_argument("--json", action="store_true", help="print the list as JSON")
    datasets.set_defaults(func=cmd_datasets)
    return parser


def main(argv: list[str] | None = None) -> int:
    multiprocessing.freeze_support()  # training workers (--threads) in the installed bundle
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        one_compute_thread()
        return cmd_gui(args)
    from playground.core.errors import PlaygroundError

    try:
        return args.func(args)
    except PlaygroundError as exc:
        print(f"playground {args.command}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
