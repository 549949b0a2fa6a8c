"""Distributed reduction wiring, checked in one process with fake collective hooks.

Two fake ranks that hold the same data: ``all_reduce`` doubles every accumulator and
``all_gather`` returns two copies. A metric that reduces every accumulator it needs then computes
the value of the data seen twice; one that forgets an accumulator (or reduces one that is not
summable) does not. Real two-process runs are in the distributed tests.
"""

from __future__ import annotations

import functools

import pytest
import torch
from classification_oracles import multiclass_input, multilabel_input, ranking_input
from torch.nn import functional as F  # noqa: N812 - the usual name

from ember.metric.reduction import CollectiveHooks, set_collective_hooks
from ember.testing import assert_values_close
from ember_metrics import (
    ROC_AUC,
    Accuracy,
    AveragePrecision,
    CohenKappa,
    ConfusionMatrix,
    EpochMetric,
    GeometricAverage,
    IoU,
    Loss,
    MatthewsCorrCoef,
    MetricGroup,
    MultiLabelConfusionMatrix,
    Precision,
    PrecisionRecallCurve,
    Recall,
    RocCurve,
    TopKCategoricalAccuracy,
    VariableAccumulation,
)
from ember_metrics.aggregation.average import Average

TWO_IDENTICAL_RANKS = CollectiveHooks(
    get_world_size=lambda: 2,
    get_rank=lambda: 0,
    all_reduce=lambda value, op: value * 2 if op == "SUM" else value,
    all_gather=lambda value: [value, value],
)


def _mean_of_all(y_preds, y_targets):
    return (y_preds.double().mean() + y_targets.double().mean()).item()


def _cases():
    scores, labels = multiclass_input(0, 12, 3)
    seg_scores, seg_labels = multiclass_input(1, 2, 3, extra=(3, 3))
    ml_pred, ml_true = multilabel_input(2, 10, 3)
    binary_scores, binary_targets = ranking_input(3, 12, "binary", tied=True)
    return {
        "accuracy": (Accuracy, [(scores, labels)]),
        "precision weighted": (
            functools.partial(Precision, average="weighted"),
            [(scores, labels)],
        ),
        "recall samples": (
            functools.partial(Recall, average="samples", is_multilabel=True),
            [(ml_pred, ml_true)],
        ),
        "top-2": (functools.partial(TopKCategoricalAccuracy, k=2), [(scores, labels)]),
        "confusion matrix": (functools.partial(ConfusionMatrix, 3), [(seg_scores, seg_labels)]),
        "confusion matrix samples": (
            functools.partial(ConfusionMatrix, 3, average="samples"),
            [(seg_scores, seg_labels)],
        ),
        "iou": (lambda: IoU(ConfusionMatrix(3)), [(seg_scores, seg_labels)]),
        "multilabel confusion matrix": (
            functools.partial(MultiLabelConfusionMatrix, 3),
            [(ml_pred, ml_true)],
        ),
        "kappa counts": (
            functools.partial(CohenKappa, num_classes=3),
            [(scores.argmax(1), labels)],
        ),
        "kappa labels": (CohenKappa, [(scores.argmax(1), labels)]),
        "matthews": (MatthewsCorrCoef, [(scores, labels)]),
        "roc auc": (ROC_AUC, [(binary_scores, binary_targets)]),
        "roc curve": (RocCurve, [(binary_scores, binary_targets)]),
        "average precision": (AveragePrecision, [(scores, labels)]),
        "pr curve": (PrecisionRecallCurve, [(binary_scores, binary_targets)]),
        "epoch metric": (functools.partial(EpochMetric, _mean_of_all), [(scores, labels)]),
        "loss": (functools.partial(Loss, F.cross_entropy), [(scores, labels)]),
        "average": (Average, [torch.rand(4, 2)]),
        "geometric average": (GeometricAverage, [torch.rand(4, 2) + 0.5]),
        "variable accumulation": (
            functools.partial(VariableAccumulation, torch.add),
            [torch.rand(3)],
        ),
        "metric group": (
            lambda: MetricGroup({"a": Accuracy(), "cm": ConfusionMatrix(3)}),
            [(scores, labels)],
        ),
    }


CASES = _cases()


def flat(value):
    """Tuples of tensors and numbers (curves, accumulations) as one vector; others unchanged."""
    if isinstance(value, tuple):
        return torch.cat([torch.as_tensor(v, dtype=torch.float64).reshape(-1) for v in value])
    return value


@pytest.mark.parametrize("case", sorted(CASES))
def test_two_identical_ranks_compute_the_value_of_the_data_seen_twice(case):
    factory, batches = CASES[case]
    twice = factory()
    for batch in [*batches, *batches]:
        twice.update(batch)
    expected = twice.compute()
    metric = factory()
    for batch in batches:
        metric.update(batch)
    previous = set_collective_hooks(TWO_IDENTICAL_RANKS)
    try:
        value = metric.compute()
    finally:
        set_collective_hooks(previous)
    assert_values_close(flat(value), flat(expected), case)
    if isinstance(metric, EpochMetric):
        return  # it caches the gathered result, as it should within one run
    # The local accumulators are left as they were: computing alone again gives the local value.
    single = factory()
    for batch in batches:
        single.update(batch)
    assert_values_close(flat(metric.compute()), flat(single.compute()), f"{case} afterwards")
