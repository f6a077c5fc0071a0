"""`playground --selftest`: the report's fields, its NumPy reference, and a read-only home.

The selftest runs as a subprocess (it must set the Qt platform and the Numba cache before either
is imported). The frozen bundle runs the same selftest from packaging/smoke.py in .ci/run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from playground import selftest

ROOT = Path(__file__).resolve().parents[1]


def run_selftest(tmp_path: Path, env: dict[str, str], name: str = "report") -> tuple[
        subprocess.CompletedProcess, dict]:
    report = tmp_path / f"{name}.json"
    proc = subprocess.run([sys.executable, "-m", "playground", "--selftest", "--report",
                           str(report)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert report.exists(), proc.stdout + proc.stderr
    return proc, json.loads(report.read_text(encoding="utf-8"))


def clean_env(**changes: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("QT_QPA_PLATFORM", None)  # the selftest chooses offscreen itself without a display
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def test_selftest_report_fields(tmp_path):
    proc, report = run_selftest(tmp_path, clean_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "OK"
    assert report["ok"] is True and report["error"] is None
    env = report["environment"]
    assert env["frozen"] is False
    assert env["versions"]["playground"]
    checks = report["checks"]
    assert list(checks) == ["xor", "lenet", "parallel", "numba_cache", "render"]
    assert all(c["ok"] for c in checks.values())
    assert checks["xor"]["max_relative_error"] <= selftest.OUTPUT_TOLERANCE
    assert checks["xor"]["samples_compared"] > 100
    assert checks["lenet"]["fixed_batch_loss_after"] < checks["lenet"]["fixed_batch_loss_before"]
    assert checks["parallel"]["worker_processes"] == 1
    assert 0 < checks["parallel"]["max_relative_difference"] <= selftest.PARALLEL_TOLERANCE
    cache = report["numba_cache"]
    assert cache["folder"] and cache["kernels_used"] >= 10
    assert cache["hits"] + cache["misses"] >= cache["kernels_used"]
    assert cache["cached_elsewhere"] == []
    render = checks["render"]
    assert render["qt_platform"] == "offscreen"
    assert (render["width"], render["height"]) == (1280, 800)
    assert render["colours"] >= selftest.MIN_COLOURS
    assert Path(render["frame"]).is_file()
    assert set(report["timings"]) >= {"xor", "lenet", "parallel", "render", "total"}


def unwritable_path(tmp_path: Path) -> Path:
    """A folder that cannot be created, even by root: its parent is a regular file."""
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    return blocker / "home"


def read_only_home(tmp_path: Path) -> Path:
    """HOME that cannot be written: chmod 555 where that stops writes (not root), else a path
    under a regular file (root ignores permission bits)."""
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o555)
    probe = home / ".probe"
    try:
        probe.write_text("")
    except OSError:
        return home
    probe.unlink()
    home.chmod(0o755)
    return unwritable_path(tmp_path)


def test_selftest_with_read_only_home_falls_back_and_caches(tmp_path):
    home = read_only_home(tmp_path)
    env = clean_env(HOME=str(home), XDG_CACHE_HOME=None, NUMBA_CACHE_DIR=None)
    runs = [run_selftest(tmp_path, env, f"run{i}") for i in (1, 2)]
    for proc, report in runs:
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert report["ok"], report["error"]
        cache = report["numba_cache"]
        assert cache["source"] == "fallback"
        assert cache["folder"].startswith(tempfile.gettempdir())
        assert [t["folder"] for t in cache["not_usable"]] == [
            str(home / ".cache" / "neural-playground" / Path(cache["folder"]).name)]
    # the fallback really caches: the second run loads every kernel it uses
    second = runs[1][1]["numba_cache"]
    assert second["hits"] >= second["kernels_used"] > 0
    assert second["misses"] == 0


def test_reference_forward_matches_a_hand_computed_network():
    layers = [{"name": "dense", "units": 2, "activation": {"name": "relu"}},
              {"name": "dense", "units": 1, "activation": {"name": "sigmoid"}}]
    weights = {"1.dense.weight": np.array([[1.0, -1.0], [2.0, 0.5]]),
               "1.dense.bias": np.array([0.5, 0.0]),
               "2.dense.weight": np.array([[1.0], [-2.0]]),
               "2.dense.bias": np.array([0.25])}
    x = np.array([[1.0, 1.0]])
    hidden = np.maximum([1 + 2 + 0.5, -1 + 0.5], 0)  # [3.5, 0]
    expected = 1 / (1 + np.exp(-(hidden[0] - 2 * hidden[1] + 0.25)))
    assert selftest.reference_forward(layers, weights, x)[0, 0] == pytest.approx(expected)


def test_reference_convolution_and_pooling_by_hand():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    w = np.zeros((1, 1, 3, 3))
    w[0, 0, 0, 0] = 1.0  # picks the top-left of each window
    w[0, 0, 2, 2] = 10.0  # and ten times the bottom-right
    out = selftest._conv2d(x, w, np.array([1.0]), 1, 1)
    # padded by one: output (i, j) = x[i-1, j-1] + 10 x[i+1, j+1] + 1, zeros outside
    padded = np.pad(x[0, 0], 1)
    expected = padded[0:4, 0:4] + 10 * padded[2:6, 2:6] + 1
    np.testing.assert_allclose(out[0, 0], expected)
    pooled = selftest._maxpool(x, 2, None)
    np.testing.assert_allclose(pooled[0, 0], [[5, 7], [13, 15]])


def test_frame_statistics_tells_a_blank_frame(qapp):
    from PySide6.QtGui import QColor, QImage

    image = QImage(64, 32, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    stats = selftest.frame_statistics(image)
    assert stats == {"width": 64, "height": 32, "colours": 1, "dominant_share": 1.0}
    for x in range(40):
        image.setPixelColor(x, 3, QColor(x * 6, 0, 255 - x))
    stats = selftest.frame_statistics(image)
    assert stats["colours"] == 41
    assert stats["dominant_share"] == pytest.approx(1 - 40 / (64 * 32), abs=1e-4)
