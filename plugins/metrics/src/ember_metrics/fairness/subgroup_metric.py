"""SubgroupMetric: any metric, computed separately for each group of samples."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import torch

from ember.exceptions import NotComputableError
from ember.metric import Metric, reinit__is_reduced
from ember_metrics.classification._base import identity
from ember_metrics.classification._input_checks import (
    clear_deferred_checks,
    raise_deferred_checks,
)
from ember_metrics.fairness._groups import (
    GROUP_KEYS,
    group_positions,
    parse_groups,
    unpack_triple,
)

__all__ = ["SubgroupMetric"]


class SubgroupMetric(Metric):
    """``base_metric`` computed for each group: ``compute`` returns ``{group: value}``.

    ``update`` takes ``(y_pred, y, group_labels)`` (or a mapping with those keys): the usual
    input of ``base_metric`` plus a 1-D integer tensor of shape ``(N,)`` giving the group of
    each sample. Each group has its own deep copy of ``base_metric``, updated with the samples
    of that group; a batch without samples of a group leaves that group's copy untouched.
    ``compute`` returns the value of every group that has received samples since ``reset``
    (groups without samples are left out, as in PyTorch-Ignite); with no samples at all it
    raises :class:`~ember.exceptions.NotComputableError`.

    Selecting a group's samples uses boolean masks, so the batches given to the copies have
    data-dependent sizes: on an accelerator that costs one synchronisation per group and batch.
    It is what lets any metric be wrapped, whatever its input; the dedicated metrics
    :class:`~ember_metrics.SubgroupAccuracyDifference`,
    :class:`~ember_metrics.DemographicParityDifference` and :class:`~ember_metrics.SelectionRate`
    count per group on the device instead, without such synchronisation.

    Over several processes each copy synchronises itself when computed: every process computes
    every group's copy in the order of ``groups``, so the copies' collective operations line up.

    Args:
        base_metric: the metric to compute per group (its state is not used; it is copied).
        groups: the group identifiers, distinct ints; a label outside them is an error.
        output_transform: maps the engine's output to ``(y_pred, y, group_labels)``.
        device: accepted for PyTorch-Ignite compatibility; each copy keeps its accumulators
            on ``base_metric``'s own device.

    Example:
        >>> import torch
        >>> from ember_metrics import Accuracy, SubgroupMetric
        >>> metric = SubgroupMetric(Accuracy(), groups=[0, 1])
        >>> y_pred = torch.tensor([1, 0, 1, 1, 0])
        >>> y = torch.tensor([1, 1, 1, 0, 0])
        >>> group_labels = torch.tensor([0, 0, 1, 1, 1])
        >>> metric.update((y_pred, y, group_labels))
        >>> metric.compute()
        {0: 0.5, 1: 0.6666666666666666}
    """

    required_output_keys = GROUP_KEYS
    _state_dict_all_req_keys: tuple[str, ...] = ("_metrics",)

    def __init__(
        self,
        base_metric: Metric,
        groups: Sequence[int],
        output_transform: Callable[[Any], Any] = identity,
        device: str | torch.device = "cpu",
    ) -> None:
        name = type(self).__name__
        if not isinstance(base_metric, Metric):
            raise TypeError(
                f"{name}: argument base_metric should be an ember metric instance, such as "
                f"Accuracy(); got {base_metric!r} ({type(base_metric).__name__})"
            )
        self._groups = parse_groups(name, groups)
        self._base_metric = base_metric
        self._metrics: dict[int, Metric] = {g: copy.deepcopy(base_metric) for g in self._groups}
        super().__init__(output_transform, device=device)

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every batch, in every group.

        Example:
            >>> import torch
            >>> from ember.exceptions import NotComputableError
            >>> from ember_metrics import Accuracy, SubgroupMetric
            >>> metric = SubgroupMetric(Accuracy(), groups=[0, 1])
            >>> metric.update((torch.tensor([1]), torch.tensor([1]), torch.tensor([0])))
            >>> metric.reset()
            >>> try:
            ...     metric.compute()
            ... except NotComputableError:
            ...     print("nothing to compute")
            nothing to compute
        """
        for metric in self._metrics.values():
            metric.reset()
        clear_deferred_checks(self)

    @reinit__is_reduced
    def update(self, output: Sequence[torch.Tensor]) -> None:
        """Update each group's copy with the samples of that group in ``(y_pred, y, group_labels)``.

        Example:
            >>> import torch
            >>> from ember_metrics import Accuracy, SubgroupMetric
            >>> metric = SubgroupMetric(Accuracy(), groups=[0, 1])
            >>> metric.update((torch.tensor([1, 0]), torch.tensor([1, 1]), torch.tensor([1, 1])))
            >>> metric.compute()
            {1: 0.5}
        """
        y_pred, y, labels = unpack_triple(type(self).__name__, output)
        members, _ = group_positions(self, labels, self._groups)
        for column, metric in enumerate(self._metrics.values()):
            mask = members[:, column]
            group_pred = y_pred[mask]
            if group_pred.shape[0] == 0:  # the size is known on the host once masked
                continue
            metric.update((group_pred, y[mask]))

    def _group_values(self) -> dict[int, Any]:
        """Every group's value, leaving out groups without samples (on every process)."""
        raise_deferred_checks(self)
        values: dict[int, Any] = {}
        for group, metric in self._metrics.items():
            try:
                values[group] = metric.compute()
            except NotComputableError:
                continue
        return values

    def compute(self) -> dict[int, Any]:
        """``{group: value}`` for each group with samples since ``reset``.

        Example:
            >>> import torch
            >>> from ember_metrics import MeanAbsoluteError, SubgroupMetric
            >>> metric = SubgroupMetric(MeanAbsoluteError(), groups=[7, 9])
            >>> y_pred, y = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.5, 2.0, 1.0])
            >>> metric.update((y_pred, y, torch.tensor([7, 9, 9])))
            >>> metric.compute()
            {7: 0.5, 9: 1.0}
        """
        values = self._group_values()
        if not values:
            raise NotComputableError(
                f"{type(self).__name__} must have at least one sample of one of the groups "
                f"{self._groups} before it can be computed"
            )
        return values
