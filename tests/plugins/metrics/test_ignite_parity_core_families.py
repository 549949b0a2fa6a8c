"""The same values as PyTorch-Ignite 0.5.5 on the same inputs (skipped without pytorch-ignite).

Not an oracle of correctness (scikit-learn and numpy are, in the per-metric tests): this shows
that a user migrating from ``ignite.metrics`` gets the numbers they had.
"""

from __future__ import annotations

import json
import warnings

import pytest
import torch
from classification_oracles import multiclass_input, multilabel_input, ranking_input
from torch.nn import functional as F  # noqa: N812 - the usual name

import ember_metrics as em
from ember.testing import assert_values_close

im = pytest.importorskip("ignite.metrics")


def _binary(seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 2, (30,), generator=g), torch.randint(0, 2, (30,), generator=g)


def _segmentation(seed):
    y_pred, y = multiclass_input(seed, 4, 3, extra=(5, 5))
    y[:, 0, :] = 255
    return y_pred, y


def _labels(seed):
    y_pred, y = multiclass_input(seed, 40, 4)
    return y_pred.argmax(1), y


CASES = {
    "accuracy multiclass": (em.Accuracy, im.Accuracy, lambda s: multiclass_input(s, 30, 4, (2,))),
    "accuracy multilabel": (
        lambda: em.Accuracy(is_multilabel=True),
        lambda: im.Accuracy(is_multilabel=True),
        lambda s: multilabel_input(s, 30, 3),
    ),
    **{
        f"{name} {average} {kind}": (
            lambda n=name, a=average, ml=(kind == "multilabel"): getattr(em, n)(
                average=a, is_multilabel=ml
            ),
            lambda n=name, a=average, ml=(kind == "multilabel"): getattr(im, n)(
                average=a, is_multilabel=ml
            ),
            {
                "binary": _binary,
                "multiclass": lambda s: multiclass_input(s, 30, 4),
                "multilabel": lambda s: multilabel_input(s, 30, 3),
            }[kind],
        )
        for name in ("Precision", "Recall")
        for average in (False, None, True, "micro", "weighted")
        for kind in ("binary", "multiclass", "multilabel")
    },
    "fbeta": (
        lambda: em.Fbeta(2.0),
        lambda: im.Fbeta(2.0),
        lambda s: multiclass_input(s, 30, 4),
    ),
    "top-3": (
        lambda: em.TopKCategoricalAccuracy(3),
        lambda: im.TopKCategoricalAccuracy(3),
        lambda s: multiclass_input(s, 30, 6),
    ),
    "confusion matrix with void labels": (
        lambda: em.ConfusionMatrix(3),
        lambda: im.ConfusionMatrix(3),
        _segmentation,
    ),
    "multilabel confusion matrix": (
        lambda: em.MultiLabelConfusionMatrix(3, normalized=True),
        lambda: im.MultiLabelConfusionMatrix(3, normalized=True),
        lambda s: multilabel_input(s, 30, 3),
    ),
    "iou": (
        lambda: em.IoU(em.ConfusionMatrix(3), ignore_index=0),
        lambda: im.IoU(im.ConfusionMatrix(3), ignore_index=0),
        _segmentation,
    ),
    "miou": (
        lambda: em.mIoU(em.ConfusionMatrix(3)),
        lambda: im.mIoU(im.ConfusionMatrix(3)),
        _segmentation,
    ),
    "dice": (
        lambda: em.DiceCoefficient(em.ConfusionMatrix(3)),
        lambda: im.DiceCoefficient(im.ConfusionMatrix(3)),
        _segmentation,
    ),
    "classification report": (
        lambda: em.ClassificationReport(output_dict=True),
        lambda: im.ClassificationReport(output_dict=True),
        lambda s: multiclass_input(s, 30, 3),
    ),
    "matthews": (em.MatthewsCorrCoef, im.MatthewsCorrCoef, lambda s: multiclass_input(s, 30, 4)),
    "cohen kappa": (
        lambda: em.CohenKappa(weights="quadratic"),
        lambda: im.CohenKappa(weights="quadratic"),
        _labels,
    ),
    "roc auc multilabel": (em.ROC_AUC, im.ROC_AUC, lambda s: ranking_input(s, 30, "multilabel")),
    "average precision": (
        em.AveragePrecision,
        im.AveragePrecision,
        lambda s: ranking_input(s, 30, "binary", tied=True),
    ),
    "roc curve": (em.RocCurve, im.RocCurve, lambda s: ranking_input(s, 30, "binary", tied=True)),
    "precision-recall curve": (
        em.PrecisionRecallCurve,
        im.PrecisionRecallCurve,
        lambda s: ranking_input(s, 30, "binary"),
    ),
    "loss": (
        lambda: em.Loss(F.cross_entropy),
        lambda: im.Loss(F.cross_entropy),
        lambda s: multiclass_input(s, 30, 4),
    ),
}


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("case", sorted(CASES))
def test_same_value_as_ignite_over_two_batches(case, seed):
    ember_factory, ignite_factory, make = CASES[case]
    y_pred, y = make(seed)
    half = y_pred.shape[0] // 2
    ours, theirs = ember_factory(), ignite_factory()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for batch in ((y_pred[:half], y[:half]), (y_pred[half:], y[half:])):
            ours.update(batch)
            theirs.update(batch)
        expected = theirs.compute()
    value = ours.compute()
    if isinstance(expected, tuple):
        value, expected = torch.cat(value), torch.cat(expected)
    # Ignite divides by (x + eps) where ember divides by x > 0, and sums losses in float32
    # where ember sums in float64: equal up to rounding.
    assert_values_close(value, expected, case, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(
    ("ours", "theirs", "values"),
    [
        (em.Average, im.Average, [torch.rand(3, 2) for _ in range(3)]),
        (em.GeometricAverage, im.GeometricAverage, [torch.rand(4) + 0.1 for _ in range(3)]),
        (
            lambda: em.RunningAverage(output_transform=float, alpha=0.7),
            lambda: im.RunningAverage(output_transform=float, alpha=0.7),
            [1.0, 4.0, 2.0],
        ),
    ],
)
def test_same_aggregate_as_ignite(ours, theirs, values):
    mine, reference = ours(), theirs()
    for value in values:
        mine.update(value)
        reference.update(value)
    assert_values_close(mine.compute(), reference.compute(), "aggregate")


def test_classification_report_json_has_ignites_keys():
    y_pred, y = multiclass_input(0, 20, 3)
    ours, theirs = em.ClassificationReport(beta=2), im.ClassificationReport(beta=2)
    ours.update((y_pred, y))
    theirs.update((y_pred, y))
    assert json.loads(ours.compute()).keys() == json.loads(theirs.compute()).keys()
