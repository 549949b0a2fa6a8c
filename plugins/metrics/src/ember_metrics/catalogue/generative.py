"""Metrics of generative models: registry name -> (class, module, summary)."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str, str]] = {
    "fid": (
        "FID",
        "ember_metrics.generative.fid",
        "Fréchet distance between the feature distributions of generated and real samples.",
    ),
    "inception_score": (
        "InceptionScore",
        "ember_metrics.generative.inception_score",
        "Inception Score: exp of the mean KL divergence of p(y|x) from p(y).",
    ),
}
