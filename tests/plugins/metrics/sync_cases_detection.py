"""Two-process synchronisation cases of the object-detection metrics.

``CASES`` maps each registry name (plus a few non-default configurations, ``name[config]``) to
``(factory, batches)`` for ``ember.testing.check_metric(..., distributed=True)`` /
``check_metrics_distributed``: rank ``r`` of two processes updates with ``batches[r::2]`` and
must compute the value one process computes over every batch. The batch count is odd and the
batches hold different numbers of images, some without detections or without ground truth.

Scores are distinct: ranked detections are joined in rank order in a distributed run, so equal
scores in different images could rank differently than in one process (as in pycocotools,
where they rank by image id).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import torch

from ember.metric import Metric
from ember_metrics import (
    CommonObjectDetectionMetrics,
    MeanAveragePrecision,
    ObjectDetectionAvgPrecisionRecall,
)

__all__ = ["CASES", "detection_batches"]

SEED = 20261128
IMAGES_PER_BATCH = (2, 1, 3, 2, 1)


def _image(g: torch.Generator, num_classes: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """One image: up to 4 objects of every size, detections near some of them plus strays."""
    num_gts = int(torch.randint(0, 5, (), generator=g))
    corners = torch.randint(0, 200, (num_gts, 2), generator=g).double()
    sizes = torch.randint(8, 150, (num_gts, 2), generator=g).double()
    gt_boxes = torch.cat([corners, corners + sizes], dim=1)
    gt_labels = torch.randint(0, num_classes, (num_gts,), generator=g)
    crowd = torch.rand(num_gts, generator=g) < 0.15
    near = gt_boxes + torch.randint(-10, 11, (num_gts, 4), generator=g).double()
    near[:, 2:] = torch.maximum(near[:, 2:], near[:, :2] + 1)
    num_strays = int(torch.randint(0, 3, (), generator=g))
    stray_corners = torch.randint(0, 200, (num_strays, 2), generator=g).double()
    strays = torch.cat([stray_corners, stray_corners + 40], dim=1)
    boxes = torch.cat([near, strays])
    labels = torch.cat(
        [
            torch.where(torch.rand(num_gts, generator=g) < 0.8, gt_labels, 0),
            torch.randint(0, num_classes, (num_strays,), generator=g),
        ]
    )
    scores = torch.rand(len(boxes), generator=g, dtype=torch.float64)
    prediction = {"bbox": boxes, "scores": scores, "labels": labels}
    target = {"bbox": gt_boxes, "labels": gt_labels, "iscrowd": crowd}
    return prediction, target


def detection_batches(offset: int, num_classes: int = 3) -> list[Any]:
    """Batches ``(y_pred, y)`` of lists of per-image dicts."""
    g = torch.Generator().manual_seed(SEED + offset)
    batches = []
    for size in IMAGES_PER_BATCH:
        images = [_image(g, num_classes) for _ in range(size)]
        batches.append(([p for p, _ in images], [t for _, t in images]))
    return batches


def _scores(offset: int, multilabel: bool = False) -> list[Any]:
    """Multiclass (or multilabel) scores ``(N, 4)`` and targets, in batches of 5 to 7 rows."""
    g = torch.Generator().manual_seed(SEED + offset)
    batches = []
    for n in (5, 7, 6, 5):
        scores = torch.rand(n, 4, generator=g)
        if multilabel:
            batches.append((scores, (torch.rand(n, 4, generator=g) < 0.4).long()))
        else:
            batches.append((scores, torch.randint(0, 4, (n,), generator=g)))
    return batches


Case = tuple[Callable[[], Metric], list[Any]]

CASES: dict[str, Case] = {
    "mean_average_precision": (MeanAveragePrecision, _scores(1)),
    "mean_average_precision[multilabel, weighted]": (
        functools.partial(MeanAveragePrecision, class_mean="weighted", is_multilabel=True),
        _scores(2, multilabel=True),
    ),
    "mean_average_precision[rec_thresholds, per class]": (
        functools.partial(MeanAveragePrecision, rec_thresholds=[0.2, 0.5, 0.9], class_mean=None),
        _scores(3),
    ),
    "object_detection_avg_precision_recall": (
        functools.partial(ObjectDetectionAvgPrecisionRecall, num_classes=3),
        detection_batches(4),
    ),
    "object_detection_avg_precision_recall[medium, 2 detections]": (
        functools.partial(
            ObjectDetectionAvgPrecisionRecall,
            num_classes=3,
            area_range="medium",
            max_detections_per_image_per_class=2,
        ),
        detection_batches(5),
    ),
    "common_object_detection_metrics": (
        functools.partial(CommonObjectDetectionMetrics, num_classes=3),
        detection_batches(6),
    ),
}
