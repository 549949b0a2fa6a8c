"""A per-class report of precision, recall and F-beta, with their macro averages.

Example:
    >>> import torch
    >>> from ember_metrics.classification.classification_report import ClassificationReport
    >>> report = ClassificationReport(output_dict=True)
    >>> report.update((torch.tensor([[0.9, 0.1], [0.2, 0.8]]), torch.tensor([0, 1])))
    >>> report.compute()["macro avg"]
    {'precision': 1.0, 'recall': 1.0, 'f1-score': 1.0}
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import torch

from ember.metric import MetricsLambda
from ember.metric.metric import MetricsResultMode
from ember_metrics.classification._base import identity
from ember_metrics.classification.fbeta import Fbeta, _is_number
from ember_metrics.classification.precision_recall import Precision, Recall

__all__ = ["ClassificationReport"]


class _Report:
    """Builds the report from per-class precision, recall and F-beta (a picklable callable)."""

    def __init__(self, beta: float, output_dict: bool, labels: Sequence[str] | None) -> None:
        self.beta = beta
        self.output_dict = output_dict
        self.labels = None if labels is None else list(labels)

    def __call__(
        self, recall: torch.Tensor, precision: torch.Tensor, fbeta: torch.Tensor
    ) -> dict[str, dict[str, float]] | str:
        score = f"f{self.beta}-score"
        num_classes = precision.numel()
        if self.labels is not None and len(self.labels) != num_classes:
            raise ValueError(
                f"ClassificationReport: argument labels has {len(self.labels)} name(s), but the "
                f"input has {num_classes} classes; expected one name per class"
            )
        names = self.labels if self.labels is not None else [str(i) for i in range(num_classes)]
        report: dict[str, dict[str, float]] = {}
        for name, p, r, f in zip(
            names, precision.tolist(), recall.tolist(), fbeta.tolist(), strict=True
        ):
            report[name] = {"precision": p, "recall": r, score: f}
        report["macro avg"] = {
            "precision": float(precision.mean()),
            "recall": float(recall.mean()),
            score: float(fbeta.mean()),
        }
        return report if self.output_dict else json.dumps(report)


def ClassificationReport(  # noqa: N802 - a metric factory, named like the classes (as in Ignite)
    beta: float = 1,
    output_dict: bool = False,
    output_transform: Callable[[Any], Any] = identity,
    device: str | torch.device = "cpu",
    is_multilabel: bool = False,
    labels: Sequence[str] | None = None,
    metrics_result_mode: MetricsResultMode = "both",
) -> MetricsLambda:
    """Precision, recall and F-beta of every class, and their unweighted means ("macro avg").

    Inputs are those of :class:`~ember_metrics.Precision`: binary (reported for classes 0 and
    1), multiclass or multilabel. The value maps each class name (``"0"``, ``"1"``, ... or
    ``labels``) and ``"macro avg"`` to ``{"precision", "recall", "f<beta>-score"}``.

    Args:
        beta: the F-beta weight of recall, ``> 0``.
        output_dict: return a dict; by default the report is a JSON string.
        output_transform: maps the engine's output to ``(y_pred, y)``.
        device: where the counters are kept.
        is_multilabel: whether the input is multilabel.
        labels: names of the classes, one per class, in class order.
        metrics_result_mode: how a dict report is stored in ``engine.state.metrics``; see
            :class:`~ember.metric.Metric`.

    Returns:
        A :class:`~ember.metric.MetricsLambda`.

    Example:
        >>> import torch
        >>> from ember_metrics import ClassificationReport
        >>> report = ClassificationReport(labels=["cat", "dog"])
        >>> y_pred = torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
        >>> report.update((y_pred, torch.tensor([0, 1, 1, 1])))
        >>> print(report.compute())  # doctest: +NORMALIZE_WHITESPACE
        {"cat": {"precision": 0.5, "recall": 1.0, "f1-score": 0.6666666666666666},
         "dog": {"precision": 1.0, "recall": 0.6666666666666666, "f1-score": 0.8},
         "macro avg": {"precision": 0.75, "recall": 0.8333333333333333,
                       "f1-score": 0.7333333333333334}}
    """
    if not _is_number(beta) or not beta > 0:
        raise ValueError(
            f"ClassificationReport: argument beta should be a number > 0, got {beta!r}"
        )
    if labels is not None and (
        isinstance(labels, str) or not all(isinstance(label, str) for label in labels)
    ):
        raise TypeError(
            f"ClassificationReport: argument labels should be a sequence of str, got {labels!r}"
        )
    precision = Precision(
        output_transform, average=None, is_multilabel=is_multilabel, device=device
    )
    recall = Recall(output_transform, average=None, is_multilabel=is_multilabel, device=device)
    fbeta = Fbeta(beta, average=False, precision=precision, recall=recall)
    return MetricsLambda(
        _Report(beta, output_dict, labels),
        recall,
        precision,
        fbeta,
        metrics_result_mode=metrics_result_mode,
    )
