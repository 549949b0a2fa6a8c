"""Peak signal-to-noise ratio: ``10 log10(data_range^2 / MSE)`` per image, in decibels."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ember.metric import reinit__is_reduced
from ember_metrics.regression._base import identity
from ember_metrics.regression._checks import describe_shape
from ember_metrics.vision._checks import ImageQualityMetric

__all__ = ["PSNR"]

_EPSILON = 1e-10
"""Added to the MSE, as Ignite 0.5.5 does: identical images score a finite value."""


class PSNR(ImageQualityMetric):
    """Peak signal-to-noise ratio in decibels, averaged over images.

    For each image, ``PSNR = 10 * log10(data_range**2 / (MSE + 1e-10))`` where ``MSE`` is the
    mean squared difference between ``y_pred`` and ``y`` over all of the image's values
    (channels and pixels). The ``1e-10`` keeps identical images finite
    (``10 * log10(data_range**2) + 100`` dB), as in Ignite 0.5.5. ``compute`` returns the mean
    over every image.

    ``update`` takes ``(y_pred, y)`` of the same shape ``(N, ...)`` and dtype: ``N`` images of
    any shape, for example ``(N, C, H, W)``, or ``(N, H, W)`` for a single channel. Integer
    images are accepted; differences are taken in float64.

    Args:
        data_range: the range of the target image's values (maximum minus minimum possible),
            for example ``1.0`` or ``255``.
        output_transform: picks ``(y_pred, y)`` out of the engine's output.
        device: where the sums are kept.
        skip_unrolling: see :class:`ember.metric.Metric`.

    Example:
        >>> import torch
        >>> from ember_metrics import PSNR
        >>> metric = PSNR(data_range=1.0)
        >>> y = torch.full((2, 1, 4, 4), 0.5)
        >>> y_pred = y + torch.tensor([0.1, 0.01]).view(2, 1, 1, 1)  # MSE 1e-2 and 1e-4
        >>> metric.update((y_pred, y))
        >>> round(metric.compute(), 4)  # the mean of 20 dB and 40 dB
        30.0
    """

    def __init__(
        self,
        data_range: float,
        output_transform: Callable[[Any], Any] = identity,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(data_range, output_transform, device, skip_unrolling)

    def _check_shape(self, y_pred: torch.Tensor) -> None:
        if y_pred.ndim < 2 or y_pred.shape[1:].numel() == 0:
            raise ValueError(
                f"PSNR.update: y_pred has shape {describe_shape(y_pred)}; expected (N, ...) with "
                f"at least one value per image, for example (N, C, H, W)"
            )

    @reinit__is_reduced
    def update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        """Add one batch ``(y_pred, y)`` of ``N`` images."""
        y_pred, y = self._checked_images(output)
        difference = y_pred.to(self._double_dtype) - y.to(self._double_dtype)
        mse = difference.square().flatten(1).mean(dim=1)
        self._add(10.0 * torch.log10(self.data_range**2 / (mse + _EPSILON)))
