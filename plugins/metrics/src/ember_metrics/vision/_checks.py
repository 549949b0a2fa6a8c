"""What PSNR and SSIM share: checking ``(y_pred, y)`` and averaging one value per image.

Both metrics compare a batch of predicted images with the target images of the same shape and
dtype, compute one value per image, and report the mean over every image seen since the last
reset. Shapes and dtypes are checked in ``update``; NaN values are counted on the metric's
device and reported by ``compute``, so that ``update`` never waits for the device.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from collections.abc import Callable
from typing import Any

import torch

from ember.exceptions import NotComputableError
from ember.metric import reinit__is_reduced, sync_all_reduce
from ember_metrics.regression._checks import CheckedMetric, check_real, describe_shape, unpack_pair

__all__ = ["ImageQualityMetric", "check_positive"]


def check_positive(metric: str, name: str, value: object) -> float:
    """``value`` as a float if it is a finite number > 0; else a ValueError naming ``metric``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(f"{metric}: argument {name} should be a positive number, got {value!r}")
    return float(value)


class ImageQualityMetric(CheckedMetric):
    """Checks ``(y_pred, y)``; ``compute`` returns the mean of the values added per image.

    Subclasses describe the shapes they accept in :meth:`_check_shape` and add each batch's
    values per image with :meth:`_add`.
    """

    _state_dict_all_req_keys = ("_sum_of_values", "_num_examples", "_num_invalid")

    def __init__(
        self,
        data_range: float,
        output_transform: Callable[[Any], Any],
        device: str | torch.device,
        skip_unrolling: bool,
    ) -> None:
        self.data_range = check_positive(type(self).__name__, "data_range", data_range)
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every image."""
        self._sum_of_values = torch.zeros((), dtype=self._double_dtype, device=self._device)
        self._num_examples = 0
        self._reset_invalid()

    @abstractmethod
    def _check_shape(self, y_pred: torch.Tensor) -> None:
        """Raise ValueError if ``y_pred``'s shape (that of ``y`` too) is not accepted."""

    def _checked_images(self, output: Any) -> tuple[torch.Tensor, torch.Tensor]:
        cls = type(self).__name__
        y_pred, y = unpack_pair(cls, output)
        check_real(cls, "y_pred", y_pred)
        check_real(cls, "y", y)
        self._check_shape(y_pred)
        if y_pred.shape != y.shape:
            raise ValueError(
                f"{cls}.update: y_pred has shape {describe_shape(y_pred)} but y has shape "
                f"{describe_shape(y)}; expected y of the same shape as y_pred"
            )
        if y_pred.dtype != y.dtype:
            raise ValueError(
                f"{cls}.update: y_pred has dtype {y_pred.dtype} but y has dtype {y.dtype}; "
                f"expected the same dtype for both"
            )
        self._record_invalid([torch.isnan(y_pred).sum(), torch.isnan(y).sum()])
        return y_pred, y

    def _add(self, per_image: torch.Tensor) -> None:
        """Add the values of one batch, one per image (shape ``(N,)``)."""
        self._sum_of_values += per_image.sum().to(self._device, self._double_dtype)
        self._num_examples += per_image.shape[0]

    @sync_all_reduce("_sum_of_values", "_num_examples", "_num_invalid")
    def compute(self) -> float:
        """The mean over every image since the last reset."""
        if self._num_examples == 0:
            raise NotComputableError(
                f"{type(self).__name__} must have at least one image before it can be computed"
            )
        self._raise_if_invalid()
        return float((self._sum_of_values / self._num_examples).item())
