"""DESIGN.md rule 1: core, kernels and data never import Qt, pyqtgraph or the ui package, and
PyTorch appears only in the benchmarks."""

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "playground"
FORBIDDEN = ("PySide6", "pyqtgraph", "playground.ui", "torch")


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_model_packages_import_no_gui_or_torch():
    offenders = []
    for sub in ("core", "kernels", "data"):
        for path in (PACKAGE / sub).rglob("*.py"):
            for name in imported_modules(path):
                if any(name == f or name.startswith(f + ".") for f in FORBIDDEN):
                    offenders.append(f"{path.relative_to(PACKAGE.parent)} imports {name}")
    assert offenders == []


def test_torch_only_in_benchmarks():
    offenders = [str(p.relative_to(PACKAGE.parent)) for p in PACKAGE.rglob("*.py")
                 if "bench" not in p.parts
                 and any(n == "torch" or n.startswith("torch.") for n in imported_modules(p))]
    assert offenders == []


def test_training_headless_loads_no_qt():
    code = ("import sys; from playground.core.experiment import load_preset; "
            "t = load_preset('xor').build(); t.run_steps(5); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'pyqtgraph', 'torch')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
