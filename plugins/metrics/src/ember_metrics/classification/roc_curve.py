"""The ROC curve of binary scores: false and true positive rates by threshold.

Example:
    >>> import torch
    >>> from ember_metrics.classification.roc_curve import RocCurve
    >>> curve = RocCurve()
    >>> curve.update((torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])))
    >>> fpr, tpr, thresholds = curve.compute()
    >>> fpr
    tensor([0.0000, 0.0000, 0.5000, 0.5000, 1.0000], dtype=torch.float64)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ember_metrics.classification._base import identity
from ember_metrics.classification._curves import roc_curve
from ember_metrics.classification._ranking import RankingMetric

__all__ = ["RocCurve"]


def roc_curve_compute_fn(
    y_preds: torch.Tensor, y_targets: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(fpr, tpr, thresholds)`` of binary scores.

    Example:
        >>> import torch
        >>> scores = torch.tensor([0.2, 0.9], dtype=torch.float64)
        >>> fpr, tpr, thresholds = roc_curve_compute_fn(scores, torch.tensor([0, 1]))
        >>> thresholds.tolist()
        [inf, 0.9, 0.2]
    """
    return roc_curve(y_targets, y_preds)


class RocCurve(RankingMetric):
    """The receiver operating characteristic curve of binary scores.

    ``update`` takes scores ``y_pred`` of shape ``(N,)`` and targets ``y`` of 0 and 1 of shape
    ``(N,)``. ``compute`` returns float64 tensors ``(fpr, tpr, thresholds)``: the rates at each
    threshold, by decreasing threshold, starting at ``(0, 0)`` with threshold ``inf``; points on
    a straight segment are dropped. The same as ``sklearn.metrics.roc_curve``. Without negative
    (positive) targets the false (true) positive rate is NaN, with a warning.

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``.
        check_compute_fn: see :class:`~ember_metrics.EpochMetric`.
        device: where the scores are kept.
        skip_unrolling: see :class:`~ember.metric.Metric`.

    Example:
        >>> import torch
        >>> from ember_metrics import RocCurve
        >>> curve = RocCurve()
        >>> scores = torch.tensor([0.9, 0.2, 0.6, 0.4], dtype=torch.float64)
        >>> curve.update((scores, torch.tensor([1, 0, 0, 1])))
        >>> fpr, tpr, thresholds = curve.compute()
        >>> fpr.tolist(), tpr.tolist()
        ([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0])
        >>> thresholds.tolist()
        [inf, 0.9, 0.6, 0.4, 0.2]
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
            roc_curve_compute_fn,
            output_transform=output_transform,
            check_compute_fn=check_compute_fn,
            device=device,
            skip_unrolling=skip_unrolling,
        )
