"""Training scripts for SegLab's deep models: ``python -m segcore.deep.train NAME``.

``fcn`` hands over to :mod:`segcore.deep.fcn_training` (the small FCN-32s/16s/8s
and U-Net on synthetic shapes; its options follow the name).

``maskrcnn`` trains the compact Mask R-CNN of :mod:`segcore.deep.mask_rcnn`
on freshly drawn synthetic scenes (:mod:`segcore.deep.instance_data`; every
batch is new, so there is no over-fitting to a fixed set), writes
``assets/weights/maskrcnn_shapes.pt`` and its line in ``SHA256SUMS``, and
prints the mask AP on the held-out scenes. Training is bounded by an
iteration count and a wall-clock budget, on at most two torch threads.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

from segcore.deep import weights as _weights
from segcore.deep.threads import torch_threads
from segcore.deep.instance_data import HELD_OUT_SEED, InstanceScene, make_instance_scene
from segcore.deep.mask_rcnn import IMAGE_SIZE, build_mask_rcnn

__all__ = ["evaluate_mask_ap", "predict_instances", "scene_to_tensors", "train_maskrcnn"]

TRAIN_THREADS = 1                   # 2 threads ran 8x slower on the shared, loaded machine
BATCH_SIZE = 4
ITERATIONS = 1500
TIME_BUDGET_S = 14 * 60.0
LEARNING_RATE = 2e-3
WEIGHT_DECAY = 1e-4
WARMUP = 100
FINAL_LR_FRACTION = 0.05
GRAD_CLIP = 10.0
HELD_OUT_COUNT = 40
MASK_THRESHOLD = 0.5
LOG_EVERY = 50


def scene_to_tensors(scene: InstanceScene) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Image as a (3, H, W) float tensor in [0, 1] and a torchvision target dict."""
    image = torch.from_numpy(scene.image).float().div_(255.0).expand(3, -1, -1).contiguous()
    target = {"boxes": torch.from_numpy(scene.boxes),
              "labels": torch.from_numpy(scene.labels),
              "masks": torch.from_numpy(scene.masks.astype(np.uint8))}
    return image, target


def _learning_rate(iteration: int, progress: float) -> float:
    """Linear warm-up, then cosine decay to ``FINAL_LR_FRACTION``.

    ``progress`` in [0, 1] is the larger of the iteration fraction and the
    time-budget fraction, so the schedule ends when either runs out.
    """
    if iteration < WARMUP:
        return LEARNING_RATE * (iteration + 1) / WARMUP
    cosine = 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))
    return LEARNING_RATE * (FINAL_LR_FRACTION + (1 - FINAL_LR_FRACTION) * cosine)


def train_maskrcnn(iterations: int = ITERATIONS, *, time_budget_s: float = TIME_BUDGET_S,
                   batch_size: int = BATCH_SIZE, random_state: int = 0,
                   out_dir: str | Path | None = _weights.ASSETS_DIR,
                   log=print) -> tuple[torch.nn.Module, dict[str, float]]:
    """Train the compact Mask R-CNN on synthetic scenes.

    Parameters
    ----------
    iterations : int
        Optimiser steps (the schedule is laid out for this many).
    time_budget_s : float
        Stop early once this much wall time has passed.
    batch_size : int
        Scenes per step.
    random_state : int
        Seeds torch and picks the training scene seeds
        ``random_state * 10**5 + k`` (all below ``HELD_OUT_SEED``).
    out_dir : path or None
        Where to write the weights and ``SHA256SUMS``; None writes nothing.
    log : callable
        Receives progress lines.

    Returns
    -------
    model : MaskRCNN
        The trained model in eval mode.
    info : dict
        ``iterations``, ``seconds``, ``loss`` (mean of the last log window).
    """
    torch.manual_seed(random_state)
    with torch_threads(TRAIN_THREADS):
        model = build_mask_rcnn(None)
        model.train()
        params = [p for p in model.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(params, lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
        start, losses, seed, done = time.perf_counter(), [], random_state * 10**5, 0
        for done in range(1, iterations + 1):
            batch = [scene_to_tensors(make_instance_scene(seed + k, IMAGE_SIZE))
                     for k in range(batch_size)]
            seed += batch_size
            for group in optimizer.param_groups:
                group["lr"] = _learning_rate(done - 1, max(done / iterations, (
                    time.perf_counter() - start) / time_budget_s))
            loss_parts = model([b[0] for b in batch], [b[1] for b in batch])
            loss = sum(loss_parts.values())
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, GRAD_CLIP)
            optimizer.step()
            losses.append(float(loss.detach()))
            elapsed = time.perf_counter() - start
            if done % LOG_EVERY == 0 or done == iterations:
                parts = " ".join(f"{k[5:]}={float(v.detach()):.3f}" for k, v in loss_parts.items())
                mean = np.mean(losses[-LOG_EVERY:])
                log(f"it {done:5d}  {elapsed:6.0f} s  loss {mean:.3f}  {parts}")
            if elapsed > time_budget_s:
                log(f"time budget reached after {done} iterations")
                break
        info = {"iterations": done, "seconds": time.perf_counter() - start,
                "loss": float(np.mean(losses[-LOG_EVERY:]))}
        model.eval()
        if out_dir is not None:
            _save(model, Path(out_dir), log)
        return model, info


def _save(model: torch.nn.Module, out_dir: Path, log) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / _weights.SHAPES_FILE
    torch.save(model.state_dict(), path)
    digest = _weights.record_sha256(out_dir, [_weights.SHAPES_FILE])[_weights.SHAPES_FILE]
    log(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB) sha256 {digest}")


@torch.no_grad()
def predict_instances(model: torch.nn.Module, image: np.ndarray) -> list[dict]:
    """Run the model on one gray uint8 image; detections as coco_mask_ap dicts."""
    tensor = torch.from_numpy(image).float().div_(255.0).expand(3, -1, -1).contiguous()
    out = model([tensor])[0]
    masks = (out["masks"][:, 0] > MASK_THRESHOLD).numpy()
    return [{"mask": m, "category_id": int(c), "score": float(s)}
            for m, c, s in zip(masks, out["labels"].tolist(), out["scores"].tolist())]


def evaluate_mask_ap(model: torch.nn.Module, count: int = HELD_OUT_COUNT,
                     start_seed: int = HELD_OUT_SEED) -> dict[str, float]:
    """Mask AP, AP50, AP75 over ``count`` held-out scenes (COCO protocol).

    Detections and ground truth of all scenes are evaluated as one COCO
    dataset would be: each scene is an image, and AP is computed over the
    pooled, score-sorted detections.
    """
    from segcore.evaluation.instances import coco_mask_ap_images

    model.eval()
    gts, preds = [], []
    for i in range(count):
        scene = make_instance_scene(start_seed + i, IMAGE_SIZE)
        gts.append([{"mask": m, "category_id": int(c)} for m, c in zip(scene.masks, scene.labels)])
        preds.append(predict_instances(model, scene.image))
    result = coco_mask_ap_images(gts, preds)
    return {"AP": result["AP"], "AP50": result["AP50"], "AP75": result["AP75"]}


def _main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["fcn"]:
        from segcore.deep import fcn_training

        fcn_training.main(argv[1:])
        return
    parser = argparse.ArgumentParser(prog="python -m segcore.deep.train",
                                     description="Train a SegLab model on synthetic data.")
    parser.add_argument("model", choices=["maskrcnn", "fcn"])
    parser.add_argument("--iterations", type=int, default=ITERATIONS)
    parser.add_argument("--minutes", type=float, default=TIME_BUDGET_S / 60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(_weights.ASSETS_DIR),
                        help="folder for the weights and SHA256SUMS")
    args = parser.parse_args(argv)
    model, info = train_maskrcnn(args.iterations, time_budget_s=args.minutes * 60,
                                 random_state=args.seed, out_dir=args.out)
    print(f"trained {info['iterations']} iterations in {info['seconds']:.0f} s")
    with torch_threads(TRAIN_THREADS):
        scores = evaluate_mask_ap(model)
    print("held-out mask " + "  ".join(f"{k}={v:.3f}" for k, v in scores.items()))


if __name__ == "__main__":
    _main()
