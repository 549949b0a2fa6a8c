"""Errors relative to the size of the values: MARE, mean normalized bias, fractional errors.

In the formulas ``A`` is the target ``y`` and ``P`` the prediction ``y_pred``; every metric here
takes ``(y_pred, y)`` of shape ``(N,)`` or ``(N, 1)`` and averages over the ``N`` examples.
"""

from __future__ import annotations

import torch

from ember_metrics.regression._base import ErrorSum
from ember_metrics.regression._checks import NAN_CHECKS, ValueCheck

__all__ = [
    "FractionalAbsoluteError",
    "FractionalBias",
    "MeanAbsoluteRelativeError",
    "MeanNormalizedBias",
]

_NONZERO_TARGETS = (
    *NAN_CHECKS,
    ValueCheck("y", "zero", "nonzero targets, since the error divides by y"),
)


class _DividesByTarget(ErrorSum):
    """An error that divides by ``A``: a zero target is reported by ``compute``."""

    _value_checks = _NONZERO_TARGETS

    def _count_invalid(self, y_pred: torch.Tensor, y: torch.Tensor) -> list[torch.Tensor]:
        return [*super()._count_invalid(y_pred, y), (y == 0).sum()]


class MeanAbsoluteRelativeError(_DividesByTarget):
    """Mean absolute relative error: ``sum(|A - P| / |A|) / N`` (MAPE as a fraction).

    A zero target makes ``compute`` raise ``ValueError`` (Ignite raises NotComputableError in
    ``update``).

    Example:
        >>> import torch
        >>> from ember_metrics import MeanAbsoluteRelativeError
        >>> metric = MeanAbsoluteRelativeError()
        >>> metric.update((torch.tensor([1.5, 4.0]), torch.tensor([2.0, 5.0])))
        >>> round(metric.compute(), 6)
        0.225
    """

    def _errors(self, y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return (y - y_pred).abs() / y.abs()


class MeanNormalizedBias(_DividesByTarget):
    """Mean normalized bias: ``sum((A - P) / A) / N``.

    A zero target makes ``compute`` raise ``ValueError``.

    Example:
        >>> import torch
        >>> from ember_metrics import MeanNormalizedBias
        >>> metric = MeanNormalizedBias()
        >>> metric.update((torch.tensor([1.5, 6.0]), torch.tensor([2.0, 5.0])))
        >>> round(metric.compute(), 6)
        0.025
    """

    def _errors(self, y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return (y - y_pred) / y


class FractionalAbsoluteError(ErrorSum):
    """Fractional absolute error: ``sum(2 |A - P| / (|A| + |P|)) / N``, between 0 and 2.

    An example whose target and prediction are both zero makes the value NaN, as in Ignite.

    Example:
        >>> import torch
        >>> from ember_metrics import FractionalAbsoluteError
        >>> metric = FractionalAbsoluteError()
        >>> metric.update((torch.tensor([1.0, 3.0]), torch.tensor([3.0, 3.0])))
        >>> metric.compute()
        0.5
    """

    def _errors(self, y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return 2 * (y - y_pred).abs() / (y_pred.abs() + y.abs())


class FractionalBias(ErrorSum):
    """Fractional bias: ``sum(2 (A - P) / (A + P)) / N``.

    ``1e-30`` is added to the denominator, as in Ignite, so that ``A = P = 0`` counts as 0.

    Example:
        >>> import torch
        >>> from ember_metrics import FractionalBias
        >>> metric = FractionalBias()
        >>> metric.update((torch.tensor([1.0, 3.0]), torch.tensor([3.0, 3.0])))
        >>> metric.compute()
        0.5
    """

    def _errors(self, y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return 2 * (y - y_pred) / (y_pred + y + 1e-30)
