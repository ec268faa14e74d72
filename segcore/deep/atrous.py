"""Atrous (dilated) convolution, receptive fields and ASPP, written from the lecture formula.

A dilated kernel reads the input with gaps: tap ``k`` of a kernel with rate
``r`` looks ``r * k`` samples away, so a 3-tap kernel at rate 4 spans 9
samples with the same 3 weights. Stacking layers grows the receptive field
(RF); strides and pooling grow it too, but throw resolution away, which is
the resolution issue dilation solves. ASPP runs several rates in parallel
and so looks at several scales at once.

Every public function returns a :class:`~segcore.trace.Trace`: kernel taps,
layers or ASPP branches are its steps.

References
----------
.. [1] F. Yu, V. Koltun, "Multi-Scale Context Aggregation by Dilated
   Convolutions", ICLR 2016.
.. [2] L.-C. Chen et al., "DeepLab: Semantic Image Segmentation with Deep
   Convolutional Nets, Atrous Convolution, and Fully Connected CRFs", TPAMI 2018.
.. [3] P. Wang et al., "Understanding Convolution for Semantic Segmentation"
   (hybrid dilated convolution and the gridding problem), WACV 2018.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from segcore.deep.threads import torch_threads
from segcore.trace import TraceRecorder, Trace

__all__ = ["Layer", "PRESETS", "PRESET_TITLES", "ASPP_RATES", "ASPP_KERNELS",
           "dilated_conv1d", "dilated_conv2d", "receptive_field_size", "receptive_field",
           "sampling_offsets", "aspp"]

TORCH_THREADS = 1  # bounded threads per call on the shared server
ASPP_RATES = (1, 6, 12, 18)  # DeepLabv3's rates at output stride 16
IMAGE_POOLING = "image pooling"
UINT8_MAX = 255.0  # uint8 images are scaled to [0, 1]
FLAT_STD = 1e-6  # an image whose std is below this (in [0, 1] units) is constant
ERF_SHARE = 0.5  # the effective receptive field holds this share of all paths

# Fixed 3 x 3 kernels for the ASPP demo (zero-sum, so flat regions answer 0).
ASPP_KERNELS = {
    "center-surround": np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], np.float64) / 8.0,
    "vertical edge": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], np.float64) / 4.0,
    "horizontal edge": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], np.float64) / 4.0,
}


@dataclass(frozen=True)
class Layer:
    """One layer of a stack: a square ``kernel`` x ``kernel`` window read at ``dilation``.

    Parameters
    ----------
    kernel : int
        Kernel side k (>= 1).
    dilation : int
        Rate r (>= 1); 1 is an ordinary convolution.
    stride : int
        Stride s (>= 1); a 2 x 2 pooling layer is ``Layer(2, 1, 2, "pool")``.
    kind : str
        "conv" or "pool" (pooling counts no weights).
    """

    kernel: int
    dilation: int = 1
    stride: int = 1
    kind: str = "conv"

    @property
    def weights(self) -> int:
        """Weights of one input/output channel pair: k^2 for a conv, 0 for pooling."""
        return self.kernel ** 2 if self.kind == "conv" else 0

    @property
    def label(self) -> str:
        """Short text such as ``conv 3x3 r=2`` or ``pool 2x2 s=2``."""
        text = f"{self.kind} {self.kernel}x{self.kernel}"
        if self.dilation > 1:
            text += f" r={self.dilation}"
        if self.stride > 1:
            text += f" s={self.stride}"
        return text


PRESETS: dict[str, tuple[Layer, ...]] = {
    "plain": tuple(Layer(3) for _ in range(4)),
    "exponential": tuple(Layer(3, r) for r in (1, 2, 4, 8)),
    "gridding": tuple(Layer(3, 2) for _ in range(3)),
    "hybrid": tuple(Layer(3, r) for r in (1, 2, 3)),
    "fcn encoder": (Layer(3), Layer(2, 1, 2, "pool"), Layer(3), Layer(2, 1, 2, "pool"),
                    Layer(3), Layer(2, 1, 2, "pool")),
    "big kernel": (Layer(31),),
}
PRESET_TITLES = {
    "plain": "plain 3x3 x 4 (rates 1-1-1-1)",
    "exponential": "rates 1-2-4-8 (exponential growth, context module)",
    "gridding": "rates 2-2-2 (gridding: holes)",
    "hybrid": "rates 1-2-3 (hybrid dilation: no holes)",
    "fcn encoder": "FCN encoder (conv 3x3 + 2x2 pool) x 3",
    "big kernel": "one 31x31 kernel (same RF as 1-2-4-8)",
}


# ----------------------------------------------------------------- validation
def _validate_conv(x, w, rate, padding, ndim: int) -> tuple[np.ndarray, np.ndarray]:
    """Check a signal/kernel/rate/padding for an ``ndim``-D dilated convolution."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    if x.ndim != ndim or x.size == 0:
        raise ValueError(f"x must be a non-empty {ndim}-D array, got shape {x.shape}")
    if w.ndim != ndim or w.size == 0:
        raise ValueError(f"w must be a non-empty {ndim}-D kernel, got shape {w.shape}")
    if not np.all(np.isfinite(x)) or not np.all(np.isfinite(w)):
        raise ValueError("x and w must be finite (no nan or inf)")
    if int(rate) != rate or rate < 1:
        raise ValueError(f"rate must be an integer >= 1, got {rate!r}")
    if int(padding) != padding or padding < 0:
        raise ValueError(f"padding must be an integer >= 0, got {padding!r}")
    span = [int(rate) * (k - 1) + 1 for k in w.shape]
    padded = [n + 2 * int(padding) for n in x.shape]
    if any(s > n for s, n in zip(span, padded)):
        raise ValueError(f"the dilated kernel spans {span} samples but the padded input is only "
                         f"{padded}: lower the rate or enlarge the input")
    return x, w


def _validate_layers(layers) -> tuple[Layer, ...]:
    layers = tuple(layers)
    if not layers:
        raise ValueError("layers must hold at least one Layer, got none")
    for i, layer in enumerate(layers):
        if not isinstance(layer, Layer):
            raise ValueError(f"layers[{i}] must be a Layer, got {type(layer).__name__}")
        if min(layer.kernel, layer.dilation, layer.stride) < 1:
            raise ValueError(f"layers[{i}] needs kernel, dilation and stride >= 1, got {layer}")
        if layer.kind not in ("conv", "pool"):
            raise ValueError(f"layers[{i}].kind must be 'conv' or 'pool', got {layer.kind!r}")
    return layers


# ----------------------------------------------------------------- the formula
def _accumulate(x: np.ndarray, w: np.ndarray, rate: int, rec: TraceRecorder | None) -> np.ndarray:
    """y[i] = sum_k x[i + r k] w[k], one kernel tap k at a time (valid positions only)."""
    out_shape = tuple(n - rate * (k - 1) for n, k in zip(x.shape, w.shape))
    y = np.zeros(out_shape)
    for tap in np.ndindex(*w.shape):
        window = tuple(slice(rate * k, rate * k + n) for k, n in zip(tap, out_shape))
        y += w[tap] * x[window]
        if rec is not None:
            offsets = tuple(rate * k for k in tap)
            rec.add(f"tap {tap}", y.astype(np.float32),
                    f"Added w{list(tap)} = {w[tap]:.3g} times the input shifted by r k = "
                    f"{list(offsets)}.", weight=w[tap])
    return y


def _convolve(x, w, rate, padding, ndim, max_steps) -> Trace:
    x, w = _validate_conv(x, w, rate, padding, ndim)
    rate, padding = int(rate), int(padding)
    rec = TraceRecorder(max_steps)
    padded = np.pad(x, padding) if padding else x
    y = _accumulate(padded, w, rate, rec)
    warnings = []
    if np.ptp(x) == 0:
        warnings.append("The input is constant: every output equals that constant times sum(w).")
    span = tuple(rate * (k - 1) + 1 for k in w.shape)
    return rec.finish({"y": y, "span": span},
                      {"rate": rate, "padding": padding, "kernel_shape": w.shape}, warnings)


def dilated_conv1d(x, w, rate: int = 1, padding: int = 0, max_steps: int | None = None) -> Trace:
    """1-D atrous convolution ``y[i] = sum_k x[i + r k] w[k]``.

    Parameters
    ----------
    x : (L,) array_like
        Input signal.
    w : (K,) array_like
        Kernel weights.
    rate : int
        Dilation rate r >= 1 (r - 1 zeros between taps).
    padding : int
        Zeros added on both ends before convolving.
    max_steps : int, optional
        Bound on the recorded tap steps.

    Returns
    -------
    Trace
        ``y`` (L + 2 padding - r (K - 1),) float64 and ``span`` (the kernel's
        reach, ``(r (K - 1) + 1,)``); one step per tap with the partial sum.

    Raises
    ------
    ValueError
        For empty or non-finite arrays, a rate < 1, negative padding, or a
        dilated kernel longer than the padded input.

    Notes
    -----
    The lecture's atrous formula [2]_, with taps k = 0 .. K - 1:

    .. math:: y[i] = \\sum_{k} x[i + r \\cdot k]\\, w[k]

    This is cross-correlation, as in deep learning frameworks:
    ``torch.nn.functional.conv1d(x, w, dilation=r, padding=p)`` gives the same.
    Rate 1 is an ordinary convolution; a kernel of K taps at rate r reaches
    r (K - 1) + 1 samples with still K weights.

    References
    ----------
    .. [2] L.-C. Chen et al., DeepLab, TPAMI 2018, eq. (1).

    Examples
    --------
    >>> dilated_conv1d([1, 2, 3, 4, 5], [1, 1], rate=2).y
    array([4., 6., 8.])
    """
    return _convolve(x, w, rate, padding, 1, max_steps)


def dilated_conv2d(x, w, rate: int = 1, padding: int = 0, max_steps: int | None = None) -> Trace:
    """2-D atrous convolution ``y[i, j] = sum_{a, b} x[i + r a, j + r b] w[a, b]``.

    Parameters
    ----------
    x : (H, W) array_like
        Input image or feature map (one channel).
    w : (Kh, Kw) array_like
        Kernel weights.
    rate : int
        Dilation rate r >= 1, the same along both axes.
    padding : int
        Zeros added on every side; ``padding = r (K - 1) / 2`` keeps the size.
    max_steps : int, optional
        Bound on the recorded tap steps.

    Returns
    -------
    Trace
        ``y`` (H + 2p - r (Kh - 1), W + 2p - r (Kw - 1)) float64 and ``span``;
        one step per kernel tap (the partial sum after adding that tap).

    Raises
    ------
    ValueError
        As :func:`dilated_conv1d`.

    Notes
    -----
    The 2-D form of the lecture formula, applied tap by tap: every tap adds
    the input shifted by ``r * (a, b)`` times its weight. Equal to
    ``torch.nn.functional.conv2d(x, w, dilation=r, padding=p)``.

    Examples
    --------
    >>> x = np.arange(25.0).reshape(5, 5)
    >>> dilated_conv2d(x, np.ones((2, 2)), rate=3).y
    array([[36., 40.],
           [56., 60.]])
    """
    return _convolve(x, w, rate, padding, 2, max_steps)


# ----------------------------------------------------------------- receptive fields
def receptive_field_size(layers) -> int:
    """Receptive field of one output unit of a stack: ``1 + sum_l (k_l - 1) r_l prod_{j<l} s_j``.

    Parameters
    ----------
    layers : sequence of Layer

    Returns
    -------
    int
        Side of the input window one output unit sees.

    Raises
    ------
    ValueError
        For an empty stack or a layer with a size < 1.

    Examples
    --------
    >>> receptive_field_size(PRESETS["exponential"])
    31
    >>> receptive_field_size(PRESETS["fcn encoder"])
    22
    """
    layers = _validate_layers(layers)
    rf, jump = 1, 1
    for layer in layers:
        rf += (layer.kernel - 1) * layer.dilation * jump
        jump *= layer.stride
    return rf


def _stack_module(layers: tuple[Layer, ...]) -> list[torch.nn.Conv2d]:
    """All-ones convolutions standing in for the stack (pooling = a ones window with stride)."""
    modules = []
    for layer in layers:
        conv = torch.nn.Conv2d(1, 1, layer.kernel, stride=layer.stride, dilation=layer.dilation,
                               bias=False).double()
        torch.nn.init.ones_(conv.weight)
        conv.weight.requires_grad_(False)
        modules.append(conv)
    return modules


def _influence(modules, size: int, center: float, rf: int, jump: int) -> np.ndarray:
    """Paths from each input pixel to the output unit nearest ``center`` (gradient of a one-hot)."""
    with torch_threads(TORCH_THREADS):
        x = torch.zeros((1, 1, size, size), dtype=torch.float64, requires_grad=True)
        y = x
        for module in modules:
            y = module(y)
        # output unit j sees input [j * jump, j * jump + rf - 1]; take the one centred best
        j = int(np.clip(round((center - (rf - 1) / 2) / jump), 0, y.shape[-1] - 1))
        y[0, 0, j, j].backward()
        return x.grad[0, 0].numpy()


def receptive_field(layers) -> Trace:
    """Grow the receptive field layer by layer and map which input pixels reach one output unit.

    Parameters
    ----------
    layers : sequence of Layer
        The stack, first layer first.

    Returns
    -------
    Trace
        Output ``influence`` (N, N) float64: number of paths from each input
        pixel to one output unit of the whole stack (0 = no influence), ``rf``
        (formula) and ``rf_measured`` (side of the influence's bounding box),
        ``holes`` (pixels inside that box with no influence), ``weights``
        (total k^2 over conv layers), ``erf`` (side of the smallest centred
        square holding half of all paths: an effective receptive field) and
        ``jump`` (product of strides, the output's pixel spacing in input
        pixels). One step per layer with the influence map of a unit after
        that layer and the metrics ``rf``, ``rf_measured``, ``holes``,
        ``erf``, ``weights``, ``jump``.

    Raises
    ------
    ValueError
        For an empty stack or invalid layers.

    Notes
    -----
    For kernels k_l, dilations r_l and strides s_l the receptive field is

    .. math:: RF = 1 + \\sum_l (k_l - 1)\\, r_l \\prod_{j<l} s_j

    The influence map is measured, not drawn from that formula: the stack is
    built from all-ones convolutions in torch (a pooling window is a ones
    kernel with a stride), and the gradient of one output unit with respect
    to the input counts the paths from each input pixel to that unit. Its
    non-zero set is exactly the unit's input support. With equal rates
    (2-2-2) the support has holes: units only ever combine pixels on a
    lattice of step r, the gridding artefact [3]_. The path counts pile up
    in the centre, which is why the *effective* receptive field is smaller
    than the theoretical one.

    References
    ----------
    .. [3] P. Wang et al., "Understanding Convolution for Semantic
       Segmentation", WACV 2018.

    Examples
    --------
    >>> t = receptive_field(PRESETS["gridding"])
    >>> int(t.rf), int(t.rf_measured), int(t.holes)
    (13, 13, 120)
    >>> int(receptive_field(PRESETS["plain"]).erf)  # half the paths: central 5 x 5 of 9 x 9
    5
    """
    layers = _validate_layers(layers)
    total_rf = receptive_field_size(layers)
    jump = int(np.prod([layer.stride for layer in layers]))
    size = total_rf + 2 * jump
    center = (size - 1) / 2
    modules = _stack_module(layers)
    rec = TraceRecorder()
    weights = 0
    influence = np.zeros((size, size))
    for depth, layer in enumerate(layers, start=1):
        weights += layer.weights
        rf = receptive_field_size(layers[:depth])
        sub_jump = int(np.prod([lay.stride for lay in layers[:depth]]))
        influence = _influence(modules[:depth], size, center, rf, sub_jump)
        measured, holes, erf = _support_stats(influence)
        rec.add(f"layer {depth}: {layer.label}", influence,
                f"After layer {depth} ({layer.label}) one unit sees a {rf} x {rf} window"
                + (f" with {holes} holes" if holes else "")
                + f"; half of its paths start in the central {erf} x {erf}.",
                rf=rf, rf_measured=measured, holes=holes, erf=erf, weights=weights, jump=sub_jump)
    measured, holes, erf = _support_stats(influence)
    return rec.finish({"influence": influence, "rf": total_rf, "rf_measured": measured,
                       "holes": holes, "erf": erf, "weights": weights, "jump": jump},
                      {"layers": [layer.label for layer in layers]})


def _support_stats(influence: np.ndarray) -> tuple[int, int, int]:
    """Side of the influence's bounding box, the zero pixels inside it, and the effective side.

    The effective side is the smallest centred square window of the box that
    holds ``ERF_SHARE`` of all paths (the box is square: all layers are).
    """
    rows = np.flatnonzero(influence.any(axis=1))
    cols = np.flatnonzero(influence.any(axis=0))
    box = influence[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    n = box.shape[0]
    total = box.sum()
    for side in range(2 - n % 2, n + 1, 2):  # same parity as n keeps the window centred
        lo = (n - side) // 2
        if box[lo:lo + side, lo:lo + side].sum() >= ERF_SHARE * total:
            break
    return int(max(box.shape)), int(np.count_nonzero(box == 0)), int(side)


def sampling_offsets(kernel: int, rate: int) -> np.ndarray:
    """Pixel offsets (dy, dx) a centred ``kernel`` x ``kernel`` tap grid reads at ``rate``.

    Parameters
    ----------
    kernel : int
        Odd kernel side.
    rate : int
        Dilation rate >= 1.

    Returns
    -------
    (kernel**2, 2) int array
        Offsets ``r * (a - c, b - c)`` with c = (kernel - 1) / 2.

    Raises
    ------
    ValueError
        For an even or non-positive kernel or a rate < 1.

    Examples
    --------
    >>> sampling_offsets(3, 6)[:3].tolist()
    [[-6, -6], [-6, 0], [-6, 6]]
    """
    if int(kernel) != kernel or kernel < 1 or kernel % 2 == 0:
        raise ValueError(f"kernel must be an odd integer >= 1, got {kernel!r}")
    if int(rate) != rate or rate < 1:
        raise ValueError(f"rate must be an integer >= 1, got {rate!r}")
    half = (int(kernel) - 1) // 2
    grid = np.arange(-half, half + 1) * int(rate)
    return np.stack(np.meshgrid(grid, grid, indexing="ij"), axis=-1).reshape(-1, 2)


# ----------------------------------------------------------------- ASPP
def _validate_aspp(image, rates, kernel, output_stride, level):
    image = np.asarray(image)
    image = image.astype(np.float64) / (UINT8_MAX if image.dtype == np.uint8 else 1.0)
    if image.ndim == 3 and image.shape[2] == 3:
        image = image.mean(axis=2)
    if image.ndim != 2:
        raise ValueError(f"image must be (H, W) or (H, W, 3), got shape {np.shape(image)}")
    if kernel not in ASPP_KERNELS:
        raise ValueError(f"kernel must be one of {list(ASPP_KERNELS)}, got {kernel!r}")
    if int(output_stride) != output_stride or output_stride < 1:
        raise ValueError(f"output_stride must be an integer >= 1, got {output_stride!r}")
    if not (np.isfinite(level) and level > 0):
        raise ValueError(f"level must be a positive number, got {level!r}")
    side = min(image.shape) // int(output_stride)
    if side < 2:
        raise ValueError(f"the feature map of a {image.shape} image at output_stride "
                         f"{output_stride} is smaller than 2 x 2")
    rates = tuple(rates)
    if not rates or any(int(r) != r or r < 1 for r in rates):
        raise ValueError(f"rates must be integers >= 1, got {rates!r}")
    if max(rates) >= side:
        raise ValueError(f"rate {max(rates)} is not smaller than the feature map side {side}: "
                         "use smaller rates or a smaller output stride")
    return image, tuple(int(r) for r in rates)


def _feature_map(image: np.ndarray, stride: int) -> np.ndarray:
    """A stand-in for the backbone's output: the image averaged over stride x stride blocks."""
    h, w = (n // stride for n in image.shape)
    return image[:h * stride, :w * stride].reshape(h, stride, w, stride).mean(axis=(1, 3))


def _atrous_branch(features: np.ndarray, w: np.ndarray, rate: int) -> np.ndarray:
    """One ASPP branch: 3 x 3 kernel at ``rate``, reflect-padded by r so the size is kept."""
    return _accumulate(np.pad(features, rate, mode="reflect"), w, rate, None)


def _image_pooling(features: np.ndarray) -> np.ndarray:
    """The image-level branch: global average, broadcast back to every position."""
    return np.full_like(features, features.mean())


def _first_to_respond(responses: np.ndarray, level: float) -> np.ndarray:
    """1 + index of the smallest rate whose |response| reaches ``level`` (0: none does)."""
    fires = np.abs(responses) >= level
    return np.where(fires.any(axis=0), np.argmax(fires, axis=0) + 1, 0).astype(np.int32)


def _to_image_grid(labels: np.ndarray, stride: int, shape: tuple[int, int]) -> np.ndarray:
    """Nearest upsampling of a feature-grid map back to the image (edge-padded remainder)."""
    big = np.repeat(np.repeat(labels, stride, axis=0), stride, axis=1)
    return np.pad(big, [(0, n - b) for n, b in zip(shape, big.shape)], mode="edge")


def aspp(image, rates=ASPP_RATES, kernel: str = "center-surround", output_stride: int = 4,
         level: float = 0.1) -> Trace:
    """Atrous spatial pyramid pooling with a fixed kernel: which rate sees a change where?

    Parameters
    ----------
    image : (H, W) or (H, W, 3) array_like
        uint8 (scaled to [0, 1]) or float image; colour is averaged to gray.
    rates : sequence of int
        Dilation rates of the parallel 3 x 3 branches (DeepLab: 1, 6, 12, 18),
        in feature-map pixels.
    kernel : str
        A key of :data:`ASPP_KERNELS` (zero-sum, fixed instead of learned).
    output_stride : int
        The feature map is the image averaged over ``output_stride`` squared
        blocks, standing in for a backbone's output (DeepLab uses 16 or 8).
    level : float
        |response| (image units, [0, 1]) at which a branch counts as seeing a change.

    Returns
    -------
    Trace
        ``features`` (h, w) the feature map, ``responses`` (B, h, w) float64
        (one per rate), ``pooling`` (h, w) the image-pooling branch,
        ``reach`` (h, w) int32: 1 + index of the smallest rate whose branch
        answers at least ``level`` (0 where none does: only image pooling
        brings context there), ``labels`` the same upsampled to (H, W),
        ``share`` (B,) fraction of positions each rate is first at, and
        ``rates``. Steps: one per branch, image pooling, the reach map.

    Raises
    ------
    ValueError
        For a wrong image shape, an unknown kernel, a bad stride or level,
        or rates < 1 or not smaller than the feature map side.

    Notes
    -----
    Each branch evaluates the same 3 x 3 weights with y[i] = sum_k x[i + r k] w[k]
    at its own rate r, padded by r so every branch keeps the feature-map
    size and they can be stacked, as DeepLab concatenates them [2]_. A
    centre-surround kernel at rate r compares a position with a ring r
    positions away, so it stays silent deep inside a region wider than 2r:
    inside large objects only the large rates see the boundary, near small
    objects the small rates already do. The image-pooling branch adds the
    global context no finite rate reaches.

    Examples
    --------
    >>> img = np.zeros((32, 32)); img[8:24, 8:24] = 1
    >>> t = aspp(img, rates=(1, 4), output_stride=1)
    >>> t.responses.shape, len(t.steps)
    ((2, 32, 32), 4)
    >>> [int(t.reach[row, 16]) for row in (8, 9, 16)]  # edge row, one inside, centre
    [1, 2, 0]
    """
    image, rates = _validate_aspp(image, rates, kernel, output_stride, level)
    stride = int(output_stride)
    features = _feature_map(image, stride)
    w = ASPP_KERNELS[kernel]
    rec = TraceRecorder()
    warnings = []
    if features.std() < FLAT_STD:
        warnings.append("The image is constant: every branch answers 0, no rate sees a change.")
    responses = np.stack([_atrous_branch(features, w, r) for r in rates])
    for rate, response in zip(rates, responses):
        reach = 2 * rate + 1
        rec.add(f"rate {rate}", response.astype(np.float32),
                f"Rate {rate}: the same 9 weights span {reach} x {reach} feature positions "
                f"({reach * stride} image pixels).", rate=rate, mean_abs=np.abs(response).mean())
    pooling = _image_pooling(features)
    rec.add(IMAGE_POOLING, pooling.astype(np.float32),
            f"Image pooling: the global mean {features.mean():.3f}, the same everywhere.")
    reach = _first_to_respond(responses, float(level))
    share = np.array([(reach == b + 1).mean() for b in range(len(rates))])
    rec.add("first rate to respond", reach,
            f"Each position coloured by the smallest rate whose |response| >= {level:g}; "
            "uncoloured: no rate reaches a change.",
            **{f"share_r{r}": s for r, s in zip(rates, share)})
    labels = _to_image_grid(reach, stride, image.shape)
    return rec.finish({"features": features, "responses": responses, "pooling": pooling,
                       "reach": reach, "labels": labels, "share": share, "rates": rates},
                      {"rates": rates, "kernel": kernel, "output_stride": stride,
                       "level": float(level)}, warnings)
