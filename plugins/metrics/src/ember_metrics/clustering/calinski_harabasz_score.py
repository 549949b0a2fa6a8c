"""The Calinski-Harabasz index (variance ratio criterion) of a clustering."""

from __future__ import annotations

from ember_metrics.clustering._base import ClusteringMetric, Clusters

__all__ = ["CalinskiHarabaszScore"]


class CalinskiHarabaszScore(ClusteringMetric):
    """Calinski-Harabasz index: ``(B / (k - 1)) / (W / (N - k))``; higher is better.

    ``B = sum_j n_j |c_j - c|^2`` is the dispersion between the ``k`` cluster centroids ``c_j``
    and the overall mean ``c``, ``W = sum_i |x_i - c_{label(i)}|^2`` the dispersion within the
    clusters. As in scikit-learn, the index is 1 when ``W`` is 0.

    ``update`` takes ``(features, labels)``: ``features`` of shape ``(N, D)``, ``labels`` of shape
    ``(N,)``; every value is kept until ``compute``. NaN unless there are 2 to N-1 clusters.

    Args:
        output_transform: picks ``(features, labels)`` out of the engine's output.
        check_compute_fn: accepted for compatibility with Ignite; nothing to check here.
        device: where the values are kept.
        skip_unrolling: see :class:`ember.metric.Metric`.

    Example:
        >>> import torch
        >>> from ember_metrics import CalinskiHarabaszScore
        >>> metric = CalinskiHarabaszScore()
        >>> features = torch.tensor([[0.0, 0.0], [0.0, 1.0], [4.0, 0.0], [4.0, 1.0]])
        >>> metric.update((features, torch.tensor([0, 0, 1, 1])))
        >>> metric.compute()
        32.0
    """

    def _score(self, clusters: Clusters) -> float:
        mean = clusters.features.mean(dim=0)
        between = (clusters.counts * (clusters.centroids - mean).square().sum(dim=1)).sum()
        within = (clusters.features - clusters.centroids[clusters.index]).square().sum()
        if within == 0:
            return 1.0
        k, n = clusters.k, clusters.size
        return float((between * (n - k) / (within * (k - 1))).item())
