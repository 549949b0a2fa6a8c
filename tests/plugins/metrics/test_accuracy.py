"""Accuracy: protocol, scikit-learn oracle (accuracy_score), split invariance, bad input."""

from __future__ import annotations

import functools

import pytest
import torch
from classification_oracles import (
    batch_splits,
    binary_input,
    expect_value_error,
    multiclass_input,
    multilabel_input,
    sk_accuracy,
    split,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from ember.exceptions import NotComputableError
from ember.testing import check_metric
from ember_metrics import Accuracy

SETTINGS = settings(max_examples=30, deadline=None)


@SETTINGS
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(1, 24),
    num_classes=st.integers(2, 6),
    extra=st.sampled_from([(), (3,), (2, 2)]),
    y_dtype=st.sampled_from([torch.int64, torch.int32, torch.uint8]),
    data=st.data(),
)
def test_multiclass_accuracy_matches_sklearn_for_any_batch_split(
    seed, n, num_classes, extra, y_dtype, data
):
    # Oracle: sklearn.metrics.accuracy_score on the arg-max of the scores.
    y_pred, y = multiclass_input(seed, n, num_classes, extra, y_dtype=y_dtype)
    batches = split((y_pred, y), data.draw(batch_splits(n)))
    check_metric(Accuracy, batches, reference=lambda d: sk_accuracy(*d, "multiclass"))


@SETTINGS
@given(
    seed=st.integers(0, 2**16),
    shape=st.sampled_from([(7,), (12, 3), (5, 1), (9, 2, 2)]),
    dtype=st.sampled_from([torch.int64, torch.float32, torch.bool, torch.uint8]),
    data=st.data(),
)
def test_binary_accuracy_matches_sklearn_for_any_batch_split(seed, shape, dtype, data):
    # Oracle: sklearn.metrics.accuracy_score on the flattened 0/1 values.
    y_pred, y = binary_input(seed, shape, dtype)
    batches = split((y_pred, y), data.draw(batch_splits(shape[0])))
    check_metric(Accuracy, batches, reference=lambda d: sk_accuracy(*d, "binary"))


@SETTINGS
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(1, 20),
    num_labels=st.integers(2, 5),
    extra=st.sampled_from([(), (3,)]),
    data=st.data(),
)
def test_multilabel_accuracy_is_sklearn_subset_accuracy_for_any_split(
    seed, n, num_labels, extra, data
):
    # Oracle: sklearn.metrics.accuracy_score on multilabel indicators (exact match per sample).
    y_pred, y = multilabel_input(seed, n, num_labels, extra)
    batches = split((y_pred, y), data.draw(batch_splits(n)))
    factory = functools.partial(Accuracy, is_multilabel=True)
    check_metric(factory, batches, reference=lambda d: sk_accuracy(*d, "multilabel"))


def test_binary_predictions_of_shape_n_1_count_like_shape_n():
    y = torch.tensor([1, 0, 1, 1])
    acc = Accuracy()
    acc.update((torch.tensor([[1], [1], [1], [0]]), y))
    assert acc.compute() == 0.5


def test_seed_example_prints_accuracy_after_each_update():
    # The values of the quick-start article: 0.75 after 4 samples, 0.625 after 8.
    acc = Accuracy()
    acc.reset()
    y_pred = torch.tensor(
        [[10.0, 0.1, -1.0], [2.0, -1.0, -2.0], [1.0, -1.0, 4.0], [0.0, 5.0, -1.0]]
    )
    acc.update((y_pred, torch.tensor([0, 1, 2, 1])))
    assert acc.compute() == 0.75
    y_pred = torch.tensor([[2.0, 1.0, -1.0], [0.0, 1.0, -2.0], [2.6, 1.0, -4.0], [1.0, -3.0, 2.0]])
    acc.update((y_pred, torch.tensor([1, 2, 0, 2])))
    assert acc.compute() == 0.625


def test_compute_before_update_is_not_computable():
    with pytest.raises(NotComputableError, match="Accuracy"):
        Accuracy().compute()


# ------------------------------------------------------------------ bad input


def test_mismatched_shapes_name_both_shapes_and_the_expectation():
    expect_value_error(
        lambda: Accuracy().update((torch.rand(8, 3, 2), torch.zeros(8, dtype=torch.int64))),
        "Accuracy.update",
        "y_pred has shape (8, 3, 2)",
        "y has shape (8,)",
        "expected",
    )


def test_wrong_rank_is_rejected():
    expect_value_error(
        lambda: Accuracy().update((torch.rand(8, 3, 2, 2), torch.zeros(8, dtype=torch.int64))),
        "Accuracy.update",
        "(8, 3, 2, 2)",
    )


def test_scalar_target_is_rejected_for_lack_of_batch_dimension():
    expect_value_error(
        lambda: Accuracy().update((torch.tensor(1), torch.tensor(1))), "batch dimension"
    )


def test_non_binary_prediction_for_binary_input_names_the_value():
    expect_value_error(
        lambda: Accuracy().update((torch.tensor([0.2, 0.9]), torch.tensor([0, 1]))),
        "Accuracy.update",
        "y_pred holds 0.2",
        "0 and 1",
    )


def test_non_binary_target_for_binary_input_names_the_value():
    expect_value_error(
        lambda: Accuracy().update((torch.tensor([0, 1]), torch.tensor([0, 2]))), "y holds 2"
    )


def test_class_index_out_of_range_is_rejected():
    expect_value_error(
        lambda: Accuracy().update((torch.rand(3, 4), torch.tensor([0, 4, 1]))),
        "Accuracy.update",
        "y holds 4",
        "[0, 4)",
    )


def test_negative_or_fractional_class_index_is_rejected():
    expect_value_error(lambda: Accuracy().update((torch.rand(2, 3), torch.tensor([0, -1]))), "-1")
    expect_value_error(
        lambda: Accuracy().update((torch.rand(2, 3), torch.tensor([0.0, 1.5]))), "1.5"
    )


def test_nan_scores_are_rejected():
    y_pred = torch.tensor([[0.1, float("nan")], [0.3, 0.7]])
    expect_value_error(lambda: Accuracy().update((y_pred, torch.tensor([0, 1]))), "nan")


def test_changing_number_of_classes_between_updates_is_rejected():
    acc = Accuracy()
    acc.update((torch.rand(4, 3), torch.tensor([0, 1, 2, 0])))
    expect_value_error(
        lambda: acc.update((torch.rand(4, 5), torch.tensor([0, 1, 2, 0]))), "5 classes", "had 3"
    )


def test_changing_input_type_between_updates_is_rejected():
    acc = Accuracy()
    acc.update((torch.rand(4, 3), torch.tensor([0, 1, 2, 0])))
    expect_value_error(
        lambda: acc.update((torch.tensor([1, 0]), torch.tensor([1, 1]))), "binary", "multiclass"
    )


def test_reset_allows_a_new_input_type():
    acc = Accuracy()
    acc.update((torch.rand(4, 3), torch.tensor([0, 1, 2, 0])))
    acc.reset()
    acc.update((torch.tensor([1, 0]), torch.tensor([1, 1])))
    assert acc.compute() == 0.5


def test_multilabel_needs_matching_shapes_with_more_than_one_label():
    metric = Accuracy(is_multilabel=True)
    expect_value_error(
        lambda: metric.update((torch.ones(4, 1), torch.ones(4, 1))), "is_multilabel=True"
    )
    expect_value_error(
        lambda: metric.update((torch.ones(4, 3), torch.ones(4, dtype=torch.int64))),
        "is_multilabel=True",
    )


def test_is_multilabel_must_be_a_bool():
    with pytest.raises(TypeError, match="is_multilabel"):
        Accuracy(is_multilabel="yes")


def test_update_expects_a_pair_of_tensors():
    expect_value_error(lambda: Accuracy().update(torch.ones(3)), "(y_pred, y)")
    with pytest.raises(TypeError, match=r"y should be a torch\.Tensor"):
        Accuracy().update((torch.ones(3), [1, 1, 1]))


def test_later_updates_are_checked_as_fully_as_the_first():
    # After a first multiclass update, plain (N, C) / (N,) batches take a shorter path.
    metric = Accuracy()
    scores, labels = torch.tensor([[0.2, 0.8], [0.9, 0.1]]), torch.tensor([1, 0])
    metric.update((scores, labels))
    with pytest.raises(ValueError, match=r"Accuracy.update: y_pred holds nan"):
        metric.update((torch.tensor([[float("nan"), 0.1]]), torch.tensor([0])))
    with pytest.raises(ValueError, match=r"Accuracy.update: y holds 2; expected class indices"):
        metric.update((scores, torch.tensor([1, 2])))
    with pytest.raises(ValueError, match=r"Accuracy.update: y holds -1; expected class indices"):
        metric.update((scores, torch.tensor([-1, 0])))
    # -inf and +inf scores are valid (their sum is NaN, so the full check looks closer).
    metric.update((torch.tensor([[float("-inf"), float("inf")]]), torch.tensor([1])))
    assert metric.compute() == 1.0
