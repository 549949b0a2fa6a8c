"""Metrics of generative models: Fréchet Inception Distance and Inception Score.

Import the classes from :mod:`ember_metrics` (``from ember_metrics import FID``); this package
imports nothing until one of its modules is used. Both metrics read features (or class
probabilities) that a feature extractor supplied by the user computes: ember never downloads
model weights.
"""
