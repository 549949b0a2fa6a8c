"""Generic metrics: loss, averages, accumulations, running averages, epoch-wide metrics.

Import them from :mod:`ember_metrics`, which loads a module only when its metric is first used.
"""
