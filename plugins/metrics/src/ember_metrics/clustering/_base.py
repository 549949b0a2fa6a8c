"""What the clustering metrics share: every ``(features, labels)`` is kept until ``compute``.

The scores compare every example with every cluster, so, like Ignite (whose clustering metrics
are EpochMetrics), all features and labels are stored on the metric's device and, in a
distributed run, gathered from every process at ``compute``. The scores are computed in torch
(float64, or float32 on MPS); scikit-learn is not needed.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from typing import Any

import torch

from ember.exceptions import NotComputableError
from ember.metric import reinit__is_reduced, sync_all_reduce
from ember.metric.reduction import get_collective_hooks
from ember_metrics.regression._base import identity
from ember_metrics.regression._checks import (
    CheckedMetric,
    ValueCheck,
    check_real,
    describe_shape,
    unpack_pair,
)

__all__ = ["ClusteringMetric", "Clusters"]


def _gathered(parts: list[torch.Tensor], device: torch.device) -> torch.Tensor:
    """This process's batches joined, after those of lower ranks when distributed.

    A process without batches adds nothing, but still takes part in the gather, so that the
    others do not wait for it; at least one process has batches when this is called.
    """
    local = torch.cat(parts) if parts else None
    hooks = get_collective_hooks()
    gathered = hooks.all_gather(local) if hooks.get_world_size() > 1 else [local]
    return torch.cat([part.to(device) for part in gathered if part is not None])


class Clusters:
    """Features with their clusters numbered ``0 .. k-1``, and per-cluster sizes and centroids."""

    def __init__(self, features: torch.Tensor, labels: torch.Tensor) -> None:
        self.features = features
        _, self.index = torch.unique(labels, return_inverse=True)
        self.size = features.shape[0]
        self.counts = torch.bincount(self.index).to(features.dtype)
        self.k = self.counts.numel()
        self.onehot = torch.nn.functional.one_hot(self.index, self.k).to(features.dtype)
        self.centroids = (self.onehot.T @ features) / self.counts[:, None]


class ClusteringMetric(CheckedMetric):
    """Keeps ``(features, labels)`` and scores the clustering at ``compute`` with ``_score``.

    ``update`` takes ``features`` of shape ``(N, D)`` and ``labels`` of shape ``(N,)`` (any
    values: cluster ids need not be contiguous); an engine output that is a mapping provides them
    under the keys ``"features"`` and ``"labels"``. As in Ignite, the score is NaN unless the
    number of clusters is between 2 and ``N - 1``.
    """

    required_output_keys = ("features", "labels")
    _value_checks = (ValueCheck("features", "NaN", "numbers, not NaN"),)
    _state_dict_all_req_keys = ("_features", "_labels", "_num_examples", "_num_invalid")

    def __init__(
        self,
        output_transform: Callable[[Any], Any] = identity,
        check_compute_fn: bool = True,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        # check_compute_fn is accepted for compatibility with Ignite, where it tries
        # scikit-learn on the first batch; the scores here are computed in torch.
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every batch."""
        self._features: list[torch.Tensor] = []
        self._labels: list[torch.Tensor] = []
        self._num_examples = 0
        self._reset_invalid()

    @reinit__is_reduced
    def update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        """Add one batch ``(features, labels)``."""
        cls = type(self).__name__
        features, labels = unpack_pair(cls, output, names=("features", "labels"))
        check_real(cls, "features", features)
        if features.ndim != 2:
            raise ValueError(
                f"{cls}.update: features has shape {describe_shape(features)}; expected (N, D)"
            )
        if labels.ndim != 1 or labels.shape[0] != features.shape[0]:
            raise ValueError(
                f"{cls}.update: labels has shape {describe_shape(labels)} but features has "
                f"shape {describe_shape(features)}; expected labels of shape "
                f"({features.shape[0]},), one cluster label per row of features"
            )
        if labels.is_complex():
            raise TypeError(
                f"{cls}.update: labels has dtype {labels.dtype}; expected integer cluster labels"
            )
        self._record_invalid([torch.isnan(features).sum()])
        # Copies: the caller may reuse its buffers for the next batch.
        self._features.append(features.to(self._device, copy=True))
        self._labels.append(labels.to(self._device, copy=True))
        self._num_examples += features.shape[0]

    @sync_all_reduce("_num_examples", "_num_invalid")
    def compute(self) -> float:
        """The score of every example since the last reset."""
        if self._num_examples == 0:
            raise NotComputableError(
                f"{type(self).__name__} must have at least one example before it can be computed"
            )
        self._raise_if_invalid()
        features = _gathered(self._features, self._device).to(self._double_dtype)
        labels = _gathered(self._labels, self._device)
        clusters = Clusters(features, labels)
        if not 2 <= clusters.k < clusters.size:
            return float("nan")
        return self._score(clusters)

    @abstractmethod
    def _score(self, clusters: Clusters) -> float:
        """The score of a clustering with 2 to N-1 clusters."""
