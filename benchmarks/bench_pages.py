"""What one slider move costs the server: a whole page rerun with warm caches.

Each case reruns a page under ``streamlit.testing.v1.AppTest`` (no browser)
after a first run has filled the caches, and reports the CPU time of the
process (all threads: the script runner and AppTest's own element tree, so an
upper bound of the server's work). Budget: 100 ms of CPU (DESIGN.md).
"""

import logging
import time

from pathlib import Path

from benchmarks.harness import Case
from ui import catalog

ROOT = Path(__file__).resolve().parents[1]
# AppTest runs pages outside a server; Streamlit logs that once per cached call
logging.getLogger("streamlit").setLevel(logging.ERROR)


class _Rerun:
    """Rerun one page; the first call (the harness's warm-up) builds and runs it once."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.at = None

    def __call__(self) -> None:
        if self.at is None:
            from streamlit.testing.v1 import AppTest

            self.at = AppTest.from_file(str(ROOT / self.file), default_timeout=300).run()
        self.at.run()
        if self.at.exception:
            raise RuntimeError(f"{self.file}: {self.at.exception[0].value}")


CASES = [
    Case(f"page rerun, warm cache, CPU: {page.url_path}", "default settings",
         _Rerun(page.file), repeat=5, budget_ms=100, clock=time.process_time)
    for page in catalog.PAGES + catalog.TOOLS
]
