"""PrecisionRecallCurve: protocol, scikit-learn oracle (precision_recall_curve), binary input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from classification_oracles import (
    batch_splits,
    check_wrapped,
    expect_value_error,
    ranking_input,
    split,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from ember_metrics import PrecisionRecallCurve

SETTINGS = settings(max_examples=30, deadline=None)


def concatenated(curves):
    """The three curves (of lengths L + 1, L + 1, L) joined into one float64 vector."""
    return torch.cat([torch.as_tensor(c, dtype=torch.float64) for c in curves])


def sk_precision_recall_curve(y_pred, y):
    # Oracle: sklearn.metrics.precision_recall_curve, joined like the metric's value.
    from sklearn.metrics import precision_recall_curve

    return np.concatenate(precision_recall_curve(y.numpy(), y_pred.numpy()))


@SETTINGS
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(2, 40),
    tied=st.booleans(),
    score_dtype=st.sampled_from([torch.float32, torch.float64]),
    data=st.data(),
)
def test_curve_matches_sklearn_for_any_batch_split(seed, n, tied, score_dtype, data):
    y_pred, y = ranking_input(seed, n, "binary", tied=tied, score_dtype=score_dtype)
    batches = split((y_pred, y), data.draw(batch_splits(n)))
    check_wrapped(
        concatenated,
        PrecisionRecallCurve,
        batches,
        reference=lambda d: sk_precision_recall_curve(*d),
    )


def test_curve_ends_at_precision_one_recall_zero():
    curve = PrecisionRecallCurve()
    curve.update((torch.tensor([0.2, 0.4, 0.9]), torch.tensor([1, 0, 1])))
    precision, recall, thresholds = curve.compute()
    assert (precision[-1].item(), recall[-1].item()) == (1.0, 0.0)
    assert len(precision) == len(recall) == len(thresholds) + 1


def test_no_positive_targets_sets_recall_to_one_with_a_warning():
    curve = PrecisionRecallCurve()
    curve.update((torch.tensor([0.2, 0.4]), torch.tensor([0, 0])))
    with pytest.warns(UserWarning, match="No positive"):
        _, recall, _ = curve.compute()
    assert recall[:-1].tolist() == [1.0, 1.0]


def test_multiclass_input_is_rejected():
    expect_value_error(
        lambda: PrecisionRecallCurve().update((torch.rand(4, 3), torch.tensor([0, 1, 2, 0]))),
        "PrecisionRecallCurve.update",
        "binary input",
    )
