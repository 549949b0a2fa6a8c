"""Segmentation metrics built on :class:`~ember_metrics.ConfusionMatrix`: IoU, mIoU, Dice.

Import them from :mod:`ember_metrics`, which loads a module only when its metric is first used.
"""
