"""Matthews correlation coefficient of binary or multiclass predictions.

Example:
    >>> import torch
    >>> from ember_metrics.classification.matthews import MatthewsCorrCoef
    >>> mcc = MatthewsCorrCoef()
    >>> mcc.update((torch.tensor([1, 0, 1, 1]), torch.tensor([1, 0, 0, 1])))
    >>> round(mcc.compute(), 4)
    0.5774
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ember.exceptions import NotComputableError
from ember_metrics.aggregation.epoch_metric import EpochMetric
from ember_metrics.classification._base import identity
from ember_metrics.classification._input_checks import (
    check_class_indices,
    check_no_nan,
    shape_of,
)

__all__ = ["MatthewsCorrCoef"]


def labels_confusion_matrix(predicted: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The float64 confusion matrix (rows: target) of label vectors, classes ``0..max``.

    Example:
        >>> import torch
        >>> labels_confusion_matrix(torch.tensor([0, 1, 1]), torch.tensor([0, 0, 1]))
        tensor([[1., 1.],
                [0., 1.]], dtype=torch.float64)
    """
    if predicted.numel() == 0:
        raise NotComputableError("the confusion matrix needs at least one example")
    num_classes = int(torch.maximum(predicted.max(), target.max())) + 1
    index = target.long() * num_classes + predicted.long()
    counts = torch.bincount(index, minlength=num_classes * num_classes)
    return counts.view(num_classes, num_classes).to(torch.float64)


def matthews_corrcoef_compute_fn(y_preds: torch.Tensor, y_targets: torch.Tensor) -> float:
    """The (multiclass) Matthews correlation coefficient of predicted and true labels.

    0 when it is undefined (a single predicted or a single true class), as scikit-learn.

    Example:
        >>> import torch
        >>> matthews_corrcoef_compute_fn(torch.tensor([0, 1, 2]), torch.tensor([0, 1, 2]))
        1.0
    """
    matrix = labels_confusion_matrix(y_preds, y_targets)
    true_totals, predicted_totals = matrix.sum(dim=1), matrix.sum(dim=0)
    samples, correct = matrix.sum(), matrix.trace()
    covariance = correct * samples - true_totals @ predicted_totals
    predicted_variance = samples**2 - predicted_totals @ predicted_totals
    true_variance = samples**2 - true_totals @ true_totals
    if predicted_variance * true_variance == 0:
        return 0.0
    return float(covariance / torch.sqrt(true_variance * predicted_variance))


class MatthewsCorrCoef(EpochMetric):
    """The Matthews correlation coefficient, in ``[-1, 1]``; 0 when undefined.

    ``update`` takes ``(y_pred, y)``:

    - predicted labels ``y_pred`` of shape ``(N,)`` (0 and 1 for binary input, or class
      indices) and labels ``y`` of shape ``(N,)``;
    - scores ``y_pred`` of shape ``(N, C)`` (the prediction is their arg-max) and labels ``y``
      of shape ``(N,)`` or one-hot ``(N, C)``.

    The labels are kept for the whole period (an :class:`~ember_metrics.EpochMetric`, as in
    Ignite), and the value is computed in torch; the same as
    ``sklearn.metrics.matthews_corrcoef``.

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``.
        check_compute_fn: see :class:`~ember_metrics.EpochMetric`.
        device: where the labels are kept.
        skip_unrolling: see :class:`~ember.metric.Metric`.

    Example:
        >>> import torch
        >>> from ember_metrics import MatthewsCorrCoef
        >>> mcc = MatthewsCorrCoef()
        >>> y_pred = torch.tensor(
        ...     [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.2, 0.2, 0.6], [0.5, 0.4, 0.1]]
        ... )
        >>> mcc.update((y_pred, torch.tensor([0, 1, 2, 1])))
        >>> mcc.compute()
        0.7
    """

    def __init__(
        self,
        output_transform: Callable[[Any], Any] = identity,
        check_compute_fn: bool = False,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(
            matthews_corrcoef_compute_fn,
            output_transform=output_transform,
            check_compute_fn=check_compute_fn,
            device=device,
            skip_unrolling=skip_unrolling,
        )

    def _check_input(
        self, owner: str, y_pred: torch.Tensor, y: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if y_pred.ndim == 1 and y.ndim == 2:
            raise ValueError(
                f"{owner}: y_pred has shape {shape_of(y_pred)} and y has shape {shape_of(y)}; "
                f"expected labels y of shape (N,) for predicted labels y_pred of shape (N,), "
                f"or scores y_pred of shape (N, C) for one-hot y of shape (N, C)"
            )
        if y.ndim == 2:
            if y.shape != y_pred.shape:
                raise ValueError(
                    f"{owner}: y_pred has shape {shape_of(y_pred)} and y has shape "
                    f"{shape_of(y)}; expected one-hot y of the shape of y_pred"
                )
            y = y.argmax(dim=1)
        if y_pred.ndim == 2:
            check_no_nan(self, y_pred, owner)
            y_pred = y_pred.argmax(dim=1)
        else:
            check_class_indices(self, y_pred, None, owner, "y_pred")
        check_class_indices(self, y, None, owner)
        return y_pred.long(), y.long()
