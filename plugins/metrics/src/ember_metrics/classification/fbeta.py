"""F-beta score, the weighted harmonic mean of precision and recall, built on those metrics.

Example:
    >>> import torch
    >>> from ember_metrics.classification.fbeta import Fbeta
    >>> f1 = Fbeta(beta=1.0)
    >>> f1.update((torch.tensor([1, 0, 1, 1]), torch.tensor([1, 0, 0, 1])))
    >>> round(f1.compute(), 4)
    0.8
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Real
from typing import Any

import torch

from ember.metric import MetricsLambda
from ember_metrics.classification._base import identity
from ember_metrics.classification.precision_recall import Precision, Recall

__all__ = ["Fbeta"]


def _is_number(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _fbeta_score(precision: torch.Tensor, recall: torch.Tensor, beta2: float) -> torch.Tensor:
    """F-beta from precision and recall; 0 where both are 0."""
    denominator = beta2 * precision + recall
    score = (1.0 + beta2) * precision * recall / denominator
    return torch.where(denominator > 0, score, 0.0)


def Fbeta(  # noqa: N802 - a metric factory, named like the metric classes (as in Ignite)
    beta: float,
    average: bool = True,
    precision: Precision | None = None,
    recall: Recall | None = None,
    output_transform: Callable[[Any], Any] | None = None,
    device: str | torch.device | None = None,
) -> MetricsLambda:
    """The F-beta score ``(1 + beta²) · P · R / (beta² · P + R)`` as a metric.

    Built from a :class:`~ember_metrics.Precision` and a :class:`~ember_metrics.Recall` with
    ``average=False`` (per class), created here unless given; pass existing ones to share their
    counters with other formulas; a metric created to pair with a given one takes its
    ``output_transform``, ``is_multilabel`` and ``device``. Inputs are those of ``Precision``.

    Args:
        beta: weight of recall against precision, ``> 0`` (``1`` gives F1).
        average: ``True`` returns the mean over classes (macro F-beta) as a float; ``False``
            the per-class tensor.
        precision: an existing ``Precision(average=False)`` (or ``None``) to build on.
        recall: an existing ``Recall(average=False)`` (or ``None``) to build on.
        output_transform: for the metrics created here; must be ``None`` when ``precision`` or
            ``recall`` is given (they have their own).
        device: for the metrics created here (default ``"cpu"``); must be ``None`` when
            ``precision`` or ``recall`` is given.

    Returns:
        A :class:`~ember.metric.MetricsLambda`, a metric like any other.

    Example:
        >>> import torch
        >>> from ember_metrics import Fbeta, Precision, Recall
        >>> precision, recall = Precision(average=False), Recall(average=False)
        >>> f2 = Fbeta(beta=2.0, average=False, precision=precision, recall=recall)
        >>> y_pred = torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.7, 0.3], [0.4, 0.6]])
        >>> f2.update((y_pred, torch.tensor([0, 1, 1, 1])))
        >>> f2.compute()
        tensor([0.8333, 0.7143], dtype=torch.float64)
    """
    if not _is_number(beta) or not beta > 0:
        raise ValueError(f"Fbeta: argument beta should be a number > 0, got {beta!r}")
    if not isinstance(average, bool):
        raise TypeError(f"Fbeta: argument average should be a bool, got {average!r}")
    for name, given, expected_type in (
        ("precision", precision, Precision),
        ("recall", recall, Recall),
    ):
        if given is None:
            continue
        if not isinstance(given, expected_type):
            raise TypeError(
                f"Fbeta: argument {name} should be a {expected_type.__name__} or None, "
                f"got {type(given).__name__}"
            )
        if given._average not in (False, None):
            raise ValueError(
                f"Fbeta: argument {name} has average={given._average!r}; expected a "
                f"{expected_type.__name__} with average=False, per class"
            )
        for argument, value in (("output_transform", output_transform), ("device", device)):
            if value is not None:
                raise ValueError(
                    f"Fbeta: argument {argument} should be None when {name} is given; the "
                    f"given {expected_type.__name__} has its own"
                )
    # A metric created to pair with a given one reads the output as that one does.
    given = precision if precision is not None else recall
    if given is not None:
        transform, multilabel, where = given._output_transform, given._is_multilabel, given._device
    else:
        transform = identity if output_transform is None else output_transform
        multilabel, where = False, torch.device(device or "cpu")
    if precision is None:
        precision = Precision(transform, average=False, is_multilabel=multilabel, device=where)
    if recall is None:
        recall = Recall(transform, average=False, is_multilabel=multilabel, device=where)
    beta2 = float(beta) ** 2
    fbeta = MetricsLambda(_fbeta_score, precision, recall, beta2=beta2)
    if average:
        return fbeta.mean().item()
    return fbeta
