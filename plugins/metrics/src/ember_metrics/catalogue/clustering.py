"""Clustering metrics: registry name -> (class, module, summary)."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str, str]] = {
    "silhouette_score": (
        "SilhouetteScore",
        "ember_metrics.clustering.silhouette_score",
        "Mean silhouette coefficient of a clustering (keeps every value).",
    ),
    "davies_bouldin_score": (
        "DaviesBouldinScore",
        "ember_metrics.clustering.davies_bouldin_score",
        "Davies-Bouldin index of a clustering (keeps every value).",
    ),
    "calinski_harabasz_score": (
        "CalinskiHarabaszScore",
        "ember_metrics.clustering.calinski_harabasz_score",
        "Calinski-Harabasz index of a clustering (keeps every value).",
    ),
}
