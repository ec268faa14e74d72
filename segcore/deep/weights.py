"""Load model weights from local files only, verified against a SHA-256.

Two sources exist and neither downloads anything:

* ``"shapes"``: the Mask R-CNN trained by ``python -m segcore.deep.train
  maskrcnn`` on synthetic shapes, committed in ``assets/weights`` with its
  digest in ``assets/weights/SHA256SUMS``.
* ``"coco"``: torchvision's ``maskrcnn_resnet50_fpn_v2`` COCO weights, used
  only when they already sit in the local torch hub cache
  (``$TORCH_HOME/hub/checkpoints``). torch.hub names such files
  ``<name>-<first 8 hex digits of their SHA-256>.pth``; that prefix is checked.

Files are read with ``torch.load(..., weights_only=True)``, which never
unpickles arbitrary objects.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import torch

__all__ = ["ASSETS_DIR", "COCO_CHECKPOINT", "SHAPES_FILE", "coco_checkpoint_path",
           "expected_sha256", "load_state_dict", "record_sha256", "sha256_of", "torch_hub_dir"]

ASSETS_DIR = Path(__file__).resolve().parents[2] / "assets" / "weights"
SHAPES_FILE = "maskrcnn_shapes.pt"
SUMS_FILE = "SHA256SUMS"
COCO_CHECKPOINT = "maskrcnn_resnet50_fpn_v2_coco-73cbd019.pth"
HUB_PREFIX_LEN = 8
CHUNK = 1 << 20


def sha256_of(path: str | os.PathLike) -> str:
    """Hex SHA-256 digest of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def expected_sha256(name: str, sums_dir: str | os.PathLike = ASSETS_DIR) -> str:
    """Digest recorded for ``name`` in ``SHA256SUMS`` (``sha256sum`` format).

    Raises
    ------
    ValueError
        If the sums file is missing or has no line for ``name``.
    """
    sums = Path(sums_dir) / SUMS_FILE
    if not sums.is_file():
        raise ValueError(f"checksum file {sums.name} is missing from {sums.parent}")
    for line in sums.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("*") == name:
            return parts[0].lower()
    raise ValueError(f"{sums.name} has no checksum for {name!r}")


def record_sha256(folder: str | os.PathLike, names) -> dict[str, str]:
    """Write the digests of the weight files ``names`` into ``folder / SHA256SUMS``.

    Lines of other files are kept, so every training script records its own
    weights in the one checksum file. Returns name -> digest.
    """
    folder = Path(folder)
    sums = folder / SUMS_FILE
    digests = {name: sha256_of(folder / name) for name in names}
    kept = [line for line in (sums.read_text().splitlines() if sums.is_file() else [])
            if len(line.split()) == 2 and line.split()[1].lstrip("*") not in digests]
    sums.write_text("\n".join(kept + [f"{d}  {n}" for n, d in sorted(digests.items())]) + "\n")
    return digests


def _validate_digest(path: Path, expected: str) -> None:
    if not path.is_file():
        raise ValueError(f"weights file {path.name} not found in {path.parent}")
    actual = sha256_of(path)
    if not actual.startswith(expected.lower()) or len(expected) < HUB_PREFIX_LEN:
        raise ValueError(f"weights file {path.name} has SHA-256 {actual}, "
                         f"expected {expected}: refusing to load it")


def load_state_dict(path: str | os.PathLike, sha256: str) -> dict[str, torch.Tensor]:
    """Verify a weights file, then load it with ``weights_only=True`` on the CPU.

    Parameters
    ----------
    path : path-like
        The ``.pt``/``.pth`` file.
    sha256 : str
        Expected hex digest, or a prefix of it of at least 8 digits (torch.hub).

    Returns
    -------
    dict of str to Tensor
        The state dict.

    Raises
    ------
    ValueError
        If the file is missing or its digest does not match.

    Examples
    --------
    >>> import tempfile, torch
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "w.pt"
    ...     torch.save({"w": torch.ones(2)}, path)
    ...     load_state_dict(path, sha256_of(path))["w"].tolist()
    [1.0, 1.0]
    """
    path = Path(path)
    _validate_digest(path, sha256)
    return torch.load(path, map_location="cpu", weights_only=True)


def torch_hub_dir() -> Path:
    """``$TORCH_HOME/hub/checkpoints`` (torch's default when TORCH_HOME is unset)."""
    return Path(torch.hub.get_dir()) / "checkpoints"


def coco_checkpoint_path() -> Path | None:
    """Path of the cached torchvision COCO Mask R-CNN v2 weights, or None."""
    path = torch_hub_dir() / COCO_CHECKPOINT
    return path if path.is_file() else None
