"""make_scene for every synthetic scene at 512 x 512 (what the picker builds).

No library builds these scenes, so there is no reference column; the budget
is the classical-page budget of DESIGN.md (100 ms), since a scene is built
before the page's own segcore call whenever the seed or noise changes.
"""

from benchmarks.harness import Case
from segcore.scenes import SCENES, make_scene

SIZE = 512
BUDGET_MS = 100.0


def _builder(name):
    return lambda: make_scene(name, seed=1, size=SIZE)


CASES = [Case(f"scenes: {name}", f"{SIZE} x {SIZE}", _builder(name), budget_ms=BUDGET_MS)
         for name in SCENES]
