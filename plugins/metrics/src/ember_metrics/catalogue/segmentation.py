"""Catalogue entries of the segmentation metrics: ``name -> (class, module, summary)``."""

from __future__ import annotations

_PACKAGE = "ember_metrics.segmentation"

ENTRIES: dict[str, tuple[str, str, str]] = {
    "iou": ("IoU", f"{_PACKAGE}.iou", "Intersection over union per class, from a ConfusionMatrix"),
    "miou": ("mIoU", f"{_PACKAGE}.iou", "Mean intersection over union, from a ConfusionMatrix"),
    "jaccard_index": (
        "JaccardIndex",
        f"{_PACKAGE}.iou",
        "Jaccard index per class (another name of IoU)",
    ),
    "dice_coefficient": (
        "DiceCoefficient",
        f"{_PACKAGE}.dice",
        "Dice coefficient per class, from a ConfusionMatrix",
    ),
}
