"""PyInstaller runtime hook: runs in the frozen app before `playground` is imported.

Python must not write __pycache__ into the bundle: it may be read-only (a system-wide
install), and on macOS a new file inside the signed .app breaks its seal. The bundle ships the
playground package's bytecode (see playground.spec), so nothing is lost.
"""

import sys

sys.dont_write_bytecode = True
