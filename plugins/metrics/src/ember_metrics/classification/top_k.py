"""Top-k categorical accuracy: how often the true class is among the k highest scores.

Example:
    >>> import torch
    >>> from ember_metrics.classification.top_k import TopKCategoricalAccuracy
    >>> top2 = TopKCategoricalAccuracy(k=2)
    >>> top2.update((torch.tensor([[0.1, 0.5, 0.4], [0.7, 0.2, 0.1]]), torch.tensor([2, 2])))
    >>> top2.compute()
    0.5
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ember.exceptions import NotComputableError
from ember.metric import Metric, reinit__is_reduced, sync_all_reduce
from ember_metrics.classification._base import identity
from ember_metrics.classification._input_checks import (
    check_class_indices,
    check_no_nan,
    clear_deferred_checks,
    detach_pair,
    raise_deferred_checks,
    shape_of,
)

__all__ = ["TopKCategoricalAccuracy"]


class TopKCategoricalAccuracy(Metric):
    """The share of samples whose true class is among the ``k`` highest scores.

    ``update`` takes scores ``y_pred`` of shape ``(N, C)`` with ``C >= k`` and class indices
    ``y`` of shape ``(N,)``. Ties between scores are broken as :func:`torch.topk` breaks them.

    Args:
        k: how many of the top classes count, a positive int (default 5).
        output_transform: maps the engine's output to ``(y_pred, y)``.
        device: where the counters are kept.
        skip_unrolling: see :class:`~ember.metric.Metric`.

    Example:
        >>> import torch
        >>> from ember_metrics import TopKCategoricalAccuracy
        >>> top2 = TopKCategoricalAccuracy(k=2)
        >>> y_pred = torch.tensor([[0.7, 0.2, 0.1], [0.2, 0.3, 0.5], [0.1, 0.6, 0.3]])
        >>> top2.update((y_pred, torch.tensor([1, 0, 2])))
        >>> top2.compute()
        0.6666666666666666
    """

    _state_dict_all_req_keys = ("_num_correct", "_num_examples")

    def __init__(
        self,
        k: int = 5,
        output_transform: Callable[[Any], Any] = identity,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(
                f"TopKCategoricalAccuracy: argument k should be a positive int, got {k!r}"
            )
        self._k = k
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every update."""
        self._num_correct = torch.tensor(0, dtype=torch.int64, device=self._device)
        self._num_examples = 0
        clear_deferred_checks(self)

    @reinit__is_reduced
    def update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        """Count the samples of one batch whose class is in the top ``k``."""
        owner = "TopKCategoricalAccuracy.update"
        y_pred, y = detach_pair(owner, output)
        if y_pred.ndim != 2 or y.shape != y_pred.shape[:1]:
            raise ValueError(
                f"{owner}: y_pred has shape {shape_of(y_pred)} and y has shape {shape_of(y)}; "
                f"expected y_pred of shape (N, C) and y of shape (N,)"
            )
        if y_pred.shape[1] < self._k:
            raise ValueError(
                f"{owner}: y_pred has shape {shape_of(y_pred)}, {y_pred.shape[1]} classes, "
                f"fewer than k={self._k}; expected at least k classes"
            )
        check_no_nan(self, y_pred, owner)
        check_class_indices(self, y, y_pred.shape[1], owner)
        top = y_pred.topk(self._k, dim=1).indices
        correct = (top == y.long().unsqueeze(1)).any(dim=1)
        self._num_correct += correct.sum().to(self._device)
        self._num_examples += correct.shape[0]

    @sync_all_reduce("_num_correct", "_num_examples")
    def compute(self) -> float:
        """The share of samples with their class in the top ``k``, a float."""
        raise_deferred_checks(self)
        if self._num_examples == 0:
            raise NotComputableError(
                "TopKCategoricalAccuracy must have at least one example before it can be computed"
            )
        return int(self._num_correct.item()) / self._num_examples
