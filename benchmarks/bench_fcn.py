"""Small FCNs and upsampling operators, each next to the library doing the same work.

* One forward pass of each shipped variant at 256 x 256 (budget: tiny-model
  inference <= 300 ms on CPU) against torch's plain ``model(x)`` (no padding,
  softmax or numpy conversion).
* The staged FCN-8s trace (what the page calls) and the sliding window over
  the same image with the same network (the lecture's timing comparison).
* segcore's from-the-definition transposed convolution, bilinear
  interpolation and max unpooling against ``torch.nn.functional``.

Every case times a warm model: the shipped models are loaded (built,
SHA-256-checked, ``torch.load``-ed) once when this module is imported, outside
every timed call, and the harness runs each call once before timing it.
The page's variant table times the same thing (:func:`fcn.timed_predict`).

torch runs on one thread, as in the tests.
"""

import numpy as np
import torch
import torch.nn.functional as F

from benchmarks.harness import Case
from segcore.deep import fcn
from segcore.deep import upsampling as U
from segcore.scenes import make_scene

torch.set_num_threads(1)
_BUDGET_MS = 300.0
_IMAGE = make_scene("shapes", seed=11, size=256).image
_TENSOR = fcn.to_tensor(_IMAGE)
_COARSE = np.random.default_rng(0).normal(size=(32, 32))
_KERNEL = U.bilinear_kernel(4)
_POOLED = U.max_pool_switches(np.random.default_rng(1).normal(size=(64, 64)), 2)
_MODELS = {v: fcn.pretrained(v) for v in fcn.VARIANTS}  # loaded here, never inside a timed call


def _torch_forward(variant):
    model = _MODELS[variant]

    def run():
        with torch.no_grad():
            return model(_TENSOR)
    return run


def _t(x):
    return torch.from_numpy(np.asarray(x, np.float64))[None, None]


CASES = [
    *(Case(f"fcn.predict: {v}, warm model ({fcn.parameter_count(_MODELS[v])} weights)",
           "256 x 256", lambda v=v: fcn.predict(_MODELS[v], _IMAGE), _torch_forward(v),
           "torch model(x), warm (no softmax/numpy)", budget_ms=_BUDGET_MS)
      for v in fcn.VARIANTS),
    Case("fcn.fcn_trace: fcn8s, warm model, 7 stages", "256 x 256",
         lambda: fcn.fcn_trace(_IMAGE, model=_MODELS["fcn8s"]), _torch_forward("fcn8s"),
         "torch model(x), warm (no stages)", budget_ms=_BUDGET_MS),
    Case("fcn.sliding_window: fcn8s, warm model, stride 8 (1024 windows of 32 x 32)",
         "256 x 256", lambda: fcn.sliding_window(_IMAGE, stride=8, model=_MODELS["fcn8s"]),
         lambda: fcn.predict(_MODELS["fcn8s"], _IMAGE), "one FCN pass (fcn.predict), warm",
         repeat=3),
    Case("upsampling.transposed_conv2d: k 4, s 2, p 1 (traced stamps)", "32 x 32 -> 64 x 64",
         lambda: U.transposed_conv2d(_COARSE, _KERNEL, 2, 1),
         lambda: F.conv_transpose2d(_t(_COARSE), _t(_KERNEL), stride=2, padding=1),
         "torch conv_transpose2d"),
    Case("upsampling.upsample_bilinear: x8", "32 x 32 -> 256 x 256",
         lambda: U.upsample_bilinear(_COARSE, 8),
         lambda: F.interpolate(_t(_COARSE), scale_factor=8, mode="bilinear", align_corners=False),
         "torch interpolate bilinear"),
    Case("upsampling.max_unpool: 2x", "32 x 32 -> 64 x 64",
         lambda: U.max_unpool(_POOLED.pooled, _POOLED.indices, (64, 64)),
         lambda: F.max_unpool2d(_t(_POOLED.pooled), torch.from_numpy(_POOLED.indices)[None, None],
                                2, output_size=(64, 64)),
         "torch max_unpool2d"),
]
