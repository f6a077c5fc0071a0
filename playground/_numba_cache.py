"""Choose a writable, per-user, per-version folder for Numba's compiled-kernel cache."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def _user_cache_root() -> Path:
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local"
        return Path(base) / "NeuralPlayground" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "NeuralPlayground"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "neural-playground"


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder):
            pass
    except OSError:
        return False
    return True


def configure_numba_cache(version: str) -> str | None:
    """Set NUMBA_CACHE_DIR unless the user already chose one; return the folder in use.

    The version is in the folder name because a frozen app's freshness check hashes the
    executable rather than the source, so a cache from an older release could otherwise survive
    an update. An unwritable home falls back to the temp folder; if nothing is writable the
    variable is left unset and Numba simply compiles without caching.
    """
    chosen = os.environ.get("NUMBA_CACHE_DIR")
    if chosen:
        return chosen
    tag = f"numba-{version}-py{sys.version_info.major}{sys.version_info.minor}"
    user = os.environ.get("USER") or os.environ.get("USERNAME") or "user"
    fallback = Path(tempfile.gettempdir()) / f"playground-{user}" / tag
    for folder in (_user_cache_root() / tag, fallback):
        if _writable(folder):
            os.environ["NUMBA_CACHE_DIR"] = str(folder)
            return str(folder)
    return None
