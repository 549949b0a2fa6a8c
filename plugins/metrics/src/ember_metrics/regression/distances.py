"""Distances between predictions and targets: Manhattan, Canberra, Wave Hedges, pairwise.

In the formulas ``A`` is the target ``y`` and ``P`` the prediction ``y_pred``. The first three
are sums over every example seen (they grow with the data set), as in Ignite;
:class:`MeanPairwiseDistance` averages one distance per row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch.nn.functional import pairwise_distance

from ember_metrics.regression._base import ErrorSum, identity

__all__ = ["CanberraMetric", "ManhattanDistance", "MeanPairwiseDistance", "WaveHedgesDistance"]


class _DistanceSum(ErrorSum):
    """The sum of the element-wise terms, not their mean."""

    def _value(self, total: torch.Tensor, count: int) -> float:
        return float(total.item())


class ManhattanDistance(_DistanceSum):
    """Manhattan (L1) distance: ``sum |A - P|`` over every example.

    ``update`` takes ``(y_pred, y)`` of shape ``(N,)`` or ``(N, 1)``.

    Example:
        >>> import torch
        >>> from ember_metrics import ManhattanDistance
        >>> metric = ManhattanDistance()
        >>> metric.update((torch.tensor([1.0, 2.0, 4.0]), torch.tensor([1.5, 2.0, 3.0])))
        >>> metric.compute()
        1.5
    """

    def _errors(self, y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return (y - y_pred).abs()


class CanberraMetric(_DistanceSum):
    """Canberra distance: ``sum |A - P| / (|A| + |P|)`` over every example.

    ``1e-15`` is added to the denominator, as in Ignite, so that ``A = P = 0`` counts as 0.
    ``update`` takes ``(y_pred, y)`` of shape ``(N,)`` or ``(N, 1)``.

    Example:
        >>> import torch
        >>> from ember_metrics import CanberraMetric
        >>> metric = CanberraMetric()
        >>> metric.update((torch.tensor([1.0, -2.0]), torch.tensor([3.0, 2.0])))
        >>> round(metric.compute(), 6)
        1.5
    """

    def _errors(self, y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return (y - y_pred).abs() / (y_pred.abs() + y.abs() + 1e-15)


class WaveHedgesDistance(_DistanceSum):
    """Wave Hedges distance: ``sum |A - P| / max(A, P)`` over every example.

    Meant for positive values. ``1e-30`` is added to the denominator, as in Ignite.
    ``update`` takes ``(y_pred, y)`` of shape ``(N,)`` or ``(N, 1)``.

    Example:
        >>> import torch
        >>> from ember_metrics import WaveHedgesDistance
        >>> metric = WaveHedgesDistance()
        >>> metric.update((torch.tensor([1.0, 4.0]), torch.tensor([2.0, 4.0])))
        >>> round(metric.compute(), 6)
        0.5
    """

    def _errors(self, y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return (y - y_pred).abs() / (torch.maximum(y_pred, y) + 1e-30)


class MeanPairwiseDistance(ErrorSum):
    """Mean p-norm distance between rows: ``mean_i ||P_i - A_i + eps||_p``.

    Each row's distance is :func:`torch.nn.functional.pairwise_distance` (which adds ``eps`` to
    the difference); the result is their mean over the ``N`` rows.

    Args:
        p: the order of the norm.
        eps: added to every difference, to keep the norm differentiable at zero.
        output_transform: picks ``(y_pred, y)`` out of the engine's output.
        device: where the sums are kept.
        skip_unrolling: see :class:`ember.metric.Metric`.

    ``update`` takes ``(y_pred, y)`` of the same shape ``(N, D)``.

    Example:
        >>> import torch
        >>> from ember_metrics import MeanPairwiseDistance
        >>> metric = MeanPairwiseDistance(p=2, eps=0.0)
        >>> y_pred = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
        >>> y = torch.tensor([[3.0, 4.0], [1.0, 1.0]])
        >>> metric.update((y_pred, y))
        >>> metric.compute()
        2.5
    """

    _input_shape = "rows"

    def __init__(
        self,
        p: float = 2,
        eps: float = 1e-6,
        output_transform: Callable[[Any], Any] = identity,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        if isinstance(p, bool) or not isinstance(p, (int, float)) or p <= 0:
            raise ValueError(
                f"MeanPairwiseDistance: argument p should be a positive number, got {p!r}"
            )
        if isinstance(eps, bool) or not isinstance(eps, (int, float)) or eps < 0:
            raise ValueError(
                f"MeanPairwiseDistance: argument eps should be a number >= 0, got {eps!r}"
            )
        self._p = p
        self._eps = eps
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    def _errors(self, y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return pairwise_distance(y_pred, y, p=self._p, eps=self._eps)
