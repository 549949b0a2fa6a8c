"""The confusion matrix of multiclass predictions, the base of the segmentation metrics.

Example:
    >>> import torch
    >>> from ember_metrics.classification.confusion_matrix import ConfusionMatrix
    >>> cm = ConfusionMatrix(num_classes=2)
    >>> cm.update((torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]), torch.tensor([0, 1, 1])))
    >>> cm.compute()
    tensor([[1, 0],
            [1, 1]])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ember.exceptions import NotComputableError
from ember.metric import Metric, reinit__is_reduced, sync_all_reduce
from ember_metrics._optional_numpy import numpy as _numpy  # plain batches
from ember_metrics.classification._base import identity
from ember_metrics.classification._input_checks import (
    check_no_nan,
    checked_on_host,
    clear_deferred_checks,
    detach_pair,
    raise_deferred_checks,
    require,
    shape_of,
)
from ember_metrics.classification._plain_batches import plain_multiclass

__all__ = ["ConfusionMatrix"]

_AVERAGES = ("samples", "recall", "precision")


def _all_counted(target: torch.Tensor, size: int) -> bool:
    """Whether every target on the CPU is a class index in ``[0, size)`` (none is ignored)."""
    if target.numel() == 0:
        return True
    low, high = torch.aminmax(target)
    return low.item() >= 0 and high.item() < size


class ConfusionMatrix(Metric):
    """Counts of (true class, predicted class) pairs: row ``i``, column ``j`` counts samples of
    class ``i`` predicted as ``j``.

    ``update`` takes scores ``y_pred`` of shape ``(N, C, ...)`` (the prediction is the arg-max
    over ``C = num_classes``) and class indices ``y`` of shape ``(N, ...)``; every element of
    ``y`` is one sample, so segmentation maps ``(N, C, H, W)`` / ``(N, H, W)`` count pixels.
    Targets outside ``[0, num_classes)`` are not counted, as in PyTorch-Ignite: mark pixels to
    ignore with a label such as 255 or -1.

    Args:
        num_classes: the number of classes ``C``, at least 2.
        average: ``None`` (default) returns the int64 counts; ``"samples"`` divides them by the
            number of updates' rows (``N`` summed over batches, as in Ignite); ``"recall"``
            normalises each row to sum to 1, ``"precision"`` each column (float64).
        output_transform: maps the engine's output to ``(y_pred, y)``.
        device: where the matrix is kept.
        skip_unrolling: see :class:`~ember.metric.Metric`; ``True`` by default, as in Ignite.

    Example:
        >>> import torch
        >>> from ember_metrics import ConfusionMatrix
        >>> cm = ConfusionMatrix(num_classes=3)
        >>> y_pred = torch.tensor([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8],
        ...                        [0.8, 0.1, 0.1], [0.1, 0.8, 0.1]])
        >>> cm.update((y_pred, torch.tensor([0, 1, 2, 2, 255])))
        >>> cm.compute()
        tensor([[1, 0, 0],
                [0, 1, 0],
                [1, 0, 1]])
        >>> by_row = ConfusionMatrix(num_classes=3, average="recall")
        >>> by_row.update((y_pred, torch.tensor([0, 1, 2, 2, 255])))
        >>> by_row.compute()
        tensor([[1.0000, 0.0000, 0.0000],
                [0.0000, 1.0000, 0.0000],
                [0.5000, 0.0000, 0.5000]], dtype=torch.float64)
    """

    _state_dict_all_req_keys = ("confusion_matrix", "_num_examples")

    def __init__(
        self,
        num_classes: int,
        average: str | None = None,
        output_transform: Callable[[Any], Any] = identity,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = True,
    ) -> None:
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
            raise ValueError(
                f"ConfusionMatrix: argument num_classes should be an int >= 2, got {num_classes!r}"
            )
        if average is not None and average not in _AVERAGES:
            raise ValueError(
                f"ConfusionMatrix: argument average is {average!r}; expected None or one of "
                f"{', '.join(repr(a) for a in _AVERAGES)}"
            )
        self.num_classes = num_classes
        self.average = average
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every update."""
        size = self.num_classes
        self.confusion_matrix = torch.zeros(size, size, dtype=torch.int64, device=self._device)
        self._num_examples = 0
        clear_deferred_checks(self)

    def _add_plain_batch(self, output: Any) -> bool:
        """Count the most common batch with its checks inlined; False if it is another kind.

        That batch (see :func:`~ember_metrics.classification._plain_batches.plain_multiclass`)
        on the CPU like the matrix, which numpy adds to in place. Anything unusual goes through
        the full checks.
        """
        if not self.confusion_matrix.is_cpu:
            return False
        plain = plain_multiclass(output, self.num_classes)
        if plain is None:
            return False  # another kind of batch, a NaN, or targets to ignore
        predicted, y = plain  # numpy views: count the (target, predicted) pairs on the host
        size = self.num_classes
        cells = y * size
        cells += predicted
        matrix = self.confusion_matrix.numpy()  # a view: adding to it adds to the tensor
        matrix += _numpy.bincount(cells, minlength=size * size).reshape(size, size)
        self._num_examples += y.shape[0]
        return True

    def _ones(self, length: int) -> torch.Tensor:
        """``length`` int64 ones on the CPU, kept for the next batch of the same size."""
        ones = self.__dict__.get("_ones_cache")
        if ones is None or ones.shape[0] != length:
            ones = torch.ones(length, dtype=torch.int64)
            self.__dict__["_ones_cache"] = ones
        return ones

    def _check_shape(self, owner: str, y_pred: torch.Tensor, y: torch.Tensor) -> None:
        if (
            y_pred.ndim >= 2
            and y_pred.shape[1] == self.num_classes
            and y.ndim + 1 == y_pred.ndim
            and y_pred.shape[0] == y.shape[0]
            and y_pred.shape[2:] == y.shape[1:]
        ):
            return
        expected = (
            f"expected y_pred of shape (N, {self.num_classes}, ...) (num_classes="
            f"{self.num_classes}) and y of shape (N, ...)"
        )
        got = f"y_pred has shape {shape_of(y_pred)} and y has shape {shape_of(y)}"
        if y_pred.ndim < 2 or y_pred.shape[1] != self.num_classes:
            raise ValueError(f"{owner}: {got}; {expected}")
        raise ValueError(f"{owner}: {got}, which do not match; {expected}")

    @reinit__is_reduced
    def update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        """Add the (true, predicted) pairs of one batch ``(y_pred, y)``."""
        if self._add_plain_batch(output):
            return
        owner = "ConfusionMatrix.update"
        y_pred, y = detach_pair(owner, output)
        self._check_shape(owner, y_pred, y)
        check_no_nan(self, y_pred, owner)
        if y.is_floating_point():
            require(self, y != y.trunc(), y, owner, "y", "whole-number class indices")
        size = self.num_classes
        predicted = y_pred.argmax(dim=1).flatten()
        target = y.flatten().long()
        if self.confusion_matrix.is_cpu and checked_on_host(target) and _all_counted(target, size):
            # The common case on the CPU: no target to ignore, so every pair adds one to its
            # cell, in place. (The range check reads values: accelerators take the path below.)
            cells = predicted.add(target, alpha=size)
            self.confusion_matrix.view(-1).index_add_(0, cells, self._ones(cells.shape[0]))
            self._num_examples += y_pred.shape[0]
            return
        counted = (target >= 0) & (target < size)
        # Ignored targets get index 0 and weight 0: no boolean indexing, so no device sync.
        index = torch.where(counted, target * size + predicted, 0)
        counts = torch.zeros(size * size, dtype=torch.int64, device=y_pred.device)
        counts.scatter_add_(0, index, counted.long())
        self.confusion_matrix += counts.view(size, size).to(self._device)
        self._num_examples += y_pred.shape[0]

    @sync_all_reduce("confusion_matrix", "_num_examples")
    def compute(self) -> torch.Tensor:
        """The matrix: int64 counts, or float64 when ``average`` is set."""
        raise_deferred_checks(self)
        if self._num_examples == 0:
            raise NotComputableError(
                "ConfusionMatrix must have at least one example before it can be computed"
            )
        if self.average is None:
            return self.confusion_matrix.clone()
        matrix = self.confusion_matrix.to(self._double_dtype)
        if self.average == "samples":
            return matrix / self._num_examples
        return self.normalize(matrix, self.average)

    @staticmethod
    def normalize(matrix: torch.Tensor, average: str) -> torch.Tensor:
        """Divide each row (``"recall"``) or column (``"precision"``) by its sum.

        Example:
            >>> import torch
            >>> from ember_metrics import ConfusionMatrix
            >>> ConfusionMatrix.normalize(torch.tensor([[3.0, 1.0], [0.0, 2.0]]), "recall")
            tensor([[0.7500, 0.2500],
                    [0.0000, 1.0000]])
        """
        if average in ("recall", "precision"):
            totals = matrix.sum(dim=1 if average == "recall" else 0, keepdim=True)
            # An empty row or column stays 0 instead of 0 / 0.
            return torch.where(totals > 0, matrix / totals, 0.0)
        raise ValueError(
            f"ConfusionMatrix.normalize: argument average is {average!r}; expected 'recall' or "
            f"'precision'"
        )
