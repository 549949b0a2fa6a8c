"""Ranking curves in torch: ROC and precision-recall curves, their areas, for binary scores.

The results match scikit-learn's ``roc_curve`` (with ``drop_intermediate=True``),
``roc_auc_score``, ``precision_recall_curve`` and ``average_precision_score``; the tests compare
them. Scores are sorted once; tied scores form one threshold.

Example:
    >>> import torch
    >>> from ember_metrics.classification._curves import roc_auc
    >>> roc_auc(torch.tensor([0.0, 0.0, 1.0, 1.0]), torch.tensor([0.1, 0.4, 0.35, 0.8]))
    0.75
"""

from __future__ import annotations

import warnings

import torch

__all__ = [
    "average_precision",
    "binary_clf_curve",
    "macro_average",
    "precision_recall_curve",
    "roc_auc",
    "roc_curve",
    "sort_keys",
]


def binary_clf_curve(
    target: torch.Tensor, scores: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """False and true positive counts at each distinct score, highest score first.

    Example:
        >>> import torch
        >>> scores = torch.tensor([0.2, 0.9, 0.2], dtype=torch.float64)
        >>> fps, tps, thresholds = binary_clf_curve(torch.tensor([0.0, 1.0, 1.0]), scores)
        >>> fps.tolist(), tps.tolist(), thresholds.tolist()
        ([0.0, 1.0], [1.0, 2.0], [0.9, 0.2])
    """
    scores = scores.to(torch.float64)
    order = torch.argsort(scores, descending=True, stable=True)
    scores, target = scores[order], target.to(torch.float64)[order]
    distinct = torch.nonzero(scores.diff()).flatten()
    last = torch.tensor([scores.numel() - 1], device=scores.device)
    threshold_index = torch.cat([distinct, last])
    tps = target.cumsum(0)[threshold_index]
    fps = 1 + threshold_index.to(torch.float64) - tps
    return fps, tps, scores[threshold_index]


def roc_curve(
    target: torch.Tensor, scores: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(fpr, tpr, thresholds)``; the first threshold is ``inf``, collinear points are dropped.

    Example:
        >>> import torch
        >>> fpr, tpr, thresholds = roc_curve(
        ...     torch.tensor([0.0, 0.0, 1.0, 1.0]), torch.tensor([0.1, 0.4, 0.35, 0.8])
        ... )
        >>> fpr.tolist(), tpr.tolist()
        ([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0])
    """
    fps, tps, thresholds = binary_clf_curve(target, scores)
    if fps.numel() > 2:
        corner = (fps.diff(n=2) != 0) | (tps.diff(n=2) != 0)
        edge = torch.ones(1, dtype=torch.bool, device=fps.device)
        keep = torch.cat([edge, corner, edge])
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    zero = torch.zeros(1, dtype=torch.float64, device=fps.device)
    fps, tps = torch.cat([zero, fps]), torch.cat([zero, tps])
    thresholds = torch.cat([torch.full_like(zero, float("inf")), thresholds])
    return _rate(fps, "negative"), _rate(tps, "positive"), thresholds


def _rate(counts: torch.Tensor, kind: str) -> torch.Tensor:
    total = counts[-1]
    if total <= 0:
        warnings.warn(
            f"No {kind} samples in y: the {'false' if kind == 'negative' else 'true'} positive "
            f"rate is undefined (NaN)",
            UserWarning,
            stacklevel=3,
        )
        return torch.full_like(counts, float("nan"))
    return counts / total


_BITS = {torch.float32: (torch.int32, 0x7FFFFFFF), torch.float64: (torch.int64, 0x7FFFFFFFFFFFFFFF)}


def sort_keys(scores: torch.Tensor) -> torch.Tensor:
    """Integers in the order of ``scores``: torch sorts integers about ten times faster.

    A float's bits, read as a signed integer, are in the float's order for positive numbers;
    for negative ones all bits but the sign are flipped. ``-0.0`` becomes ``0.0`` first, so
    that the two zeros tie as they compare. Half precision is widened to float32.

    Example:
        >>> import torch
        >>> scores = torch.tensor([0.5, -2.0, -0.0, 3.0, 0.0])
        >>> torch.argsort(sort_keys(scores), stable=True).tolist()
        [1, 2, 4, 0, 3]
    """
    if not scores.is_floating_point():
        return scores.to(torch.int64)
    if scores.dtype not in _BITS:
        scores = scores.to(torch.float32)
    int_dtype, magnitude = _BITS[scores.dtype]
    bits = (scores + 0.0).view(int_dtype)
    return torch.where(bits < 0, bits ^ magnitude, bits)


def roc_auc(target: torch.Tensor, scores: torch.Tensor) -> float:
    """Area under the ROC curve; NaN, with a warning, when ``target`` holds only one class.

    The area is the share of (positive, negative) pairs that the scores order correctly, a tie
    counting one half. It is counted per group of tied scores after one integer sort (see
    :func:`sort_keys`), in exact integer arithmetic; the curve itself is never built.

    Example:
        >>> import torch
        >>> roc_auc(torch.tensor([0.0, 1.0]), torch.tensor([0.3, 0.7]))
        1.0
    """
    target, scores = target.flatten(), scores.flatten()
    count = target.numel()
    positives = int(target.sum())
    if positives == 0 or positives == count:
        warnings.warn(
            "Only one class is present in y: ROC AUC is undefined (NaN)", UserWarning, stacklevel=2
        )
        return float("nan")
    keys, order = torch.sort(sort_keys(scores))
    is_positive = target[order].to(torch.int64)
    starts = torch.ones(count, dtype=torch.bool, device=keys.device)
    starts[1:] = keys[1:] != keys[:-1]
    group = starts.cumsum(0) - 1  # the rank of each score's group of ties, ascending
    groups = int(group[-1]) + 1
    zeros = torch.zeros(groups, dtype=torch.int64, device=keys.device)
    positives_in = zeros.index_add(0, group, is_positive)
    negatives_in = zeros.index_add(0, group, 1 - is_positive)
    negatives_below = negatives_in.cumsum(0) - negatives_in
    # Each positive beats the negatives below its group and ties with those in it.
    twice_correct = int((positives_in * (2 * negatives_below + negatives_in)).sum())
    return twice_correct / (2 * positives * (count - positives))


def precision_recall_curve(
    target: torch.Tensor, scores: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(precision, recall, thresholds)`` by increasing threshold, ending at ``(1, 0)``.

    Example:
        >>> import torch
        >>> precision, recall, thresholds = precision_recall_curve(
        ...     torch.tensor([0.0, 0.0, 1.0, 1.0]), torch.tensor([0.1, 0.4, 0.35, 0.8])
        ... )
        >>> precision.tolist(), recall.tolist()
        ([0.5, 0.6666666666666666, 0.5, 1.0, 1.0], [1.0, 1.0, 0.5, 0.5, 0.0])
    """
    fps, tps, thresholds = binary_clf_curve(target, scores)
    predicted = tps + fps
    precision = torch.where(predicted != 0, tps / predicted, 0.0)
    if tps[-1] == 0:
        warnings.warn(
            "No positive samples in y: recall is set to 1 for every threshold",
            UserWarning,
            stacklevel=2,
        )
        recall = torch.ones_like(tps)
    else:
        recall = tps / tps[-1]
    one = torch.ones(1, dtype=torch.float64, device=tps.device)
    return (
        torch.cat([precision.flip(0), one]),
        torch.cat([recall.flip(0), torch.zeros_like(one)]),
        thresholds.flip(0),
    )


def average_precision(target: torch.Tensor, scores: torch.Tensor) -> float:
    """The precision-recall curve's step integral ``sum((R_n - R_{n-1}) P_n)``.

    Example:
        >>> import torch
        >>> average_precision(
        ...     torch.tensor([0.0, 0.0, 1.0, 1.0]), torch.tensor([0.1, 0.4, 0.35, 0.8])
        ... )
        0.8333333333333333
    """
    precision, recall, _ = precision_recall_curve(target, scores)
    return max(0.0, float(-(recall.diff() * precision[:-1]).sum()))


def macro_average(scores: list[float]) -> float:
    """The unweighted mean of per-label scores (NaN when any is NaN).

    Example:
        >>> macro_average([0.5, 1.0])
        0.75
    """
    return float(sum(scores) / len(scores))
