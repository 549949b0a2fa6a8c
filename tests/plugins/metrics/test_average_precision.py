"""AveragePrecision: protocol, scikit-learn oracle (average_precision_score), all input types."""

from __future__ import annotations

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

from ember.testing import check_metric
from ember_metrics import AveragePrecision

SETTINGS = settings(max_examples=30, deadline=None)


def sk_average_precision(y_pred, y):
    # Oracle: sklearn.metrics.average_precision_score; multiclass targets one-hot, macro mean.
    from sklearn.metrics import average_precision_score

    return sk_binary_or_per_label(average_precision_score, y_pred, y)


@SETTINGS
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(4, 40),
    input_type=st.sampled_from(["binary", "multilabel", "multiclass"]),
    num_labels=st.integers(2, 4),
    tied=st.booleans(),
    data=st.data(),
)
def test_average_precision_matches_sklearn_for_any_batch_split(
    seed, n, input_type, num_labels, tied, data
):
    y_pred, y = ranking_input(seed, n, input_type, num_labels, tied)
    batches = split((y_pred, y), data.draw(batch_splits(n)))
    check_metric(AveragePrecision, batches, reference=lambda d: sk_average_precision(*d))


def test_label_without_positives_scores_zero_with_a_warning():
    ap = AveragePrecision()
    ap.update((torch.tensor([0.2, 0.7]), torch.tensor([0, 0])))
    with pytest.warns(UserWarning, match="No positive"):
        assert ap.compute() == 0.0


def test_multiclass_class_index_out_of_range_is_rejected():
    expect_value_error(
        lambda: AveragePrecision().update((torch.rand(2, 3), torch.tensor([0, 3]))),
        "AveragePrecision.update",
        "y holds 3",
    )


def test_three_dimensional_scores_are_rejected():
    expect_value_error(
        lambda: AveragePrecision().update((torch.rand(2, 3, 2), torch.tensor([0, 1]))),
        "(2, 3, 2)",
        "(N,) or (N, K)",
    )
