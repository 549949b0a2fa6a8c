"""Fairness metrics: registry name -> (class, module, summary)."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str, str]] = {
    "subgroup_metric": (
        "SubgroupMetric",
        "ember_metrics.fairness.subgroup_metric",
        "Any metric computed separately for each group of samples: {group: value}.",
    ),
    "subgroup_difference": (
        "SubgroupDifference",
        "ember_metrics.fairness.subgroup_difference",
        "Largest difference of a metric's value between two groups of samples.",
    ),
    "subgroup_accuracy_difference": (
        "SubgroupAccuracyDifference",
        "ember_metrics.fairness.subgroup_accuracy_difference",
        "Largest difference in accuracy between two groups of samples.",
    ),
    "demographic_parity_difference": (
        "DemographicParityDifference",
        "ember_metrics.fairness.demographic_parity_difference",
        "Largest difference in selection rate (share of positive predictions) between groups.",
    ),
    "selection_rate": (
        "SelectionRate",
        "ember_metrics.fairness.selection_rate",
        "Share of predictions selecting each class or label, overall or per group.",
    ),
}
