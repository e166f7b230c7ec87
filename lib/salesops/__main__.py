"""``python -m salesops`` is the ``salesops`` command."""

from __future__ import annotations

import sys

from salesops.cli import main

sys.exit(main())
