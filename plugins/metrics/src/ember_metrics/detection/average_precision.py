"""COCO's interpolated average precision and the recall of one class's ranked detections.

With the detections of a class sorted by decreasing score, the precision and recall after each
detection trace the precision-recall curve. COCO makes precision non-increasing (each point
takes the highest precision at this recall or beyond) and reads it at fixed recall thresholds
``r`` (by default 0, 0.01, ..., 1): at the first detection whose recall reaches ``r``, or 0 when
recall never does. Average precision is the mean of these readings; recall is the highest
recall reached.
"""

from __future__ import annotations

import torch

__all__ = ["coco_linspace", "interpolated_precision_recall"]


def coco_linspace(start: float, stop: float, num: int) -> torch.Tensor:
    """``num`` float64 values from ``start`` to ``stop``, bit for bit those pycocotools uses.

    numpy's ``linspace`` computes ``start + i * step``, which for 0.07 gives
    0.07000000000000001, not the closest float64 to 0.07 that ``torch.linspace`` gives. A
    recall of exactly k/n falls on the same side of each threshold as in pycocotools only with
    the same values.
    """
    values = torch.arange(num, dtype=torch.float64) * ((stop - start) / (num - 1)) + start
    values[-1] = stop
    return values


def interpolated_precision_recall(
    true_positive: torch.Tensor,
    false_positive: torch.Tensor,
    num_gt: int,
    rec_thresholds: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Average precision and recall of one class at each IoU threshold.

    Args:
        true_positive: ``(T, n)`` bool, the class's detections in decreasing score order.
        false_positive: ``(T, n)`` bool; a detection that is neither is ignored.
        num_gt: ground-truth boxes of the class that are not ignored (positive).
        rec_thresholds: ``(R,)`` sorted float64 recall thresholds.

    Returns:
        ``(average_precision, recall)``, each ``(T,)`` float64.
    """
    num_thresholds, num_dets = true_positive.shape
    if num_dets == 0:
        zeros = torch.zeros(num_thresholds, dtype=torch.float64)
        return zeros, zeros.clone()
    tp_sum = true_positive.cumsum(-1, dtype=torch.float64)
    predicted = tp_sum + false_positive.cumsum(-1, dtype=torch.float64)
    recall = tp_sum / num_gt
    precision = tp_sum / predicted.where(predicted > 0, 1.0)
    envelope = precision.flip(-1).cummax(-1).values.flip(-1)
    first_reaching = torch.searchsorted(
        recall, rec_thresholds.expand(num_thresholds, -1).contiguous(), side="left"
    )
    reached = first_reaching < num_dets
    readings = envelope.gather(-1, first_reaching.clamp(max=num_dets - 1)).where(reached, 0.0)
    return readings.mean(-1), recall[:, -1]
