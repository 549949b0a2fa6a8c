"""Arguments shared by the segmentation metrics: the confusion matrix and ``ignore_index``.

Example:
    >>> from ember_metrics import ConfusionMatrix
    >>> from ember_metrics.segmentation._confusion_checks import check_arguments
    >>> check_arguments("IoU", ConfusionMatrix(num_classes=3), ignore_index=3)
    Traceback (most recent call last):
    ...
    ValueError: IoU: argument ignore_index is 3; expected None or a class index in [0, 3)
"""

from __future__ import annotations

from numbers import Integral

import torch

from ember_metrics.classification.confusion_matrix import ConfusionMatrix

__all__ = ["DropClass", "check_arguments"]


def check_arguments(owner: str, cm: object, ignore_index: object) -> None:
    """``cm`` must be a ConfusionMatrix of counts; ``ignore_index`` None or a class index.

    Example:
        >>> from ember_metrics import ConfusionMatrix
        >>> check_arguments("mIoU", ConfusionMatrix(num_classes=3), ignore_index=0)
    """
    if not isinstance(cm, ConfusionMatrix):
        raise TypeError(
            f"{owner}: argument cm should be a ConfusionMatrix, got {type(cm).__name__}"
        )
    if cm.average not in (None, "samples"):
        raise ValueError(
            f"{owner}: argument cm has average={cm.average!r}; expected a ConfusionMatrix with "
            f"average None or 'samples' (counts, or counts scaled alike)"
        )
    if ignore_index is None:
        return
    if (
        isinstance(ignore_index, bool)
        or not isinstance(ignore_index, Integral)
        or not 0 <= int(ignore_index) < cm.num_classes
    ):
        raise ValueError(
            f"{owner}: argument ignore_index is {ignore_index!r}; expected None or a class index "
            f"in [0, {cm.num_classes})"
        )


class DropClass:
    """Removes one class from a per-class vector (picklable, unlike a closure).

    Example:
        >>> import torch
        >>> DropClass(1)(torch.tensor([0.5, 0.2, 0.9]))
        tensor([0.5000, 0.9000])
    """

    def __init__(self, index: int) -> None:
        self.index = int(index)

    def __call__(self, values: torch.Tensor) -> torch.Tensor:
        keep = torch.ones(values.shape[0], dtype=torch.bool, device=values.device)
        keep[self.index] = False
        return values[keep]

    def __repr__(self) -> str:
        return f"DropClass({self.index})"
