"""Intersection over union (Jaccard index) per class, and its mean, from a confusion matrix.

Example:
    >>> import torch
    >>> from ember_metrics import ConfusionMatrix
    >>> from ember_metrics.segmentation.iou import IoU
    >>> cm = ConfusionMatrix(num_classes=2)
    >>> iou = IoU(cm)
    >>> iou.update((torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]), torch.tensor([0, 1, 1])))
    >>> iou.compute()
    tensor([0.5000, 0.5000], dtype=torch.float64)
"""

from __future__ import annotations

import torch

from ember.metric import MetricsLambda
from ember_metrics.classification.confusion_matrix import ConfusionMatrix
from ember_metrics.segmentation._confusion_checks import DropClass, check_arguments

__all__ = ["IoU", "JaccardIndex", "mIoU"]


def iou_from_confusion(matrix: torch.Tensor) -> torch.Tensor:
    """Per-class ``TP / (TP + FP + FN)`` of a confusion matrix; 0 for a class never seen.

    Example:
        >>> import torch
        >>> iou_from_confusion(torch.tensor([[3, 1], [0, 2]]))
        tensor([0.7500, 0.6667], dtype=torch.float64)
    """
    matrix = matrix.to(torch.float64)
    hits = matrix.diagonal()
    union = matrix.sum(dim=1) + matrix.sum(dim=0) - hits
    return torch.where(union > 0, hits / union, 0.0)


def IoU(cm: ConfusionMatrix, ignore_index: int | None = None) -> MetricsLambda:  # noqa: N802
    """Intersection over union of each class, ``TP / (TP + FP + FN)``, as a float64 tensor.

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
        >>> from ember_metrics import ConfusionMatrix, IoU
        >>> iou = IoU(ConfusionMatrix(num_classes=3), ignore_index=0)
        >>> y_pred = torch.zeros(1, 3, 2, 2)
        >>> y_pred[0, :, 0, 0] = torch.tensor([0.1, 0.8, 0.1])  # predicts class 1
        >>> y_pred[0, :, 0, 1] = torch.tensor([0.1, 0.2, 0.7])  # predicts class 2
        >>> y_pred[0, :, 1, 0] = torch.tensor([0.1, 0.7, 0.2])  # predicts class 1
        >>> y_pred[0, :, 1, 1] = torch.tensor([0.9, 0.0, 0.1])  # predicts class 0
        >>> iou.update((y_pred, torch.tensor([[[1, 2], [2, 0]]])))
        >>> iou.compute()
        tensor([0.5000, 0.5000], dtype=torch.float64)
    """
    check_arguments("IoU", cm, ignore_index)
    iou = MetricsLambda(iou_from_confusion, cm)
    if ignore_index is None:
        return iou
    return MetricsLambda(DropClass(ignore_index), iou)


def mIoU(cm: ConfusionMatrix, ignore_index: int | None = None) -> MetricsLambda:  # noqa: N802
    """The mean over classes of :func:`IoU`, a 0-d float64 tensor (a float in ``state.metrics``).

    Args:
        cm: a :class:`~ember_metrics.ConfusionMatrix` with ``average`` None or ``"samples"``.
        ignore_index: a class to leave out of the mean.

    Example:
        >>> import torch
        >>> from ember_metrics import ConfusionMatrix, mIoU
        >>> miou = mIoU(ConfusionMatrix(num_classes=2))
        >>> y_pred = torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
        >>> miou.update((y_pred, torch.tensor([0, 1, 1])))
        >>> miou.compute()
        tensor(0.5000, dtype=torch.float64)
    """
    check_arguments("mIoU", cm, ignore_index)
    return IoU(cm, ignore_index).mean()


def JaccardIndex(cm: ConfusionMatrix, ignore_index: int | None = None) -> MetricsLambda:  # noqa: N802
    """The Jaccard index of each class: another name of :func:`IoU`.

    Args:
        cm: a :class:`~ember_metrics.ConfusionMatrix` with ``average`` None or ``"samples"``.
        ignore_index: a class to leave out of the result.

    Example:
        >>> import torch
        >>> from ember_metrics import ConfusionMatrix, JaccardIndex
        >>> jaccard = JaccardIndex(ConfusionMatrix(num_classes=2))
        >>> jaccard.update((torch.tensor([[0.9, 0.1], [0.6, 0.4]]), torch.tensor([0, 1])))
        >>> jaccard.compute()
        tensor([0.5000, 0.0000], dtype=torch.float64)
    """
    check_arguments("JaccardIndex", cm, ignore_index)
    return IoU(cm, ignore_index)
