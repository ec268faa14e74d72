"""segcore.metrics next to scikit-learn on 512 x 512 label maps."""

import numpy as np
from sklearn import metrics as skm

from benchmarks.harness import Case
from segcore import metrics

_rng = np.random.default_rng(0)
_GT = _rng.integers(0, 5, (512, 512))
_PRED = np.where(_rng.random((512, 512)) < 0.8, _GT, _rng.integers(0, 5, (512, 512)))

CASES = [
    Case("metrics: confusion_matrix", "512 x 512, 5 classes",
         lambda: metrics.confusion_matrix(_GT, _PRED, 5),
         lambda: skm.confusion_matrix(_GT.ravel(), _PRED.ravel(), labels=range(5)),
         "sklearn.metrics.confusion_matrix"),
    Case("metrics: iou_per_class", "512 x 512, 5 classes",
         lambda: metrics.iou_per_class(_GT, _PRED, 5),
         lambda: skm.jaccard_score(_GT.ravel(), _PRED.ravel(), labels=range(5), average=None),
         "sklearn.metrics.jaccard_score"),
]
