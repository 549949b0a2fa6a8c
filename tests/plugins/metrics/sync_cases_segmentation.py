"""Two-process synchronisation cases of the segmentation metrics.

``CASES`` maps each registry name (plus a few non-default configurations, ``name[config]``) to
``(factory, batches)`` for ``ember.testing.check_metric(..., distributed=True)`` /
``check_metrics_distributed``: rank ``r`` of two processes updates with ``batches[r::2]`` and
must compute the value one process computes over every batch. The metrics are built on a
:class:`~ember_metrics.ConfusionMatrix`, so their factories are the module-level functions
below (importable as ``sync_cases_segmentation.<name>`` by the spawned processes), bound with
``functools.partial``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import torch

from ember.metric import Metric, MetricsLambda
from ember_metrics import ConfusionMatrix, DiceCoefficient, IoU, JaccardIndex, mIoU

__all__ = ["CASES", "dice", "iou", "jaccard_index", "miou"]

SEED = 20261130
SIZES = (2, 1, 3, 2, 1)  # images per batch: rank 0 gets 6, rank 1 gets 3
HEIGHT, WIDTH = 4, 3
VOID = 255  # a label the confusion matrix does not count


def _maps(offset: int, num_classes: int) -> list[Any]:
    """Score maps ``(B, C, H, W)`` and label maps ``(B, H, W)`` with some void pixels."""
    g = torch.Generator().manual_seed(SEED + offset)
    n = sum(SIZES)
    y_pred = torch.randn(n, num_classes, HEIGHT, WIDTH, generator=g)
    y = torch.randint(0, num_classes, (n, HEIGHT, WIDTH), generator=g)
    y[:, 0, 0] = VOID
    return list(zip(y_pred.split(list(SIZES)), y.split(list(SIZES)), strict=True))


def iou(num_classes: int, ignore_index: int | None = None) -> MetricsLambda:
    """IoU on a fresh ConfusionMatrix."""
    return IoU(ConfusionMatrix(num_classes=num_classes), ignore_index=ignore_index)


def miou(num_classes: int, ignore_index: int | None = None) -> MetricsLambda:
    """mIoU on a fresh ConfusionMatrix."""
    return mIoU(ConfusionMatrix(num_classes=num_classes), ignore_index=ignore_index)


def jaccard_index(num_classes: int, ignore_index: int | None = None) -> MetricsLambda:
    """JaccardIndex on a fresh ConfusionMatrix."""
    return JaccardIndex(ConfusionMatrix(num_classes=num_classes), ignore_index=ignore_index)


def dice(num_classes: int, ignore_index: int | None = None) -> MetricsLambda:
    """DiceCoefficient on a fresh ConfusionMatrix."""
    return DiceCoefficient(ConfusionMatrix(num_classes=num_classes), ignore_index=ignore_index)


Case = tuple[Callable[[], Metric], list[Any]]

CASES: dict[str, Case] = {
    "iou": (functools.partial(iou, 4), _maps(1, 4)),
    "iou[ignore_index=0]": (functools.partial(iou, 3, ignore_index=0), _maps(2, 3)),
    "miou": (functools.partial(miou, 4), _maps(3, 4)),
    "miou[ignore_index=2]": (functools.partial(miou, 3, ignore_index=2), _maps(4, 3)),
    "jaccard_index": (functools.partial(jaccard_index, 3), _maps(5, 3)),
    "dice_coefficient": (functools.partial(dice, 4), _maps(6, 4)),
    "dice_coefficient[ignore_index=1]": (functools.partial(dice, 3, ignore_index=1), _maps(7, 3)),
}
