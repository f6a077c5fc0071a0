"""The dataset catalog and `playground datasets`: every dataset listed with its facts, and every
listed spec loads."""

import json
import subprocess
import sys

import numpy as np
import pytest

from playground.cli import main
from playground.data import catalog, generated_images, idx, images, toy2d
from playground.data.datasets import load_dataset, names

FIELDS = {"name": str, "spec": dict, "title": str, "description": str, "kind": str, "group": str,
          "input_shape": list, "classes": int, "class_names": list, "samples": int,
          "source": str, "licence": str, "url": str, "credit": str, "params": list}


def isolated(tmp_path):
    """find_installed arguments that see only tmp_path."""
    return {"home": tmp_path / "home", "roots": [tmp_path / "root"], "system": tmp_path / "sys"}


def test_every_dataset_is_listed_with_its_fields(tmp_path):
    entries = catalog.list_datasets(**isolated(tmp_path))
    listed = [e["name"] for e in entries]
    assert listed == [*toy2d.GENERATORS, *images.BUILTIN, *generated_images.GENERATORS]
    for e in entries:
        for key, kind in FIELDS.items():
            assert isinstance(e[key], kind), (e["name"], key)
        assert e["kind"] in ("2-D classification", "2-D regression", "image")
        assert e["group"] in ("2-D", "built-in", "generated")
        assert len(e["class_names"]) == e["classes"]
        assert e["sizes"] is None or set(e["sizes"]) == {"train", "test"}
        for p in e["params"]:
            assert {"name", "kind", "default", "low", "high", "choices", "help"} <= set(p)
    json.dumps(entries)  # plain data


def test_built_in_entries_carry_sizes_sources_and_licences(tmp_path):
    entries = {e["name"]: e for e in catalog.list_datasets(**isolated(tmp_path))}
    assert entries["mnist"]["sizes"] == {"train": 10000, "test": 2000}
    assert entries["fashion_mnist"]["sizes"] == {"train": 10000, "test": 2000}
    assert entries["digits"]["sizes"] == {"train": 1797, "test": 0}
    assert entries["digits"]["input_shape"] == [1, 8, 8]
    assert entries["mnist"]["licence"] == "CC BY-SA 3.0"
    assert entries["fashion_mnist"]["licence"] == "MIT"
    assert entries["digits"]["licence"] == "CC BY 4.0"
    assert "LeCun" in entries["mnist"]["credit"] and "Zalando" in entries["fashion_mnist"]["credit"]
    assert entries["fashion_mnist"]["class_names"][0] == "T-shirt/top"
    assert entries["shapes"]["class_names"] == list(generated_images.DEFAULT_SHAPES)
    assert "DejaVu" in entries["font_digits"]["source"]


def test_regression_problems_are_marked(tmp_path):
    entries = catalog.list_datasets(**isolated(tmp_path))
    kinds = {e["name"]: e["kind"] for e in entries}
    for name in toy2d.GENERATORS:
        expected = toy2d.kind(name) if hasattr(toy2d, "kind") else "classification"
        assert kinds[name] == f"2-D {expected}"


def test_every_listed_spec_loads_with_the_listed_shape(tmp_path):
    for e in catalog.list_datasets(**isolated(tmp_path)):
        spec = dict(e["spec"])
        if e["kind"] == "image":
            spec["samples"] = 20
        data = load_dataset(spec)
        assert list(data.input_shape) == e["input_shape"], e["name"]
        assert data.classes == e["classes"], e["name"]
        if e["kind"] == "image":
            assert data.class_names == e["class_names"]


def test_installed_sets_are_listed(tmp_path):
    places = isolated(tmp_path)
    raw = tmp_path / "root" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 30), ("t10k", 10)):
        idx.write_idx(raw / f"{prefix}-images-idx3-ubyte.gz",
                      rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        idx.write_idx(raw / f"{prefix}-labels-idx1-ubyte.gz", np.arange(n, dtype=np.uint8) % 10)
    entries = [e for e in catalog.list_datasets(**places) if e["group"] == "installed"]
    assert len(entries) == 1
    e = entries[0]
    assert e["name"] == "mnist_full" and e["sizes"] == {"train": 30, "test": 10}
    assert e["location"] == str(raw) and e["problem"] == "" and e["licence"] == "CC BY-SA 3.0"
    data = load_dataset({**e["spec"], "path": e["location"]})
    assert len(data) == 40


def test_names_cover_the_catalog(tmp_path):
    assert {e["name"] for e in catalog.list_datasets(**isolated(tmp_path))} <= set(names())
    assert {"idx", "mnist_full", "fashion_mnist_full"} <= set(names())


def test_unknown_dataset_lists_the_known_ones():
    from playground.core.errors import SpecError

    with pytest.raises(SpecError, match=r"unknown dataset 'mnsit' \(known: .*fashion_mnist"):
        load_dataset({"name": "mnsit"})
    with pytest.raises(SpecError, match=r"dataset.size: unknown setting for 'mnist'"):
        load_dataset({"name": "mnist", "size": 14})


def test_cli_datasets_json(capsys):
    assert main(["datasets", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    by_name = {e["name"]: e for e in entries}
    assert {"spiral", "digits", "mnist", "fashion_mnist", "shapes", "bars", "font_digits"} <= set(
        by_name)
    assert by_name["mnist"]["sizes"] == {"train": 10000, "test": 2000}


def test_cli_datasets_table():
    result = subprocess.run([sys.executable, "-m", "playground", "datasets"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["name", "kind", "input"]
    mnist = next(line for line in lines if line.startswith("mnist "))
    assert "1×28×28" in mnist and "10,000 + 2,000" in mnist and "CC BY-SA 3.0" in mnist
    assert any("Zalando" in line for line in lines)
