"""ember_metrics.regression.r2_score: the coefficient of determination.

Oracle: scikit-learn's r2_score.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import assume, given, settings
from regression_oracles import assert_close, regression_data, run_metric
from sklearn.metrics import r2_score

from ember.exceptions import NotComputableError
from ember.testing import check_metric
from ember_metrics import R2Score

SETTINGS = settings(max_examples=40, deadline=None)


@SETTINGS
@given(data=regression_data(min_rows=2))
def test_value_matches_sklearn_r2_score_for_any_batches(data):
    assume(data.y.std() > 0.1)
    expected = r2_score(data.y.ravel(), data.y_pred.ravel())
    assert_close(run_metric(R2Score(), data.batches), expected, "vs sklearn", rtol=1e-7)


@SETTINGS
@given(data=regression_data(min_rows=2))
def test_any_split_into_batches_gives_the_value_of_one_batch(data):
    assume(data.y.std() > 0.1)
    whole = tuple(torch.cat([batch[i] for batch in data.batches]) for i in range(2))
    assert_close(
        run_metric(R2Score(), data.batches), run_metric(R2Score(), [whole]), "split", rtol=1e-9
    )


def test_follows_the_metric_protocol():
    generator = torch.Generator().manual_seed(29)
    y = torch.randn(30, generator=generator)
    y_pred = y + 0.3 * torch.randn(30, generator=generator)
    check_metric(
        R2Score,
        [(y_pred[:10], y[:10]), (y_pred[10:], y[10:])],
        reference=lambda joined: r2_score(joined[1].numpy(), joined[0].numpy()),
        rtol=1e-5,
    )


def test_one_example_is_not_enough():
    metric = R2Score()
    metric.update((torch.tensor([1.0]), torch.tensor([2.0])))
    with pytest.raises(NotComputableError, match="R2Score must have at least two examples"):
        metric.compute()


def test_predicting_the_mean_scores_zero_and_perfect_predictions_one():
    y = torch.tensor([1.0, 2.0, 6.0])
    assert run_metric(R2Score(), [(torch.full_like(y, 3.0), y)]) == pytest.approx(0.0)
    assert run_metric(R2Score(), [(y, y)]) == 1.0


def test_matches_ignite_contrib_regression():
    ignite_regression = pytest.importorskip("ignite.metrics.regression")
    generator = torch.Generator().manual_seed(12)
    y_pred, y = torch.randn(20, generator=generator), torch.randn(20, generator=generator)
    batches = [(y_pred[:8], y[:8]), (y_pred[8:], y[8:])]
    theirs = run_metric(ignite_regression.R2Score(), batches)
    assert run_metric(R2Score(), batches) == pytest.approx(theirs, rel=1e-5)
