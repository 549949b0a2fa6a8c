"""DemographicParityDifference: the largest gap in selection rate between two groups."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from ember_metrics.classification._base import identity
from ember_metrics.fairness._groups import parse_groups, spread
from ember_metrics.fairness.selection_rate import SelectionRate

__all__ = ["DemographicParityDifference"]


class DemographicParityDifference(SelectionRate):
    """Demographic parity difference: the largest difference in selection rate between groups.

    The :class:`~ember_metrics.SelectionRate` of each group (the share of its predictions that
    select each class or label) is computed, and ``compute`` returns, as a float, the largest
    rate minus the smallest over the groups with samples since ``reset``, taken per category and
    then the largest over categories (as in PyTorch-Ignite). For binary predictions this is the
    usual ``max_g P(y_pred = 1 | g) - min_g P(y_pred = 1 | g)`` (fairlearn's
    ``demographic_parity_difference``); 0 means every group is selected at the same rate
    (statistical parity). With fewer than two groups seen:
    :class:`~ember.exceptions.NotComputableError`.

    ``update`` takes ``(y_pred, y, group_labels)``: ``y_pred`` and ``y`` as for
    :class:`~ember_metrics.Accuracy` (``y`` is checked but not used), ``group_labels`` a 1-D
    integer tensor of shape ``(N,)``. Counts are kept per group on the metric's device.

    Args:
        groups: the group identifiers, distinct ints; a label outside them is an error.
        is_multilabel: whether the input is multilabel.
        output_transform: maps the engine's output to ``(y_pred, y, group_labels)``.
        device: where the counts are kept.

    Example:
        >>> import torch
        >>> from ember_metrics import DemographicParityDifference
        >>> metric = DemographicParityDifference(groups=[0, 1])
        >>> y_pred = torch.tensor([1, 1, 0, 1, 0, 0])
        >>> y = torch.tensor([1, 0, 0, 1, 1, 0])
        >>> group_labels = torch.tensor([0, 0, 0, 1, 1, 1])  # selection rates 2/3 and 1/3
        >>> metric.update((y_pred, y, group_labels))
        >>> round(metric.compute(), 4)
        0.3333
    """

    def __init__(
        self,
        groups: Sequence[int],
        is_multilabel: bool = False,
        output_transform: Callable[[Any], Any] = identity,
        device: str | torch.device = "cpu",
    ) -> None:
        # Unlike SelectionRate's, the groups are required: None is an error too.
        checked = parse_groups(type(self).__name__, groups)
        super().__init__(
            output_transform, is_multilabel=is_multilabel, device=device, groups=checked
        )

    def compute(self) -> float:  # type: ignore[override]
        """The largest difference in selection rate between two groups.

        Example:
            >>> import torch
            >>> from ember_metrics import DemographicParityDifference
            >>> metric = DemographicParityDifference(groups=[0, 1])
            >>> scores = torch.tensor([[0.1, 0.9], [0.2, 0.8], [0.9, 0.1], [0.9, 0.1]])
            >>> metric.update((scores, torch.tensor([1, 1, 0, 0]), torch.tensor([0, 0, 1, 1])))
            >>> metric.compute()
            1.0
        """
        return spread(type(self).__name__, self._rates())
