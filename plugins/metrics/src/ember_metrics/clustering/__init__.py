"""Clustering metrics: silhouette, Davies-Bouldin and Calinski-Harabasz scores.

Import the classes from :mod:`ember_metrics` (``from ember_metrics import SilhouetteScore``);
this package imports nothing until one of its modules is used.
"""
