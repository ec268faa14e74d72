"""segcore.deep.atrous and segcore.deep.crf at the page's default settings (256 x 256 scene).

The numpy atrous convolution (tap by tap, with a recorded step per tap) is
set next to ``torch.nn.functional.conv2d`` / ``conv1d`` with ``dilation=r``
on one thread; the receptive-field, ASPP and dense-CRF calls have no library
twin and are held to the deep-page budget of DESIGN.md (300 ms at 256 x 256).
"""

import numpy as np
import torch
import torch.nn.functional as F

from benchmarks.harness import Case
from segcore.deep import atrous as A
from segcore.deep import crf
from segcore.scenes import make_scene

torch.set_num_threads(1)

_SIZE = 256
_LABEL = f"{_SIZE} x {_SIZE}"
_DEEP_BUDGET_MS = 300.0  # DESIGN.md: deep pages on CPU, 256 x 256
_SCENE = make_scene("shapes", seed=0, size=_SIZE)
_X = _SCENE.image.astype(np.float64) / 255.0
_W = A.ASPP_KERNELS["center-surround"]
_X_T = torch.from_numpy(_X)[None, None]
_W_T = torch.from_numpy(_W)[None, None]
_SIGNAL = np.random.default_rng(0).normal(size=4096)
_KERNEL_1D = np.array([-1.0, 0.0, 1.0])
_PROBS = crf.coarse_scores(_SCENE.semantic, len(_SCENE.class_names), random_state=0)


def _torch_conv2d(rate):
    torch.set_num_threads(1)
    return F.conv2d(_X_T, _W_T, dilation=rate, padding=rate)


def _torch_conv1d():
    torch.set_num_threads(1)
    return F.conv1d(torch.from_numpy(_SIGNAL)[None, None], torch.from_numpy(_KERNEL_1D)[None, None],
                    dilation=8)


CASES = [
    *[Case(f"atrous: dilated_conv2d 3x3 rate {r} (9 tap steps)", _LABEL,
           lambda r=r: A.dilated_conv2d(_X, _W, rate=r, padding=r),
           lambda r=r: _torch_conv2d(r), "torch conv2d(dilation=r), 1 thread")
      for r in (1, 6, 18)],
    Case("atrous: dilated_conv1d 3 taps rate 8", "4096",
         lambda: A.dilated_conv1d(_SIGNAL, _KERNEL_1D, 8),
         _torch_conv1d, "torch conv1d(dilation=8), 1 thread"),
    *[Case(f"atrous: receptive_field {name} (influence per layer)",
           f"{A.receptive_field_size(lay)} RF",
           lambda lay=lay: A.receptive_field(lay), budget_ms=100.0)
      for name, lay in A.PRESETS.items()],
    Case("atrous: aspp rates 1-6-12-18, output stride 4", _LABEL,
         lambda: A.aspp(_SCENE.image), budget_ms=_DEEP_BUDGET_MS),
    Case("atrous: aspp rates 1-6-12-18, output stride 1", _LABEL,
         lambda: A.aspp(_SCENE.image, output_stride=1), budget_ms=_DEEP_BUDGET_MS),
    Case("crf: dense_crf 5 mean-field iterations (4 classes, with mIoU per step)", _LABEL,
         lambda: crf.dense_crf(_SCENE.image, _PROBS, ground_truth=_SCENE.semantic),
         budget_ms=_DEEP_BUDGET_MS, repeat=5),
]
