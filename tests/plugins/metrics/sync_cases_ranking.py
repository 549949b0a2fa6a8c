"""Two-process synchronisation cases of the ranking metrics.

``CASES`` maps each registry name (plus a few non-default configurations, ``name[config]``) to
``(factory, batches)`` for ``ember.testing.check_metric(..., distributed=True)`` /
``check_metrics_distributed``: rank ``r`` of two processes updates with ``batches[r::2]`` and
must compute the value one process computes over every batch. Batch sizes differ and the batch
count is odd, so the two ranks hold different numbers of queries; some queries have no relevant
item, so that skipped queries are counted alike on both ranks.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import torch

from ember.metric import Metric
from ember_metrics import NDCG, HitRate

__all__ = ["CASES"]

SEED = 20261203
SIZES = (5, 3, 6, 4, 2)  # queries per batch: rank 0 gets 13, rank 1 gets 7
NUM_ITEMS = 6


def _queries(offset: int, graded: bool = False, tied: bool = False) -> list[Any]:
    """Scores ``(N, items)`` and binary or graded relevance; a few queries without hits."""
    g = torch.Generator().manual_seed(SEED + offset)
    n = sum(SIZES)
    if tied:
        scores = torch.randint(0, 3, (n, NUM_ITEMS), generator=g).float()
    else:
        scores = torch.rand(n, NUM_ITEMS, generator=g)
    if graded:
        relevance = torch.randint(0, 4, (n, NUM_ITEMS), generator=g).float()
    else:
        relevance = (torch.rand(n, NUM_ITEMS, generator=g) > 0.7).long()
    relevance[::4] = 0  # queries without any relevant item
    return list(zip(scores.split(list(SIZES)), relevance.split(list(SIZES)), strict=True))


Case = tuple[Callable[[], Metric], list[Any]]

CASES: dict[str, Case] = {
    "hit_rate": (functools.partial(HitRate, top_k=[1, 3]), _queries(1)),
    "hit_rate[count zero hits]": (
        functools.partial(HitRate, top_k=2, ignore_zero_hits=False),
        _queries(2),
    ),
    "ndcg": (functools.partial(NDCG, [2, 4]), _queries(3, graded=True)),
    "ndcg[ties, linear gain]": (
        functools.partial(NDCG, [1, 3], exponential=False, ignore_ties=False),
        _queries(4, graded=True, tied=True),
    ),
    "ndcg[count zero hits]": (
        functools.partial(NDCG, 3, ignore_zero_hits=False),
        _queries(5),
    ),
}
