"""SubgroupDifference: the largest gap in a metric's value between two groups of samples."""

from __future__ import annotations

from ember_metrics.fairness._groups import spread
from ember_metrics.fairness.subgroup_metric import SubgroupMetric

__all__ = ["SubgroupDifference"]


class SubgroupDifference(SubgroupMetric):
    """The largest difference of ``base_metric`` between two groups: ``max - min`` over groups.

    Takes the arguments and input of :class:`~ember_metrics.SubgroupMetric` and computes
    ``base_metric`` per group the same way; ``compute`` returns, as a float, the largest value
    minus the smallest over the groups that have received samples since ``reset``. When the
    metric's value is a tensor or a list (one value per class, per label, per ``k``), the
    difference is taken element by element and the largest is returned, as in PyTorch-Ignite.
    With fewer than two groups seen there is nothing to compare:
    :class:`~ember.exceptions.NotComputableError`.

    Args:
        base_metric: the metric to compute per group (copied for each group).
        groups: the group identifiers, distinct ints; a label outside them is an error.
        output_transform: maps the engine's output to ``(y_pred, y, group_labels)``.
        device: accepted for PyTorch-Ignite compatibility; each copy keeps its accumulators
            on ``base_metric``'s own device.

    Example:
        >>> import torch
        >>> from ember_metrics import Precision, SubgroupDifference
        >>> metric = SubgroupDifference(Precision(), groups=[0, 1, 2])
        >>> y_pred = torch.tensor([1, 1, 1, 0, 1, 1])
        >>> y = torch.tensor([1, 0, 1, 1, 0, 0])
        >>> group_labels = torch.tensor([0, 0, 1, 1, 2, 2])  # precision 0.5, 1.0 and 0.0
        >>> metric.update((y_pred, y, group_labels))
        >>> metric.compute()
        1.0
    """

    def compute(self) -> float:  # type: ignore[override]
        """``max - min`` of the groups' values (element by element, then the largest).

        Example:
            >>> import torch
            >>> from ember_metrics import Accuracy, SubgroupDifference
            >>> metric = SubgroupDifference(Accuracy(), groups=[0, 1])
            >>> y_pred, y = torch.tensor([1, 1, 0, 0]), torch.tensor([1, 1, 1, 0])
            >>> metric.update((y_pred, y, torch.tensor([0, 0, 1, 1])))
            >>> metric.compute()
            0.5
        """
        return spread(type(self).__name__, self._group_values())
