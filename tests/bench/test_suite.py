import json
import math

from playground.bench.suite import Row, collect, format_table
from playground.cli import main


def test_quick_suite_measures_every_workload_against_the_references():
    rows = collect(quick=True, threads=[1], startup=False)
    names = [r.workload for r in rows]
    assert len(names) == 4 and any("LeNet" in n for n in names)
    for row in rows:
        assert row.threads == 1 and row.ours > 0 and row.numpy > 0
        higher_is_better = row.unit != "ms"
        expected = row.ours / row.numpy if higher_is_better else row.numpy / row.ours
        assert math.isclose(row.ratio_vs_numpy, round(expected, 2))
        assert (row.torch is None) == (row.ratio_vs_torch is None)


def test_table_names_the_blas_setting():
    rows = [Row("w", "ms", 1, 2.0, 4.0, None, None, 2.0)]
    text = format_table(rows, native_blas=True)
    assert "OPENBLAS_CORETYPE not set" in text and "x numpy" in text


def test_bench_json_from_the_command_line(capsys, monkeypatch):
    from playground.bench import suite

    monkeypatch.setattr(suite, "collect", lambda quick, threads, native_blas: [
        Row("w", "steps/s", threads[0], 10.0, 5.0, None, None, 2.0)])
    assert main(["bench", "--quick", "--json", "--threads", "1", "--native-blas"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["workload"] == "w" and set(rows[0]) >= {
        "workload", "unit", "ours", "numpy", "torch", "ratio_vs_torch", "ratio_vs_numpy"}
