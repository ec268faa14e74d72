"""The lecture's extras: exhaustive k-means search, k-medians / spherical k-means, the
5 x 5 evaluation example, and the two page panels that show them (rerun CPU).

The exhaustive search and Lloyd's loop from every start run once per setting of the
clustering page's tiny-problem panel (then cached). k-medians and spherical k-means on
a 512 x 512 RGB image are next to segcore's k-means from the same initial centres.
"""

import logging
import time
from pathlib import Path

import numpy as np
from skimage import data

from benchmarks.harness import Case
from segcore.classical.clustering import kmeans
from segcore.classical.features import pixel_features
from segcore.classical.kmeans_metrics import kmeans_metric
from segcore.classical.kmeans_search import exhaustive_kmeans, exhaustive_vs_lloyd, point_set
from segcore.evaluation.worked_example import LECTURE_PREDICTION, LECTURE_TARGET, cell_by_cell

ROOT = Path(__file__).resolve().parents[1]
logging.getLogger("streamlit").setLevel(logging.ERROR)
K = 5
_RGB = pixel_features(data.astronaut(), "rgb").values
_INIT = kmeans(_RGB, K, random_state=0, max_iter=1).init_centroids
_SIZE = "512 x 512 x 3"


class _Rerun:
    """Rerun one page with a query (warm caches after the harness's warm-up call)."""

    def __init__(self, file: str, **query) -> None:
        self.file, self.query, self.at = file, query, None

    def __call__(self) -> None:
        if self.at is None:
            from streamlit.testing.v1 import AppTest

            self.at = AppTest.from_file(str(ROOT / self.file), default_timeout=300)
            self.at.query_params.update(self.query)
            self.at.run()
        self.at.run()
        if self.at.exception:
            raise RuntimeError(f"{self.file}: {self.at.exception[0].value}")


CASES = [
    Case("kmeans search: exhaustive + Lloyd from all 56 starts", "8 points, k=3, Euclidean",
         lambda: exhaustive_vs_lloyd(point_set("groups"), 3), budget_ms=100, repeat=5),
    Case("kmeans search: exhaustive k-medians", "8 points, k=4 (1701 partitions)",
         lambda: exhaustive_kmeans(point_set("groups"), 4, "manhattan"), repeat=5),
    Case("kmeans metric: k-medians (Manhattan) RGB", f"{_SIZE}, k={K}",
         lambda: kmeans_metric(_RGB, K, metric="manhattan", init=_INIT, image_shape=(512, 512)),
         lambda: kmeans(_RGB, K, init=_INIT, image_shape=(512, 512)),
         "segcore k-means (same init)", repeat=3),
    Case("kmeans metric: spherical k-means (cosine) RGB", f"{_SIZE}, k={K}",
         lambda: kmeans_metric(np.abs(_RGB) + 1e-3, K, metric="cosine", init=np.abs(_INIT) + 1e-3,
                               image_shape=(512, 512)), repeat=3),
    Case("evaluation: 5 x 5 worked example, cell by cell", "5 x 5",
         lambda: cell_by_cell(LECTURE_TARGET, LECTURE_PREDICTION), repeat=21),
    Case("page rerun, warm cache, CPU: clustering with the tiny problem open", "default settings",
         _Rerun("pages/clustering.py", tinyp="1"), repeat=5, budget_ms=100,
         clock=time.process_time),
]
