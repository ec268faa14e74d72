"""The FCN-upsampling page's formula panel: transposed convolution, bilinear weights, skips,
losses.

The 1-D stride-2 example is the panoptic deck's ("Learned upsampling"), the skip
fusion the main deck's ("FCN-16x / FCN-8x"), the losses and metrics the practical
deck's; the output-size arithmetic and the stamping rule go beyond the decks
(Dumoulin & Visin), as do half-pixel bilinear centres (PyTorch, OpenCV).
"""

from __future__ import annotations

import numpy as np

from segcore.deep import upsampling as U
from ui import panels

__all__ = ["caption", "formulas"]


def formulas(k: int, s: int, p: int, factor: int, run: dict | None) -> list[panels.Formula]:
    """The panel's lines: transposed-convolution size and stamping rule at kernel ``k``,
    stride ``s`` and padding ``p`` (for the player's 8 x 8 input), bilinear weights for the
    upsampling ``factor``, FCN's skip fusion, and the losses and scores of ``run`` (the
    page's cached network run; its ``"report"`` and ``"scores"`` exist with ground truth)."""
    o = U.transposed_output_size(8, k, s, p)
    t = U.upsample_bilinear(np.zeros((2, 2)), factor).weights
    latex = [
        panels.beyond(
            r"o = (i - 1)\,s - 2p + k = " + rf"(8 - 1)\cdot {s} - 2\cdot {p} + {k} = {o}",
            "the output size of a transposed convolution (Dumoulin & Visin's convolution "
            "arithmetic guide, linked from the short deck; PyTorch's ConvTranspose2d). The "
            "practical deck only shows examples: 3x3, stride 1: 2x2 -> 4x4; stride 2: 2x2 -> 5x5"),
        panels.beyond(
            r"y[s\,i + a - p,\ s\,j + b - p] \mathrel{+}= x[i, j]\, w[a, b]",
            "the stamping (scatter) form of transposed convolution, written out: the rule "
            "behind the decks' transposed-convolution animations (Dumoulin & Visin)"),
        panels.lecture(
            r"\text{1-D, } s = 2:\quad y[i] = \sum_{k=-1}^{1} w[k]\, x\big[\tfrac{i - k}{2}\big],"
            r"\quad w = (\tfrac12, 1, \tfrac12) \Rightarrow \text{linear interpolation}",
            "panoptic", "Learned upsampling"),
        panels.beyond(
            r"u = \frac{i + \frac12}{f} - \frac12,\quad y = (1 - t)\,x[\lfloor u\rfloor] + "
            rf"t\,x[\lfloor u\rfloor + 1],\quad f = {factor}:\ t \in \{{{t[0]:.2f},\ {t[1]:.2f}\}}",
            "bilinear interpolation with half-pixel centres (align_corners=False, as PyTorch's "
            "F.interpolate and OpenCV's resize); the panoptic deck's 'Learned upsampling' slide "
            "samples whole pixels instead"),
        panels.lecture(
            r"s_{16} = \mathrm{up}_2(s_{\mathrm{pool3}}) + s_{\mathrm{pool2}},\qquad "
            r"s_{8} = \mathrm{up}_2(s_{16}) + s_{\mathrm{pool1}},\qquad s = W * f + b\ (1\times1)",
            "main", "FCN-16x / FCN-8x; 1x1 conv to class scores"),
    ]
    report = run.get("report") if run is not None else None
    if report is not None:
        latex += [
            panels.lecture(
                r"L_{CE} = -\frac{1}{N}\sum_{\text{pixels}}\sum_{c} y_c \log p_c = "
                rf"{report['cross_entropy']:.4f}", "practical", "LOSS"),
            panels.lecture(
                r"L_{\text{soft Dice}} = \frac{1}{C}\sum_c\Big(1 - \frac{2\sum y_c p_c}"
                r"{\sum y_c^2 + \sum p_c^2}\Big) = " + f"{report['soft_dice']:.4f}",
                "practical", "Variation: Dice-Loss"),
            panels.lecture(
                rf"\text{{Dice}} = \frac{{2\,TP}}{{2\,TP + FP + FN}} = {run['scores']['dice']:.3f},"
                rf"\quad \text{{IoU}} = \frac{{TP}}{{TP + FP + FN}}:\ \text{{mIoU}} = "
                rf"{run['scores']['miou']:.3f}",
                "practical", "Evaluation metrics"),
        ]
    else:
        latex.append(panels.lecture(
            r"L_{CE} = -\frac{1}{N}\sum_{\text{pixels}}\sum_{c} y_c \log p_c,\quad "
            r"L_{\text{soft Dice}} = 1 - \frac{2\sum y p}{\sum y^2 + \sum p^2}"
            r"\quad\text{(pick a shapes scene for this run's values)}",
            "practical", "LOSS; Variation: Dice-Loss"))
    return latex


def caption(variant_title: str) -> str:
    """What the panel shows, for the chosen network ``variant_title``."""
    return ("Output size and stamping rule of the transposed convolution at the chosen k, s, p; "
            "bilinear weights for 2x; FCN's skip fusion by addition (the lecture's VGG-based FCN "
            "fuses pool4 and pool3; this small stride-8 net fuses pool2 and pool1); and the "
            f"losses of this prediction ({variant_title}) against the ground truth.")
