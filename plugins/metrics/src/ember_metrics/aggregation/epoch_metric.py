"""EpochMetric: keeps every prediction and target of the period, then applies a function.

For metrics that cannot be accumulated batch by batch (rank statistics, areas under curves,
anything from scikit-learn): ``update`` stores the batches, ``compute`` concatenates them (over
all processes in a distributed run) and calls ``compute_fn(y_preds, y_targets)``.

Example:
    >>> import torch
    >>> from ember_metrics.aggregation.epoch_metric import EpochMetric
    >>> def largest_error(y_preds, y_targets):
    ...     return (y_preds - y_targets).abs().max().item()
    >>> metric = EpochMetric(largest_error)
    >>> metric.update((torch.tensor([0.5, 2.0]), torch.tensor([1.0, 1.0])))
    >>> metric.compute()
    1.0
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

import torch

from ember.exceptions import NotComputableError
from ember.metric import Metric, reinit__is_reduced
from ember.metric.reduction import get_collective_hooks
from ember_metrics.classification._input_checks import (
    clear_deferred_checks,
    detach_pair,
    raise_deferred_checks,
    shape_of,
)

__all__ = ["EpochMetric", "EpochMetricWarning"]


def _identity(output: Any) -> Any:
    return output


class EpochMetricWarning(UserWarning):
    """``compute_fn`` failed on the first batch: it will probably fail at ``compute`` too.

    Example:
        >>> from ember_metrics.aggregation.epoch_metric import EpochMetricWarning
        >>> issubclass(EpochMetricWarning, UserWarning)
        True
    """


class EpochMetric(Metric):
    """Applies ``compute_fn`` to all predictions and targets seen since ``reset``.

    ``update`` takes ``(y_pred, y)``, each of shape ``(N,)`` or ``(N, K)`` (a ``(N, 1)`` tensor
    is squeezed to ``(N,)``), and keeps a copy on ``device``. Every update must bring the same
    dtypes and the same ``K`` as the first. ``compute`` concatenates the batches, in a
    distributed run gathers them from all processes, calls ``compute_fn(y_preds, y_targets)``
    and caches the result until the next ``update`` or ``reset``.

    Memory grows with the data: the whole period is kept.

    Args:
        compute_fn: ``compute_fn(y_preds, y_targets)`` returns the value; it receives tensors
            on ``device``.
        output_transform: maps the engine's output to ``(y_pred, y)``.
        check_compute_fn: call ``compute_fn`` on the first batch and warn
            (:class:`EpochMetricWarning`) when it fails, to catch mistakes early.
        device: where the batches are kept.
        skip_unrolling: see :class:`~ember.metric.Metric`.

    Example:
        >>> import torch
        >>> from ember_metrics import EpochMetric
        >>> def spearman_like(y_preds, y_targets):
        ...     ranks = lambda t: t.argsort().argsort().double()
        ...     return torch.corrcoef(torch.stack([ranks(y_preds), ranks(y_targets)]))[0, 1].item()
        >>> metric = EpochMetric(spearman_like)
        >>> metric.update((torch.tensor([0.1, 0.4, 0.2]), torch.tensor([1.0, 3.0, 2.0])))
        >>> metric.update((torch.tensor([0.9]), torch.tensor([5.0])))
        >>> metric.compute()
        1.0
    """

    _state_dict_all_req_keys = ("_predictions", "_targets")

    def __init__(
        self,
        compute_fn: Callable[[torch.Tensor, torch.Tensor], Any],
        output_transform: Callable[[Any], Any] = _identity,
        check_compute_fn: bool = True,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        if not callable(compute_fn):
            raise TypeError(
                f"{type(self).__name__}: argument compute_fn should be a callable "
                f"compute_fn(y_preds, y_targets), got {type(compute_fn).__name__}"
            )
        self.compute_fn = compute_fn
        self._check_compute_fn = bool(check_compute_fn)
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every stored batch."""
        self._predictions: list[torch.Tensor] = []
        self._targets: list[torch.Tensor] = []
        self._result: Any = None
        self._signature: tuple[str, ...] | None = None
        self._layout: tuple[Any, ...] | None = None  # _signature's objects, cheap to compare
        clear_deferred_checks(self)

    def _load_state_dict_per_rank(self, state: Mapping[str, Any]) -> None:
        super()._load_state_dict_per_rank(state)
        self._result = None  # computed from the batches that were replaced

    def _check_layout(
        self, owner: str, y_pred: torch.Tensor, y: torch.Tensor, layout: tuple[Any, ...]
    ) -> None:
        """Every update since reset must bring the same dtypes and trailing shapes."""
        signature = tuple(str(part) for part in layout)
        if self._signature is not None and signature != self._signature:
            before = self._signature
            raise ValueError(
                f"{owner}: y_pred has shape {shape_of(y_pred)} and y has shape {shape_of(y)} "
                f"with dtypes {y_pred.dtype} and {y.dtype}, but earlier updates since reset() "
                f"had y_pred {before[0]} of trailing shape {before[1]} and y {before[2]} of "
                f"trailing shape {before[3]}; expected the same dtypes and trailing shapes in "
                f"every update"
            )
        self._signature, self._layout = signature, layout

    def _check_input(
        self, owner: str, y_pred: torch.Tensor, y: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Validate one batch (already squeezed) and return what to store; for subclasses."""
        return y_pred, y

    @reinit__is_reduced
    def update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        """Store a copy of one batch ``(y_pred, y)``."""
        owner = f"{type(self).__name__}.update"
        y_pred, y = detach_pair(owner, output)
        if y_pred.ndim not in (1, 2) or y.ndim not in (1, 2) or y_pred.shape[0] != y.shape[0]:
            raise ValueError(
                f"{owner}: y_pred has shape {shape_of(y_pred)} and y has shape {shape_of(y)}; "
                f"expected each of shape (N,) or (N, K), with the same N"
            )
        if y_pred.ndim == 2 and y_pred.shape[1] == 1:
            y_pred = y_pred.squeeze(1)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.squeeze(1)
        layout = (y_pred.dtype, y_pred.shape[1:], y.dtype, y.shape[1:])
        if layout != self._layout:
            self._check_layout(owner, y_pred, y, layout)
        y_pred, y = self._check_input(owner, y_pred, y)
        self._predictions.append(y_pred.to(self._device, copy=True))
        self._targets.append(y.to(self._device, copy=True))
        if len(self._predictions) == 1 and self._check_compute_fn:
            try:
                self.compute_fn(self._predictions[0], self._targets[0])
            except Exception as error:
                warnings.warn(
                    f"{type(self).__name__}: compute_fn failed on the first batch, so compute() "
                    f"will probably fail too: {error!r}",
                    EpochMetricWarning,
                    stacklevel=2,
                )

    def _all_outputs(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The stored batches concatenated, over all processes when distributed."""
        local = (
            (torch.cat(self._predictions), torch.cat(self._targets)) if self._predictions else None
        )
        hooks = get_collective_hooks()
        gathered = hooks.all_gather(local) if hooks.get_world_size() > 1 else [local]
        parts: list[tuple[torch.Tensor, torch.Tensor]] = [p for p in gathered if p is not None]
        if not parts:
            raise NotComputableError(
                f"{type(self).__name__} must have at least one example before it can be computed"
            )
        if len(parts) == 1:
            return parts[0]
        return (
            torch.cat([preds.to(self._device) for preds, _ in parts]),
            torch.cat([targets.to(self._device) for _, targets in parts]),
        )

    def compute(self) -> Any:
        """``compute_fn`` applied to every stored prediction and target."""
        raise_deferred_checks(self)
        if self._result is None:
            self._result = self.compute_fn(*self._all_outputs())
        return self._result
