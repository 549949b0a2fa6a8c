"""Ranking metrics: registry name -> (class, module, summary)."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str, str]] = {
    "hit_rate": (
        "HitRate",
        "ember_metrics.ranking.hit_rate",
        "Share of queries with a relevant item among the k best-scored, per k.",
    ),
    "ndcg": (
        "NDCG",
        "ember_metrics.ranking.ndcg",
        "Normalized Discounted Cumulative Gain at k, per k.",
    ),
}
