"""Matching detections to ground-truth boxes, image by image, the way COCO does.

For one image and one class, detections are taken in decreasing score (ties keep their input
order) and each is matched, separately at every IoU threshold ``t``, to the ground-truth box it
overlaps most with ``IoU >= t`` among the boxes still free. Ground truth is *ignored* when it is
a crowd region or its area lies outside the evaluated area range: a detection prefers a box
that is not ignored and is matched to an ignored one only when no other fits. A crowd region
can absorb any number of detections; its IoU is the intersection over the detection's own area.
Equal IoUs go to the later box (pycocotools' order).

A matched detection is a true positive, unless its box is ignored; an unmatched one is a false
positive, unless its own area lies outside the range. Ignored detections count as neither.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from ember_metrics.detection._inputs import Image

__all__ = ["AREA_RANGES", "ImageMatches", "box_area", "box_iou", "match_boxes", "match_image"]

AREA_RANGES: dict[str, tuple[float, float]] = {
    "all": (0.0, 1e10),
    "small": (0.0, 32.0**2),
    "medium": (32.0**2, 96.0**2),
    "large": (96.0**2, 1e10),
}
"""COCO's area ranges in square pixels; both ends are inside the range."""

_HIGHEST_THRESHOLD = 1 - 1e-10  # an IoU of exactly 1 still matches at threshold 1 (as COCO)


def box_area(boxes: torch.Tensor) -> torch.Tensor:
    """Areas of ``(K, 4)`` boxes ``(x1, y1, x2, y2)``."""
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def box_iou(boxes: torch.Tensor, gt_boxes: torch.Tensor, gt_crowd: torch.Tensor) -> torch.Tensor:
    """``(D, G)`` intersection over union; over the detection's area for crowd regions."""
    top_left = torch.maximum(boxes[:, None, :2], gt_boxes[None, :, :2])
    bottom_right = torch.minimum(boxes[:, None, 2:], gt_boxes[None, :, 2:])
    sides = (bottom_right - top_left).clamp(min=0)
    inter = sides[..., 0] * sides[..., 1]
    area = box_area(boxes)[:, None]
    union = torch.where(gt_crowd[None, :], area, area + box_area(gt_boxes)[None, :] - inter)
    return torch.where(inter > 0, inter / union.where(inter > 0, 1.0), 0.0)


def match_boxes(
    iou: torch.Tensor, gt_ignored: torch.Tensor, gt_crowd: torch.Tensor, thresholds: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Greedy matching of score-sorted detections at every threshold.

    Args:
        iou: ``(D, G)``, detections in decreasing score order.
        gt_ignored: ``(G,)`` ground truth that is ignored (crowd or outside the area range).
        gt_crowd: ``(G,)`` crowd regions, which may be matched many times.
        thresholds: ``(T,)`` IoU thresholds.

    Returns:
        ``(matched, on_ignored)``, each ``(T, D)``: whether the detection is matched at each
        threshold, and whether the box it is matched to is ignored.
    """
    num_thresholds, (num_dets, num_gts) = len(thresholds), iou.shape
    matched = torch.zeros(num_thresholds, num_dets, dtype=torch.bool)
    on_ignored = torch.zeros_like(matched)
    if num_gts == 0:
        return matched, on_ignored
    minimum = thresholds.clamp(max=_HIGHEST_THRESHOLD)[:, None]
    preference = (~gt_ignored).to(iou.dtype) * 2  # any free regular box beats an ignored one
    taken = torch.zeros(num_thresholds, num_gts, dtype=torch.bool)
    rows = torch.arange(num_thresholds)
    for d in range(num_dets):
        allowed = (iou[d] >= minimum) & ~(taken & ~gt_crowd)
        key = torch.where(allowed, iou[d] + preference, -1.0)
        # The last box with the highest key: argmax returns the first, so search reversed.
        best = num_gts - 1 - key.flip(-1).argmax(-1)
        found = key[rows, best] >= 0
        matched[:, d] = found
        on_ignored[:, d] = found & gt_ignored[best]
        taken[rows[found], best[found]] = True
    return matched, on_ignored


class ImageMatches(NamedTuple):
    """The kept detections of one image, grouped by class, each class in decreasing score."""

    scores: torch.Tensor  # (n,) float64
    labels: torch.Tensor  # (n,) int64
    ranks: torch.Tensor  # (n,) int64: position among the image's detections of its class
    true_positive: torch.Tensor  # (A, T, n) bool, per area range and IoU threshold
    false_positive: torch.Tensor  # (A, T, n) bool
    gt_counts: torch.Tensor  # (A, C) int64: ground truth per class that is not ignored


def match_image(
    image: Image,
    thresholds: torch.Tensor,
    area_ranges: list[tuple[float, float]],
    max_detections: int,
    num_classes: int,
) -> ImageMatches:
    """Match one image's ``max_detections`` best detections per class, for every area range."""
    gt_area = box_area(image.gt_boxes)
    gt_counts = torch.stack(
        [
            torch.bincount(
                image.gt_labels[~(image.gt_crowd | (gt_area < low) | (gt_area > high))],
                minlength=num_classes,
            )
            for low, high in area_ranges
        ]
    )
    parts: list[tuple[torch.Tensor, ...]] = []
    for cls in torch.unique(image.labels).tolist():
        dets = (image.labels == cls).nonzero().squeeze(1)
        order = torch.argsort(image.scores[dets], descending=True, stable=True)
        dets = dets[order[:max_detections]]
        gts = (image.gt_labels == cls).nonzero().squeeze(1)
        crowd = image.gt_crowd[gts]
        iou = box_iou(image.boxes[dets], image.gt_boxes[gts], crowd)
        det_area, cls_gt_area = box_area(image.boxes[dets]), gt_area[gts]
        true_positive, false_positive = [], []
        for low, high in area_ranges:
            gt_ignored = crowd | (cls_gt_area < low) | (cls_gt_area > high)
            matched, on_ignored = match_boxes(iou, gt_ignored, crowd, thresholds)
            ignored = on_ignored | (~matched & ((det_area < low) | (det_area > high)))
            true_positive.append(matched & ~ignored)
            false_positive.append(~matched & ~ignored)
        parts.append(
            (
                image.scores[dets],
                torch.full((len(dets),), cls, dtype=torch.int64),
                torch.arange(len(dets)),
                torch.stack(true_positive),
                torch.stack(false_positive),
            )
        )
    if not parts:
        empty = torch.zeros(len(area_ranges), len(thresholds), 0, dtype=torch.bool)
        none = torch.zeros(0, dtype=torch.int64)
        return ImageMatches(
            torch.zeros(0, dtype=torch.float64), none, none, empty, empty, gt_counts
        )
    scores, labels, ranks, hits, misses = zip(*parts, strict=True)
    return ImageMatches(
        torch.cat(scores),
        torch.cat(labels),
        torch.cat(ranks),
        torch.cat(hits, dim=-1),
        torch.cat(misses, dim=-1),
        gt_counts,
    )
