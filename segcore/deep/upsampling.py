"""Upsampling in a segmentation decoder, written from the definitions.

Four ways to turn a coarse map into a finer one, as the lecture lists them:

* **nearest neighbour**: copy each value into an f x f block (no parameters);
* **bilinear interpolation**: weight the two nearest samples per axis by their
  distance (no parameters);
* **transposed convolution** ("up-convolution", learned upsampling): every
  input pixel stamps the kernel, scaled by its value, into the output at
  stride s; overlapping stamps add up. With FCN's bilinear kernel it starts
  out as bilinear interpolation; with a kernel size that stride does not
  divide, stamps overlap unevenly and leave a checkerboard;
* **max unpooling**: max pooling remembers where each maximum came from
  (the "switches"); unpooling puts the value back there and zeros elsewhere.

Each function takes a 2-D float array and returns a
:class:`~segcore.trace.Trace` whose steps show the mechanism (stamps,
interpolation passes, switches). Tests check them against
``torch.nn.functional`` (``interpolate``, ``conv_transpose2d``,
``max_unpool2d``) and scikit-image's ``rescale``.

References
----------
.. [1] V. Dumoulin, F. Visin, "A guide to convolution arithmetic for deep
   learning", arXiv:1603.07285, 2016.
.. [2] A. Odena, V. Dumoulin, C. Olah, "Deconvolution and Checkerboard
   Artifacts", Distill, 2016.
.. [3] J. Long, E. Shelhamer, T. Darrell, "Fully Convolutional Networks for
   Semantic Segmentation", CVPR 2015.
.. [4] V. Badrinarayanan, A. Kendall, R. Cipolla, "SegNet: A Deep
   Convolutional Encoder-Decoder Architecture for Image Segmentation", TPAMI 2017.
"""

from __future__ import annotations

import numpy as np

from segcore.trace import Trace, TraceRecorder

__all__ = ["METHODS", "bilinear_kernel", "transposed_output_size", "upsample_nearest",
           "upsample_bilinear", "transposed_conv2d", "stamp_coverage", "max_pool_switches",
           "max_unpool", "uniform_kernel", "busiest_crop", "compare_methods"]

METHODS = ("nearest", "bilinear", "transposed", "unpooling")
MAX_FACTOR = 16
MAX_INPUT_SIDE = 512
MAX_STAMP_STEPS = 64   # recorded stamps of a transposed convolution (first, last, evenly between)
NO_SWITCH = -1         # switch map value of output pixels no maximum came from


def _validate(name: str, value, int_range: tuple[int, int] | None = None):
    """Check one argument; raise ValueError naming it, what was expected and what came.

    With ``int_range=(low, high)`` the value must be an integer in that range
    (returned as int); otherwise a non-empty, finite 2-D numeric array with
    sides <= MAX_INPUT_SIDE (returned as float64).
    """
    if int_range is not None:
        low, high = int_range
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
                or not low <= value <= high:
            raise ValueError(f"{name} must be an integer in {low}..{high}, got {value!r}")
        return int(value)
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a 2-D numeric array, got {type(value).__name__}") from None
    if arr.ndim != 2 or min(arr.shape) < 1:
        raise ValueError(f"{name} must be a non-empty 2-D numeric array, got shape {arr.shape}")
    if max(arr.shape) > MAX_INPUT_SIDE:
        raise ValueError(f"{name} sides must be at most {MAX_INPUT_SIDE}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must hold finite numbers (found nan or inf)")
    return arr


def bilinear_kernel(size: int) -> np.ndarray:
    """FCN's bilinear upsampling kernel of side ``size`` (the transposed-conv initialisation).

    Parameters
    ----------
    size : int
        Kernel side k; upsampling by f uses k = 2 f with stride f, padding f / 2.

    Returns
    -------
    (size, size) float64
        Outer product of the tent :math:`1 - |i - c| / f`, with
        :math:`f = \\lceil k / 2 \\rceil` and centre c = f - 1 (k odd) or f - 1/2 (k even).

    Examples
    --------
    >>> bilinear_kernel(4)[1]
    array([0.1875, 0.5625, 0.5625, 0.1875])
    """
    size = _validate("size", size, (1, 4 * MAX_FACTOR))
    factor = (size + 1) // 2
    centre = factor - 1 if size % 2 == 1 else factor - 0.5
    tent = 1.0 - np.abs(np.arange(size) - centre) / factor
    return np.outer(tent, tent)


def transposed_output_size(i: int, kernel: int, stride: int, padding: int = 0) -> int:
    """Output side of a transposed convolution, :math:`o = (i - 1) s - 2 p + k`.

    Examples
    --------
    >>> transposed_output_size(2, 3, 2), transposed_output_size(5, 3, 1, 1)
    (5, 5)
    """
    return (i - 1) * stride - 2 * padding + kernel


def upsample_nearest(x, factor: int = 2) -> Trace:
    """Nearest-neighbour upsampling: :math:`y[i, j] = x[\\lfloor i/f \\rfloor, \\lfloor j/f \\rfloor]`.

    Parameters
    ----------
    x : (H, W) array
        Coarse map.
    factor : int
        Upsampling factor f (1..16).

    Returns
    -------
    Trace
        ``output``: ``y`` (H f, W f) float64. Steps: rows repeated, then columns.

    Raises
    ------
    ValueError
        If ``x`` is not a finite 2-D array or ``factor`` is out of range.

    Examples
    --------
    >>> upsample_nearest([[1, 2]], 2).y
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.]])
    """
    x = _validate("x", x)
    f = _validate("factor", factor, (1, MAX_FACTOR))
    rec = TraceRecorder()
    rows = np.repeat(x, f, axis=0)
    rec.add("repeat rows", rows, f"Each row copied {f} times.")
    y = np.repeat(rows, f, axis=1)
    rec.add("repeat columns", y, f"Each column copied {f} times: {f} x {f} blocks.")
    return rec.finish({"y": y}, params={"factor": f})


def _bilinear_taps(n_in: int, f: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Source indices i0, i1 and weight of i1 for each output index (half-pixel centres).

    The output pixel i sits at :math:`u = (i + 1/2)/f - 1/2` in input
    coordinates, clamped to [0, n - 1]; it mixes :math:`x[\\lfloor u\\rfloor]`
    and :math:`x[\\lfloor u\\rfloor + 1]` with weights 1 - t and t.
    """
    u = np.clip((np.arange(n_in * f) + 0.5) / f - 0.5, 0.0, n_in - 1)
    i0 = np.floor(u).astype(np.int64)
    i1 = np.minimum(i0 + 1, n_in - 1)
    return i0, i1, u - i0


def upsample_bilinear(x, factor: int = 2) -> Trace:
    """Bilinear upsampling with half-pixel centres (``align_corners=False``).

    Parameters
    ----------
    x : (H, W) array
        Coarse map.
    factor : int
        Upsampling factor f (1..16).

    Returns
    -------
    Trace
        ``output``: ``y`` (H f, W f); ``weights`` (f,) the weight of the next
        sample for the f output positions inside one input cell (away from the
        border). Steps: interpolation along the rows, then along the columns.

    Raises
    ------
    ValueError
        If ``x`` is not a finite 2-D array or ``factor`` is out of range.

    Notes
    -----
    Separable: :math:`y = (1 - t)\\,x[i_0] + t\\,x[i_0 + 1]` along each axis,
    with :math:`u = (i + \\tfrac12)/f - \\tfrac12`, :math:`i_0 = \\lfloor u \\rfloor`,
    :math:`t = u - i_0`. Equal to ``torch.nn.functional.interpolate(...,
    mode="bilinear", align_corners=False)`` and to scikit-image's
    ``rescale(order=1, mode="edge")``.

    Examples
    --------
    >>> upsample_bilinear([[0.0, 4.0]], 2).y[0]
    array([0., 1., 3., 4.])
    """
    x = _validate("x", x)
    f = _validate("factor", factor, (1, MAX_FACTOR))
    rec = TraceRecorder()
    r0, r1, tr = _bilinear_taps(x.shape[0], f)
    rows = (1 - tr)[:, None] * x[r0] + tr[:, None] * x[r1]
    rec.add("interpolate along rows", rows,
            "Each new row is a weighted mix of the two nearest input rows.")
    c0, c1, tc = _bilinear_taps(x.shape[1], f)
    y = (1 - tc)[None, :] * rows[:, c0] + tc[None, :] * rows[:, c1]
    rec.add("interpolate along columns", y, "The same weights along the columns.")
    weights = ((np.arange(f) + 0.5) / f - 0.5) % 1.0
    return rec.finish({"y": y, "weights": weights}, params={"factor": f})


def _stamp(canvas: np.ndarray, value: float, kernel: np.ndarray, top: int, left: int) -> None:
    """Add ``value * kernel`` into ``canvas`` with its corner at (top, left)."""
    kh, kw = kernel.shape
    canvas[top:top + kh, left:left + kw] += value * kernel


def _crop_padding(full: np.ndarray, padding: int) -> np.ndarray:
    """Transposed-conv padding removes ``padding`` pixels from every side of the full output."""
    return full[padding:full.shape[0] - padding, padding:full.shape[1] - padding]


def transposed_conv2d(x, kernel, stride: int = 2, padding: int = 0) -> Trace:
    """Transposed convolution from its definition: every input pixel stamps the kernel.

    Parameters
    ----------
    x : (H, W) array
        Input map.
    kernel : (k, k) or (kh, kw) array
        Weights (learned in a network; here given).
    stride : int
        Distance s between the stamps in the output (1..16).
    padding : int
        Pixels p cropped from every side of the full result (0..k-1).

    Returns
    -------
    Trace
        ``output``: ``y`` of shape :math:`((H-1)s - 2p + k_h, (W-1)s - 2p + k_w)`;
        ``coverage`` (same shape, int) how many stamps touched each output
        pixel. Steps: the canvas after each stamp (at most 64 recorded), with
        the stamp position in ``metrics`` (``row``, ``col``, ``value``).

    Raises
    ------
    ValueError
        Bad arrays, stride or padding out of range, or an empty output.

    Notes
    -----
    :math:`y[s\\,i + a - p,\\; s\\,j + b - p] \\mathrel{+}= x[i, j]\\,w[a, b]`, the
    adjoint of a strided convolution. In 1-D with :math:`w = (\\tfrac12, 1, \\tfrac12)`
    and s = 2 it is the lecture's learned-upsampling formula
    :math:`y[i] = \\sum_k w[k]\\,x[(i - k)/2]` (fractional indices count as 0),
    i.e. linear interpolation. When k is not a multiple of s, the output pixels
    receive unequal numbers of stamps: the checkerboard artefact.
    Equal to ``torch.nn.functional.conv_transpose2d``.

    Examples
    --------
    >>> transposed_conv2d([[1.0, 2.0]], [[1.0, 1.0, 1.0]], stride=2).y
    array([[1., 1., 3., 2., 2.]])
    """
    x = _validate("x", x)
    kernel = _validate("kernel", kernel)
    s = _validate("stride", stride, (1, MAX_FACTOR))
    p = _validate("padding", padding, (0, min(kernel.shape) - 1))
    out_shape = tuple(transposed_output_size(n, k, s, p) for n, k in zip(x.shape, kernel.shape))
    if min(out_shape) < 1:
        raise ValueError(f"padding {p} leaves an empty output {out_shape}")
    full = np.zeros(tuple(transposed_output_size(n, k, s) for n, k in zip(x.shape, kernel.shape)))
    coverage = np.zeros(full.shape, np.int64)
    ones = np.ones(kernel.shape, np.int64)
    rec = TraceRecorder(max_steps=MAX_STAMP_STEPS)
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            _stamp(full, x[i, j], kernel, s * i, s * j)
            _stamp(coverage, 1, ones, s * i, s * j)
            rec.add(f"stamp ({i}, {j})", _crop_padding(full, p).copy(),
                    f"x[{i}, {j}] = {x[i, j]:.3g} times the kernel, added at output "
                    f"({s * i - p}, {s * j - p}).", row=i, col=j, value=x[i, j])
    return rec.finish({"y": _crop_padding(full, p), "coverage": _crop_padding(coverage, p)},
                      params={"stride": s, "padding": p, "kernel_shape": kernel.shape})


def stamp_coverage(kernel_size: int, stride: int, n: int = 8, padding: int = 0) -> Trace:
    """Transposed conv of a constant input with a kernel of ones: the checkerboard test.

    Parameters
    ----------
    kernel_size, stride, padding : int
        The layer's k, s, p.
    n : int
        Side of the constant input.

    Returns
    -------
    Trace
        ``coverage`` (int map of stamps per output pixel), ``uneven`` (bool:
        interior pixels get different counts), ``interior_range`` (min, max
        count away from the border). A warning explains the artefact when uneven.

    Examples
    --------
    >>> stamp_coverage(3, 2).uneven, stamp_coverage(4, 2).uneven
    (True, False)
    """
    k = _validate("kernel_size", kernel_size, (1, 4 * MAX_FACTOR))
    trace = transposed_conv2d(np.ones((n, n)), np.ones((k, k)), stride, padding)
    cov = trace.coverage
    margin = k
    inner = cov[margin:cov.shape[0] - margin, margin:cov.shape[1] - margin]
    inner = inner if inner.size else cov
    lo, hi = int(inner.min()), int(inner.max())
    warnings = []
    if lo != hi:
        warnings.append(f"Kernel {k} is not a multiple of stride {stride}: interior output "
                        f"pixels receive between {lo} and {hi} stamps, a checkerboard pattern "
                        "even for a constant input.")
    return Trace(output={"coverage": cov, "uneven": lo != hi, "interior_range": (lo, hi)},
                 steps=trace.steps, params=trace.params, warnings=tuple(warnings),
                 total_steps=trace.total_steps)


def max_pool_switches(x, size: int = 2) -> Trace:
    """Max pooling that remembers where each maximum came from.

    Parameters
    ----------
    x : (H, W) array
        Input; H and W are cropped to multiples of ``size``.
    size : int
        Window side = stride (2..8).

    Returns
    -------
    Trace
        ``pooled`` (H/size, W/size) and ``indices`` (same shape, int64): the
        flat index ``row * W + col`` of the maximum in ``x`` (torch's
        ``return_indices`` convention; the first maximum wins a tie).
        One step with the switch map (1 where a maximum was taken).

    Examples
    --------
    >>> t = max_pool_switches([[1, 5], [3, 2]])
    >>> t.pooled, t.indices
    (array([[5.]]), array([[1]]))
    """
    x = _validate("x", x)
    k = _validate("size", size, (2, 8))
    h, w = (x.shape[0] // k) * k, (x.shape[1] // k) * k
    if h == 0 or w == 0:
        raise ValueError(f"x of shape {x.shape} is smaller than the {k} x {k} pooling window")
    blocks = x[:h, :w].reshape(h // k, k, w // k, k).transpose(0, 2, 1, 3).reshape(h // k, w // k, k * k)
    local = blocks.argmax(axis=2)
    rows = np.arange(h // k)[:, None] * k + local // k
    cols = np.arange(w // k)[None, :] * k + local % k
    indices = rows * x.shape[1] + cols
    switches = np.zeros(x.shape, np.int8)
    switches[rows, cols] = 1
    rec = TraceRecorder()
    rec.add("max pool + switches", {"pooled": blocks.max(axis=2), "switches": switches},
            f"Each {k} x {k} window keeps its maximum and remembers its position.")
    return rec.finish({"pooled": blocks.max(axis=2), "indices": indices.astype(np.int64)},
                      params={"size": k, "input_shape": x.shape})


def max_unpool(pooled, indices, output_shape: tuple[int, int]) -> Trace:
    """Max unpooling: put each value back where its maximum came from, zeros elsewhere.

    Parameters
    ----------
    pooled : (h, w) array
        Values to place (pooled maps or decoder features).
    indices : (h, w) int array
        Flat positions ``row * W + col`` from :func:`max_pool_switches`.
    output_shape : (H, W)
        Shape of the map before pooling.

    Returns
    -------
    Trace
        ``y`` (H, W) float64 and ``switches`` (H, W) int8 (1 where a value
        was placed). Equal to ``torch.nn.functional.max_unpool2d``.

    Raises
    ------
    ValueError
        Shapes differ or an index lies outside the output.

    Examples
    --------
    >>> max_unpool([[5.0]], [[1]], (2, 2)).y
    array([[0., 5.],
           [0., 0.]])
    """
    pooled = _validate("pooled", pooled)
    indices = np.asarray(indices)
    if indices.shape != pooled.shape or not np.issubdtype(indices.dtype, np.integer):
        raise ValueError(f"indices must be an integer array shaped like pooled {pooled.shape}, "
                         f"got {indices.dtype} {indices.shape}")
    h, w = (_validate("output_shape", v, (1, MAX_INPUT_SIDE)) for v in output_shape)
    if indices.size and (indices.min() < 0 or indices.max() >= h * w):
        raise ValueError(f"indices must lie in 0..{h * w - 1} for output_shape {(h, w)}")
    y = np.zeros(h * w)
    y[indices.ravel()] = pooled.ravel()
    switches = np.zeros(h * w, np.int8)
    switches[indices.ravel()] = 1
    y, switches = y.reshape(h, w), switches.reshape(h, w)
    rec = TraceRecorder()
    rec.add("unpool", y, "Each value goes back to the remembered position; the rest stays 0.")
    return rec.finish({"y": y, "switches": switches}, params={"output_shape": (h, w)})


def busiest_crop(image, size: int = 16) -> tuple[int, int]:
    """Top-left corner of the ``size`` x ``size`` window (on a size/2 grid) with the largest variance.

    Picks a patch with an edge in it, so the upsampling comparison has
    something to reconstruct.

    Examples
    --------
    >>> img = np.zeros((32, 32)); img[12:20, 12:20] = 1
    >>> busiest_crop(img, 16)
    (8, 8)
    """
    image = _validate("image", image)
    size = _validate("size", size, (2, min(image.shape)))
    step = max(1, size // 2)
    best, corner = -1.0, (0, 0)
    for top in range(0, image.shape[0] - size + 1, step):
        for left in range(0, image.shape[1] - size + 1, step):
            var = float(image[top:top + size, left:left + size].var())
            if var > best:
                best, corner = var, (top, left)
    return corner


def _block_mean(x: np.ndarray, f: int) -> np.ndarray:
    """Average pooling by ``f`` (x cropped to multiples of f): the coarse map to upsample."""
    h, w = (x.shape[0] // f) * f, (x.shape[1] // f) * f
    return x[:h, :w].reshape(h // f, f, w // f, f).mean(axis=(1, 3))


def uniform_kernel(size: int, stride: int) -> np.ndarray:
    """A flat k x k kernel scaled by s^2 / k^2 (the mean gain of a stride-s layer is 1)."""
    return np.full((size, size), stride ** 2 / size ** 2)


def compare_methods(crop, factor: int = 2, *, kernel_size: int = 4, stride: int = 2,
                    padding: int = 1, init: str = "bilinear") -> Trace:
    """Shrink ``crop`` by ``factor`` and bring it back with each of :data:`METHODS`.

    Parameters
    ----------
    crop : (H, W) array
        Fine patch (the target).
    factor : int
        Down/upsampling factor f for average pooling, nearest, bilinear and
        max pooling + unpooling.
    kernel_size, stride, padding : int
        The transposed convolution's k, s and p (its output size follows
        :func:`transposed_output_size`, not necessarily H).
    init : {"bilinear", "uniform"}
        Its kernel: FCN's bilinear kernel or a flat one (:func:`uniform_kernel`).

    Returns
    -------
    Trace
        ``coarse`` (the average-pooled input), ``outputs`` dict method -> map,
        ``coverage`` of the transposed conv, ``unpool_switches``. One step per
        method, in :data:`METHODS` order, whose data is that method's output.
        Warns about the checkerboard when k is not a multiple of s.

    Examples
    --------
    >>> t = compare_methods(np.arange(16.0).reshape(4, 4))
    >>> {k: v.shape for k, v in t.outputs.items()}["transposed"]
    (4, 4)
    """
    crop = _validate("crop", crop)
    f = _validate("factor", factor, (2, 8))
    if init not in ("bilinear", "uniform"):
        raise ValueError(f"init must be 'bilinear' or 'uniform', got {init!r}")
    k = _validate("kernel_size", kernel_size, (1, 4 * MAX_FACTOR))
    stride = _validate("stride", stride, (1, MAX_FACTOR))
    kernel = bilinear_kernel(k) if init == "bilinear" else uniform_kernel(k, stride)
    coarse = _block_mean(crop, f)
    pooled = max_pool_switches(crop, f)
    runs = {"nearest": upsample_nearest(coarse, f), "bilinear": upsample_bilinear(coarse, f),
            "transposed": transposed_conv2d(coarse, kernel, stride, padding),
            "unpooling": max_unpool(pooled.pooled, pooled.indices, pooled.params["input_shape"])}
    captions = {"nearest": "copy into blocks", "bilinear": "weighted mix of 2 x 2 neighbours",
                "transposed": f"stamp a {k} x {k} {init} kernel every {stride} px",
                "unpooling": "max back at its switch, zeros elsewhere"}
    rec = TraceRecorder()
    for name in METHODS:
        rec.add(name, runs[name].y, captions[name])
    coverage = runs["transposed"].coverage
    uneven = k % stride != 0
    warnings = [f"Kernel {k} is not a multiple of stride {stride}: neighbouring output pixels "
                "receive different numbers of stamps (checkerboard)."] if uneven else []
    return rec.finish({"coarse": coarse, "outputs": {m: runs[m].y for m in METHODS},
                       "coverage": coverage, "unpool_switches": runs["unpooling"].switches,
                       "kernel": kernel},
                      params={"factor": f, "kernel_size": k, "stride": stride,
                              "padding": padding, "init": init}, warnings=warnings)
