"""Ranking (recommender-system) metrics: hit rate and NDCG at several cut-offs ``k``.

Import the classes from :mod:`ember_metrics` (``from ember_metrics import NDCG``); this package
imports nothing until one of its modules is used.
"""
