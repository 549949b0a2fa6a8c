"""Image quality metrics: registry name -> (class, module, summary)."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str, str]] = {
    "psnr": (
        "PSNR",
        "ember_metrics.vision.psnr",
        "Peak signal-to-noise ratio in dB, averaged over images.",
    ),
    "ssim": (
        "SSIM",
        "ember_metrics.vision.ssim",
        "Structural similarity of 2-D images or 3-D volumes, averaged over images.",
    ),
}
