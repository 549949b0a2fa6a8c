"""Precision and Recall: protocol, scikit-learn oracle for every average, split invariance."""

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
    sk_precision_recall,
    split,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from ember.exceptions import NotComputableError
from ember.testing import check_metric
from ember_metrics import Precision, Recall

SETTINGS = settings(max_examples=25, deadline=None)
METRICS = {"precision": Precision, "recall": Recall}
AVERAGES = [False, None, True, "micro", "macro", "weighted"]


def _check(which, average, is_multilabel, input_type, batches):
    factory = functools.partial(METRICS[which], average=average, is_multilabel=is_multilabel)
    check_metric(
        factory,
        batches,
        reference=lambda d: sk_precision_recall(which, *d, input_type, average),
    )


@SETTINGS
@given(
    which=st.sampled_from(sorted(METRICS)),
    average=st.sampled_from(AVERAGES),
    seed=st.integers(0, 2**16),
    n=st.integers(1, 24),
    num_classes=st.integers(2, 6),
    extra=st.sampled_from([(), (3,)]),
    data=st.data(),
)
def test_multiclass_matches_sklearn_for_every_average_and_split(
    which, average, seed, n, num_classes, extra, data
):
    # Oracle: sklearn.metrics.precision_score / recall_score, labels=range(C), zero_division=0.
    y_pred, y = multiclass_input(seed, n, num_classes, extra)
    _check(which, average, False, "multiclass", split((y_pred, y), data.draw(batch_splits(n))))


@SETTINGS
@given(
    which=st.sampled_from(sorted(METRICS)),
    average=st.sampled_from(AVERAGES),
    seed=st.integers(0, 2**16),
    shape=st.sampled_from([(9,), (6, 3), (8, 1)]),
    dtype=st.sampled_from([torch.int64, torch.float32, torch.bool]),
    data=st.data(),
)
def test_binary_matches_sklearn_for_every_average_and_split(
    which, average, seed, shape, dtype, data
):
    # Oracle: sklearn with average="binary" (False) or labels=[0, 1] (the other averages).
    y_pred, y = binary_input(seed, shape, dtype)
    _check(which, average, False, "binary", split((y_pred, y), data.draw(batch_splits(shape[0]))))


@SETTINGS
@given(
    which=st.sampled_from(sorted(METRICS)),
    average=st.sampled_from([*AVERAGES, "samples"]),
    seed=st.integers(0, 2**16),
    n=st.integers(1, 20),
    num_labels=st.integers(2, 5),
    extra=st.sampled_from([(), (2,)]),
    data=st.data(),
)
def test_multilabel_matches_sklearn_for_every_average_and_split(
    which, average, seed, n, num_labels, extra, data
):
    # Oracle: sklearn on multilabel indicator rows (every position of (N, C, ...) is a sample).
    y_pred, y = multilabel_input(seed, n, num_labels, extra)
    _check(which, average, True, "multilabel", split((y_pred, y), data.draw(batch_splits(n))))


def test_binary_default_returns_a_zero_dim_tensor_of_the_positive_class():
    precision = Precision()
    precision.update((torch.tensor([1, 0, 1, 0, 1, 1]), torch.tensor([1, 0, 1, 1, 0, 1])))
    value = precision.compute()
    assert isinstance(value, torch.Tensor)
    assert value.ndim == 0
    assert value.item() == 0.75


def test_average_none_gives_both_classes_for_binary_input():
    precision = Precision(average=None)
    precision.update((torch.tensor([1, 0, 1, 0, 1, 1]), torch.tensor([1, 0, 1, 1, 0, 1])))
    assert precision.compute().tolist() == [0.5, 0.75]


def test_seed_f1_formula_from_per_class_precision_and_recall():
    # The README's composition: F1 per class from Precision/Recall(average=False), then mean.
    precision, recall = Precision(average=False), Recall(average=False)
    f1 = (precision * recall * 2 / (precision + recall)).mean()
    y_pred, y = multiclass_input(3, 40, 4)
    f1.update((y_pred, y))
    from sklearn.metrics import f1_score

    expected = f1_score(y.numpy(), y_pred.argmax(1).numpy(), average="macro")
    assert f1.compute().item() == pytest.approx(expected)


def test_class_never_predicted_scores_zero_precision():
    precision = Precision()
    precision.update((torch.tensor([[0.9, 0.1], [0.8, 0.2]]), torch.tensor([0, 1])))
    assert precision.compute().tolist() == [0.5, 0.0]


# ------------------------------------------------------------------ bad input and options


@pytest.mark.parametrize("metric", [Precision, Recall])
def test_unknown_average_is_rejected_at_construction(metric):
    expect_value_error(lambda: metric(average="median"), metric.__name__, "'median'", "expected")


@pytest.mark.parametrize("metric", [Precision, Recall])
def test_samples_average_needs_multilabel_input(metric):
    expect_value_error(
        lambda: metric(average="samples").update((torch.rand(3, 2), torch.tensor([0, 1, 1]))),
        f"{metric.__name__}.update",
        "average='samples'",
        "multilabel",
    )


@pytest.mark.parametrize("metric", [Precision, Recall])
def test_class_index_out_of_range_is_rejected(metric):
    expect_value_error(
        lambda: metric().update((torch.rand(2, 3), torch.tensor([0, 3]))),
        f"{metric.__name__}.update",
        "y holds 3",
    )


@pytest.mark.parametrize("metric", [Precision, Recall])
def test_non_binary_multilabel_input_is_rejected(metric):
    expect_value_error(
        lambda: metric(is_multilabel=True).update(
            (torch.tensor([[0.4, 1.0]]), torch.tensor([[0, 1]]))
        ),
        "y_pred holds 0.4",
    )


@pytest.mark.parametrize("metric", [Precision, Recall])
def test_changing_number_of_labels_is_rejected(metric):
    m = metric(is_multilabel=True)
    m.update((torch.ones(2, 3, dtype=torch.int64), torch.ones(2, 3, dtype=torch.int64)))
    expect_value_error(
        lambda: m.update(
            (torch.ones(2, 4, dtype=torch.int64), torch.ones(2, 4, dtype=torch.int64))
        ),
        "4 classes",
    )


@pytest.mark.parametrize("metric", [Precision, Recall])
def test_compute_before_update_is_not_computable(metric):
    with pytest.raises(NotComputableError, match=metric.__name__):
        metric(average="weighted").compute()
