"""Object-detection metrics: COCO-style average precision and recall of boxes, and the mean
average precision of scored classification predictions.

Import the classes from :mod:`ember_metrics` (``from ember_metrics import
CommonObjectDetectionMetrics``); this package imports nothing until one of its modules is used.
"""
