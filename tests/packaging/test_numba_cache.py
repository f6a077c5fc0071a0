"""playground._numba_cache: the per-user, per-version cache folder and its fallbacks."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from playground import _numba_cache as nc

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """No NUMBA_CACHE_DIR, a home and temp folder of the test's own; disabling is recorded."""
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    calls = []
    monkeypatch.setattr(nc, "disable_numba_caching", lambda: calls.append(1) or True)
    yield calls
    # configure_numba_cache sets the variable with os.environ directly: put it back
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)


def blocked(tmp_path: Path, name: str) -> Path:
    """A path that cannot become a folder, even for root: its parent is a regular file."""
    (tmp_path / "file").write_text("")
    return tmp_path / "file" / name


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="XDG layout")
def test_user_folder_first(isolated, tmp_path):
    folder = nc.configure_numba_cache("9.9.9")
    tag = f"numba-9.9.9-py{sys.version_info.major}{sys.version_info.minor}"
    assert folder == str(tmp_path / "home" / ".cache" / "neural-playground" / tag)
    assert os.environ["NUMBA_CACHE_DIR"] == folder
    assert nc.status["source"] == "user" and nc.status["tried"] == []
    assert not isolated


def test_users_own_choice_wins(isolated, monkeypatch, tmp_path):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    assert nc.configure_numba_cache("1.0") == str(tmp_path / "mine")
    assert nc.status["source"] == "environment"


def test_read_only_home_falls_back_to_a_private_temp_folder(isolated, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(blocked(tmp_path, "home")))
    monkeypatch.setenv("LOCALAPPDATA", str(blocked(tmp_path, "appdata")))
    folder = Path(nc.configure_numba_cache("1.0"))
    assert nc.status["source"] == "fallback"
    assert folder.parent.parent == tmp_path / "tmp"
    assert folder.is_dir()
    if hasattr(os, "getuid"):
        assert folder.parent.name == f"playground-{os.getuid()}"
        assert folder.parent.stat().st_mode & 0o077 == 0
    assert len(nc.status["tried"]) == 1 and "home" in nc.status["tried"][0]["folder"]
    assert not isolated


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX shared temp folder")
def test_fallback_others_can_write_is_refused(isolated, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(blocked(tmp_path, "home")))
    shared = tmp_path / "tmp" / f"playground-{os.getuid()}"
    shared.mkdir()
    shared.chmod(0o777)  # as if another user had made it for us
    assert nc.configure_numba_cache("1.0") is None
    assert "another user" in nc.status["tried"][1]["problem"]
    assert nc.status["source"] == "disabled" and isolated == [1]


def test_nothing_writable_disables_caching(isolated, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(blocked(tmp_path, "home")))
    monkeypatch.setenv("LOCALAPPDATA", str(blocked(tmp_path, "appdata")))
    monkeypatch.setattr(tempfile, "tempdir", str(blocked(tmp_path, "tmp")))
    assert nc.configure_numba_cache("1.0") is None
    assert "NUMBA_CACHE_DIR" not in os.environ
    assert nc.status["source"] == "disabled" and len(nc.status["tried"]) == 2
    assert isolated == [1]


def test_frozen_tag_carries_the_build_id(monkeypatch, tmp_path):
    (tmp_path / nc.BUILD_ID_FILE).write_text("0.1.0+abc\n")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    tag = nc.build_tag("0.1.0")
    assert tag.startswith("numba-0.1.0-py") and tag.endswith("-" + nc.frozen_build_id())
    (tmp_path / nc.BUILD_ID_FILE).write_text("0.1.0+abd\n")
    assert nc.build_tag("0.1.0") != tag  # another build, another folder


def test_a_cached_kernel_survives_when_nothing_is_writable(tmp_path):
    """Without disable_numba_caching, Numba raises "cannot cache function ...: no locator
    available" while the module is imported: the app would die at start."""
    module_dir = tmp_path / "mod"
    module_dir.mkdir()
    (module_dir / "__pycache__").write_text("")  # Numba's in-tree cache cannot be made
    (module_dir / "kern.py").write_text(textwrap.dedent("""
        from numba import njit

        @njit(cache=True)
        def add_one(x):
            return x + 1
    """))
    script = textwrap.dedent(f"""
        import sys, tempfile
        tempfile.tempdir = {str(blocked(tmp_path, "tmp"))!r}
        import playground
        from playground import _numba_cache
        sys.path.insert(0, {str(module_dir)!r})
        import kern
        print(_numba_cache.status["source"], kern.add_one(41))
    """)
    env = dict(os.environ, HOME=str(blocked(tmp_path, "home")),
               LOCALAPPDATA=str(blocked(tmp_path, "appdata")), PYTHONDONTWRITEBYTECODE="1")
    for key in ("NUMBA_CACHE_DIR", "XDG_CACHE_HOME"):
        env.pop(key, None)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["disabled", "42"]
