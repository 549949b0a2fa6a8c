"""The base of the ranking metrics (ROC and precision-recall families): accepted inputs.

They keep every score of the period (an :class:`~ember_metrics.EpochMetric`) and compute in
torch at ``compute``. Each metric accepts some of:

==============  ===============  ===============  =====================================
input           ``y_pred``       ``y``            value
==============  ===============  ===============  =====================================
binary          ``(N,)``         ``(N,)``         scores; targets 0 or 1
multilabel      ``(N, C)``       ``(N, C)``       one score per label; targets 0 or 1
multiclass      ``(N, C)``       ``(N,)``         one score per class; class indices
==============  ===============  ===============  =====================================

``(N, 1)`` tensors count as ``(N,)``.

Example:
    >>> import torch
    >>> from ember_metrics.classification.roc_auc import ROC_AUC
    >>> ROC_AUC()._accepts
    ('binary', 'multilabel')
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ember_metrics.aggregation.epoch_metric import EpochMetric
from ember_metrics.classification._base import identity
from ember_metrics.classification._input_checks import (
    check_binary,
    check_class_indices,
    check_no_nan,
    shape_of,
)

__all__ = ["RankingMetric", "per_label"]

_SHAPES = {
    "binary": "y_pred (N,) and y (N,) for binary input",
    "multilabel": "y_pred (N, C) and y (N, C) for multilabel input",
    "multiclass": "y_pred (N, C) and y (N,) for multiclass input",
}


def per_label(
    score: Callable[[torch.Tensor, torch.Tensor], float], y_preds: torch.Tensor, y: torch.Tensor
) -> list[float]:
    """``score(target, scores)`` of each label (column); class indices become one-hot first.

    Example:
        >>> import torch
        >>> per_label(lambda t, s: float(t.sum()), torch.zeros(3, 2), torch.tensor([0, 1, 1]))
        [1.0, 2.0]
    """
    if y.ndim == 1:
        y = torch.nn.functional.one_hot(y.long(), y_preds.shape[1])
    return [score(y[:, label], y_preds[:, label]) for label in range(y_preds.shape[1])]


class RankingMetric(EpochMetric):
    """An :class:`EpochMetric` over scores that checks the input types in ``_accepts``.

    Example:
        >>> import torch
        >>> from ember_metrics.classification.average_precision import AveragePrecision
        >>> AveragePrecision()._accepts
        ('binary', 'multilabel', 'multiclass')
    """

    _accepts: tuple[str, ...] = ("binary",)

    def __init__(
        self,
        compute_fn: Callable[[torch.Tensor, torch.Tensor], Any],
        output_transform: Callable[[Any], Any] = identity,
        check_compute_fn: bool = False,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(
            compute_fn,
            output_transform=output_transform,
            check_compute_fn=check_compute_fn,
            device=device,
            skip_unrolling=skip_unrolling,
        )

    def _check_input(
        self, owner: str, y_pred: torch.Tensor, y: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if y_pred.ndim == 1 and y.ndim == 1:
            input_type = "binary"
        elif y_pred.ndim == 2 and y.ndim == 2 and y_pred.shape == y.shape:
            input_type = "multilabel"
        elif y_pred.ndim == 2 and y.ndim == 1:
            input_type = "multiclass"
        else:
            input_type = "invalid"
        if input_type not in self._accepts:
            expected = "; or ".join(_SHAPES[accepted] for accepted in self._accepts)
            raise ValueError(
                f"{owner}: y_pred has shape {shape_of(y_pred)} and y has shape {shape_of(y)}; "
                f"expected {expected}"
            )
        check_no_nan(self, y_pred, owner)
        if input_type == "multiclass":
            check_class_indices(self, y, y_pred.shape[1], owner)
        else:
            check_binary(self, y, owner, "y")
        return y_pred, y
