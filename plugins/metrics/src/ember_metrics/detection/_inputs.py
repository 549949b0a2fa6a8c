"""Checking the detection inputs: ``(y_pred, y)``, two lists with one dict per image.

``y_pred[i]`` holds the detections of image ``i``: ``"bbox"`` ``(K, 4)`` boxes
``(x1, y1, x2, y2)``, ``"scores"`` ``(K,)`` and ``"labels"`` ``(K,)``; ``y[i]`` holds its ground
truth: ``"bbox"`` ``(G, 4)``, ``"labels"`` ``(G,)`` and optionally ``"iscrowd"`` ``(G,)``.
Matching boxes is a greedy loop in Python, so each image is moved to the host once, in float64,
and checked there: values are known anyway, and an error names the image it comes from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import torch

__all__ = ["Image", "check_images"]


class Image(NamedTuple):
    """One image's detections and ground truth, on the CPU."""

    boxes: torch.Tensor  # (K, 4) float64, x1 y1 x2 y2
    scores: torch.Tensor  # (K,) float64
    labels: torch.Tensor  # (K,) int64
    gt_boxes: torch.Tensor  # (G, 4) float64
    gt_labels: torch.Tensor  # (G,) int64
    gt_crowd: torch.Tensor  # (G,) bool


def _field(owner: str, where: str, sample: Any, key: str, required: tuple[str, ...]) -> Any:
    if not isinstance(sample, Mapping):
        raise ValueError(
            f"{owner}: {where} is a {type(sample).__name__}; expected a dict with the keys "
            f"{list(required)}"
        )
    if key not in sample:
        raise ValueError(
            f"{owner}: {where} has the keys {list(sample)}; expected the keys {list(required)}"
        )
    value = sample[key]
    if not isinstance(value, torch.Tensor):
        raise ValueError(
            f"{owner}: {where}[{key!r}] is a {type(value).__name__}; expected a torch.Tensor"
        )
    return value.detach()


def _boxes(owner: str, where: str, boxes: torch.Tensor, what: str) -> torch.Tensor:
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(
            f"{owner}: {where}['bbox'] has shape {tuple(boxes.shape)}; expected (K, 4): one box "
            f"(x1, y1, x2, y2) per {what}"
        )
    if boxes.dtype == torch.bool or boxes.is_complex():
        raise ValueError(f"{owner}: {where}['bbox'] has dtype {boxes.dtype}; expected real numbers")
    boxes = boxes.to("cpu", torch.float64)
    if torch.isnan(boxes).any():
        raise ValueError(f"{owner}: {where}['bbox'] holds NaN; expected numbers")
    inverted = (boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1])
    if inverted.any():
        k = int(inverted.nonzero()[0, 0])
        raise ValueError(
            f"{owner}: {where}['bbox'][{k}] is {boxes[k].tolist()}; expected x1 <= x2 and "
            f"y1 <= y2 (boxes as (x1, y1, x2, y2), not (x, y, width, height))"
        )
    return boxes


def _vector(owner: str, where: str, key: str, value: torch.Tensor, count: int) -> torch.Tensor:
    if value.shape != (count,):
        raise ValueError(
            f"{owner}: {where}[{key!r}] has shape {tuple(value.shape)} but {where}['bbox'] holds "
            f"{count} box(es); expected shape ({count},)"
        )
    return value.to("cpu")


def _labels(
    owner: str, where: str, labels: torch.Tensor, count: int, num_classes: int
) -> torch.Tensor:
    labels = _vector(owner, where, "labels", labels, count)
    if labels.is_floating_point():
        if not torch.equal(labels, labels.round()):
            raise ValueError(
                f"{owner}: {where}['labels'] holds non-integer values; expected class indices"
            )
    elif labels.dtype == torch.bool or labels.is_complex():
        raise ValueError(
            f"{owner}: {where}['labels'] has dtype {labels.dtype}; expected integer class indices"
        )
    labels = labels.to(torch.int64)
    outside = (labels < 0) | (labels >= num_classes)
    if outside.any():
        raise ValueError(
            f"{owner}: {where}['labels'] holds {int(labels[outside][0])}; expected class indices "
            f"in [0, {num_classes}) (argument num_classes={num_classes})"
        )
    return labels


_PRED_KEYS = ("bbox", "scores", "labels")
_TARGET_KEYS = ("bbox", "labels")


def check_images(owner: str, output: Any, num_classes: int) -> list[Image]:
    """The images of one ``update`` output ``(y_pred, y)``; errors name ``owner``."""
    if isinstance(output, Mapping) or not isinstance(output, Sequence) or len(output) != 2:
        raise ValueError(
            f"{owner}: output should be a pair (y_pred, y) of lists of dicts, got a "
            f"{type(output).__name__}"
        )
    y_pred, y = output
    for name, value in (("y_pred", y_pred), ("y", y)):
        if isinstance(value, (Mapping, str)) or not isinstance(value, Sequence):
            raise ValueError(
                f"{owner}: {name} is a {type(value).__name__}; expected a list with one dict per "
                f"image"
            )
    if len(y_pred) != len(y):
        raise ValueError(
            f"{owner}: y_pred holds {len(y_pred)} image(s) but y holds {len(y)}; expected one "
            f"dict per image in each"
        )
    images = []
    for i, (pred, target) in enumerate(zip(y_pred, y, strict=True)):
        where = f"y_pred[{i}]"
        boxes = _boxes(owner, where, _field(owner, where, pred, "bbox", _PRED_KEYS), "detection")
        count = len(boxes)
        scores = _vector(
            owner, where, "scores", _field(owner, where, pred, "scores", _PRED_KEYS), count
        )
        if not scores.is_floating_point() or torch.isnan(scores).any():
            raise ValueError(
                f"{owner}: {where}['scores'] has dtype {scores.dtype}"
                f"{' and holds NaN' if scores.is_floating_point() else ''}; expected "
                f"floating point confidences"
            )
        labels = _labels(
            owner, where, _field(owner, where, pred, "labels", _PRED_KEYS), count, num_classes
        )
        where = f"y[{i}]"
        gt_boxes = _boxes(
            owner, where, _field(owner, where, target, "bbox", _TARGET_KEYS), "object"
        )
        gt_count = len(gt_boxes)
        gt_labels = _labels(
            owner,
            where,
            _field(owner, where, target, "labels", _TARGET_KEYS),
            gt_count,
            num_classes,
        )
        if "iscrowd" in target:
            crowd = _field(owner, where, target, "iscrowd", _TARGET_KEYS)
            gt_crowd = _vector(owner, where, "iscrowd", crowd, gt_count).to(torch.bool)
        else:
            gt_crowd = torch.zeros(gt_count, dtype=torch.bool)
        images.append(Image(boxes, scores.to(torch.float64), labels, gt_boxes, gt_labels, gt_crowd))
    return images
