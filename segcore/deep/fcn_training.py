"""Train the small FCNs on synthetic shapes: ``python -m segcore.deep.fcn_training``.

Each variant of :mod:`segcore.deep.fcn` (FCN-32s, -16s, -8s, tiny U-Net) is
trained from scratch on random 64..128 pixel crops of ``shapes`` scenes
(:func:`segcore.scenes.make_scene`; scene sizes 128..256 so objects appear at
several scales, noise 0..0.3) with the lecture's loss, pixel-wise cross
entropy plus the soft Dice loss. The state dicts go to
``assets/weights/fcn_<variant>.pt`` and their SHA-256 digests to
``assets/weights/SHA256SUMS``; the held-out mIoU of each variant is printed.
Training is bounded by an iteration count and a wall-clock budget per
variant, on one torch thread.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from segcore import metrics
from segcore.deep import fcn
from segcore.deep import weights as _weights
from segcore.deep.threads import torch_threads
from segcore.scenes import make_scene

__all__ = ["HELD_OUT_SEED", "HELD_OUT_COUNT", "held_out_scenes", "training_batch",
           "train_variant", "evaluate_variant", "train_all"]

TRAIN_THREADS = 1
ITERATIONS = {"fcn32s": 600, "fcn16s": 600, "fcn8s": 600, "unet": 800}
TIME_BUDGET_S = {"fcn32s": 120.0, "fcn16s": 120.0, "fcn8s": 120.0, "unet": 200.0}  # seconds
BATCH_SIZE = 8
LEARNING_RATE = 1e-2
FINAL_LR_FRACTION = 0.05
DICE_WEIGHT = 0.5                # loss = CE + DICE_WEIGHT * soft Dice
SCENE_SIZES = (128, 192, 256)
CROP_SIZES = (64, 80, 96, 112, 128)
NOISE_RANGE = (0.0, 0.3)
POOL_SCENES = 120                # training scenes drawn once, cropped anew every batch
HELD_OUT_SEED = 900_000          # held-out scenes use seeds from here (training: below)
HELD_OUT_COUNT = 16
HELD_OUT_SIZE = 256
HELD_OUT_NOISE = 0.08            # the scene's default noise, as the page shows it
LOG_EVERY = 100


def _scene_pool(count: int, rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
    """Training scenes (image, semantic) at mixed sizes and noise levels."""
    pool = []
    for seed in rng.choice(HELD_OUT_SEED, size=count, replace=False):
        scene = make_scene("shapes", seed=int(seed), size=int(rng.choice(SCENE_SIZES)),
                           noise=float(rng.uniform(*NOISE_RANGE)))
        pool.append((scene.image, scene.semantic))
    return pool


def training_batch(pool, rng: np.random.Generator, batch_size: int = BATCH_SIZE
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """Random same-size crops (random flips) -> images (N, 1, S, S) in [0, 1], labels (N, S, S)."""
    size = int(rng.choice(CROP_SIZES))
    images, labels = [], []
    for index in rng.integers(0, len(pool), batch_size):
        image, semantic = pool[index]
        size_here = min(size, image.shape[0])
        top, left = rng.integers(0, image.shape[0] - size_here + 1, 2)
        window = (slice(top, top + size_here), slice(left, left + size_here))
        img, lab = image[window], semantic[window]
        if size_here < size:  # a 128 scene with a 128 crop is the whole scene
            img, lab = np.pad(img, (0, size - size_here), "edge"), np.pad(lab, (0, size - size_here), "edge")
        if rng.random() < 0.5:
            img, lab = img[:, ::-1], lab[:, ::-1]
        images.append(img)
        labels.append(lab)
    x = torch.from_numpy(np.stack(images).astype(np.float32) / 255.0)[:, None]
    y = torch.from_numpy(np.stack(labels).astype(np.int64))
    return x, y


def _loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross entropy averaged over all pixels plus the soft Dice loss averaged over classes.

    The soft Dice term is :func:`segcore.metrics.soft_dice_loss` on tensors
    (per class over the whole batch), the definition the pages show.
    """
    onehot = F.one_hot(target, fcn.NUM_CLASSES).permute(0, 3, 1, 2).float()
    probs = F.softmax(logits, dim=1)
    return F.cross_entropy(logits, target) + DICE_WEIGHT * metrics.soft_dice_loss(probs, onehot)


def train_variant(variant: str, pool, *, iterations: int | None = None,
                  time_budget_s: float | None = None, random_state: int = 0,
                  log=print) -> torch.nn.Module:
    """Adam with a cosine-decaying rate for ``iterations`` steps or ``time_budget_s`` seconds.

    ``None`` takes the variant's entry of :data:`ITERATIONS` / :data:`TIME_BUDGET_S`.
    The schedule's progress is the larger of the iteration and the time
    fraction, so on a loaded machine the budget ends training early.
    """
    iterations = ITERATIONS[variant] if iterations is None else iterations
    time_budget_s = TIME_BUDGET_S[variant] if time_budget_s is None else time_budget_s
    torch.manual_seed(random_state)
    rng = np.random.default_rng(random_state)
    model = fcn.build_fcn(variant)
    model.train()
    optimiser = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    start = time.perf_counter()
    for it in range(iterations):
        progress = max(it / iterations, (time.perf_counter() - start) / time_budget_s)
        if progress >= 1.0:
            log(f"  {variant}: time budget reached after {it} iterations")
            break
        lr = LEARNING_RATE * (FINAL_LR_FRACTION + (1 - FINAL_LR_FRACTION)
                              * 0.5 * (1 + np.cos(np.pi * progress)))
        for group in optimiser.param_groups:
            group["lr"] = lr
        x, y = training_batch(pool, rng)
        loss = _loss(model(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if it % LOG_EVERY == 0:
            log(f"  {variant} it {it:4d}  loss {loss.item():.4f}  lr {lr:.4f}  "
                f"{time.perf_counter() - start:.0f} s")
    model.eval()
    return model


def held_out_scenes(count: int = HELD_OUT_COUNT):
    """The held-out shapes scenes (seeds from :data:`HELD_OUT_SEED`, 256 x 256, default noise)."""
    return [make_scene("shapes", seed=HELD_OUT_SEED + k, size=HELD_OUT_SIZE, noise=HELD_OUT_NOISE)
            for k in range(count)]


def evaluate_variant(model: torch.nn.Module, scenes) -> dict[str, float]:
    """Mean over scenes of mIoU, pixel accuracy, Dice and boundary accuracy."""
    rows = []
    for scene in scenes:
        labels, probs = fcn.predict(model, scene.image)
        rows.append(fcn.evaluate(scene.semantic, labels, probs))
    keys = ("mean_iou", "pixel_accuracy", "dice", "boundary_accuracy", "cross_entropy", "soft_dice")
    return {k: float(np.mean([r[k] for r in rows])) for k in keys}


def train_all(variants=fcn.VARIANTS, *, iterations: int | None = None,
              time_budget_s: float | None = None, pool_scenes: int = POOL_SCENES,
              held_out: int = HELD_OUT_COUNT, random_state: int = 0,
              out_dir: str | Path | None = _weights.ASSETS_DIR, log=print) -> dict:
    """Train every variant, report held-out metrics, optionally save weights and digests.

    Returns
    -------
    dict
        variant -> {"metrics": dict, "seconds": float, "parameters": int, "model": Module}.
    """
    with torch_threads(TRAIN_THREADS):
        rng = np.random.default_rng(random_state)
        pool = _scene_pool(pool_scenes, rng)
        test = held_out_scenes(held_out)
        results = {}
        for variant in variants:
            start = time.perf_counter()
            model = train_variant(variant, pool, iterations=iterations,
                                  time_budget_s=time_budget_s, random_state=random_state, log=log)
            seconds = time.perf_counter() - start
            scores = evaluate_variant(model, test)
            results[variant] = {"metrics": scores, "seconds": seconds, "model": model,
                                "parameters": fcn.parameter_count(model)}
            log(f"{variant}: {fcn.parameter_count(model)} parameters, {seconds:.0f} s, "
                + ", ".join(f"{k} {v:.3f}" for k, v in scores.items()))
            if out_dir is not None:
                torch.save(model.state_dict(), Path(out_dir) / fcn.WEIGHTS_FILES[variant])
        if out_dir is not None:
            out_dir = Path(out_dir)
            _weights.record_sha256(out_dir, [fcn.WEIGHTS_FILES[v] for v in fcn.VARIANTS
                                 if (out_dir / fcn.WEIGHTS_FILES[v]).is_file()])
        return results


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", nargs="+", default=list(fcn.VARIANTS), choices=fcn.VARIANTS)
    parser.add_argument("--iterations", type=int, default=None,
                        help="steps per variant (default: ITERATIONS of the variant)")
    parser.add_argument("--budget", type=float, default=None,
                        help="seconds per variant (default: TIME_BUDGET_S of the variant)")
    parser.add_argument("--out", default=str(_weights.ASSETS_DIR))
    args = parser.parse_args(argv)
    start = time.perf_counter()
    train_all(args.variants, iterations=args.iterations, time_budget_s=args.budget,
              out_dir=Path(args.out))
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
