"""ember_metrics.regression.rank_correlations: Spearman's rho and Kendall's tau in torch.

Oracles: scipy.stats.spearmanr and scipy.stats.kendalltau; a brute-force pair count for the
inversion counter.
"""

from __future__ import annotations

import functools
import itertools
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from regression_oracles import assert_close, regression_data, run_metric
from scipy.stats import kendalltau, spearmanr

from ember.testing import check_metric
from ember_metrics import KendallRankCorrelation, SpearmanRankCorrelation
from ember_metrics.regression.rank_correlations import count_inversions

SETTINGS = settings(max_examples=40, deadline=None)
# Small integers make ties (and constant inputs) likely; floats make them rare.
WITH_TIES = st.one_of(st.integers(-3, 3).map(float), st.floats(-100, 100))


def _quiet(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy warns on constant input before returning NaN
        return function(*args, **kwargs).statistic


ORACLES = {
    "spearman": (SpearmanRankCorrelation, lambda p, a: _quiet(spearmanr, p, a)),
    "kendall_b": (
        functools.partial(KendallRankCorrelation, variant="b"),
        lambda p, a: _quiet(kendalltau, p, a, variant="b"),
    ),
    "kendall_c": (
        functools.partial(KendallRankCorrelation, variant="c"),
        lambda p, a: _quiet(kendalltau, p, a, variant="c"),
    ),
}


@pytest.mark.parametrize("name", list(ORACLES))
@SETTINGS
@given(data=regression_data(elements=WITH_TIES))
def test_value_matches_scipy_with_ties_and_constant_inputs(name, data):
    factory, oracle = ORACLES[name]
    expected = float(oracle(data.y_pred.ravel(), data.y.ravel()))
    assert_close(run_metric(factory(), data.batches), expected, f"{name} vs scipy", rtol=1e-9)


@pytest.mark.parametrize("name", list(ORACLES))
@SETTINGS
@given(data=regression_data(elements=WITH_TIES))
def test_any_split_into_batches_gives_the_value_of_one_batch(name, data):
    factory, _ = ORACLES[name]
    whole = tuple(torch.cat([batch[i] for batch in data.batches]) for i in range(2))
    assert_close(run_metric(factory(), data.batches), run_metric(factory(), [whole]), name)


@pytest.mark.parametrize("name", list(ORACLES))
def test_matches_scipy_on_a_few_thousand_values(name):
    factory, oracle = ORACLES[name]
    generator = torch.Generator().manual_seed(31)
    y = torch.randint(0, 50, (3001,), generator=generator).double()
    y_pred = y + 20 * torch.randn(3001, generator=generator, dtype=torch.float64)
    batches = [(y_pred[:1000], y[:1000]), (y_pred[1000:], y[1000:])]
    expected = oracle(y_pred.numpy(), y.numpy())
    assert run_metric(factory(), batches) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("name", list(ORACLES))
def test_follows_the_metric_protocol(name):
    factory, oracle = ORACLES[name]
    generator = torch.Generator().manual_seed(37)
    y_pred = torch.randn(25, generator=generator)
    y = torch.randint(0, 4, (25,), generator=generator).float()
    check_metric(
        factory,
        [(y_pred[:10], y[:10]), (y_pred[10:], y[10:])],
        reference=lambda joined: oracle(joined[0].numpy(), joined[1].numpy()),
        rtol=1e-9,
    )


@settings(max_examples=50, deadline=None)
@given(values=st.lists(st.integers(-4, 4), max_size=40))
def test_count_inversions_counts_every_strictly_decreasing_pair(values):
    # Oracle: brute force over all pairs i < j.
    expected = sum(a > b for a, b in itertools.combinations(values, 2))
    assert int(count_inversions(torch.tensor(values, dtype=torch.float64))) == expected


def test_kendall_rejects_an_unknown_variant():
    with pytest.raises(ValueError, match="KendallRankCorrelation: argument variant should be"):
        KendallRankCorrelation(variant="a")


@pytest.mark.parametrize("name", ["SpearmanRankCorrelation", "KendallRankCorrelation"])
def test_matches_ignite_contrib_regression(name):
    ignite_regression = pytest.importorskip("ignite.metrics.regression")
    generator = torch.Generator().manual_seed(14)
    y_pred = torch.randint(0, 5, (30,), generator=generator).float()
    y = torch.randint(0, 5, (30,), generator=generator).float()
    batches = [(y_pred[:12], y[:12]), (y_pred[12:], y[12:])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = run_metric(getattr(ignite_regression, name)(), batches)
    assert run_metric(globals()[name](), batches) == pytest.approx(float(np.float64(theirs)))
