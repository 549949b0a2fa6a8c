"""Two-process synchronisation cases of the similarity and information metrics.

``CASES`` maps each registry name (plus a few non-default configurations, ``name[config]``) to
``(factory, batches)`` for ``ember.testing.check_metric(..., distributed=True)`` /
``check_metrics_distributed``: rank ``r`` of two processes updates with ``batches[r::2]`` and
must compute the value one process computes over every batch. Batch sizes differ and the
batch count is odd, so the two ranks hold different numbers of samples. HSIC and
MaximumMeanDiscrepancy average per-batch estimates, so they stay equal when each rank holds
whole batches.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import torch

from ember.metric import Metric
from ember_metrics import (
    HSIC,
    CosineSimilarity,
    Entropy,
    JSDivergence,
    KLDivergence,
    MaximumMeanDiscrepancy,
    MutualInformation,
)

__all__ = ["CASES"]

SEED = 20261201
SIZES = (6, 4, 7, 5, 4)  # rank 0 gets 17 samples in 3 batches, rank 1 gets 9 in 2


def _generator(offset: int) -> torch.Generator:
    return torch.Generator().manual_seed(SEED + offset)


def _split(tensors: Sequence[torch.Tensor], sizes: Sequence[int] = SIZES) -> list[Any]:
    return list(zip(*(t.split(list(sizes)) for t in tensors), strict=True))


def _vectors(offset: int, trailing: tuple[int, ...], shift: float = 0.0) -> list[Any]:
    """Pairs of ``(N, *trailing)`` vectors, the second correlated with the first."""
    g = _generator(offset)
    x = torch.randn(sum(SIZES), *trailing, generator=g, dtype=torch.float64)
    y = 0.5 * x + torch.randn(x.shape, generator=g, dtype=torch.float64) + shift
    return _split((x, y))


def _logits_and_labels(offset: int, num_classes: int) -> list[Any]:
    g = _generator(offset)
    logits = 3 * torch.randn(sum(SIZES), num_classes, generator=g)
    labels = torch.randint(0, num_classes, (sum(SIZES),), generator=g)
    return _split((logits, labels))


def _features(offset: int) -> list[Any]:
    """HSIC input, with one batch of three examples, which HSIC skips by default."""
    g = _generator(offset)
    sizes = (*SIZES, 3)
    x = torch.randn(sum(sizes), 3, generator=g, dtype=torch.float64)
    y = x[:, :2] ** 2 + 0.3 * torch.randn(sum(sizes), 2, generator=g, dtype=torch.float64)
    return _split((x, y), sizes)


Case = tuple[Callable[[], Metric], list[Any]]

CASES: dict[str, Case] = {
    "cosine_similarity": (CosineSimilarity, _vectors(1, (5,))),
    "cosine_similarity[(N, 2, 3)]": (CosineSimilarity, _vectors(2, (2, 3))),
    "entropy": (Entropy, _logits_and_labels(3, 4)),
    "mutual_information": (MutualInformation, _logits_and_labels(4, 4)),
    "kl_divergence": (KLDivergence, _vectors(5, (3,))),
    "js_divergence": (JSDivergence, _vectors(6, (3,))),
    "hsic": (HSIC, _features(7)),
    "hsic[sigma_x=0.5,sigma_y=1]": (
        functools.partial(HSIC, sigma_x=0.5, sigma_y=1.0),
        _features(8),
    ),
    "maximum_mean_discrepancy": (MaximumMeanDiscrepancy, _vectors(9, (2,), shift=1.0)),
    "maximum_mean_discrepancy[var=4]": (
        functools.partial(MaximumMeanDiscrepancy, var=4.0),
        _vectors(10, (3,), shift=0.5),
    ),
}
