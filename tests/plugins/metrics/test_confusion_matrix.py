"""ConfusionMatrix: protocol, scikit-learn oracle (confusion_matrix), averages, ignored labels."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from classification_oracles import batch_splits, expect_value_error, multiclass_input, split
from hypothesis import given, settings
from hypothesis import strategies as st

from ember.testing import check_metric
from ember_metrics import ConfusionMatrix

SETTINGS = settings(max_examples=30, deadline=None)


def sk_confusion(y_pred, y, num_classes, average=None):
    # Oracle: sklearn.metrics.confusion_matrix over the counted targets, then numpy scaling.
    from sklearn.metrics import confusion_matrix

    target, predicted = y.flatten().numpy(), y_pred.argmax(1).flatten().numpy()
    counted = (target >= 0) & (target < num_classes)
    if not counted.any():  # every target ignored: nothing counted (sklearn refuses empty input)
        return np.zeros((num_classes, num_classes))
    matrix = confusion_matrix(
        target[counted], predicted[counted], labels=list(range(num_classes))
    ).astype(np.float64)
    if average == "samples":
        return matrix / y.shape[0]
    if average in ("recall", "precision"):
        totals = matrix.sum(axis=1 if average == "recall" else 0, keepdims=True)
        return np.divide(matrix, totals, out=np.zeros_like(matrix), where=totals > 0)
    return matrix


@SETTINGS
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(1, 16),
    num_classes=st.integers(2, 6),
    extra=st.sampled_from([(), (3,), (2, 3)]),
    average=st.sampled_from([None, "samples", "recall", "precision"]),
    ignored=st.booleans(),
    data=st.data(),
)
def test_confusion_matrix_matches_sklearn_for_any_batch_split(
    seed, n, num_classes, extra, average, ignored, data
):
    y_pred, y = multiclass_input(seed, n, num_classes, extra)
    if ignored:  # void labels (255) and -1 are not counted
        y = torch.where(torch.arange(y.numel()).view(y.shape) % 3 == 0, 255, y)
        y.view(-1)[-1] = -1
    batches = split((y_pred, y), data.draw(batch_splits(n)))
    factory = functools.partial(ConfusionMatrix, num_classes=num_classes, average=average)
    check_metric(factory, batches, reference=lambda d: sk_confusion(*d, num_classes, average))


def test_counts_are_int64_and_rows_are_true_classes():
    cm = ConfusionMatrix(num_classes=3)
    cm.update((torch.tensor([[0.1, 0.9, 0.0], [0.1, 0.9, 0.0]]), torch.tensor([2, 1])))
    matrix = cm.compute()
    assert matrix.dtype == torch.int64
    assert matrix.tolist() == [[0, 0, 0], [0, 1, 0], [0, 1, 0]]


def test_compute_does_not_change_the_counters():
    cm = ConfusionMatrix(num_classes=2, average="recall")
    cm.update((torch.tensor([[0.9, 0.1]]), torch.tensor([0])))
    cm.compute()
    assert cm.confusion_matrix.dtype == torch.int64


def test_normalize_rejects_unknown_average():
    expect_value_error(lambda: ConfusionMatrix.normalize(torch.ones(2, 2), "samples"), "average")


@pytest.mark.parametrize("num_classes", [1, 0, 2.0, True])
def test_num_classes_must_be_an_int_of_at_least_two(num_classes):
    expect_value_error(lambda: ConfusionMatrix(num_classes=num_classes), "num_classes")


def test_unknown_average_is_rejected():
    expect_value_error(lambda: ConfusionMatrix(3, average="macro"), "average", "'macro'")


def test_wrong_number_of_classes_in_scores_is_rejected():
    expect_value_error(
        lambda: ConfusionMatrix(3).update((torch.rand(4, 2), torch.zeros(4).long())),
        "ConfusionMatrix.update",
        "(4, 2)",
        "(N, 3, ...)",
    )


def test_mismatched_spatial_shapes_are_rejected():
    expect_value_error(
        lambda: ConfusionMatrix(3).update((torch.rand(2, 3, 4, 4), torch.zeros(2, 4, 5).long())),
        "(2, 4, 5)",
        "do not match",
    )


def test_fractional_targets_and_nan_scores_are_rejected():
    expect_value_error(
        lambda: ConfusionMatrix(2).update((torch.rand(2, 2), torch.tensor([0.0, 0.5]))), "0.5"
    )
    scores = torch.tensor([[float("nan"), 1.0]])
    expect_value_error(lambda: ConfusionMatrix(2).update((scores, torch.tensor([0]))), "nan")


def test_plain_batches_and_checked_batches_count_the_same():
    # int64 (N,) targets in range on the CPU take a shorter path than ignored or float targets.
    generator = torch.Generator().manual_seed(5)
    scores = torch.randn(40, 4, generator=generator)
    labels = torch.randint(0, 4, (40,), generator=generator)
    plain = ConfusionMatrix(num_classes=4)
    plain.update((scores, labels))
    checked = ConfusionMatrix(num_classes=4)
    checked.update([scores, labels.double()])
    assert torch.equal(plain.compute(), checked.compute())
    with_ignored = labels.clone()
    with_ignored[:5] = -1  # ignored targets leave the shorter path
    plain.reset()
    plain.update((scores, with_ignored))
    assert int(plain.compute().sum()) == 35
    nan_scores = scores.clone()
    nan_scores[3, 1] = float("nan")
    with pytest.raises(ValueError, match=r"ConfusionMatrix.update: y_pred holds nan"):
        plain.update((nan_scores, labels))
