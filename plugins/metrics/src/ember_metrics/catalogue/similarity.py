"""Similarity and information metrics: registry name -> (class, module, summary)."""

from __future__ import annotations

_INFORMATION = "ember_metrics.similarity.information"
_DIVERGENCES = "ember_metrics.similarity.divergences"

ENTRIES: dict[str, tuple[str, str, str]] = {
    "cosine_similarity": (
        "CosineSimilarity",
        "ember_metrics.similarity.cosine_similarity",
        "Mean cosine similarity between predicted and target vectors.",
    ),
    "entropy": ("Entropy", _INFORMATION, "Mean entropy of the predicted class distributions."),
    "mutual_information": (
        "MutualInformation",
        _INFORMATION,
        "Mutual information between inputs and predicted classes.",
    ),
    "kl_divergence": (
        "KLDivergence",
        _DIVERGENCES,
        "Mean Kullback-Leibler divergence of target from predicted distributions.",
    ),
    "js_divergence": (
        "JSDivergence",
        _DIVERGENCES,
        "Mean Jensen-Shannon divergence between predicted and target distributions.",
    ),
    "hsic": (
        "HSIC",
        "ember_metrics.similarity.hsic",
        "Hilbert-Schmidt Independence Criterion, averaged over batches.",
    ),
    "maximum_mean_discrepancy": (
        "MaximumMeanDiscrepancy",
        "ember_metrics.similarity.maximum_mean_discrepancy",
        "Maximum Mean Discrepancy with a Gaussian kernel, over batches.",
    ),
}
