"""The base class of classification metrics that work out their input type from the shapes.

``Accuracy``, ``Precision`` and ``Recall`` accept binary, multiclass and multilabel input (see
:mod:`ember_metrics.classification._input_checks`); the first update after ``reset`` fixes the
type and the number of classes, and later updates must keep them.

Example:
    >>> import torch
    >>> from ember_metrics.classification.accuracy import Accuracy
    >>> accuracy = Accuracy()
    >>> accuracy.update((torch.tensor([[0.2, 0.8]]), torch.tensor([1])))
    >>> accuracy._type, accuracy._num_classes
    ('multiclass', 2)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import torch

from ember.metric import Metric
from ember_metrics.classification._input_checks import (
    check_binary,
    check_class_indices,
    check_no_nan,
    check_same_input_type,
    clear_deferred_checks,
    detach_pair,
    detect_input_type,
)
from ember_metrics.classification._plain_batches import plain_multiclass

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["BaseClassification", "identity"]


def identity(output: Any) -> Any:
    """The default ``output_transform``: the engine's output as it is.

    Example:
        >>> identity((1, 2))
        (1, 2)
    """
    return output


class BaseClassification(Metric):
    """Validates ``(y_pred, y)`` and tracks the input type; subclasses count what they need.

    Args:
        output_transform: see :class:`~ember.metric.Metric`.
        is_multilabel: ``y_pred`` and ``y`` are ``(N, C, ...)`` indicators of C labels each.
        device: where the counters are kept.
        skip_unrolling: see :class:`~ember.metric.Metric`.

    Example:
        >>> import torch
        >>> from ember_metrics.classification.precision_recall import Recall
        >>> recall = Recall(is_multilabel=True)
        >>> recall.update((torch.tensor([[1, 0]]), torch.tensor([[1, 1]])))
        >>> recall._type
        'multilabel'
    """

    def __init__(
        self,
        output_transform: Callable[[Any], Any] = identity,
        is_multilabel: bool = False,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        if not isinstance(is_multilabel, bool):
            raise TypeError(
                f"{type(self).__name__}: argument is_multilabel should be a bool, "
                f"got {is_multilabel!r} ({type(is_multilabel).__name__})"
            )
        self._is_multilabel = is_multilabel
        self._type: str | None = None
        self._num_classes: int | None = None
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    def _reset_input_type(self) -> None:
        self._type = None
        self._num_classes = None
        clear_deferred_checks(self)

    def _checked_input(self, output: Any) -> tuple[torch.Tensor, torch.Tensor]:
        """Return ``(y_pred, y)`` detached, with binary ``(N, 1, ...)`` predictions squeezed."""
        owner = f"{type(self).__name__}.update"
        y_pred, y = detach_pair(owner, output)
        input_type, num_classes = detect_input_type(owner, y_pred, y, self._is_multilabel)
        if input_type == "multiclass":
            check_no_nan(self, y_pred, owner)
            check_class_indices(self, y, num_classes, owner)
        else:
            if y_pred.ndim == y.ndim + 1:
                y_pred = y_pred.squeeze(1)
            check_binary(self, y_pred, owner, "y_pred")
            check_binary(self, y, owner, "y")
        check_same_input_type(self, owner, input_type, num_classes)
        return y_pred, y

    def _plain_multiclass(self, output: Any) -> tuple[NDArray[Any], NDArray[Any]] | None:
        """``(predicted classes, y)`` as numpy arrays for a plain multiclass batch after a
        first multiclass update, else ``None``
        (see :func:`~ember_metrics.classification._plain_batches.plain_multiclass`)."""
        if self._type != "multiclass":
            return None
        return plain_multiclass(output, self._num_classes)
