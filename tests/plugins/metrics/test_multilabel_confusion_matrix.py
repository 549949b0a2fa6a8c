"""MultiLabelConfusionMatrix: protocol, scikit-learn oracle (multilabel_confusion_matrix)."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from classification_oracles import batch_splits, expect_value_error, multilabel_input, split
from hypothesis import given, settings
from hypothesis import strategies as st

from ember.testing import check_metric
from ember_metrics import MultiLabelConfusionMatrix

SETTINGS = settings(max_examples=30, deadline=None)


def sk_multilabel_confusion(y_pred, y, normalized):
    # Oracle: sklearn.metrics.multilabel_confusion_matrix on (N * ..., C) indicator rows.
    from sklearn.metrics import multilabel_confusion_matrix

    rows = lambda t: t.movedim(1, -1).reshape(-1, t.shape[1]).numpy()  # noqa: E731
    matrix = multilabel_confusion_matrix(rows(y), rows(y_pred)).astype(np.float64)
    if normalized:
        matrix = matrix / matrix.sum(axis=(1, 2), keepdims=True)
    return matrix


@SETTINGS
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(1, 20),
    num_labels=st.integers(2, 5),
    extra=st.sampled_from([(), (3,)]),
    dtype=st.sampled_from([torch.int64, torch.uint8, torch.int32, torch.bool]),
    normalized=st.booleans(),
    data=st.data(),
)
def test_matches_sklearn_for_any_batch_split(seed, n, num_labels, extra, dtype, normalized, data):
    y_pred, y = multilabel_input(seed, n, num_labels, extra, dtype=dtype)
    batches = split((y_pred, y), data.draw(batch_splits(n)))
    factory = functools.partial(
        MultiLabelConfusionMatrix, num_classes=num_labels, normalized=normalized
    )
    check_metric(factory, batches, reference=lambda d: sk_multilabel_confusion(*d, normalized))


def test_layout_is_tn_fp_fn_tp_per_label():
    mlcm = MultiLabelConfusionMatrix(num_classes=2)
    mlcm.update((torch.tensor([[1, 1]]), torch.tensor([[1, 0]])))
    assert mlcm.compute().tolist() == [[[0, 0], [0, 1]], [[0, 1], [0, 0]]]


def test_float_inputs_are_rejected():
    expect_value_error(
        lambda: MultiLabelConfusionMatrix(2).update((torch.ones(2, 2), torch.ones(2, 2).long())),
        "MultiLabelConfusionMatrix.update",
        "y_pred has dtype torch.float32",
    )


def test_non_binary_values_are_rejected():
    expect_value_error(
        lambda: MultiLabelConfusionMatrix(2).update(
            (torch.tensor([[0, 2]]), torch.tensor([[0, 1]]))
        ),
        "y_pred holds 2",
    )


def test_shape_mismatch_and_wrong_label_count_are_rejected():
    ones = lambda *shape: torch.ones(*shape, dtype=torch.int64)  # noqa: E731
    expect_value_error(
        lambda: MultiLabelConfusionMatrix(3).update((ones(4, 3), ones(4, 2))), "(4, 2)"
    )
    expect_value_error(
        lambda: MultiLabelConfusionMatrix(3).update((ones(4, 2), ones(4, 2))), "(N, 3, ...)"
    )


@pytest.mark.parametrize("num_classes", [1, "3"])
def test_num_classes_is_validated(num_classes):
    expect_value_error(lambda: MultiLabelConfusionMatrix(num_classes), "num_classes")
