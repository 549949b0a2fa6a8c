"""Classification metrics: accuracy, precision and recall, confusion matrices, curves.

Each metric lives in its own module; import them from :mod:`ember_metrics`, which loads a
module only when its metric is first used.
"""
