"""Inception Score of generated samples, from a classifier's class probabilities."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from ember.exceptions import NotComputableError
from ember.metric import reinit__is_reduced, sync_all_reduce
from ember_metrics.generative._features import FeatureExtractor, FeatureMetric
from ember_metrics.regression._base import identity
from ember_metrics.regression._checks import ValueCheck

__all__ = ["InceptionScore"]


class InceptionScore(FeatureMetric):
    """Inception Score (Salimans et al., 2016) of generated samples ``y_pred``.

    ``feature_extractor`` maps each sample ``x`` to class probabilities ``p(y|x)``; with the
    marginal ``p(y)``, the mean of ``p(y|x)`` over every sample, the score is::

        IS = exp( mean_x KL(p(y|x) || p(y)) )
           = exp( mean_x sum_c p(c|x) log p(c|x) - sum_c p(c) log p(c) )

    It lies between 1 (every sample gets the same distribution) and ``num_features`` (each
    sample is certain of one class, and the classes are used equally). ``update`` adds
    ``sum_x p(y|x)`` and ``sum_x sum_c p log p`` (float64, on ``device``; ``0 log 0 = 0``), so
    the value does not depend on the batch split.

    Args:
        num_features: the number of classes, the length of each probability vector.
        feature_extractor: a ``torch.nn.Module`` (moved to ``device``) or callable mapping a
            batch of ``N`` samples to probabilities of shape ``(N, num_features)`` (apply the
            softmax in it: probabilities, not logits, as in Ignite), run under
            ``torch.no_grad()``. ``None`` with ``num_features`` given means the inputs already
            are probabilities, as in Ignite. Unlike Ignite, which then downloads a pretrained
            InceptionV3, both ``None`` is an error: ember never downloads weights.
        output_transform: picks ``y_pred`` out of the engine's output.
        device: where the network runs and the sums are kept.
        skip_unrolling: see :class:`ember.metric.Metric`.

    ``update`` takes ``y_pred`` alone (a tensor, or a one-element tuple: from a mapping output
    the ``"y_pred"`` entry is read). Probabilities outside ``[0, 1]`` (or NaN) are counted on
    the device and reported by ``compute``; rows should also add up to 1, which is not checked.

    Example:
        >>> import torch
        >>> from ember_metrics import InceptionScore
        >>> metric = InceptionScore(num_features=2, feature_extractor=torch.nn.Identity())
        >>> metric.update(torch.tensor([[1.0, 0.0], [0.0, 1.0]]))  # sure, and diverse
        >>> round(metric.compute(), 6)
        2.0
    """

    required_output_keys = ("y_pred",)
    _state_dict_all_req_keys = (
        "_probability_sum",
        "_self_information_sum",
        "_num_examples",
        "_num_invalid",
    )
    _value_checks = (ValueCheck("y_pred", "NaN or outside [0, 1]", "probabilities in [0, 1]"),)
    _what = "class probabilities of shape (N, num_features)"
    _example = "model.fc = torch.nn.Sequential(model.fc, torch.nn.Softmax(dim=1))"
    _inception_size = 1000

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
        self._probability_sum = torch.zeros(
            self._num_features, dtype=self._double_dtype, device=self._device
        )
        self._self_information_sum = torch.zeros((), dtype=self._double_dtype, device=self._device)
        self._num_examples = 0
        self._reset_invalid()

    @reinit__is_reduced
    def update(self, output: torch.Tensor | Sequence[torch.Tensor]) -> None:
        """Add one batch ``y_pred`` of generated samples."""
        if isinstance(output, (tuple, list)):
            if len(output) != 1:
                raise ValueError(
                    f"{type(self).__name__}.update: output should be y_pred (a tensor) or "
                    f"(y_pred,), got a {type(output).__name__} of length {len(output)}; use "
                    f"output_transform to pick y_pred"
                )
            output = output[0]
        probabilities = self._extract("y_pred", output)
        in_range = (probabilities >= 0) & (probabilities <= 1)
        self._record_invalid([(~in_range).sum()])
        self._probability_sum += probabilities.sum(dim=0)
        self._self_information_sum += torch.special.xlogy(probabilities, probabilities).sum()
        self._num_examples += probabilities.shape[0]

    @sync_all_reduce("_probability_sum", "_self_information_sum", "_num_examples", "_num_invalid")
    def compute(self) -> float:
        """The Inception Score of every sample seen since the last reset."""
        n = self._num_examples
        if n == 0:
            raise NotComputableError(
                f"{type(self).__name__} must have at least one sample before it can be computed"
            )
        self._raise_if_invalid()
        marginal = self._probability_sum / n
        # sum_x sum_c p(c|x) log p(c) = sum_c (sum_x p(c|x)) log p(c)
        cross = torch.special.xlogy(self._probability_sum, marginal).sum()
        mean_kl = (self._self_information_sum - cross) / n
        return float(mean_kl.exp().item())
