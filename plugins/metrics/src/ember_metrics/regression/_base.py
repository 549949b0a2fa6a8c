"""The bases of the regression metrics: a checked ``update``, error sums and epoch-long storage.

- :class:`RegressionMetric` checks ``(y_pred, y)`` (shapes, dtypes, NaN) and hands the batch to
  ``_update``.
- :class:`ErrorSum` adds up one error per element and turns ``(sum, count)`` into the value:
  most regression metrics are a mean (or a sum) of an element-wise error.
- :class:`StoredRegression` keeps every prediction and target until ``compute``, for the metrics
  that need all of them at once (medians, ranks, the targets' mean), like Ignite's EpochMetric.

Sums are accumulated in float64 (float32 on MPS, which has no float64) on the metric's device.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from typing import Any, Literal

import torch

from ember.exceptions import NotComputableError
from ember.metric import reinit__is_reduced, sync_all_reduce
from ember_metrics.regression._checks import (
    CheckedMetric,
    check_real,
    describe_shape,
    gather_values,
    unpack_pair,
)

_PLAIN_DTYPES = (torch.float32, torch.float64)
# Module-level names for ErrorSum's fast path, where each attribute lookup shows.
_Tensor, _dot, _dist = torch.Tensor, torch.dot, torch.dist

__all__ = ["ErrorSum", "RegressionMetric", "StoredRegression", "identity", "median"]

InputShape = Literal["column", "batch", "rows"]
_EXPECTED = {"column": "(N,) or (N, 1)", "batch": "(N, ...)", "rows": "(N, D)"}


def identity(output: Any) -> Any:
    """The default ``output_transform``: a module-level function, so metrics pickle."""
    return output


def median(values: torch.Tensor) -> torch.Tensor:
    """The median of all values; the mean of the two middle ones when their number is even."""
    ordered = values.flatten().sort().values
    middle = ordered.numel() // 2
    if ordered.numel() % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _without_unit_column(tensor: torch.Tensor) -> torch.Tensor:
    return tensor[:, 0] if tensor.ndim == 2 and tensor.shape[1] == 1 else tensor


class RegressionMetric(CheckedMetric):
    """Checks ``(y_pred, y)`` in ``update`` and passes the batch on to ``_update``.

    ``_input_shape`` says which shapes are accepted: ``"column"`` (``(N,)`` or ``(N, 1)``, the
    contrib regression metrics of Ignite), ``"batch"`` (``(N, ...)``) or ``"rows"`` (``(N, D)``).
    ``y_pred`` and ``y`` must have the same shape, except that ``(N, 1)`` and ``(N,)`` may be
    mixed for ``"column"`` and ``"batch"``. Empty batches are accepted and change nothing.
    """

    _input_shape: InputShape = "column"

    def __init__(
        self,
        output_transform: Callable[[Any], Any] = identity,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        """Add one batch ``(y_pred, y)``."""
        y_pred, y = self._checked_pair(output)
        self._record_invalid(self._count_invalid(y_pred, y))
        if y_pred.shape[0] > 0:
            self._update(y_pred, y)

    def _checked_pair(self, output: Any) -> tuple[torch.Tensor, torch.Tensor]:
        cls = type(self).__name__
        y_pred, y = unpack_pair(cls, output)
        check_real(cls, "y_pred", y_pred)
        check_real(cls, "y", y)
        expected = _EXPECTED[self._input_shape]
        for name, value in (("y_pred", y_pred), ("y", y)):
            rank_ok = {
                "column": value.ndim == 1 or (value.ndim == 2 and value.shape[1] == 1),
                "batch": value.ndim >= 1,
                "rows": value.ndim == 2,
            }[self._input_shape]
            if not rank_ok:
                raise ValueError(
                    f"{cls}.update: {name} has shape {describe_shape(value)}; expected {expected}"
                )
        if self._input_shape == "column":
            y_pred, y = y_pred.reshape(-1), y.reshape(-1)
        elif self._input_shape == "batch" and y_pred.shape != y.shape:
            # A model's (N, 1) output against (N,) targets, which Ignite accepts too.
            y_pred, y = _without_unit_column(y_pred), _without_unit_column(y)
        if y_pred.shape != y.shape:
            raise ValueError(
                f"{cls}.update: y_pred has shape {describe_shape(y_pred)} but y has shape "
                f"{describe_shape(y)}; expected both of the same shape {expected}"
            )
        return y_pred, y

    def _count_invalid(self, y_pred: torch.Tensor, y: torch.Tensor) -> list[torch.Tensor]:
        return [torch.isnan(y_pred).sum(), torch.isnan(y).sum()]

    def _float(self, tensor: torch.Tensor) -> torch.Tensor:
        return tensor.to(self._double_dtype)

    @abstractmethod
    def _update(self, y_pred: torch.Tensor, y: torch.Tensor) -> None:
        """Accumulate a checked, non-empty batch."""


class ErrorSum(RegressionMetric):
    """Adds up ``_errors(y_pred, y)`` and the number of examples; ``_value`` makes the result.

    The default ``_value`` is the mean error per example (the sum divided by ``N``, so for inputs
    ``(N, ...)`` the errors of one example are summed, as in Ignite).

    A subclass whose errors are squared or absolute differences sets ``_plain_errors``: for
    float32/float64 inputs of one dtype, shape and device the batch's error sum then takes two
    or three operations, inlined in ``update``. It is computed in the inputs' dtype, like
    PyTorch-Ignite does, and added to the float64 total; NaN is then found in the total by
    ``compute`` rather than counted per argument. Other inputs take the checked path, in float64.
    """

    _state_dict_all_req_keys = ("_sum_of_errors", "_num_examples", "_num_invalid")
    _plain_errors: Literal["squared", "absolute"] | None = None

    def update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        """Add one batch ``(y_pred, y)``."""
        plain = self._plain_errors
        if plain is not None and type(output) is tuple and len(output) == 2:
            y_pred, y = output
            # The common case, recognised from attributes alone (this path is a few
            # microseconds in all): float32/float64 tensors of one dtype and shape, on the
            # metric's device, that need no detaching.
            if (
                type(y_pred) is _Tensor
                and type(y) is _Tensor
                and y_pred.dtype is y.dtype
                and y_pred.dtype in _PLAIN_DTYPES
                and not (y_pred.requires_grad or y.requires_grad)
                and (
                    (y_pred.is_cpu and y.is_cpu and self._cpu_sums)
                    or y_pred.device == y.device == self._device
                )
            ):
                shape = y_pred.shape
                if shape == y.shape and shape:
                    self._is_reduced = False  # what @reinit__is_reduced does, inline
                    rows = shape[0]
                    if rows:
                        if plain == "squared":
                            difference = y_pred - y
                            if len(shape) != 1:
                                difference = difference.reshape(-1)
                            self._sum_of_errors.add_(_dot(difference, difference))
                        else:
                            self._sum_of_errors.add_(_dist(y_pred, y, p=1))
                        self._num_examples += rows
                    return
        super().update(output)

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every batch."""
        self._sum_of_errors = torch.zeros((), dtype=self._double_dtype, device=self._device)
        self._num_examples = 0
        self._reset_invalid()
        self._cpu_sums = self._device.type == "cpu"  # read on every update: kept as a bool

    def _update(self, y_pred: torch.Tensor, y: torch.Tensor) -> None:
        errors = self._errors(self._float(y_pred), self._float(y))
        self._sum_of_errors += errors.sum().to(self._device)
        self._num_examples += y.shape[0]

    @abstractmethod
    def _errors(self, y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The error of each element, from float64 ``y_pred`` and ``y``."""

    def _value(self, total: torch.Tensor, count: int) -> float:
        return float((total / count).item())

    @sync_all_reduce("_sum_of_errors", "_num_examples", "_num_invalid")
    def compute(self) -> float:
        """The metric over every batch since the last reset."""
        if self._num_examples == 0:
            raise NotComputableError(
                f"{type(self).__name__} must have at least one example before it can be computed"
            )
        self._raise_if_invalid()
        if self._plain_errors is not None and bool(torch.isnan(self._sum_of_errors)):
            raise ValueError(
                f"{type(self).__name__}: since the last reset, y_pred or y held NaN (or the same "
                f"infinity on both sides), expected numbers: the sum of the errors is NaN"
            )
        return self._value(self._sum_of_errors, self._num_examples)


class StoredRegression(RegressionMetric):
    """Keeps every ``(y_pred, y)`` until ``compute``, then calls ``_value`` on all of them.

    The values stay on the metric's device; in a distributed run ``compute`` gathers every
    process's values first, so each process computes the metric over the whole data set.
    """

    _state_dict_all_req_keys = ("_predictions", "_targets", "_num_examples", "_num_invalid")

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every batch."""
        self._predictions: list[torch.Tensor] = []
        self._targets: list[torch.Tensor] = []
        self._num_examples = 0
        self._reset_invalid()

    def _update(self, y_pred: torch.Tensor, y: torch.Tensor) -> None:
        # A copy: the caller may reuse its buffers for the next batch.
        self._predictions.append(y_pred.to(self._device, copy=True))
        self._targets.append(y.to(self._device, copy=True))
        self._num_examples += y.shape[0]

    def _joined(self, parts: list[torch.Tensor]) -> torch.Tensor:
        if not parts:
            local = torch.empty(0, dtype=self._double_dtype, device=self._device)
        else:
            local = torch.cat([self._float(part) for part in parts])
        return gather_values(local)

    @abstractmethod
    def _value(self, y_pred: torch.Tensor, y: torch.Tensor) -> float:
        """The metric from every prediction and target (float64, shape ``(N,)``)."""

    @sync_all_reduce("_num_examples", "_num_invalid")
    def compute(self) -> float:
        """The metric over every batch since the last reset."""
        if self._num_examples == 0:
            raise NotComputableError(
                f"{type(self).__name__} must have at least one example before it can be computed"
            )
        self._raise_if_invalid()
        return self._value(self._joined(self._predictions), self._joined(self._targets))
