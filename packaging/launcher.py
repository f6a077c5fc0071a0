"""Entry script of the frozen app (PyInstaller): the same `playground` command as pip installs."""

import sys

from playground.cli import main

if __name__ == "__main__":
    sys.exit(main())
