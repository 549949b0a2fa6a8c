"""The mean silhouette coefficient of a clustering."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ember_metrics.clustering._base import ClusteringMetric, Clusters
from ember_metrics.regression._base import identity

__all__ = ["SilhouetteScore"]

# Distances are computed for this many (row, example) pairs at a time, to bound memory.
_PAIRS_PER_CHUNK = 1 << 22


def _euclidean_silhouette(clusters: Clusters) -> torch.Tensor:
    features, index, counts = clusters.features, clusters.index, clusters.counts
    rows = max(1, _PAIRS_PER_CHUNK // clusters.size)
    scores = []
    for start in range(0, clusters.size, rows):
        distances = torch.cdist(features[start : start + rows], features)
        to_cluster = distances @ clusters.onehot  # summed distance to each cluster
        own = index[start : start + rows, None]
        own_count = counts[own].squeeze(1)
        a = to_cluster.gather(1, own).squeeze(1) / (own_count - 1).clamp(min=1)
        b = (to_cluster / counts).scatter(1, own, float("inf")).min(dim=1).values
        s = (b - a) / torch.maximum(a, b)
        # A singleton scores 0, and so do points whose a and b are both 0 (0/0).
        scores.append(torch.where(own_count > 1, s.nan_to_num(0.0), 0.0))
    return torch.cat(scores).mean()


class SilhouetteScore(ClusteringMetric):
    """Mean silhouette coefficient: ``mean_i (b_i - a_i) / max(a_i, b_i)``, between -1 and 1.

    ``a_i`` is the mean Euclidean distance from example ``i`` to the other members of its
    cluster, ``b_i`` the smallest mean distance to the members of another cluster; examples
    alone in their cluster score 0. Computed in torch in chunks, O(N^2) time.

    ``update`` takes ``(features, labels)``: ``features`` of shape ``(N, D)``, ``labels`` of shape
    ``(N,)``; every value is kept until ``compute``. NaN unless there are 2 to N-1 clusters.

    Args:
        output_transform: picks ``(features, labels)`` out of the engine's output.
        check_compute_fn: accepted for compatibility with Ignite; nothing to check here.
        device: where the values are kept.
        skip_unrolling: see :class:`ember.metric.Metric`.
        silhouette_kwargs: keyword arguments for ``sklearn.metrics.silhouette_score`` (for
            another ``metric``, or ``sample_size``); when given, scikit-learn computes the score
            (``pip install ember-metrics[sklearn]``).

    Example:
        >>> import torch
        >>> from ember_metrics import SilhouetteScore
        >>> metric = SilhouetteScore()
        >>> features = torch.tensor([[0.0, 0.0], [0.0, 1.0], [4.0, 0.0], [4.0, 1.0]])
        >>> metric.update((features, torch.tensor([0, 0, 1, 1])))
        >>> round(metric.compute(), 6)
        0.753789
    """

    def __init__(
        self,
        output_transform: Callable[[Any], Any] = identity,
        check_compute_fn: bool = True,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
        silhouette_kwargs: dict[str, Any] | None = None,
    ) -> None:
        if silhouette_kwargs is not None and not isinstance(silhouette_kwargs, dict):
            raise TypeError(
                f"SilhouetteScore: argument silhouette_kwargs should be a dict or None, got "
                f"{type(silhouette_kwargs).__name__}"
            )
        self._silhouette_kwargs = dict(silhouette_kwargs or {})
        if self._silhouette_kwargs:
            _sklearn_silhouette()  # fail at construction, not at the end of an epoch
        super().__init__(output_transform, check_compute_fn, device, skip_unrolling)

    def _score(self, clusters: Clusters) -> float:
        if not self._silhouette_kwargs:
            return float(_euclidean_silhouette(clusters).item())
        score = _sklearn_silhouette()(
            clusters.features.cpu().numpy(),
            clusters.index.cpu().numpy(),
            **self._silhouette_kwargs,
        )
        return float(score)


def _sklearn_silhouette() -> Callable[..., float]:
    try:
        from sklearn.metrics import silhouette_score
    except ImportError:
        raise ImportError(
            "SilhouetteScore: silhouette_kwargs needs scikit-learn; "
            "pip install ember-metrics[sklearn]"
        ) from None
    return silhouette_score  # type: ignore[no-any-return]
