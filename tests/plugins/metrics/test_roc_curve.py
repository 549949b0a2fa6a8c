"""RocCurve: protocol, scikit-learn oracle (roc_curve), binary input only."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from classification_oracles import (
    batch_splits,
    check_wrapped,
    expect_value_error,
    ranking_input,
    split,
    stacked,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from ember_metrics import RocCurve

SETTINGS = settings(max_examples=30, deadline=None)


def sk_roc_curve(y_pred, y):
    # Oracle: sklearn.metrics.roc_curve (drop_intermediate=True), stacked as (3, L).
    from sklearn.metrics import roc_curve

    return np.stack(roc_curve(y.numpy(), y_pred.numpy()))


@SETTINGS
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(2, 40),
    tied=st.booleans(),
    score_dtype=st.sampled_from([torch.float32, torch.float64]),
    data=st.data(),
)
def test_roc_curve_matches_sklearn_for_any_batch_split(seed, n, tied, score_dtype, data):
    y_pred, y = ranking_input(seed, n, "binary", tied=tied, score_dtype=score_dtype)
    batches = split((y_pred, y), data.draw(batch_splits(n)))
    check_wrapped(stacked, RocCurve, batches, reference=lambda d: sk_roc_curve(*d))


def test_curve_is_float64_and_starts_at_the_origin_with_an_infinite_threshold():
    curve = RocCurve()
    curve.update((torch.tensor([0.3, 0.6, 0.9]), torch.tensor([0, 1, 1])))
    fpr, tpr, thresholds = curve.compute()
    assert fpr.dtype == tpr.dtype == thresholds.dtype == torch.float64
    assert (fpr[0].item(), tpr[0].item(), math.isinf(thresholds[0].item())) == (0.0, 0.0, True)


def test_no_negative_targets_gives_nan_false_positive_rate_with_a_warning():
    curve = RocCurve()
    curve.update((torch.tensor([0.3, 0.6]), torch.tensor([1, 1])))
    with pytest.warns(UserWarning, match="No negative"):
        fpr, _, _ = curve.compute()
    assert torch.isnan(fpr).all()


def test_multilabel_input_is_rejected():
    expect_value_error(
        lambda: RocCurve().update((torch.rand(4, 2), torch.ones(4, 2))),
        "RocCurve.update",
        "binary input",
    )
