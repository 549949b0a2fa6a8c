"""ROC_AUC: protocol, scikit-learn oracle (roc_auc_score), binary and multilabel, bad input."""

from __future__ import annotations

import math

import pytest
import torch
from classification_oracles import (
    batch_splits,
    expect_value_error,
    ranking_input,
    sk_binary_or_per_label,
    split,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from ember.exceptions import NotComputableError
from ember.testing import check_metric
from ember_metrics import ROC_AUC

SETTINGS = settings(max_examples=30, deadline=None)


def sk_roc_auc(y_pred, y):
    # Oracle: sklearn.metrics.roc_auc_score (average="macro" for multilabel input).
    from sklearn.metrics import roc_auc_score

    return sk_binary_or_per_label(roc_auc_score, y_pred, y)


@SETTINGS
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(2, 40),
    input_type=st.sampled_from(["binary", "multilabel"]),
    num_labels=st.integers(2, 4),
    tied=st.booleans(),
    score_dtype=st.sampled_from([torch.float32, torch.float64]),
    column=st.booleans(),
    data=st.data(),
)
def test_roc_auc_matches_sklearn_for_any_batch_split(
    seed, n, input_type, num_labels, tied, score_dtype, column, data
):
    y_pred, y = ranking_input(seed, n, input_type, num_labels, tied, score_dtype)
    if column and input_type == "binary":  # (N, 1) is squeezed to (N,)
        y_pred, y = y_pred[:, None], y[:, None]
    batches = split((y_pred, y), data.draw(batch_splits(n)))
    check_metric(ROC_AUC, batches, reference=lambda d: sk_roc_auc(*d))


def pairwise_auc(scores, labels):
    # Oracle: the definition, over every (positive, negative) pair; a tie counts one half.
    scores = scores.double()
    positive, negative = scores[labels == 1], scores[labels == 0]
    above = (positive[:, None] > negative[None, :]).double()
    tied = (positive[:, None] == negative[None, :]).double()
    return float((above + 0.5 * tied).mean())


SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, float("inf"), float("-inf"), 1e-30, -1e-30, 3e38]


@SETTINGS
@given(
    values=st.lists(st.one_of(st.sampled_from(SPECIAL), st.floats(-1e6, 1e6)), min_size=2),
    labels=st.data(),
    dtype=st.sampled_from([torch.float16, torch.bfloat16, torch.float32, torch.float64]),
)
def test_ties_signed_zeros_and_infinities_count_as_in_the_definition(values, labels, dtype):
    # The scores are sorted as integers (their bits): every ordering corner must still hold.
    scores = torch.tensor(values, dtype=torch.float64).to(dtype)
    y = torch.tensor(
        labels.draw(st.lists(st.integers(0, 1), min_size=len(values), max_size=len(values)))
    )
    if int(y.sum()) in (0, len(values)):
        y[0] = 1 - y[0]
    metric = ROC_AUC()
    metric.update((scores, y))
    assert metric.compute() == pytest.approx(pairwise_auc(scores, y), abs=1e-12)


def test_integer_scores_are_ranked_like_floats():
    scores = torch.tensor([3, -2, 3, 0, 7, -2])
    y = torch.tensor([1, 0, 0, 1, 1, 0])
    metric = ROC_AUC()
    metric.update((scores, y))
    assert metric.compute() == pytest.approx(pairwise_auc(scores, y))


def test_single_class_target_gives_nan_with_a_warning():
    auc = ROC_AUC()
    auc.update((torch.tensor([0.2, 0.8]), torch.tensor([1, 1])))
    with pytest.warns(UserWarning, match="one class"):
        assert math.isnan(auc.compute())


def test_compute_before_update_is_not_computable():
    with pytest.raises(NotComputableError, match="ROC_AUC"):
        ROC_AUC().compute()


def test_multiclass_targets_are_rejected_with_the_accepted_shapes():
    expect_value_error(
        lambda: ROC_AUC().update((torch.rand(4, 3), torch.tensor([0, 1, 2, 0]))),
        "ROC_AUC.update",
        "y_pred (N,) and y (N,) for binary input",
        "y_pred (N, C) and y (N, C) for multilabel input",
    )


def test_non_binary_targets_are_rejected():
    expect_value_error(
        lambda: ROC_AUC().update((torch.rand(3), torch.tensor([0, 1, 2]))), "y holds 2"
    )


def test_nan_scores_are_rejected():
    expect_value_error(
        lambda: ROC_AUC().update((torch.tensor([0.1, float("nan")]), torch.tensor([0, 1]))),
        "y_pred holds nan",
    )


def test_mismatched_batch_sizes_are_rejected():
    expect_value_error(
        lambda: ROC_AUC().update((torch.rand(3), torch.tensor([0, 1]))), "with the same N"
    )


def test_changing_dtype_between_updates_is_rejected():
    auc = ROC_AUC()
    auc.update((torch.rand(3), torch.tensor([0, 1, 1])))
    expect_value_error(
        lambda: auc.update((torch.rand(3, dtype=torch.float64), torch.tensor([0, 1, 1]))),
        "earlier updates",
        "torch.float32",
    )
