"""Two-process synchronisation cases of the generative metrics (FID, Inception Score).

``CASES`` maps each registry name (plus a non-default configuration, ``name[config]``) to
``(factory, batches)`` for ``ember.testing.check_metric(..., distributed=True)`` /
``check_metrics_distributed``: rank ``r`` of two processes updates with ``batches[r::2]`` and
must compute the value one process computes over every batch. Factories are classes or
``functools.partial`` of them, or module-level functions of this module (importable as
``sync_cases_generative.<name>`` by the spawned processes). Batch sizes differ and the batch
count is odd, so the two ranks hold different numbers of samples.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import torch

from ember.metric import Metric
from ember_metrics import FID, InceptionScore

__all__ = ["CASES", "fid_of_a_linear_projection", "inception_score_of_a_softmax_classifier"]

SEED = 20261128
SIZES = (3, 5, 2, 4, 6)


def _generator(offset: int) -> torch.Generator:
    return torch.Generator().manual_seed(SEED + offset)


def _feature_batches(num_features: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    generator = _generator(num_features)
    return [
        (
            torch.randn(size, num_features, generator=generator) * 1.5 + 0.5,
            torch.randn(size, num_features, generator=generator),
        )
        for size in SIZES
    ]


def _probability_batches(num_classes: int) -> list[torch.Tensor]:
    generator = _generator(100 + num_classes)
    return [
        torch.softmax(2 * torch.randn(size, num_classes, generator=generator), dim=1)
        for size in SIZES
    ]


def fid_of_a_linear_projection() -> FID:
    """FID of 6-value samples seen through a fixed random linear map to 3 features."""
    torch.manual_seed(SEED)  # the same weights in every process
    return FID(num_features=3, feature_extractor=torch.nn.Linear(6, 3))


def inception_score_of_a_softmax_classifier() -> InceptionScore:
    """Inception Score of 6-value samples through a fixed random linear classifier + softmax."""
    torch.manual_seed(SEED)
    classifier = torch.nn.Sequential(torch.nn.Linear(6, 4), torch.nn.Softmax(dim=1))
    return InceptionScore(num_features=4, feature_extractor=classifier)


CASES: dict[str, tuple[Callable[[], Metric], list[Any]]] = {
    "fid": (functools.partial(FID, num_features=4), _feature_batches(4)),
    "fid[linear_extractor]": (fid_of_a_linear_projection, _feature_batches(6)),
    "inception_score": (
        functools.partial(InceptionScore, num_features=5),
        _probability_batches(5),
    ),
    "inception_score[classifier]": (
        inception_score_of_a_softmax_classifier,
        [features for features, _ in _feature_batches(6)],
    ),
}
