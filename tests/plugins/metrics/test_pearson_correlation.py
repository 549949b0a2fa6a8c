"""ember_metrics.regression.pearson_correlation: Pearson's r from running sums.

Oracle: scipy.stats.pearsonr.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from regression_oracles import assert_close, regression_data, run_metric
from scipy.stats import pearsonr

from ember.testing import check_metric
from ember_metrics import PearsonCorrelation

SETTINGS = settings(max_examples=40, deadline=None)


def _varied(drawn) -> bool:
    return bool(drawn.y_pred.std() > 0.1 and drawn.y.std() > 0.1)


@SETTINGS
@given(data=regression_data(min_rows=2))
def test_value_matches_scipy_pearsonr_for_any_batches(data):
    assume(_varied(data))
    expected = pearsonr(data.y_pred.ravel(), data.y.ravel()).statistic
    assert_close(run_metric(PearsonCorrelation(), data.batches), expected, "vs scipy", rtol=1e-6)


@SETTINGS
@given(data=regression_data(min_rows=2))
def test_any_split_into_batches_gives_the_value_of_one_batch(data):
    assume(_varied(data))
    whole = tuple(torch.cat([batch[i] for batch in data.batches]) for i in range(2))
    split = run_metric(PearsonCorrelation(), data.batches)
    assert_close(split, run_metric(PearsonCorrelation(), [whole]), "split", rtol=1e-9)


def test_follows_the_metric_protocol():
    generator = torch.Generator().manual_seed(23)
    y_pred = torch.randn(30, generator=generator)
    y = y_pred + 0.5 * torch.randn(30, generator=generator)
    check_metric(
        PearsonCorrelation,
        [(y_pred[:12], y[:12]), (y_pred[12:], y[12:])],
        reference=lambda joined: pearsonr(joined[0].numpy(), joined[1].numpy()).statistic,
        rtol=1e-5,
    )


def test_constant_predictions_give_zero_as_in_ignite():
    batch = (torch.full((5,), 2.0), torch.arange(5.0))
    assert run_metric(PearsonCorrelation(), [batch]) == 0.0


def test_perfectly_linear_data_gives_one_and_minus_one():
    x = torch.arange(10.0)
    assert run_metric(PearsonCorrelation(), [(x, 3 * x + 1)]) == pytest.approx(1.0)
    assert run_metric(PearsonCorrelation(), [(x, -x)]) == pytest.approx(-1.0)


@pytest.mark.parametrize("eps", [-1.0, "small", True])
def test_rejects_a_bad_eps(eps):
    with pytest.raises(ValueError, match="PearsonCorrelation: argument eps should be"):
        PearsonCorrelation(eps=eps)


def test_eps_bounds_the_denominator():
    # Oracle: numpy, cov / max(std_p * std_a, eps) with population moments.
    p, a = np.array([0.0, 0.001, 0.0]), np.array([0.0, 0.001, 0.002])
    cov = np.mean(p * a) - p.mean() * a.mean()
    expected = cov / max(p.std() * a.std(), 0.1)
    metric = functools.partial(PearsonCorrelation, eps=0.1)
    assert run_metric(metric(), [(torch.tensor(p), torch.tensor(a))]) == pytest.approx(expected)


def test_matches_ignite_contrib_regression():
    ignite_regression = pytest.importorskip("ignite.metrics.regression")
    generator = torch.Generator().manual_seed(10)
    y_pred, y = torch.randn(20, generator=generator), torch.randn(20, generator=generator)
    batches = [(y_pred[:8], y[:8]), (y_pred[8:], y[8:])]
    theirs = run_metric(ignite_regression.PearsonCorrelation(), batches)
    assert run_metric(PearsonCorrelation(), batches) == pytest.approx(theirs, rel=1e-5)
