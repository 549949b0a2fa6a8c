"""Fairness metrics: a metric per group of samples, and the gaps between groups.

``SubgroupMetric`` and ``SubgroupDifference`` wrap any metric; ``SubgroupAccuracyDifference``,
``SelectionRate`` and ``DemographicParityDifference`` count per group on the device. Their
``update`` takes ``(y_pred, y, group_labels)``, as in PyTorch-Ignite's
``ignite.metrics.fairness``. Import the classes from :mod:`ember_metrics` (``from ember_metrics
import SubgroupMetric``); this package imports nothing until one of its modules is used.
"""
