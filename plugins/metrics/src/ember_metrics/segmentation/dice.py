"""The Dice coefficient (F1 score) of each class, from a confusion matrix.

Example:
    >>> import torch
    >>> from ember_metrics import ConfusionMatrix
    >>> from ember_metrics.segmentation.dice import DiceCoefficient
    >>> dice = DiceCoefficient(ConfusionMatrix(num_classes=2))
    >>> dice.update((torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]), torch.tensor([0, 1, 1])))
    >>> dice.compute()
    tensor([0.6667, 0.6667], dtype=torch.float64)
"""

from __future__ import annotations

import torch

from ember.metric import MetricsLambda
from ember_metrics.classification.confusion_matrix import ConfusionMatrix
from ember_metrics.segmentation._confusion_checks import DropClass, check_arguments

__all__ = ["DiceCoefficient"]


def dice_from_confusion(matrix: torch.Tensor) -> torch.Tensor:
    """Per-class ``2 TP / (2 TP + FP + FN)`` of a confusion matrix; 0 for a class never seen.

    Example:
        >>> import torch
        >>> dice_from_confusion(torch.tensor([[3, 1], [0, 2]]))
        tensor([0.8571, 0.8000], dtype=torch.float64)
    """
    matrix = matrix.to(torch.float64)
    total = matrix.sum(dim=1) + matrix.sum(dim=0)
    return torch.where(total > 0, 2.0 * matrix.diagonal() / total, 0.0)


def DiceCoefficient(  # noqa: N802 - a metric factory, named like the classes (as in Ignite)
    cm: ConfusionMatrix, ignore_index: int | None = None
) -> MetricsLambda:
    """The Dice coefficient of each class, ``2 TP / (2 TP + FP + FN)``, as a float64 tensor.

    Built on ``cm``: update (or attach) the returned metric, or ``cm`` itself. A class absent
    from both predictions and targets scores 0.

    Args:
        cm: a :class:`~ember_metrics.ConfusionMatrix` with ``average`` None or ``"samples"``.
        ignore_index: a class to leave out of the result (e.g. the background).

    Returns:
        A :class:`~ember.metric.MetricsLambda` of shape ``(C,)``, or ``(C - 1,)`` with
        ``ignore_index``.

    Example:
        >>> import torch
        >>> from ember_metrics import ConfusionMatrix, DiceCoefficient
        >>> dice = DiceCoefficient(ConfusionMatrix(num_classes=3), ignore_index=0)
        >>> y_pred = torch.tensor(
        ...     [[0.1, 0.8, 0.1], [0.1, 0.2, 0.7], [0.1, 0.7, 0.2], [0.9, 0.0, 0.1]]
        ... )
        >>> dice.update((y_pred, torch.tensor([1, 2, 2, 0])))
        >>> dice.compute()
        tensor([0.6667, 0.6667], dtype=torch.float64)
    """
    check_arguments("DiceCoefficient", cm, ignore_index)
    dice = MetricsLambda(dice_from_confusion, cm)
    if ignore_index is None:
        return dice
    return MetricsLambda(DropClass(ignore_index), dice)
