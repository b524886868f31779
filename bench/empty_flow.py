"""An empty Prefect flow, run as ``spotprices run`` runs the nightly flow: the baseline (e) of
``bench/run.py``, the least a flow run costs here (start Python, import Prefect, create the flow
run on the server, run it, report its end).

    PREFECT_API_URL=http://127.0.0.1:4200/api python bench/empty_flow.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flows.cli import PREFECT_DEFAULTS  # noqa: E402  (light: argparse, os, sys)


def main() -> int:
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    from prefect import flow

    @flow(name="empty", log_prints=True)
    def empty() -> None:
        """Does nothing: what remains is the cost of a flow run."""

    empty()
    return 0


if __name__ == "__main__":
    sys.exit(main())
