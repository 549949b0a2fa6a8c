"""The feature extractor of the generative metrics: how it is chosen, run and checked.

FID and the Inception Score compare samples through a network's view of them: features of the
last pooling layer (FID) or class probabilities (Inception Score) of an Inception network, in
the papers. PyTorch-Ignite downloads a pretrained InceptionV3 when neither ``num_features`` nor
``feature_extractor`` is given; ember never downloads weights, so there it raises an error that
says how to supply a network. As in Ignite, ``num_features`` alone means that the inputs already
are the features (the extractor is ``torch.nn.Identity()``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ember_metrics.regression._base import identity
from ember_metrics.regression._checks import CheckedMetric, check_real, describe_shape

__all__ = ["FeatureExtractor", "FeatureMetric", "missing_extractor_message"]

FeatureExtractor = Callable[[torch.Tensor], torch.Tensor]


def missing_extractor_message(metric: str, what: str, example: str, size: int) -> str:
    """Why ``metric`` cannot run without a feature extractor, and how to give it one."""
    return (
        f"{metric}: arguments num_features and feature_extractor are both None; expected a "
        f"feature_extractor and its num_features. PyTorch-Ignite falls back to an InceptionV3 "
        f"pretrained on ImageNet, which it downloads; ember never downloads model weights. Pass "
        f"feature_extractor, a torch.nn.Module (or any callable) mapping a batch of N samples "
        f"to {what}, and num_features, for instance with torchvision's InceptionV3 and weights "
        f"you have locally:\n"
        f"    model = torchvision.models.inception_v3(\n"
        f"        weights=None, init_weights=False, transform_input=True\n"
        f"    )\n"
        f"    model.load_state_dict(torch.load('inception_v3_google.pth'))\n"
        f"    {example}\n"
        f"    model.eval()\n"
        f"    metric = {metric}(num_features={size}, feature_extractor=model)\n"
        f"When the inputs already are {what}, pass num_features alone (or "
        f"feature_extractor=torch.nn.Identity())."
    )


class FeatureMetric(CheckedMetric):
    """A metric whose inputs go through a feature extractor before they are accumulated.

    Subclasses set ``_what`` (what the extractor returns, for messages), ``_example`` (the
    line that adapts an Inception network) and ``_inception_size`` (its num_features), and
    call :meth:`_extract` on each input of ``update``.
    """

    _what = "features of shape (N, num_features)"
    _example = "model.fc = torch.nn.Identity()"
    _inception_size = 2048

    def __init__(
        self,
        num_features: int | None = None,
        feature_extractor: torch.nn.Module | FeatureExtractor | None = None,
        output_transform: Callable[[Any], Any] = identity,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        cls = type(self).__name__
        if num_features is None:
            if feature_extractor is None:
                raise ValueError(
                    missing_extractor_message(cls, self._what, self._example, self._inception_size)
                )
            raise ValueError(
                f"{cls}: argument num_features is None; expected the number of values "
                f"feature_extractor returns per sample (an int >= 1)"
            )
        if isinstance(num_features, bool) or not isinstance(num_features, int):
            raise ValueError(
                f"{cls}: argument num_features should be an int >= 1, got {num_features!r}"
            )
        if num_features < 1:
            raise ValueError(
                f"{cls}: argument num_features should be an int >= 1, got {num_features}"
            )
        if feature_extractor is None:
            feature_extractor = torch.nn.Identity()
        if not callable(feature_extractor):
            raise TypeError(
                f"{cls}: argument feature_extractor should be a torch.nn.Module or a callable "
                f"mapping a batch of samples to {self._what}, got "
                f"{type(feature_extractor).__name__}"
            )
        if isinstance(feature_extractor, torch.nn.Module):
            # Like Ignite: the network runs where the sums are kept.
            feature_extractor = feature_extractor.to(device)
        self._num_features = num_features
        self._feature_extractor = feature_extractor
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    def _extract(self, name: str, samples: Any) -> torch.Tensor:
        """``feature_extractor(samples)``, checked to be ``(N, num_features)``, as float64."""
        cls = type(self).__name__
        if not isinstance(samples, torch.Tensor):
            raise TypeError(
                f"{cls}.update: {name} should be a torch.Tensor, got {type(samples).__name__}"
            )
        samples = samples.detach().to(self._device)
        with torch.no_grad():
            features = self._feature_extractor(samples)
        source = f"feature_extractor({name})"
        if not isinstance(features, torch.Tensor):
            raise TypeError(
                f"{cls}.update: {source} returned a {type(features).__name__}; expected a "
                f"torch.Tensor of {self._what}"
            )
        check_real(cls, source, features)
        expected = f"expected {self._what} with N >= 1 and num_features={self._num_features}"
        if features.ndim != 2 or features.shape[1] != self._num_features:
            raise ValueError(
                f"{cls}.update: {source} has shape {describe_shape(features)}; {expected}"
            )
        if features.shape[0] == 0:
            raise ValueError(f"{cls}.update: {source} holds no samples; {expected}")
        if samples.ndim >= 1 and features.shape[0] != samples.shape[0]:
            raise ValueError(
                f"{cls}.update: {source} has shape {describe_shape(features)} for {name} of "
                f"shape {describe_shape(samples)}; expected one row per sample, N="
                f"{samples.shape[0]}"
            )
        return features.detach().to(device=self._device, dtype=self._double_dtype)
