"""ObjectDetectionAvgPrecisionRecall: COCO's mean average precision and recall of boxes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import torch

from ember_metrics.detection._base import DetectionMetric, valid_mean
from ember_metrics.detection.matching import AREA_RANGES
from ember_metrics.regression._base import identity

__all__ = ["ObjectDetectionAvgPrecisionRecall"]


class ObjectDetectionAvgPrecisionRecall(DetectionMetric):
    """Mean average precision and mean recall of an object detector, computed the COCO way.

    Per image, the ``max_detections_per_image_per_class`` best-scored detections of each class
    are matched greedily to its ground-truth boxes at each IoU threshold (crowd regions and
    objects outside ``area_range`` are ignored, see :mod:`ember_metrics.detection.matching`).
    Per class and threshold, the average precision is the mean over the recall thresholds of
    the interpolated precision (the highest precision at that recall or beyond, 0 where the
    recall is never reached); the recall is the highest one reached. ``compute`` returns
    ``(AP, AR)``: both averaged over classes that have ground truth and over IoU thresholds,
    ``(-1.0, -1.0)`` when no class has any.

    ``update`` takes ``(y_pred, y)``: two lists with one dict per image, ``y_pred[i]`` with
    ``"bbox"`` ``(K, 4)`` boxes ``(x1, y1, x2, y2)``, ``"scores"`` ``(K,)`` and ``"labels"``
    ``(K,)``; ``y[i]`` with ``"bbox"`` ``(G, 4)``, ``"labels"`` ``(G,)`` and optionally
    ``"iscrowd"`` ``(G,)``.

    Args:
        iou_thresholds: IoU thresholds in [0, 1]; COCO's 0.5, 0.55, ..., 0.95 by default.
        rec_thresholds: recall thresholds in [0, 1]; COCO's 0, 0.01, ..., 1 by default.
        num_classes: number of classes; labels must lie in ``[0, num_classes)``.
        max_detections_per_image_per_class: detections kept per image and class.
        area_range: ``"all"``, ``"small"`` (area up to 32²), ``"medium"`` (32² to 96²) or
            ``"large"`` (from 96²): only objects of this area count.
        output_transform: picks ``(y_pred, y)`` out of the engine's output.
        device: where the matched detections are kept.
        skip_unrolling: see :class:`ember.metric.Metric`.

    Example:
        >>> import torch
        >>> from ember_metrics import ObjectDetectionAvgPrecisionRecall
        >>> metric = ObjectDetectionAvgPrecisionRecall(num_classes=2)
        >>> y_pred = [{"bbox": torch.tensor([[10.0, 10, 50, 50], [60, 60, 90, 90]]),
        ...            "scores": torch.tensor([0.9, 0.8]), "labels": torch.tensor([0, 1])}]
        >>> y = [{"bbox": torch.tensor([[12.0, 10, 50, 52], [0, 0, 20, 20]]),
        ...       "labels": torch.tensor([0, 1])}]
        >>> metric.update((y_pred, y))
        >>> ap, ar = metric.compute()
        >>> round(ap, 4), round(ar, 4)
        (0.45, 0.45)
    """

    def __init__(
        self,
        iou_thresholds: Sequence[float] | torch.Tensor | None = None,
        rec_thresholds: Sequence[float] | torch.Tensor | None = None,
        num_classes: int = 80,
        max_detections_per_image_per_class: int = 100,
        area_range: Literal["small", "medium", "large", "all"] = "all",
        output_transform: Callable[[Any], Any] = identity,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        cls = type(self).__name__
        if area_range not in AREA_RANGES:
            raise ValueError(
                f"{cls}: argument area_range should be one of {list(AREA_RANGES)}, got "
                f"{area_range!r}"
            )
        limit = max_detections_per_image_per_class
        if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
            raise ValueError(
                f"{cls}: argument max_detections_per_image_per_class should be a positive int, "
                f"got {limit!r}"
            )
        self._area_range = area_range
        self._max_detections_per_image_per_class = limit
        super().__init__(
            iou_thresholds,
            rec_thresholds,
            num_classes,
            [AREA_RANGES[area_range]],
            [limit],
            output_transform,
            device,
            skip_unrolling,
        )

    def compute(self) -> tuple[float, float]:
        """``(AP, AR)``: mean average precision and mean recall over classes and IoU thresholds."""
        table = self._table()
        return valid_mean(table[0, 0, 0]), valid_mean(table[1, 0, 0])
