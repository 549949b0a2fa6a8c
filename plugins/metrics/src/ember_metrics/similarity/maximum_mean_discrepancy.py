"""Maximum Mean Discrepancy between two batches of samples, with a Gaussian kernel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ember.exceptions import NotComputableError
from ember.metric import reinit__is_reduced, sync_all_reduce
from ember_metrics.regression._base import identity
from ember_metrics.regression._checks import CheckedMetric, check_real, describe_shape, unpack_pair

__all__ = ["MaximumMeanDiscrepancy"]


class MaximumMeanDiscrepancy(CheckedMetric):
    """Maximum Mean Discrepancy between the samples ``y_pred`` (x) and ``y`` (y).

    With the Gaussian kernel ``k(a, b) = exp(-|a - b|^2 / (2 var))``, each batch of ``n`` pairs
    adds the unbiased means ``XX = sum_{i!=j} k(x_i, x_j) / (n(n-1))``, ``YY`` likewise, and
    ``XY = sum_{i,j} k(x_i, y_j) / n^2``. The value is
    ``sqrt(max(sum(XX) + sum(YY) - 2 sum(XY), 0) / batches)``: like Ignite it depends on how the
    data is split into batches.

    Args:
        var: the kernel's variance.
        output_transform: picks ``(y_pred, y)`` out of the engine's output.
        device: where the sums are kept.
        skip_unrolling: see :class:`ember.metric.Metric`.

    ``update`` takes ``(y_pred, y)`` of the same shape ``(n, D)`` or ``(n, D1, D2, ...)`` with
    ``n >= 2``; each sample is flattened into one vector.

    Example:
        >>> import torch
        >>> from ember_metrics import MaximumMeanDiscrepancy
        >>> metric = MaximumMeanDiscrepancy()
        >>> x = torch.tensor([[0.0], [1.0]])
        >>> metric.update((x, x + 1.0))
        >>> round(metric.compute(), 6)
        0.197137
    """

    _state_dict_all_req_keys = ("_xx_sum", "_yy_sum", "_xy_sum", "_num_batches", "_num_invalid")

    def __init__(
        self,
        var: float = 1.0,
        output_transform: Callable[[Any], Any] = identity,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        if isinstance(var, bool) or not isinstance(var, (int, float)) or var <= 0:
            raise ValueError(
                f"MaximumMeanDiscrepancy: argument var should be a number > 0, got {var!r}"
            )
        self.var = var
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every batch."""
        self._xx_sum = torch.zeros((), dtype=self._double_dtype, device=self._device)
        self._yy_sum = torch.zeros((), dtype=self._double_dtype, device=self._device)
        self._xy_sum = torch.zeros((), dtype=self._double_dtype, device=self._device)
        self._num_batches = 0
        self._reset_invalid()

    @reinit__is_reduced
    def update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        """Add one batch ``(y_pred, y)`` of samples."""
        cls = type(self).__name__
        x, y = unpack_pair(cls, output)
        check_real(cls, "y_pred", x)
        check_real(cls, "y", y)
        if x.shape != y.shape:
            raise ValueError(
                f"{cls}.update: y_pred has shape {describe_shape(x)} but y has shape "
                f"{describe_shape(y)}; expected both of the same shape (n, D, ...)"
            )
        if x.ndim < 2 or x.shape[0] < 2:
            raise ValueError(
                f"{cls}.update: y_pred has shape {describe_shape(x)}; expected (n, D) or "
                f"(n, D1, D2, ...) with n >= 2 samples"
            )
        self._record_invalid([torch.isnan(x).sum(), torch.isnan(y).sum()])
        x = x.flatten(start_dim=1).to(self._double_dtype)
        y = y.flatten(start_dim=1).to(self._double_dtype)
        n = x.shape[0]

        def kernel_sum(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            return torch.exp(-0.5 * torch.cdist(a, b).square() / self.var).sum()

        # The diagonal of k(x, x) is n ones: removing it leaves the pairs i != j.
        sums = torch.stack(
            [
                (kernel_sum(x, x) - n) / (n * (n - 1)),
                (kernel_sum(y, y) - n) / (n * (n - 1)),
                kernel_sum(x, y) / (n * n),
            ]
        ).to(self._device)
        self._xx_sum += sums[0]
        self._yy_sum += sums[1]
        self._xy_sum += sums[2]
        self._num_batches += 1

    @sync_all_reduce("_xx_sum", "_yy_sum", "_xy_sum", "_num_batches", "_num_invalid")
    def compute(self) -> float:
        """The MMD over every batch since the last reset."""
        if self._num_batches == 0:
            raise NotComputableError(
                f"{type(self).__name__} must have at least one batch before it can be computed"
            )
        self._raise_if_invalid()
        squared = (self._xx_sum + self._yy_sum - 2.0 * self._xy_sum).clamp(min=0.0)
        return float((squared / self._num_batches).sqrt().item())
