"""The precision-recall curve of binary scores.

Example:
    >>> import torch
    >>> from ember_metrics.classification.precision_recall_curve import PrecisionRecallCurve
    >>> curve = PrecisionRecallCurve()
    >>> curve.update((torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])))
    >>> precision, recall, thresholds = curve.compute()
    >>> recall
    tensor([1.0000, 1.0000, 0.5000, 0.5000, 0.0000], dtype=torch.float64)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ember_metrics.classification._base import identity
from ember_metrics.classification._curves import precision_recall_curve
from ember_metrics.classification._ranking import RankingMetric

__all__ = ["PrecisionRecallCurve"]


def precision_recall_curve_compute_fn(
    y_preds: torch.Tensor, y_targets: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(precision, recall, thresholds)`` of binary scores.

    Example:
        >>> import torch
        >>> scores = torch.tensor([0.2, 0.9], dtype=torch.float64)
        >>> precision, recall, thresholds = precision_recall_curve_compute_fn(
        ...     scores, torch.tensor([0, 1])
        ... )
        >>> precision.tolist(), recall.tolist(), thresholds.tolist()
        ([0.5, 1.0, 1.0], [1.0, 1.0, 0.0], [0.2, 0.9])
    """
    return precision_recall_curve(y_targets, y_preds)


class PrecisionRecallCurve(RankingMetric):
    """Precision and recall at each score threshold of binary scores.

    ``update`` takes scores ``y_pred`` of shape ``(N,)`` and targets ``y`` of 0 and 1 of shape
    ``(N,)``. ``compute`` returns float64 tensors ``(precision, recall, thresholds)`` by
    increasing threshold; ``precision`` and ``recall`` have one more element, the point
    ``(1, 0)``. The same as ``sklearn.metrics.precision_recall_curve``. Without positive targets
    recall is 1 everywhere, with a warning.

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``.
        check_compute_fn: see :class:`~ember_metrics.EpochMetric`.
        device: where the scores are kept.
        skip_unrolling: see :class:`~ember.metric.Metric`.

    Example:
        >>> import torch
        >>> from ember_metrics import PrecisionRecallCurve
        >>> curve = PrecisionRecallCurve()
        >>> scores = torch.tensor([0.9, 0.2, 0.6, 0.4], dtype=torch.float64)
        >>> curve.update((scores, torch.tensor([1, 0, 0, 1])))
        >>> precision, recall, thresholds = curve.compute()
        >>> precision.tolist()
        [0.5, 0.6666666666666666, 0.5, 1.0, 1.0]
        >>> recall.tolist(), thresholds.tolist()
        ([1.0, 1.0, 0.5, 0.5, 0.0], [0.2, 0.4, 0.6, 0.9])
    """

    _accepts = ("binary",)

    def __init__(
        self,
        output_transform: Callable[[Any], Any] = identity,
        check_compute_fn: bool = False,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(
            precision_recall_curve_compute_fn,
            output_transform=output_transform,
            check_compute_fn=check_compute_fn,
            device=device,
            skip_unrolling=skip_unrolling,
        )
