"""Fréchet Inception Distance between the features of generated and real samples."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ember.exceptions import NotComputableError
from ember.metric import reinit__is_reduced, sync_all_reduce
from ember_metrics.generative._features import FeatureExtractor, FeatureMetric
from ember_metrics.generative._matrix_sqrt import trace_sqrt_product
from ember_metrics.regression._base import identity
from ember_metrics.regression._checks import ValueCheck, describe_shape, unpack_pair

__all__ = ["FID"]


class FID(FeatureMetric):
    """Fréchet Inception Distance (Heusel et al., 2017) of generated samples ``y_pred`` from real
    samples ``y``.

    Both are mapped to features by ``feature_extractor``; with ``mu`` and ``S`` the mean and
    the (unbiased) covariance of each set of features, the value is the Fréchet distance of
    the two Gaussians ``N(mu, S)``::

        FID = |mu_1 - mu_2|^2 + Tr(S_1 + S_2 - 2 sqrt(S_1 S_2))

    ``update`` adds the features' sums and sums of outer products (float64, on ``device``), so
    the value depends neither on the batch split nor on the order of the samples; ``compute``
    takes the trace of the matrix square root with symmetric eigendecompositions in torch (no
    scipy needed). It is 0 for two identical sets of features.

    Args:
        num_features: the number of features ``feature_extractor`` returns per sample.
        feature_extractor: a ``torch.nn.Module`` (moved to ``device``) or callable mapping a
            batch of ``N`` samples to features of shape ``(N, num_features)``, run under
            ``torch.no_grad()``; for an Inception network, the 2048 values of its last pooling
            layer. ``None`` with ``num_features`` given means the inputs already are features,
            as in Ignite. Unlike Ignite, which then downloads a pretrained InceptionV3, both
            ``None`` is an error: ember never downloads weights.
        output_transform: picks ``(y_pred, y)`` out of the engine's output.
        device: where the network runs and the sums are kept.
        skip_unrolling: see :class:`ember.metric.Metric`.

    ``update`` takes ``(y_pred, y)``: batches of the same number ``N`` of generated and real
    samples (as Ignite requires), of any shape the feature extractor accepts.

    Example:
        >>> import torch
        >>> from ember_metrics import FID
        >>> metric = FID(num_features=2, feature_extractor=torch.nn.Identity())
        >>> real = torch.tensor([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0], [2.0, 2.0]])
        >>> metric.update((real + 1.0, real))  # the same spread, shifted by (1, 1)
        >>> round(metric.compute(), 6)
        2.0
    """

    _state_dict_all_req_keys = (
        "_generated_sum",
        "_generated_outer",
        "_real_sum",
        "_real_outer",
        "_num_examples",
        "_num_invalid",
    )
    _value_checks = (
        ValueCheck("y_pred", "NaN or infinite feature", "finite features"),
        ValueCheck("y", "NaN or infinite feature", "finite features"),
    )

    def __init__(
        self,
        num_features: int | None = None,
        feature_extractor: torch.nn.Module | FeatureExtractor | None = None,
        output_transform: Callable[[Any], Any] = identity,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(
            num_features,
            feature_extractor,
            output_transform=output_transform,
            device=device,
            skip_unrolling=skip_unrolling,
        )

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every sample."""
        vector, matrix = (self._num_features,), (self._num_features, self._num_features)
        options: dict[str, Any] = {"dtype": self._double_dtype, "device": self._device}
        self._generated_sum = torch.zeros(vector, **options)
        self._generated_outer = torch.zeros(matrix, **options)
        self._real_sum = torch.zeros(vector, **options)
        self._real_outer = torch.zeros(matrix, **options)
        self._num_examples = 0
        self._reset_invalid()

    @reinit__is_reduced
    def update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        """Add one batch ``(y_pred, y)`` of generated and real samples."""
        cls = type(self).__name__
        generated, real = unpack_pair(cls, output)
        if generated.ndim == 0 or real.ndim == 0 or generated.shape[0] != real.shape[0]:
            raise ValueError(
                f"{cls}.update: y_pred has shape {describe_shape(generated)} and y has shape "
                f"{describe_shape(real)}; expected batches of the same number N of generated "
                f"and real samples along dimension 0"
            )
        generated_features = self._extract("y_pred", generated)
        real_features = self._extract("y", real)
        self._record_invalid(
            [
                (~torch.isfinite(generated_features)).sum(),
                (~torch.isfinite(real_features)).sum(),
            ]
        )
        self._generated_sum += generated_features.sum(dim=0)
        self._generated_outer += generated_features.mT @ generated_features
        self._real_sum += real_features.sum(dim=0)
        self._real_outer += real_features.mT @ real_features
        self._num_examples += generated_features.shape[0]

    def _mean_and_covariance(
        self, total: torch.Tensor, outer: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        n = self._num_examples
        mean = total / n
        return mean, (outer - n * torch.outer(mean, mean)) / (n - 1)

    @sync_all_reduce(
        "_generated_sum",
        "_generated_outer",
        "_real_sum",
        "_real_outer",
        "_num_examples",
        "_num_invalid",
    )
    def compute(self) -> float:
        """The Fréchet distance between the generated and real features seen since reset."""
        if self._num_examples < 2:
            raise NotComputableError(
                f"{type(self).__name__} must have at least two samples before it can be "
                f"computed (a covariance needs two), got {self._num_examples}"
            )
        self._raise_if_invalid()
        mean_1, covariance_1 = self._mean_and_covariance(self._generated_sum, self._generated_outer)
        mean_2, covariance_2 = self._mean_and_covariance(self._real_sum, self._real_outer)
        distance = (
            (mean_1 - mean_2).square().sum()
            + covariance_1.trace()
            + covariance_2.trace()
            - 2 * trace_sqrt_product(covariance_1, covariance_2)
        )
        # The distance is >= 0; rounding may push equal distributions a hair below.
        return float(distance.clamp(min=0).item())
