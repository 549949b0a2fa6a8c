"""The metric protocol: :class:`Metric`, its usages, :class:`MetricsLambda` and reductions.

The catalogue of concrete metrics (``Accuracy``, ``Loss``, ``Precision``, ...) lives in the
``ember-metrics`` plugin; this package holds what every metric is built on.

Example:
    >>> import torch
    >>> from ember.engine import Engine
    >>> from ember.metric import Metric
    >>> class MeanAbsoluteError(Metric):
    ...     def reset(self):
    ...         self._sum, self._n = 0.0, 0
    ...     def update(self, output):
    ...         y_pred, y = output
    ...         self._sum += float((y_pred - y).abs().sum())
    ...         self._n += y.numel()
    ...     def compute(self):
    ...         return self._sum / self._n
    >>> engine = Engine(lambda engine, batch: batch)
    >>> MeanAbsoluteError().attach(engine, "mae")
    >>> data = [(torch.tensor([1.0, 2.0]), torch.tensor([1.5, 2.0]))]
    >>> engine.run(data).metrics["mae"]
    0.25
"""

from __future__ import annotations

from ember.metric.metric import Metric
from ember.metric.metrics_lambda import MetricsLambda
from ember.metric.reduction import reinit__is_reduced, sync_all_reduce
from ember.metric.usage import (
    BatchFiltered,
    BatchWise,
    EpochWise,
    MetricUsage,
    RunningBatchWise,
    RunningEpochWise,
    SingleEpochRunningBatchWise,
)

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
    "reinit__is_reduced",
    "sync_all_reduce",
]
