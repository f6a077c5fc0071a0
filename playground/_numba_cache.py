"""Choose a writable, per-user, per-version folder for Numba's compiled-kernel cache.

Runs on `import playground`, before anything imports numba (numba reads NUMBA_CACHE_DIR once, at
its own import). What was chosen, and why, is kept in `status` for `playground --selftest`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any

#: what configure_numba_cache decided: folder (str or None), source ("environment", "user",
#: "fallback" or "disabled"), tried (folders that were not usable, with the reason)
status: dict[str, Any] = {"folder": None, "source": None, "tried": []}

#: written into a frozen bundle by packaging/playground.spec: a hash of the packaged sources
BUILD_ID_FILE = "playground-build-id.txt"


def _user_cache_root() -> Path:
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local"
        return Path(base) / "NeuralPlayground" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "NeuralPlayground"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "neural-playground"


def _fallback_root() -> Path:
    """A folder of our own in the temp folder. On POSIX the temp folder is shared by all users:
    the name carries the user id, and _private() checks that nobody else made or can write it
    (the cache holds pickles that Numba loads: another user's files there would run as code)."""
    if hasattr(os, "getuid"):
        return Path(tempfile.gettempdir()) / f"playground-{os.getuid()}"
    user = os.environ.get("USERNAME") or os.environ.get("USER") or "user"
    return Path(tempfile.gettempdir()) / f"playground-{user}"


def _private(folder: Path) -> bool:
    if not hasattr(os, "getuid"):
        return True  # Windows: the temp folder is already per user
    try:
        st = os.lstat(folder)
    except OSError:
        return False
    return (stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid()
            and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def _writable(folder: Path) -> str | None:
    """None if files can be made in folder (created if needed), else the reason."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return f"{type(exc).__name__}: {exc.strerror or exc}"
    return None


def build_tag(version: str) -> str:
    """The cache folder's name: app version and Python version, and in a frozen bundle the
    build's source hash. Frozen, Numba's freshness check hashes the executable instead of the
    kernels' sources, and PyInstaller's one-folder executable is the same bootloader from build
    to build: without the version (and build id) a cache from an older release could be loaded
    by a newer one."""
    tag = f"numba-{version}-py{sys.version_info.major}{sys.version_info.minor}"
    if getattr(sys, "frozen", False):
        build_id = frozen_build_id()
        if build_id:
            tag += f"-{build_id}"
    return tag


def frozen_build_id() -> str | None:
    root = getattr(sys, "_MEIPASS", None) or os.path.dirname(sys.executable)
    try:
        text = Path(root, BUILD_ID_FILE).read_text(encoding="ascii").strip()
    except OSError:
        return None
    return hashlib.sha256(text.encode()).hexdigest()[:10] if text else None


def disable_numba_caching() -> bool:
    """Make `@njit(cache=True)` compile without a cache. Needed when no folder is writable:
    Numba then falls back to the package's own __pycache__ and ~/.cache/numba, and when those
    are read-only too it raises "cannot cache function ...: no locator available" while the
    kernels module is imported, which would kill the app. Imports numba (after the environment
    is settled). Returns whether it could."""
    try:
        from numba.core.dispatcher import Dispatcher
    except Exception:  # numba missing or moved: nothing to protect
        return False
    Dispatcher.enable_caching = lambda self: None  # dispatchers keep their NullCache
    return True


def configure_numba_cache(version: str) -> str | None:
    """Set NUMBA_CACHE_DIR unless the user already chose one; return the folder in use.

    First choice: the per-user cache folder (XDG_CACHE_HOME or ~/.cache on Linux,
    ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows) / a per-version tag. When that is not
    writable (read-only home, lab machines): a private folder in the temp folder. When nothing is
    writable, kernels compile on every start without a cache (slower, never fatal).
    """
    status["tried"] = []
    chosen = os.environ.get("NUMBA_CACHE_DIR")
    if chosen:
        status.update(folder=chosen, source="environment")
        return chosen
    tag = build_tag(version)
    fallback_root = _fallback_root()
    for source, folder in (("user", _user_cache_root() / tag), ("fallback", fallback_root / tag)):
        if source == "fallback":
            with contextlib.suppress(OSError):  # _writable says why
                fallback_root.mkdir(mode=0o700, exist_ok=True)
        problem = _writable(folder)
        if problem is None and source == "fallback" and not _private(fallback_root):
            problem = f"{fallback_root} belongs to another user or others can write to it"
        if problem is None:
            os.environ["NUMBA_CACHE_DIR"] = str(folder)
            status.update(folder=str(folder), source=source)
            return str(folder)
        status["tried"].append({"folder": str(folder), "problem": problem})
    status.update(folder=None, source="disabled")
    disable_numba_caching()
    return None
