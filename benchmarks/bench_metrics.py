"""segcore.metrics next to scikit-learn on 512 x 512 label maps.

The soft Dice loss (one definition for numpy and torch) is timed on numpy
arrays, as the pages call it, next to the same call on torch tensors, as
training calls it.
"""

import numpy as np
import torch
from sklearn import metrics as skm

from benchmarks.harness import Case
from segcore import metrics

_rng = np.random.default_rng(0)
_GT = _rng.integers(0, 5, (512, 512))
_PRED = np.where(_rng.random((512, 512)) < 0.8, _GT, _rng.integers(0, 5, (512, 512)))
_LOGITS = _rng.normal(size=(5, 512, 512)).astype(np.float32)
_PROBS = np.exp(_LOGITS) / np.exp(_LOGITS).sum(0)
_ONEHOT = np.eye(5, dtype=np.float32)[_GT].transpose(2, 0, 1)
_PROBS_T, _ONEHOT_T = torch.from_numpy(_PROBS), torch.from_numpy(_ONEHOT)

CASES = [
    Case("metrics: confusion_matrix", "512 x 512, 5 classes",
         lambda: metrics.confusion_matrix(_GT, _PRED, 5),
         lambda: skm.confusion_matrix(_GT.ravel(), _PRED.ravel(), labels=range(5)),
         "sklearn.metrics.confusion_matrix"),
    Case("metrics: iou_per_class", "512 x 512, 5 classes",
         lambda: metrics.iou_per_class(_GT, _PRED, 5),
         lambda: skm.jaccard_score(_GT.ravel(), _PRED.ravel(), labels=range(5), average=None),
         "sklearn.metrics.jaccard_score"),
    Case("metrics: soft_dice_loss, numpy", "5 x 512 x 512 probabilities",
         lambda: metrics.soft_dice_loss(_PROBS, _ONEHOT),
         lambda: metrics.soft_dice_loss(_PROBS_T, _ONEHOT_T),
         "the same function on float32 torch tensors (training)"),
]
