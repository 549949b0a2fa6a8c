"""CommonObjectDetectionMetrics: the twelve numbers COCO's evaluation prints, as a dict."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ember_metrics.detection._base import DetectionMetric, valid_mean
from ember_metrics.detection.matching import AREA_RANGES
from ember_metrics.regression._base import identity

__all__ = ["CommonObjectDetectionMetrics"]

_AREAS = ("all", "small", "medium", "large")
_LIMITS = (1, 10, 100)


class CommonObjectDetectionMetrics(DetectionMetric):
    """COCO's summary of an object detector: a dict of average precisions (AP) and recalls (AR).

    Each number is the mean over classes with ground truth (and IoU thresholds 0.5, 0.55, ...,
    0.95 unless it names one) of :class:`ObjectDetectionAvgPrecisionRecall`'s values, with
    at most 100 detections per image and class and all object sizes unless it says otherwise:

    ============= ================================================================
    ``AP@50..95`` average precision
    ``AR-100``    recall
    ``AP@50``     average precision at IoU threshold 0.5
    ``AP@75``     average precision at IoU threshold 0.75
    ``AP-S``      average precision of small objects (area up to 32²), ``AR-S``
    ``AP-M``      average precision of medium objects (32² to 96²), ``AR-M``
    ``AP-L``      average precision of large objects (from 96²), ``AR-L``
    ``AR-1``      recall with one detection per image and class
    ``AR-10``     recall with ten detections per image and class
    ============= ================================================================

    A value is -1.0 when no class has ground truth of the size it looks at. Detections are
    matched once per size range; the detection limits reuse the matching with 100 (greedy
    matching in score order gives the best detections the same matches).

    ``update`` takes ``(y_pred, y)`` as :class:`ObjectDetectionAvgPrecisionRecall` does.

    Args:
        num_classes: number of classes; labels must lie in ``[0, num_classes)``.
        output_transform: picks ``(y_pred, y)`` out of the engine's output.
        device: where the matched detections are kept.
        skip_unrolling: see :class:`ember.metric.Metric` (``True`` by default, as in Ignite).

    Example:
        >>> import torch
        >>> from ember_metrics import CommonObjectDetectionMetrics
        >>> metric = CommonObjectDetectionMetrics(num_classes=1)
        >>> y_pred = [{"bbox": torch.tensor([[10.0, 10, 50, 50], [0, 0, 20, 20]]),
        ...            "scores": torch.tensor([0.6, 0.9]), "labels": torch.tensor([0, 0])}]
        >>> y = [{"bbox": torch.tensor([[10.0, 10, 50, 52]]), "labels": torch.tensor([0])}]
        >>> metric.update((y_pred, y))
        >>> result = metric.compute()
        >>> result["AP@50"], result["AR-1"], result["AR-10"], result["AP-S"]
        (0.5, 0.0, 1.0, -1.0)
    """

    def __init__(
        self,
        num_classes: int = 80,
        output_transform: Callable[[Any], Any] = identity,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = True,
    ) -> None:
        super().__init__(
            None,
            None,
            num_classes,
            [AREA_RANGES[area] for area in _AREAS],
            list(_LIMITS),
            output_transform,
            device,
            skip_unrolling,
        )

    def compute(self) -> dict[str, float]:
        """The twelve COCO numbers, keyed as in Ignite (``"AP@50..95"``, ``"AR-S"``, ...)."""
        precision, recall = self._table()
        every = _LIMITS.index(100)
        result = {
            "AP@50..95": valid_mean(precision[0, every]),
            "AR-100": valid_mean(recall[0, every]),
            "AP@50": valid_mean(precision[0, every, :, 0]),
            "AP@75": valid_mean(precision[0, every, :, 5]),
        }
        for a, size in enumerate("SML", start=1):
            result[f"AP-{size}"] = valid_mean(precision[a, every])
            result[f"AR-{size}"] = valid_mean(recall[a, every])
        result["AR-1"] = valid_mean(recall[0, _LIMITS.index(1)])
        result["AR-10"] = valid_mean(recall[0, _LIMITS.index(10)])
        return result
