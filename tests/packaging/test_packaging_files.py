"""The installer's files agree with each other and with the app (the bundle itself is tested by
packaging/smoke.py in .ci/run, after the build)."""

from __future__ import annotations

import configparser
import plistlib
import re
from pathlib import Path

import pytest

from playground import _numba_cache

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"
WORKFLOW = PACKAGING.parent / ".github" / "workflows" / "installers.yml"


def spec_text() -> str:
    return (PACKAGING / "playground.spec").read_text(encoding="utf-8")


def test_spec_keeps_the_numba_traps_closed():
    spec = spec_text()
    # kernels as files with absolute names, not in the PYZ (Numba would cache per launch folder)
    assert 'module_collection_mode={"playground": "py"}' in spec
    # one folder: EXE excludes the binaries, COLLECT gathers them
    assert spec.count("exclude_binaries=True") == 1 and "COLLECT(" in spec
    assert "onefile" not in spec.lower()
    assert re.search(r"strip=False", spec) and "upx=False" in spec and "upx=True" not in spec
    # the build id the spec writes is the one the cache folder's name reads
    assert f'BUILD_ID_FILE = "{_numba_cache.BUILD_ID_FILE}"' in spec


def test_entitlements_allow_the_jit_under_the_hardened_runtime():
    with open(PACKAGING / "macos" / "entitlements.plist", "rb") as f:
        entitlements = plistlib.load(f)
    for key in ("com.apple.security.cs.allow-jit",
                "com.apple.security.cs.allow-unsigned-executable-memory",
                "com.apple.security.cs.disable-library-validation"):
        assert entitlements.get(key) is True, key


def test_desktop_entry_starts_the_bundle():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(PACKAGING / "linux" / "neural-playground.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application"
    assert desktop["Exec"].split()[0] == "neural-playground"
    assert desktop["Icon"] == "neural-playground"
    assert (PACKAGING / "linux" / "neural-playground.svg").is_file()
    install = (PACKAGING / "linux" / "install.sh").read_text(encoding="utf-8")
    assert "s|^Exec=neural-playground|" in install  # the absolute path replaces the bare name


def test_windows_installer_is_per_user_and_removes_the_kernel_cache():
    iss = (PACKAGING / "windows" / "installer.iss").read_text(encoding="utf-8")
    assert "PrivilegesRequired=lowest" in iss
    assert r"DefaultDirName={localappdata}\Programs" in iss
    # the folder playground._numba_cache uses on Windows: %LOCALAPPDATA%\NeuralPlayground\Cache
    assert r'Name: "{localappdata}\NeuralPlayground\Cache"' in iss


def test_workflow_builds_and_smoke_tests_on_each_system():
    yaml = pytest.importorskip("yaml")
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    jobs = workflow["jobs"]
    runners = {name: job["runs-on"] for name, job in jobs.items()}
    assert runners["linux"].startswith("ubuntu-")
    assert runners["windows"].startswith("windows-")
    assert runners["macos"].startswith("macos-")
    for job in jobs.values():
        runs = " ".join(step.get("run", "") for step in job["steps"])
        assert "packaging/build.py --smoke" in runs
        assert any(step.get("with", {}).get("python-version") == "3.11"
                   for step in job["steps"])
