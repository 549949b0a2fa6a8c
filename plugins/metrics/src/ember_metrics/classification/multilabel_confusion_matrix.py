"""One 2x2 confusion matrix per label of multilabel predictions.

Example:
    >>> import torch
    >>> from ember_metrics.classification.multilabel_confusion_matrix import (
    ...     MultiLabelConfusionMatrix,
    ... )
    >>> mlcm = MultiLabelConfusionMatrix(num_classes=2)
    >>> mlcm.update((torch.tensor([[1, 0], [1, 1]]), torch.tensor([[1, 1], [0, 1]])))
    >>> mlcm.compute()[1]
    tensor([[0, 0],
            [1, 1]])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ember.exceptions import NotComputableError
from ember.metric import Metric, reinit__is_reduced, sync_all_reduce
from ember_metrics.classification._base import identity
from ember_metrics.classification._input_checks import (
    check_binary,
    clear_deferred_checks,
    detach_pair,
    raise_deferred_checks,
    shape_of,
)

__all__ = ["MultiLabelConfusionMatrix"]

_LABEL_DTYPES = (
    torch.bool,
    torch.uint8,
    torch.int8,
    torch.int16,
    torch.int32,
    torch.int64,
)


class MultiLabelConfusionMatrix(Metric):
    """For each label, the 2x2 matrix ``[[TN, FP], [FN, TP]]`` (scikit-learn's layout).

    ``update`` takes ``y_pred`` and ``y`` of the same shape ``(N, C, ...)`` with
    ``C = num_classes``, integer (or bool) tensors of 0 and 1; extra dimensions count as more
    samples. ``compute`` returns a ``(C, 2, 2)`` tensor.

    Args:
        num_classes: the number of labels ``C``, at least 2.
        output_transform: maps the engine's output to ``(y_pred, y)``.
        device: where the matrices are kept.
        normalized: divide each label's matrix by its total (float64) instead of returning
            int64 counts.
        skip_unrolling: see :class:`~ember.metric.Metric`.

    Example:
        >>> import torch
        >>> from ember_metrics import MultiLabelConfusionMatrix
        >>> mlcm = MultiLabelConfusionMatrix(num_classes=3)
        >>> y_true = torch.tensor([[0, 0, 1], [0, 0, 0], [1, 0, 1], [0, 1, 1]])
        >>> y_pred = torch.tensor([[1, 1, 0], [1, 0, 1], [1, 0, 1], [0, 1, 0]])
        >>> mlcm.update((y_pred, y_true))
        >>> mlcm.compute()
        tensor([[[1, 2],
                 [0, 1]],
        <BLANKLINE>
                [[2, 1],
                 [0, 1]],
        <BLANKLINE>
                [[0, 1],
                 [2, 1]]])
    """

    _state_dict_all_req_keys = ("confusion_matrix", "_num_examples")

    def __init__(
        self,
        num_classes: int,
        output_transform: Callable[[Any], Any] = identity,
        device: str | torch.device = "cpu",
        normalized: bool = False,
        skip_unrolling: bool = False,
    ) -> None:
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
            raise ValueError(
                f"MultiLabelConfusionMatrix: argument num_classes should be an int >= 2, got "
                f"{num_classes!r}"
            )
        if not isinstance(normalized, bool):
            raise TypeError(
                f"MultiLabelConfusionMatrix: argument normalized should be a bool, got "
                f"{normalized!r}"
            )
        self.num_classes = num_classes
        self.normalized = normalized
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every update."""
        self.confusion_matrix = torch.zeros(
            self.num_classes, 2, 2, dtype=torch.int64, device=self._device
        )
        self._num_examples = 0
        clear_deferred_checks(self)

    @reinit__is_reduced
    def update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        """Add the per-label counts of one batch ``(y_pred, y)``."""
        owner = "MultiLabelConfusionMatrix.update"
        y_pred, y = detach_pair(owner, output)
        if y_pred.shape != y.shape or y.ndim < 2 or y.shape[1] != self.num_classes:
            raise ValueError(
                f"{owner}: y_pred has shape {shape_of(y_pred)} and y has shape {shape_of(y)}; "
                f"expected both of shape (N, {self.num_classes}, ...) "
                f"(num_classes={self.num_classes})"
            )
        for name, tensor in (("y_pred", y_pred), ("y", y)):
            if tensor.dtype not in _LABEL_DTYPES:
                raise ValueError(
                    f"{owner}: {name} has dtype {tensor.dtype}; expected an integer or bool "
                    f"tensor of 0 and 1 (threshold scores first, e.g. in output_transform)"
                )
            check_binary(self, tensor, owner, name)
        predicted = (y_pred == 1).transpose(0, 1).reshape(self.num_classes, -1)
        target = (y == 1).transpose(0, 1).reshape(self.num_classes, -1)
        true_pos = (predicted & target).sum(dim=1)
        false_pos = predicted.sum(dim=1) - true_pos
        false_neg = target.sum(dim=1) - true_pos
        true_neg = target.shape[1] - true_pos - false_pos - false_neg
        counts = torch.stack([true_neg, false_pos, false_neg, true_pos], dim=1).view(-1, 2, 2)
        self.confusion_matrix += counts.to(self._device)
        self._num_examples += y.shape[0]

    @sync_all_reduce("confusion_matrix", "_num_examples")
    def compute(self) -> torch.Tensor:
        """The ``(C, 2, 2)`` matrices: int64 counts, or float64 when ``normalized``."""
        raise_deferred_checks(self)
        if self._num_examples == 0:
            raise NotComputableError(
                "MultiLabelConfusionMatrix must have at least one example before it can be computed"
            )
        if not self.normalized:
            return self.confusion_matrix.clone()
        matrix = self.confusion_matrix.to(self._double_dtype)
        return matrix / matrix.sum(dim=(1, 2), keepdim=True)
