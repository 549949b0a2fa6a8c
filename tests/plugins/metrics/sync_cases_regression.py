"""Two-process synchronisation cases of the regression metrics.

``CASES`` maps each registry name (plus a few non-default configurations, ``name[config]``) to
``(factory, batches)`` for ``ember.testing.check_metric(..., distributed=True)`` /
``check_metrics_distributed``: rank ``r`` of two processes updates with ``batches[r::2]`` and
must compute the value one process computes over every batch. Batch sizes differ and the
batch count is odd, so the two ranks hold different numbers of samples.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import torch

from ember.metric import Metric
from ember_metrics import (
    CanberraMetric,
    FractionalAbsoluteError,
    FractionalBias,
    GeometricMeanAbsoluteError,
    GeometricMeanRelativeAbsoluteError,
    KendallRankCorrelation,
    ManhattanDistance,
    MaximumAbsoluteError,
    MeanAbsoluteError,
    MeanAbsoluteRelativeError,
    MeanError,
    MeanNormalizedBias,
    MeanPairwiseDistance,
    MeanSquaredError,
    MedianAbsoluteError,
    MedianAbsolutePercentageError,
    MedianRelativeAbsoluteError,
    PearsonCorrelation,
    R2Score,
    RootMeanSquaredError,
    SpearmanRankCorrelation,
    WaveHedgesDistance,
)

__all__ = ["CASES"]

SEED = 20261129
SIZES = (5, 3, 6, 4, 2)  # five batches of unequal sizes: rank 0 gets 13 samples, rank 1 gets 7


def _pairs(
    offset: int, trailing: tuple[int, ...] = (), positive: bool = False, ties: bool = False
) -> list[Any]:
    """``(y_pred, y)`` batches; positive values for the relative errors, few values for ties."""
    g = torch.Generator().manual_seed(SEED + offset)
    shape = (sum(SIZES), *trailing)
    if ties:
        y = torch.randint(0, 4, shape, generator=g).float()
        y_pred = y + torch.randint(-1, 2, shape, generator=g).float()
    elif positive:
        y = torch.rand(shape, generator=g) + 0.5
        y_pred = torch.rand(shape, generator=g) + 0.5
    else:
        y = torch.randn(shape, generator=g)
        y_pred = y + 0.5 * torch.randn(shape, generator=g)
    return list(zip(y_pred.split(list(SIZES)), y.split(list(SIZES)), strict=True))


Case = tuple[Callable[[], Metric], list[Any]]

CASES: dict[str, Case] = {
    "mean_absolute_error": (MeanAbsoluteError, _pairs(1)),
    "mean_absolute_error[(N, 3)]": (MeanAbsoluteError, _pairs(2, (3,))),
    "mean_squared_error": (MeanSquaredError, _pairs(3, (2,))),
    "root_mean_squared_error": (RootMeanSquaredError, _pairs(4)),
    "mean_error": (MeanError, _pairs(5)),
    "maximum_absolute_error": (MaximumAbsoluteError, _pairs(6)),
    "geometric_mean_absolute_error": (GeometricMeanAbsoluteError, _pairs(7)),
    "mean_absolute_relative_error": (MeanAbsoluteRelativeError, _pairs(8, positive=True)),
    "mean_normalized_bias": (MeanNormalizedBias, _pairs(9, positive=True)),
    "fractional_absolute_error": (FractionalAbsoluteError, _pairs(10, positive=True)),
    "fractional_bias": (FractionalBias, _pairs(11, positive=True)),
    "manhattan_distance": (ManhattanDistance, _pairs(12)),
    "canberra_metric": (CanberraMetric, _pairs(13, positive=True)),
    "wave_hedges_distance": (WaveHedgesDistance, _pairs(14, positive=True)),
    "mean_pairwise_distance": (MeanPairwiseDistance, _pairs(15, (4,))),
    "mean_pairwise_distance[p=1]": (
        functools.partial(MeanPairwiseDistance, p=1, eps=0.0),
        _pairs(16, (3,)),
    ),
    "median_absolute_error": (MedianAbsoluteError, _pairs(17)),
    "median_absolute_percentage_error": (MedianAbsolutePercentageError, _pairs(18, positive=True)),
    "median_relative_absolute_error": (MedianRelativeAbsoluteError, _pairs(19)),
    "geometric_mean_relative_absolute_error": (GeometricMeanRelativeAbsoluteError, _pairs(20)),
    "pearson_correlation": (PearsonCorrelation, _pairs(21)),
    "r2_score": (R2Score, _pairs(22)),
    "spearman_rank_correlation": (SpearmanRankCorrelation, _pairs(23, ties=True)),
    "kendall_rank_correlation": (KendallRankCorrelation, _pairs(24, ties=True)),
    "kendall_rank_correlation[c]": (
        functools.partial(KendallRankCorrelation, variant="c"),
        _pairs(25, ties=True),
    ),
}
