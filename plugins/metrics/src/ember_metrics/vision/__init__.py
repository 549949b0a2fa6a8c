"""Image quality metrics: peak signal-to-noise ratio (PSNR) and structural similarity (SSIM).

Import the classes from :mod:`ember_metrics` (``from ember_metrics import SSIM``); this package
imports nothing until one of its modules is used.
"""
