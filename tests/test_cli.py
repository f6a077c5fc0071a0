import json
import subprocess
import sys

import pytest

from playground.cli import main
from playground.core.experiment import load_preset


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "playground", *args], capture_output=True,
                          text=True, timeout=300)


def test_train_json_reports_every_part():
    result = run_cli("train", "xor", "--epochs", "3", "--seed", "4", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["epochs"] == 3 and report["seconds"] > 0
    for part in ("train", "validation", "test"):
        assert set(report[part]) == {"loss", "accuracy"}
        assert 0 <= report[part]["accuracy"] <= 1


def test_train_is_reproducible_by_seed(capsys):
    outputs = []
    for seed in ("1", "1", "2"):
        assert main(["train", "circle", "--epochs", "2", "--seed", seed, "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        outputs.append((report["train"], report["test"]))
    assert outputs[0] == outputs[1] != outputs[2]


def test_train_saves_and_restarts_from_weights(tmp_path, capsys):
    target = tmp_path / "xor-run.json"
    assert main(["train", "xor", "--epochs", "30", "--save", str(target), "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert target.exists() and target.with_suffix(".npz").exists()
    assert main(["train", str(target), "--epochs", "0", "--weights",
                 str(target.with_suffix(".npz")), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["test"] == first["test"]


def test_divergence_is_reported_without_a_traceback(tmp_path, capsys):
    doc = load_preset("spiral").to_dict()
    doc["optimizer"]["learning_rate"] = 100
    spec = tmp_path / "hot.json"
    spec.write_text(json.dumps(doc), encoding="utf-8")
    assert main(["train", str(spec), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert "diverged at step" in report["diverged"]


@pytest.mark.parametrize("args, words", [
    (["train", "nonexistent"], "unknown preset"),
    (["train", "xor", "--epochs", "-1"], "epochs"),
    (["gradcheck", "missing.json"], "cannot read"),
    (["train", "xor", "--threads", "0"], "threads"),
])
def test_bad_input_is_one_line_and_exit_status_2(args, words):
    result = run_cli(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in result.stderr


def test_train_on_two_threads_matches_one(tmp_path):
    spec = tmp_path / "small-cnn.json"
    spec.write_text(json.dumps({
        "dataset": {"name": "digits"}, "split": {"train": 0.8, "validation": 0.2, "test": 0.0},
        "layers": [{"name": "conv2d", "filters": 8, "kernel_size": 3, "padding": 1},
                   {"name": "maxpool2d"}, {"name": "flatten"},
                   {"name": "dense", "units": 10, "activation": "softmax"}],
        "loss": "softmax_crossentropy", "optimizer": {"name": "momentum"},
        "batch_size": 64, "epochs": 6}), encoding="utf-8")
    reports = []
    for threads in ("1", "2"):
        result = run_cli("train", str(spec), "--threads", threads, "--json")
        assert result.returncode == 0, result.stderr
        reports.append(json.loads(result.stdout))
    one, two = reports
    assert one["validation"]["accuracy"] > 0.8
    for part in ("train", "validation"):
        assert two[part]["loss"] == pytest.approx(one[part]["loss"], rel=1e-3)
    # and the batches were really split: the parts' gradients add up in another order
    assert two["train"]["loss"] != one["train"]["loss"]


def test_bad_field_in_a_spec_file(tmp_path):
    spec = tmp_path / "bad.json"
    spec.write_text(json.dumps({"dataset": {"name": "xor"}, "layers": [
        {"name": "dense", "units": 4, "activation": "relu", "max_norm": -2}],
        "loss": "mse", "optimizer": "sgd"}), encoding="utf-8")
    result = run_cli("train", str(spec))
    assert result.returncode == 2
    assert result.stderr.strip() == ("playground train: layers[0]: dense.max_norm: "
                                     "must be >= 0.0, got -2")


def test_gradcheck_prints_relative_error_per_parameter(capsys):
    assert main(["gradcheck", "spiral", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["layer"], r["param"]) for r in rows] == [
        ("Dense #1", "weight"), ("Dense #1", "bias"), ("Dense #2", "weight"),
        ("Dense #2", "bias"), ("Dense #3", "weight"), ("Dense #3", "bias")]
    assert all(r["passed"] and r["relative_error"] < 1e-6 for r in rows)
