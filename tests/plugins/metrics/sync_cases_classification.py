"""Two-process synchronisation cases of the classification metrics.

``CASES`` maps each registry name (plus a few non-default configurations, ``name[config]``) to
``(factory, batches)`` for ``ember.testing.check_metric(..., distributed=True)`` /
``check_metrics_distributed``: rank ``r`` of two processes updates with ``batches[r::2]`` and
must compute the value one process computes over every batch. Factories are classes or
``functools.partial`` of them, or module-level functions of this module (importable as
``sync_cases_classification.<name>`` by the spawned processes). Batch sizes differ and the
batch count is odd, so the two ranks hold different numbers of samples.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import torch

from ember.metric import Metric, MetricsLambda
from ember_metrics import (
    ROC_AUC,
    Accuracy,
    AveragePrecision,
    ClassificationReport,
    CohenKappa,
    ConfusionMatrix,
    Fbeta,
    MatthewsCorrCoef,
    MultiLabelConfusionMatrix,
    Precision,
    PrecisionRecallCurve,
    Recall,
    RocCurve,
    TopKCategoricalAccuracy,
)

__all__ = ["CASES", "joined_curves", "pr_curve", "roc_curve"]

SEED = 20261128
SIZES = (5, 3, 6, 4, 2)  # five batches of unequal sizes: rank 0 gets 13 samples, rank 1 gets 7


def _generator(offset: int) -> torch.Generator:
    return torch.Generator().manual_seed(SEED + offset)


def _split(tensors: Sequence[torch.Tensor]) -> list[tuple[torch.Tensor, ...]]:
    return list(zip(*(t.split(list(SIZES)) for t in tensors), strict=True))


def _multiclass(offset: int, num_classes: int, extra: tuple[int, ...] = ()) -> list[Any]:
    g = _generator(offset)
    n = sum(SIZES)
    y_pred = torch.randn(n, num_classes, *extra, generator=g)
    y = torch.randint(0, num_classes, (n, *extra), generator=g)
    return _split((y_pred, y))


def _binary(offset: int, shape: tuple[int, ...] = ()) -> list[Any]:
    g = _generator(offset)
    n = sum(SIZES)
    y_pred = torch.randint(0, 2, (n, *shape), generator=g)
    y = torch.randint(0, 2, (n, *shape), generator=g)
    return _split((y_pred, y))


def _scores(offset: int, num_labels: int | None = None, tied: bool = False) -> list[Any]:
    """Binary ``(N,)`` or multilabel ``(N, C)`` scores and 0/1 targets with both classes."""
    g = _generator(offset)
    n = sum(SIZES)
    shape = (n,) if num_labels is None else (n, num_labels)
    if tied:
        y_pred = torch.randint(0, 4, shape, generator=g).float() / 4
    else:
        y_pred = torch.randn(shape, generator=g)
    y = torch.randint(0, 2, shape, generator=g)
    y[0], y[1] = 0, 1  # both classes in every column
    return _split((y_pred, y))


def _kappa_input(offset: int, num_classes: int) -> list[Any]:
    g = _generator(offset)
    n = sum(SIZES)
    target = torch.randint(0, num_classes, (n,), generator=g)
    agree = torch.rand(n, generator=g) < 0.6
    predicted = torch.where(agree, target, torch.randint(0, num_classes, (n,), generator=g))
    # The largest label appears only in the last batch (rank 0's), so that a metric inferring
    # the number of classes from the labels sees different class counts on the two ranks.
    predicted[-1], target[-1] = num_classes, num_classes
    return _split((predicted, target))


def joined_curves(curves: Sequence[torch.Tensor]) -> torch.Tensor:
    """The curves of a curve metric (of lengths L + 1, L + 1, L or L, L, L) as one vector."""
    return torch.cat([torch.as_tensor(c, dtype=torch.float64).reshape(-1) for c in curves])


def roc_curve() -> MetricsLambda:
    """RocCurve whose ``(fpr, tpr, thresholds)`` are joined, so the kit can compare them."""
    return MetricsLambda(joined_curves, RocCurve())


def pr_curve() -> MetricsLambda:
    """PrecisionRecallCurve whose three curves are joined, so the kit can compare them."""
    return MetricsLambda(joined_curves, PrecisionRecallCurve())


Case = tuple[Callable[[], Metric], list[Any]]

CASES: dict[str, Case] = {
    "accuracy": (Accuracy, _multiclass(1, 4)),
    "accuracy[binary]": (Accuracy, _binary(2, (3,))),
    "accuracy[multilabel]": (functools.partial(Accuracy, is_multilabel=True), _binary(3, (4,))),
    "precision": (Precision, _multiclass(4, 4)),
    "precision[macro]": (functools.partial(Precision, average="macro"), _multiclass(5, 4)),
    "precision[weighted,multilabel]": (
        functools.partial(Precision, average="weighted", is_multilabel=True),
        _binary(6, (3,)),
    ),
    "precision[binary]": (Precision, _binary(7)),
    "recall": (Recall, _multiclass(8, 4, (2,))),
    "recall[micro]": (functools.partial(Recall, average="micro"), _multiclass(9, 3)),
    "recall[samples,multilabel]": (
        functools.partial(Recall, average="samples", is_multilabel=True),
        _binary(10, (3,)),
    ),
    "fbeta": (functools.partial(Fbeta, beta=1.0), _multiclass(11, 4)),
    "fbeta[beta=2,per class]": (
        functools.partial(Fbeta, beta=2.0, average=False),
        _multiclass(12, 3),
    ),
    "top_k_categorical_accuracy": (
        functools.partial(TopKCategoricalAccuracy, k=2),
        _multiclass(13, 5),
    ),
    "confusion_matrix": (functools.partial(ConfusionMatrix, num_classes=4), _multiclass(14, 4)),
    "confusion_matrix[recall,segmentation]": (
        functools.partial(ConfusionMatrix, num_classes=3, average="recall"),
        _multiclass(15, 3, (2, 2)),
    ),
    "multilabel_confusion_matrix": (
        functools.partial(MultiLabelConfusionMatrix, num_classes=3),
        _binary(16, (3,)),
    ),
    "multilabel_confusion_matrix[normalized]": (
        functools.partial(MultiLabelConfusionMatrix, num_classes=3, normalized=True),
        _binary(17, (3, 2)),
    ),
    "classification_report": (
        functools.partial(ClassificationReport, output_dict=True),
        _multiclass(18, 3),
    ),
    "classification_report[multilabel,beta=2]": (
        functools.partial(ClassificationReport, beta=2, output_dict=True, is_multilabel=True),
        _binary(19, (3,)),
    ),
    "matthews_corr_coef": (MatthewsCorrCoef, _kappa_input(20, 3)),
    "cohen_kappa": (CohenKappa, _kappa_input(21, 3)),
    "cohen_kappa[quadratic]": (
        functools.partial(CohenKappa, weights="quadratic", num_classes=5),
        _kappa_input(22, 4),
    ),
    "roc_auc": (ROC_AUC, _scores(23)),
    "roc_auc[multilabel]": (ROC_AUC, _scores(24, num_labels=3)),
    "roc_curve": (roc_curve, _scores(25, tied=True)),
    "average_precision": (AveragePrecision, _scores(26)),
    "average_precision[multilabel]": (AveragePrecision, _scores(27, num_labels=3, tied=True)),
    "precision_recall_curve": (pr_curve, _scores(28, tied=True)),
}
