"""Similarity and information metrics: cosine similarity, entropy, divergences, HSIC, MMD.

Import the classes from :mod:`ember_metrics` (``from ember_metrics import KLDivergence``); this
package imports nothing until one of its modules is used.
"""
