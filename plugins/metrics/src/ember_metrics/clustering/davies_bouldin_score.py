"""The Davies-Bouldin index of a clustering."""

from __future__ import annotations

import torch

from ember_metrics.clustering._base import ClusteringMetric, Clusters

__all__ = ["DaviesBouldinScore"]


class DaviesBouldinScore(ClusteringMetric):
    """Davies-Bouldin index: ``mean_i max_{j != i} (s_i + s_j) / d(c_i, c_j)``; lower is better.

    ``s_i`` is the mean Euclidean distance of cluster ``i``'s members to its centroid ``c_i``,
    ``d`` the distance between centroids. As in scikit-learn, the index is 0 when every ``s_i``
    or every centroid distance is 0.

    ``update`` takes ``(features, labels)``: ``features`` of shape ``(N, D)``, ``labels`` of shape
    ``(N,)``; every value is kept until ``compute``. NaN unless there are 2 to N-1 clusters.

    Args:
        output_transform: picks ``(features, labels)`` out of the engine's output.
        check_compute_fn: accepted for compatibility with Ignite; nothing to check here.
        device: where the values are kept.
        skip_unrolling: see :class:`ember.metric.Metric`.

    Example:
        >>> import torch
        >>> from ember_metrics import DaviesBouldinScore
        >>> metric = DaviesBouldinScore()
        >>> features = torch.tensor([[0.0, 0.0], [0.0, 1.0], [4.0, 0.0], [4.0, 1.0]])
        >>> metric.update((features, torch.tensor([0, 0, 1, 1])))
        >>> metric.compute()
        0.25
    """

    def _score(self, clusters: Clusters) -> float:
        to_centroid = (clusters.features - clusters.centroids[clusters.index]).norm(dim=1)
        spread = torch.zeros_like(clusters.counts).index_add_(0, clusters.index, to_centroid)
        spread = spread / clusters.counts
        # k x k distances: computed directly, not from dot products, so equal centroids give 0.
        between = torch.cdist(
            clusters.centroids, clusters.centroids, compute_mode="donot_use_mm_for_euclid_dist"
        )
        if torch.allclose(spread, torch.zeros_like(spread)) or torch.allclose(
            between, torch.zeros_like(between)
        ):
            return 0.0
        between = between.masked_fill(between == 0, float("inf"))
        ratios = (spread[:, None] + spread[None, :]) / between
        return float(ratios.max(dim=1).values.mean().item())
