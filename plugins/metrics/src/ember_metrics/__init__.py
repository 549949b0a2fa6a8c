"""ember-metrics: the metric catalogue, plus the protocol names from ``ember.metric``.

Metric classes are imported on first access, so ``import ember_metrics`` (and the plugin's
entry point) stays light.

Example:
    >>> import torch
    >>> from ember_metrics import Accuracy
    >>> metric = Accuracy()
    >>> metric.update((torch.tensor([[0.1, 0.9], [0.8, 0.2]]), torch.tensor([1, 1])))
    >>> metric.compute()
    0.5
"""

from __future__ import annotations

import importlib
from typing import Any

from ember.metric import (
    BatchFiltered,
    BatchWise,
    EpochWise,
    Metric,
    MetricsLambda,
    MetricUsage,
    RunningBatchWise,
    RunningEpochWise,
    SingleEpochRunningBatchWise,
)
from ember_metrics.catalogue import by_class

__version__ = "0.1.0"

__all__ = [
    "BatchFiltered",
    "BatchWise",
    "EpochWise",
    "Metric",
    "MetricUsage",
    "MetricsLambda",
    "RunningBatchWise",
    "RunningEpochWise",
    "SingleEpochRunningBatchWise",
]


def __getattr__(name: str) -> Any:
    entry = by_class().get(name)
    if entry is None:
        raise AttributeError(f"module 'ember_metrics' has no attribute {name!r}")
    value = getattr(importlib.import_module(entry.module), entry.cls)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *by_class()])


__all__ += sorted(by_class())  # the metric classes, from the catalogue
