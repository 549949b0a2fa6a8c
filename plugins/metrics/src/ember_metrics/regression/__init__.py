"""Regression metrics: errors, distances, correlations and R² between ``y_pred`` and ``y``.

Import the classes from :mod:`ember_metrics` (``from ember_metrics import MeanAbsoluteError``);
this package imports nothing until one of its modules is used.
"""
