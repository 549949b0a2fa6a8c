"""What the similarity metrics share: a running mean of per-example values, and class axes.

Sums are accumulated in float64 (float32 on MPS, which has no float64) on the metric's device.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ember.exceptions import NotComputableError
from ember.metric import reinit__is_reduced, sync_all_reduce
from ember_metrics.regression._base import identity
from ember_metrics.regression._checks import CheckedMetric, check_real, describe_shape

__all__ = ["RunningMean", "check_class_scores", "rows_of_classes"]


def check_class_scores(metric: str, name: str, scores: torch.Tensor) -> None:
    """Scores (logits) over classes must be ``(B, C)`` or ``(B, C, ...)`` of real numbers."""
    check_real(metric, name, scores)
    if scores.ndim < 2:
        raise ValueError(
            f"{metric}.update: {name} has shape {describe_shape(scores)}; expected (B, C) or "
            f"(B, C, ...) with the classes along dimension 1"
        )


def rows_of_classes(scores: torch.Tensor) -> torch.Tensor:
    """``(B, C, d1, ...)`` as ``(B * d1 * ..., C)``: one row of class scores per position."""
    if scores.ndim == 2:
        return scores
    return scores.movedim(1, -1).reshape(-1, scores.shape[1])


class RunningMean(CheckedMetric):
    """The mean of values added with :meth:`_add`: one per example, or one per batch.

    Subclasses implement ``update`` (decorated with ``reinit__is_reduced``) and call ``_add``.
    """

    _state_dict_all_req_keys: tuple[str, ...] = ("_total", "_count", "_num_invalid")
    _counted = "example"

    def __init__(
        self,
        output_transform: Callable[[Any], Any] = identity,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every batch."""
        self._total = torch.zeros((), dtype=self._double_dtype, device=self._device)
        self._count = 0
        self._reset_invalid()

    def _add(self, total: torch.Tensor, count: int) -> None:
        self._total += total.to(self._device)
        self._count += count

    def _value(self) -> float:
        return float((self._total / self._count).item())

    @sync_all_reduce("_total", "_count", "_num_invalid")
    def compute(self) -> float:
        """The mean over everything added since the last reset."""
        return self._checked_value()

    def _checked_value(self) -> float:
        if self._count == 0:
            raise NotComputableError(
                f"{type(self).__name__} must have at least one {self._counted} before it can be "
                f"computed"
            )
        self._raise_if_invalid()
        return self._value()
