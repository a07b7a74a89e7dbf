from __future__ import annotations

import sys
from pathlib import Path

from _simulator import providers, simulator  # noqa: F401 (providers: a fixture pytest finds here)

sys.path.insert(0, str(Path(__file__).parent.parent / "delivery"))

sim = simulator(seed=31)
