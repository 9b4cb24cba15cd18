"""Composition root for `python -m backend`: settings -> services -> API -> window (or a CLI command)."""

import sys

from .cli import main

sys.exit(main())
