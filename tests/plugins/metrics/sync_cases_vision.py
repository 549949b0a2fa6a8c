"""Two-process synchronisation cases of the image quality metrics (PSNR, SSIM).

``CASES`` maps each registry name (plus a few non-default configurations, ``name[config]``) to
``(factory, batches)`` for ``ember.testing.check_metric(..., distributed=True)`` /
``check_metrics_distributed``: rank ``r`` of two processes updates with ``batches[r::2]`` and
must compute the value one process computes over every batch. Batch sizes differ and the batch
count is odd, so the two ranks hold different numbers of images.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import torch

from ember.metric import Metric
from ember_metrics import PSNR, SSIM

__all__ = ["CASES"]

SEED = 20261128
SIZES = (3, 1, 4, 2, 2)  # images per batch: rank 0 gets 9, rank 1 gets 3


def _images(offset: int, tail: tuple[int, ...], integer: bool = False) -> list[Any]:
    """Batches of ``(y_pred, y)``: targets in [0, 1] (0..255 when ``integer``), noisy copies."""
    g = torch.Generator().manual_seed(SEED + offset)
    shape = (sum(SIZES), *tail)
    y = torch.rand(shape, generator=g)
    y_pred = (0.9 * y + 0.05 + 0.1 * torch.randn(shape, generator=g)).clamp(0, 1)
    if integer:
        y_pred, y = (y_pred * 255).round().to(torch.uint8), (y * 255).round().to(torch.uint8)
    return list(zip(y_pred.split(list(SIZES)), y.split(list(SIZES)), strict=True))


Case = tuple[Callable[[], Metric], list[Any]]

CASES: dict[str, Case] = {
    "psnr": (functools.partial(PSNR, 1.0), _images(1, (3, 8, 8))),
    "psnr[uint8, (N, H, W)]": (functools.partial(PSNR, 255), _images(2, (6, 7), integer=True)),
    "ssim": (functools.partial(SSIM, 1.0), _images(3, (3, 12, 13))),
    "ssim[3-D]": (
        functools.partial(SSIM, 1.0, kernel_size=5, sigma=0.6, ndims=3),
        _images(4, (2, 6, 5, 7)),
    ),
    "ssim[uniform, per-axis window, uint8]": (
        functools.partial(SSIM, 255, kernel_size=(3, 5), gaussian=False),
        _images(5, (1, 6, 8), integer=True),
    ),
}
