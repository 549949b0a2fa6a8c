"""Average precision: the area under the precision-recall curve, as a step integral.

Example:
    >>> import torch
    >>> from ember_metrics.classification.average_precision import AveragePrecision
    >>> ap = AveragePrecision()
    >>> ap.update((torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])))
    >>> ap.compute()
    0.8333333333333333
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ember_metrics.classification._base import identity
from ember_metrics.classification._curves import average_precision, macro_average
from ember_metrics.classification._ranking import RankingMetric, per_label

__all__ = ["AveragePrecision"]


def average_precision_compute_fn(y_preds: torch.Tensor, y_targets: torch.Tensor) -> float:
    """Average precision of binary scores, or its mean over labels or classes.

    Example:
        >>> import torch
        >>> average_precision_compute_fn(torch.tensor([0.2, 0.9]), torch.tensor([1, 1]))
        1.0
    """
    if y_preds.ndim == 1:
        return average_precision(y_targets, y_preds)
    return macro_average(per_label(average_precision, y_preds, y_targets))


class AveragePrecision(RankingMetric):
    """Average precision ``AP = sum_n (R_n - R_{n-1}) P_n`` over the score thresholds.

    ``update`` takes binary scores ``(N,)`` with targets of 0 and 1 ``(N,)``, multilabel scores
    and targets ``(N, C)``, or multiclass scores ``(N, C)`` with class indices ``(N,)`` (each
    class against the rest). For multilabel and multiclass input the value is the unweighted
    mean over labels or classes. The same as ``sklearn.metrics.average_precision_score``; a
    label without positive targets scores 0, with a warning.

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``.
        check_compute_fn: see :class:`~ember_metrics.EpochMetric`.
        device: where the scores are kept.
        skip_unrolling: see :class:`~ember.metric.Metric`.

    Example:
        >>> import torch
        >>> from ember_metrics import AveragePrecision
        >>> ap = AveragePrecision()
        >>> y_pred = torch.tensor(
        ...     [[0.7, 0.2, 0.1], [0.3, 0.4, 0.3], [0.1, 0.3, 0.6], [0.5, 0.1, 0.4]]
        ... )
        >>> ap.update((y_pred, torch.tensor([0, 2, 2, 1])))
        >>> round(ap.compute(), 4)
        0.6944
    """

    _accepts = ("binary", "multilabel", "multiclass")

    def __init__(
        self,
        output_transform: Callable[[Any], Any] = identity,
        check_compute_fn: bool = False,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(
            average_precision_compute_fn,
            output_transform=output_transform,
            check_compute_fn=check_compute_fn,
            device=device,
            skip_unrolling=skip_unrolling,
        )
