"""Structural similarity (SSIM) of 2-D images or 3-D volumes, averaged over images."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import torch
from torch.nn import functional

from ember.metric import reinit__is_reduced
from ember_metrics.regression._base import identity
from ember_metrics.regression._checks import describe_shape
from ember_metrics.vision._checks import ImageQualityMetric, check_positive

__all__ = ["SSIM"]

_T = TypeVar("_T")
_SPATIAL_AXES = {2: "H, W", 3: "D, H, W"}


def _resolve_ndims(ndims: int | None, kernel_size: object, sigma: object) -> int:
    """``ndims`` as given, else the length of a sequence ``kernel_size`` or ``sigma``, else 2."""
    if ndims is None:
        for value in (kernel_size, sigma):
            if isinstance(value, Sequence) and not isinstance(value, str):
                ndims = len(value)
                break
        else:
            ndims = 2
        if ndims not in _SPATIAL_AXES:
            raise ValueError(
                f"SSIM: arguments kernel_size and sigma should have 2 entries (images) or 3 "
                f"(volumes), got kernel_size={kernel_size!r}, sigma={sigma!r}"
            )
    elif isinstance(ndims, bool) or not isinstance(ndims, int) or ndims not in _SPATIAL_AXES:
        raise ValueError(f"SSIM: argument ndims should be 2 or 3, got {ndims!r}")
    return ndims


def _per_axis(name: str, value: _T | Sequence[_T], ndims: int) -> tuple[_T, ...]:
    """``value`` repeated for each spatial axis, or the sequence of ``ndims`` values given."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != ndims:
            raise ValueError(
                f"SSIM: argument {name} has {len(value)} entries, {tuple(value)!r}; expected "
                f"{ndims}, one per spatial axis ({_SPATIAL_AXES[ndims]}), for ndims={ndims}"
            )
        return tuple(value)
    return (value,) * ndims


def _kernel_sizes(kernel_size: int | Sequence[int], ndims: int) -> tuple[int, ...]:
    sizes = _per_axis("kernel_size", kernel_size, ndims)
    if any(isinstance(k, bool) or not isinstance(k, int) or k <= 0 or k % 2 == 0 for k in sizes):
        raise ValueError(
            f"SSIM: argument kernel_size should be an odd positive int or a sequence of "
            f"{ndims} of them, got {kernel_size!r}"
        )
    return sizes


def _sigmas(sigma: float | Sequence[float], ndims: int) -> tuple[float, ...]:
    sigmas = _per_axis("sigma", sigma, ndims)
    if any(
        isinstance(s, bool) or not isinstance(s, (int, float)) or not math.isfinite(s) or s <= 0
        for s in sigmas
    ):
        raise ValueError(
            f"SSIM: argument sigma should be a positive number or a sequence of {ndims} of "
            f"them, got {sigma!r}"
        )
    return tuple(float(s) for s in sigmas)


class SSIM(ImageQualityMetric):
    """Structural similarity index (SSIM), averaged over the pixels, channels and images.

    At each pixel, with local means ``mu``, variances ``var`` and covariance ``cov`` of ``y_pred``
    (``p``) and ``y`` (``t``) weighted by a window centred on the pixel::

        SSIM = (2 mu_p mu_t + c1) (2 cov + c2) / ((mu_p^2 + mu_t^2 + c1) (var_p + var_t + c2))

    where ``c1 = (k1 * data_range)^2`` and ``c2 = (k2 * data_range)^2``. The window is a
    Gaussian of standard deviation ``sigma`` sampled at the ``kernel_size`` integer offsets
    around the pixel and normalised to sum 1 (or, with ``gaussian=False``, equal weights over
    the ``kernel_size`` pixels); it is separable, one 1-D kernel per spatial axis. Images are
    extended by reflection (without repeating the edge pixel) by half a window on each side, so
    every pixel has a full window and counts in the mean. Variances are population variances.
    This is Ignite 0.5.5's definition; with the default window it equals scikit-image's
    ``structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False)``
    of the reflected images.

    ``update`` takes ``(y_pred, y)`` of the same shape and dtype: ``(N, C, H, W)`` images, or
    ``(N, C, D, H, W)`` volumes when ``ndims=3``. Each spatial size must be at least the
    kernel size along that axis. Integer inputs are converted to float32; float64 inputs are
    computed in float64, all others in float32.

    Args:
        data_range: the range of the images' values (maximum minus minimum possible), for
            example ``1.0`` or ``255``.
        kernel_size: the window's size: an odd positive int for every spatial axis, or one per
            axis in the order (H, W) or (D, H, W).
        sigma: the Gaussian's standard deviation: a positive number, or one per axis.
        k1: the luminance constant's factor (> 0).
        k2: the contrast constant's factor (> 0).
        gaussian: a Gaussian window (``True``) or equal weights (``False``).
        output_transform: picks ``(y_pred, y)`` out of the engine's output.
        device: where the sums are kept.
        skip_unrolling: see :class:`ember.metric.Metric`.
        ndims: 2 for images, 3 for volumes. By default, the number of entries of
            ``kernel_size`` or ``sigma`` when either is a sequence, else 2.

    Example:
        >>> import torch
        >>> from ember_metrics import SSIM
        >>> metric = SSIM(data_range=1.0, kernel_size=3, sigma=0.5)
        >>> y = torch.linspace(0, 1, 36).view(1, 1, 6, 6)
        >>> metric.update((y, y))
        >>> metric.compute()
        1.0
        >>> metric.update((y * 0.75, y))
        >>> round(metric.compute(), 4)  # the mean of 1.0 and the second image's SSIM
        0.9625
    """

    def __init__(
        self,
        data_range: float,
        kernel_size: int | Sequence[int] = 11,
        sigma: float | Sequence[float] = 1.5,
        k1: float = 0.01,
        k2: float = 0.03,
        gaussian: bool = True,
        output_transform: Callable[[Any], Any] = identity,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
        ndims: int | None = None,
    ) -> None:
        self.ndims = _resolve_ndims(ndims, kernel_size, sigma)
        self.kernel_size = _kernel_sizes(kernel_size, self.ndims)
        self.sigma = _sigmas(sigma, self.ndims)
        self.k1 = check_positive("SSIM", "k1", k1)
        self.k2 = check_positive("SSIM", "k2", k2)
        self.gaussian = bool(gaussian)
        range_ = check_positive("SSIM", "data_range", data_range)
        self.c1 = (self.k1 * range_) ** 2
        self.c2 = (self.k2 * range_) ** 2
        super().__init__(data_range, output_transform, device, skip_unrolling)

    def _check_shape(self, y_pred: torch.Tensor) -> None:
        axes = _SPATIAL_AXES[self.ndims]
        if y_pred.ndim != self.ndims + 2 or y_pred.shape[1] == 0:
            raise ValueError(
                f"SSIM.update: y_pred has shape {describe_shape(y_pred)}; expected (N, C, {axes})"
                f" with C >= 1, for ndims={self.ndims}"
            )
        if any(size < k for size, k in zip(y_pred.shape[2:], self.kernel_size, strict=True)):
            raise ValueError(
                f"SSIM.update: y_pred has shape {describe_shape(y_pred)}; expected each image "
                f"size ({axes}) to be at least the kernel_size {self.kernel_size}"
            )

    def _window(self, axis: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
        """The 1-D weights along ``axis``, built on ``device`` (no copy from the host)."""
        size = self.kernel_size[axis]
        if not self.gaussian:
            return torch.full((size,), 1.0 / size, dtype=dtype, device=device)
        offsets = torch.arange(size, dtype=dtype, device=device) - (size - 1) / 2
        weights = torch.exp(-0.5 * (offsets / self.sigma[axis]) ** 2)
        return weights / weights.sum()

    def _local_means(self, maps: torch.Tensor) -> torch.Tensor:
        """The window-weighted mean around every pixel of each channel of ``maps``."""
        padding: list[int] = []
        for size in reversed(self.kernel_size):  # functional.pad lists the last axis first
            padding += [(size - 1) // 2] * 2
        blurred = functional.pad(maps, padding, mode="reflect")
        convolve = functional.conv2d if self.ndims == 2 else functional.conv3d
        channels = maps.shape[1]
        # One 1-D pass per axis, each channel on its own (groups): the window is separable.
        for axis in range(self.ndims):
            shape = [1] * self.ndims
            shape[axis] = self.kernel_size[axis]
            window = self._window(axis, maps.dtype, maps.device)
            blurred = convolve(
                blurred, window.view(1, 1, *shape).expand(channels, 1, *shape), groups=channels
            )
        return blurred

    @reinit__is_reduced
    def update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        """Add one batch ``(y_pred, y)`` of ``N`` images (or volumes)."""
        y_pred, y = self._checked_images(output)
        if y.shape[0] == 0:
            return
        dtype = torch.float64 if y.dtype == torch.float64 else torch.float32
        spatial = tuple(range(2, 2 + self.ndims))
        pred, target = y_pred.to(dtype), y.to(dtype)
        # Variances and the covariance do not change when each image channel is shifted by a
        # constant, and E[x^2] - E[x]^2 loses fewer digits on centred values.
        pred_mean = pred.mean(dim=spatial, keepdim=True)
        target_mean = target.mean(dim=spatial, keepdim=True)
        p, t = pred - pred_mean, target - target_mean
        maps = torch.cat([p, t, p * p, t * t, p * t], dim=1)  # (N, 5 C, *spatial)
        mu_p, mu_t, mean_pp, mean_tt, mean_pt = self._local_means(maps).chunk(5, dim=1)
        var_p = mean_pp - mu_p * mu_p
        var_t = mean_tt - mu_t * mu_t
        cov = mean_pt - mu_p * mu_t
        mu_p, mu_t = mu_p + pred_mean, mu_t + target_mean
        ssim = ((2 * mu_p * mu_t + self.c1) * (2 * cov + self.c2)) / (
            (mu_p * mu_p + mu_t * mu_t + self.c1) * (var_p + var_t + self.c2)
        )
        self._add(ssim.flatten(1).to(self._double_dtype).mean(dim=1))
