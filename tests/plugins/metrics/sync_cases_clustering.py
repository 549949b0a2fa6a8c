"""Two-process synchronisation cases of the clustering metrics.

``CASES`` maps each registry name (plus a non-default configuration, ``name[config]``) to
``(factory, batches)`` for ``ember.testing.check_metric(..., distributed=True)`` /
``check_metrics_distributed``: rank ``r`` of two processes updates with ``batches[r::2]`` and
must compute the value one process computes over every batch. The metrics keep every value and
gather them at ``compute``; batch sizes differ and the batch count is odd, so the two ranks hold
different numbers of samples, and one cluster's points are all on one rank.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import torch

from ember.metric import Metric
from ember_metrics import CalinskiHarabaszScore, DaviesBouldinScore, SilhouetteScore

__all__ = ["CASES"]

SEED = 20261202
SIZES = (7, 5, 6, 4, 8)  # rank 0 gets 21 samples, rank 1 gets 9


def _clusters(offset: int, num_clusters: int = 3, width: int = 2) -> list[Any]:
    """Features ``(N, width)`` around ``num_clusters`` centres, and their cluster labels."""
    g = torch.Generator().manual_seed(SEED + offset)
    n = sum(SIZES)
    labels = torch.randint(0, num_clusters - 1, (n,), generator=g)
    labels[-SIZES[-1] :] = num_clusters - 1  # the last cluster only in the last batch (rank 0)
    features = torch.randn(n, width, generator=g) + 3 * labels[:, None].float()
    return list(zip(features.split(list(SIZES)), labels.split(list(SIZES)), strict=True))


Case = tuple[Callable[[], Metric], list[Any]]

CASES: dict[str, Case] = {
    "silhouette_score": (SilhouetteScore, _clusters(1)),
    "silhouette_score[sklearn manhattan]": (
        functools.partial(SilhouetteScore, silhouette_kwargs={"metric": "manhattan"}),
        _clusters(2, 4, 3),
    ),
    "davies_bouldin_score": (DaviesBouldinScore, _clusters(3, 4)),
    "calinski_harabasz_score": (CalinskiHarabaszScore, _clusters(4, 3, 3)),
}
