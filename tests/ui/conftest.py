"""Fixtures shared by the main-window tests."""

import pytest
from PySide6.QtCore import QSettings


@pytest.fixture
def settings(tmp_path):
    """The window's saved state in a scratch file, not the user's."""
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
