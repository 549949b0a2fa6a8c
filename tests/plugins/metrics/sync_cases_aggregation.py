"""Two-process synchronisation cases of the aggregation and generic metrics.

``CASES`` maps each registry name (plus a few non-default configurations, ``name[config]``) to
``(factory, batches)`` for ``ember.testing.check_metric(..., distributed=True)`` /
``check_metrics_distributed``: rank ``r`` of two processes updates with ``batches[r::2]`` and
must compute the value one process computes over every batch. Factories are classes,
``functools.partial`` of them with module-level functions from torch or ``operator``, or the
module-level function :func:`metric_group` (importable as ``sync_cases_aggregation.metric_group``
by the spawned processes).

Three registry names map to ``None``, because that check cannot apply to them:

- ``frequency``: its value is output per second of wall-clock time since ``reset``. It is not
  deterministic, and by definition two processes that each handle half of the batches at the
  same time have twice the throughput of one process handling them all (``compute`` sums the
  counts and divides by the mean elapsed time), so the two values are not meant to be equal.
  Even with a deterministic clock (one second per update, as in test_frequency.py) one process
  gives ``total / 5`` and two give ``total / mean(3, 2)``.
- ``running_average``: an exponential moving average per *iteration*. In a distributed run each
  iteration's value is first combined over the processes (the mean of the outputs, or ``src``'s
  value over both processes' batches, since ``src.compute()`` syncs), and the average moves
  once per iteration: over ``batches[r::2]`` that is ``ceil(n / 2)`` moves of combined values
  instead of ``n`` moves of single-batch values, e.g. with ``alpha = 0.5`` and outputs
  ``1, 2, 3, 4`` one process gives 3.125 and two give 2.5. The values differ by definition,
  as in PyTorch-Ignite. Moreover the collective in ``update`` needs every process to update
  the same number of times; with an odd number of batches the ranks would wait for each other
  for ever.
- ``gpu_info``: needs an NVIDIA GPU and pynvml (construction raises without them); it reports
  each process's own devices, not a value reduced over processes.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from typing import Any

import torch
from torch.nn import functional as F  # noqa: N812 - the usual name

from ember.metric import Metric
from ember_metrics import (
    Accuracy,
    Average,
    EpochMetric,
    GeometricAverage,
    Loss,
    MetricGroup,
    Precision,
    VariableAccumulation,
)

__all__ = ["CASES", "metric_group"]

SEED = 20261204
SIZES = (5, 3, 6, 4, 2)  # five batches of unequal sizes: rank 0 gets 13 samples, rank 1 gets 7


def _generator(offset: int) -> torch.Generator:
    return torch.Generator().manual_seed(SEED + offset)


def _split(*tensors: torch.Tensor) -> list[Any]:
    return list(zip(*(t.split(list(SIZES)) for t in tensors), strict=True))


def _logits_and_labels(offset: int, num_classes: int = 4) -> list[Any]:
    g = _generator(offset)
    logits = torch.randn(sum(SIZES), num_classes, generator=g, dtype=torch.float64)
    labels = torch.randint(0, num_classes, (sum(SIZES),), generator=g)
    return _split(logits, labels)


def _values(offset: int, width: int, positive: bool = False) -> list[torch.Tensor]:
    """Batches of ``(N, width)`` values (0-d tensors, one per update, when ``width`` is 0)."""
    g = _generator(offset)
    if width == 0:
        values = torch.rand(len(SIZES) * 2, generator=g, dtype=torch.float64) * 10
        values = values + 0.1 if positive else values - 5
        return list(values.unbind())
    values = torch.rand(sum(SIZES), width, generator=g, dtype=torch.float64) * 10
    values = values + 0.1 if positive else values - 5
    return list(values.split(list(SIZES)))


def _regression_pairs(offset: int, trailing: tuple[int, ...] = ()) -> list[Any]:
    g = _generator(offset)
    y = torch.randn(sum(SIZES), *trailing, generator=g)
    y_pred = y + 0.5 * torch.randn(y.shape, generator=g)
    return _split(y_pred, y)


def metric_group() -> MetricGroup:
    """Accuracy, macro Precision and cross-entropy Loss, updated together."""
    return MetricGroup(
        {
            "accuracy": Accuracy(),
            "precision": Precision(average="macro"),
            "loss": Loss(F.cross_entropy),
        }
    )


Case = tuple[Callable[[], Metric], list[Any]]

CASES: dict[str, Case | None] = {
    "loss": (functools.partial(Loss, F.cross_entropy), _logits_and_labels(1)),
    "loss[criterion_kwargs]": (
        functools.partial(Loss, F.cross_entropy),
        [(*batch, {"label_smoothing": 0.1}) for batch in _logits_and_labels(2, 3)],
    ),
    "average": (Average, _values(3, 3)),
    "average[0-d]": (Average, _values(4, 0)),
    "average[numbers]": (Average, [float(v) for v in _values(5, 0)]),
    "geometric_average": (GeometricAverage, _values(6, 2, positive=True)),
    "geometric_average[0-d]": (GeometricAverage, _values(7, 0, positive=True)),
    "variable_accumulation": (
        functools.partial(VariableAccumulation, operator.add),
        _values(8, 0),
    ),
    "variable_accumulation[numbers]": (
        functools.partial(VariableAccumulation, operator.add),
        [float(v) for v in _values(9, 0)],
    ),
    # Throughput per second of wall-clock time: not deterministic, and twice as high by
    # definition when two processes share the batches (see the module docstring).
    "frequency": None,
    # A per-iteration moving average of values combined over processes: two processes make
    # half as many moves, of different values (see the module docstring).
    "running_average": None,
    "epoch_metric": (functools.partial(EpochMetric, F.l1_loss), _regression_pairs(10)),
    "epoch_metric[(N, 3)]": (
        functools.partial(EpochMetric, F.mse_loss),
        _regression_pairs(11, (3,)),
    ),
    "metric_group": (metric_group, _logits_and_labels(12)),
    # Needs an NVIDIA GPU and pynvml, absent here; it reports each process's own devices.
    "gpu_info": None,
}
