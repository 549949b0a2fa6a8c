"""Two-process cases of the fairness metrics: registry name -> (factory, batches).

The lead's distributed check spawns two gloo processes; rank ``r`` updates with
``batches[r::2]`` and must compute what one process computes over all batches. Group 2 appears in
rank 0's batches only, so the ranks' per-group counts differ; in the ``SubgroupMetric`` case
rank 1's copy of ``SelectionRate`` for group 2 never sees a batch and must still take part in
(and pad its empty counts for) the synchronisation.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import torch

from ember.metric import Metric
from ember_metrics.classification.accuracy import Accuracy
from ember_metrics.fairness.demographic_parity_difference import DemographicParityDifference
from ember_metrics.fairness.selection_rate import SelectionRate
from ember_metrics.fairness.subgroup_accuracy_difference import SubgroupAccuracyDifference
from ember_metrics.fairness.subgroup_difference import SubgroupDifference
from ember_metrics.fairness.subgroup_metric import SubgroupMetric

__all__ = ["CASES"]


def _batches(seed: int, classes: int | None) -> list[tuple[torch.Tensor, ...]]:
    """Six batches of 5 samples; multiclass scores when ``classes`` is given, else binary.

    Groups 0 and 1 appear in every batch, group 2 in the first and the fifth (rank 0's).
    """
    g = torch.Generator().manual_seed(seed)
    batches: list[tuple[torch.Tensor, ...]] = []
    for index in range(6):
        if classes is None:
            y_pred = torch.randint(0, 2, (5,), generator=g)
            y = torch.randint(0, 2, (5,), generator=g)
        else:
            y_pred = torch.randn(5, classes, generator=g)
            y = torch.randint(0, classes, (5,), generator=g)
        labels = torch.tensor([0, 1, 0, 1, 2 if index in (0, 4) else 1])
        batches.append((y_pred, y, labels))
    return batches


CASES: dict[str, tuple[Callable[[], Metric], list[Any]]] = {
    "subgroup_metric": (
        functools.partial(SubgroupMetric, SelectionRate(), groups=[0, 1, 2]),
        _batches(0, 3),
    ),
    "subgroup_difference": (
        functools.partial(SubgroupDifference, Accuracy(), groups=[0, 1, 2]),
        _batches(1, None),
    ),
    "subgroup_accuracy_difference": (
        functools.partial(SubgroupAccuracyDifference, groups=[0, 1, 2]),
        _batches(2, 4),
    ),
    "demographic_parity_difference": (
        functools.partial(DemographicParityDifference, groups=[0, 1, 2]),
        _batches(3, None),
    ),
    "selection_rate": (
        SelectionRate,
        [(y_pred, y) for y_pred, y, _ in _batches(4, 3)],
    ),
    "selection_rate[groups]": (
        functools.partial(SelectionRate, groups=[0, 1, 2]),
        _batches(5, None),
    ),
    "subgroup_metric[accuracy]": (
        functools.partial(SubgroupMetric, Accuracy(), groups=[0, 1, 2]),
        _batches(6, 3),
    ),
}
