"""Natural-language metrics: BLEU, ROUGE-N/-L, character error rate and perplexity.

Import the classes from :mod:`ember_metrics` (``from ember_metrics import Bleu``); this package
imports nothing until one of its modules is used.
"""
