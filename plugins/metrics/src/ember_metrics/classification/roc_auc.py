"""Area under the ROC curve, for binary and multilabel scores.

Example:
    >>> import torch
    >>> from ember_metrics.classification.roc_auc import ROC_AUC
    >>> auc = ROC_AUC()
    >>> auc.update((torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])))
    >>> auc.compute()
    0.75
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ember_metrics.classification._base import identity
from ember_metrics.classification._curves import macro_average, roc_auc
from ember_metrics.classification._ranking import RankingMetric, per_label

__all__ = ["ROC_AUC"]


def roc_auc_compute_fn(y_preds: torch.Tensor, y_targets: torch.Tensor) -> float:
    """ROC AUC of binary scores, or its mean over labels for multilabel scores.

    Example:
        >>> import torch
        >>> roc_auc_compute_fn(torch.tensor([0.2, 0.9]), torch.tensor([0, 1]))
        1.0
    """
    if y_preds.ndim == 1:
        return roc_auc(y_targets, y_preds)
    return macro_average(per_label(roc_auc, y_preds, y_targets))


class ROC_AUC(RankingMetric):  # noqa: N801 - PyTorch-Ignite's name
    """Area under the receiver operating characteristic curve.

    ``update`` takes binary scores ``y_pred`` of shape ``(N,)`` with targets ``y`` of 0 and 1
    of shape ``(N,)``, or multilabel scores and targets of shape ``(N, C)`` (the value is then
    the unweighted mean over labels, as scikit-learn's ``average="macro"``). Scores are any real
    numbers (probabilities or logits). Computed in torch at ``compute`` from all stored scores;
    the same as ``sklearn.metrics.roc_auc_score``. When a label has a single class in ``y`` its
    AUC is undefined: NaN, with a warning.

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``.
        check_compute_fn: see :class:`~ember_metrics.EpochMetric`.
        device: where the scores are kept.
        skip_unrolling: see :class:`~ember.metric.Metric`.

    Example:
        >>> import torch
        >>> from ember_metrics import ROC_AUC
        >>> auc = ROC_AUC(output_transform=lambda output: (output[0].sigmoid(), output[1]))
        >>> logits = torch.tensor([[2.0, -1.0], [-0.5, 0.3], [1.0, 1.5], [-2.0, 0.1]])
        >>> auc.update((logits, torch.tensor([[1, 0], [0, 1], [1, 1], [0, 0]])))
        >>> auc.compute()
        1.0
    """

    _accepts = ("binary", "multilabel")

    def __init__(
        self,
        output_transform: Callable[[Any], Any] = identity,
        check_compute_fn: bool = False,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(
            roc_auc_compute_fn,
            output_transform=output_transform,
            check_compute_fn=check_compute_fn,
            device=device,
            skip_unrolling=skip_unrolling,
        )
