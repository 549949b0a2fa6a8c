"""TopKCategoricalAccuracy: protocol, scikit-learn oracle (top_k_accuracy_score), bad input."""

from __future__ import annotations

import functools
import warnings

import pytest
import torch
from classification_oracles import batch_splits, expect_value_error, multiclass_input, split
from hypothesis import given, settings
from hypothesis import strategies as st

from ember.testing import check_metric
from ember_metrics import TopKCategoricalAccuracy

SETTINGS = settings(max_examples=30, deadline=None)


def sk_top_k(y_pred, y, k):
    # Oracle: sklearn.metrics.top_k_accuracy_score with labels range(C).
    from sklearn.metrics import top_k_accuracy_score

    num_classes = y_pred.shape[1]
    if num_classes == 2:  # sklearn treats two columns as binary scores; top-2 of 2 is always hit
        return 1.0 if k >= 2 else float((y_pred.argmax(1) == y).double().mean())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # k >= C: sklearn warns that the score is trivially 1
        return top_k_accuracy_score(y.numpy(), y_pred.numpy(), k=k, labels=list(range(num_classes)))


@SETTINGS
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(1, 24),
    num_classes=st.integers(2, 7),
    data=st.data(),
)
def test_top_k_matches_sklearn_for_any_batch_split(seed, n, num_classes, data):
    k = data.draw(st.integers(1, num_classes))
    y_pred, y = multiclass_input(seed, n, num_classes, score_dtype=torch.float64)
    batches = split((y_pred, y), data.draw(batch_splits(n)))
    factory = functools.partial(TopKCategoricalAccuracy, k=k)
    check_metric(factory, batches, reference=lambda d: sk_top_k(*d, k))


def test_top_1_is_accuracy():
    metric = TopKCategoricalAccuracy(k=1)
    metric.update((torch.tensor([[0.1, 0.9], [0.6, 0.4]]), torch.tensor([1, 1])))
    assert metric.compute() == 0.5


@pytest.mark.parametrize("k", [0, -2, 1.5, True])
def test_k_must_be_a_positive_int(k):
    expect_value_error(lambda: TopKCategoricalAccuracy(k=k), "TopKCategoricalAccuracy", "k")


def test_fewer_classes_than_k_is_rejected():
    expect_value_error(
        lambda: TopKCategoricalAccuracy(k=5).update((torch.rand(4, 3), torch.zeros(4).long())),
        "TopKCategoricalAccuracy.update",
        "(4, 3)",
        "k=5",
    )


def test_wrong_shapes_are_rejected():
    expect_value_error(
        lambda: TopKCategoricalAccuracy(k=1).update((torch.rand(4, 3, 2), torch.zeros(4).long())),
        "expected y_pred of shape (N, C) and y of shape (N,)",
    )
    expect_value_error(
        lambda: TopKCategoricalAccuracy(k=1).update((torch.rand(4, 3), torch.zeros(5).long())),
        "(5,)",
    )


def test_out_of_range_class_and_nan_scores_are_rejected():
    expect_value_error(
        lambda: TopKCategoricalAccuracy(k=1).update((torch.rand(2, 3), torch.tensor([0, 3]))),
        "y holds 3",
    )
    scores = torch.tensor([[float("nan"), 0.2, 0.3]])
    expect_value_error(
        lambda: TopKCategoricalAccuracy(k=1).update((scores, torch.tensor([0]))), "nan"
    )
