#!/usr/bin/env python
"""Django's manage.py; `kuwwa` is the same command installed on PATH."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from kuwwa.cli import main

if __name__ == "__main__":
    main(sys.argv[1:])
