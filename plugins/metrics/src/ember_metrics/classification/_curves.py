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


def roc_auc(target: torch.Tensor, scores: torch.Tensor) -> float:
    """Area under the ROC curve; NaN, with a warning, when ``target`` holds only one class.

    The area is computed from the counts at each distinct score without building the curve:
    one sort, one cumulative sum, and the trapezoids in exact integer arithmetic.

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
    ranked_scores, order = torch.sort(scores, descending=True)
    tps = target[order].to(torch.int64).cumsum(0)
    # The last position of each group of tied scores is one point of the curve.
    group_end = torch.ones(count, dtype=torch.bool, device=scores.device)
    group_end[:-1] = ranked_scores[1:] != ranked_scores[:-1]
    seen = torch.arange(1, count + 1, device=scores.device)[group_end]
    tps = tps[group_end]
    fps = seen - tps
    # Twice the area under the (fps, tps) polyline from (0, 0): sum of width * (height sum).
    widths = fps.diff(prepend=fps.new_zeros(1))
    heights = tps + torch.cat([tps.new_zeros(1), tps[:-1]])
    twice_area = int((widths * heights).sum())
    return twice_area / (2 * positives * (count - positives))


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
