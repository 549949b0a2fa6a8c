"""ember_metrics.regression.distances: Manhattan, Canberra, Wave Hedges, mean pairwise distance.

Oracles: scipy.spatial.distance (cityblock, canberra, minkowski) and numpy formulas from the
definitions (regression_oracles).
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from regression_oracles import (
    assert_close,
    magnitudes,
    regression_data,
    run_metric,
    wave_hedges,
)
from scipy.spatial.distance import canberra, cityblock, minkowski

from ember.testing import check_metric
from ember_metrics import (
    CanberraMetric,
    ManhattanDistance,
    MeanPairwiseDistance,
    WaveHedgesDistance,
)

SETTINGS = settings(max_examples=30, deadline=None)

CASES = [
    (ManhattanDistance, lambda p, a: cityblock(a, p), "scipy cityblock", magnitudes()),
    (CanberraMetric, lambda p, a: canberra(a, p), "scipy canberra", magnitudes()),
    (WaveHedgesDistance, wave_hedges, "numpy", st.floats(0.05, 100)),
]
IDS = [case[0].__name__ for case in CASES]


@pytest.mark.parametrize(("cls", "oracle", "source", "elements"), CASES, ids=IDS)
@SETTINGS
@given(data=st.data())
def test_value_matches_the_oracle_for_any_batches(cls, oracle, source, elements, data):
    drawn = data.draw(regression_data(elements=elements))
    value = run_metric(cls(), drawn.batches)
    assert_close(
        value, oracle(drawn.y_pred.ravel(), drawn.y.ravel()), f"{cls.__name__} vs {source}"
    )


@pytest.mark.parametrize(("cls", "oracle", "source", "elements"), CASES, ids=IDS)
@SETTINGS
@given(data=st.data())
def test_any_split_into_batches_gives_the_value_of_one_batch(cls, oracle, source, elements, data):
    drawn = data.draw(regression_data(elements=elements))
    whole = tuple(torch.cat([batch[i] for batch in drawn.batches]) for i in range(2))
    split = run_metric(cls(), drawn.batches)
    assert_close(split, run_metric(cls(), [whole]), f"{cls.__name__} split", rtol=1e-10)


@SETTINGS
@given(
    data=st.data(),
    p=st.sampled_from([1, 2, 3, 1.5]),
    width=st.integers(1, 5),
)
def test_mean_pairwise_distance_matches_scipy_minkowski_per_row(data, p, width):
    # Oracle: scipy.spatial.distance.minkowski of each row, with eps=0.
    drawn = data.draw(regression_data(column=False, trailing=(width,)))
    value = run_metric(MeanPairwiseDistance(p=p, eps=0.0), drawn.batches)
    expected = np.mean([minkowski(a, b, p) for a, b in zip(drawn.y_pred, drawn.y, strict=True)])
    assert_close(value, expected, "MeanPairwiseDistance vs scipy minkowski")


@SETTINGS
@given(data=regression_data(column=False, trailing=(3,)), eps=st.floats(1e-6, 1e-2))
def test_mean_pairwise_distance_adds_eps_to_each_difference(data, eps):
    # Oracle: numpy, the norm of (P - A + eps) per row, as torch.nn.functional.pairwise_distance.
    value = run_metric(MeanPairwiseDistance(p=2, eps=eps), data.batches)
    expected = np.linalg.norm(data.y_pred - data.y + eps, axis=1).mean()
    assert_close(value, expected, "MeanPairwiseDistance with eps")


@pytest.mark.parametrize(("cls", "oracle", "source", "elements"), CASES, ids=IDS)
def test_follows_the_metric_protocol(cls, oracle, source, elements):
    generator = torch.Generator().manual_seed(13)
    y_pred = torch.rand(20, generator=generator) + 0.5
    y = torch.rand(20, generator=generator) + 0.5
    batches = [(y_pred[:7], y[:7]), (y_pred[7:], y[7:])]
    check_metric(
        cls,
        batches,
        reference=lambda joined: oracle(joined[0].double().numpy(), joined[1].double().numpy()),
        rtol=1e-6,
    )


def test_mean_pairwise_distance_follows_the_metric_protocol():
    generator = torch.Generator().manual_seed(17)
    y_pred, y = torch.randn(12, 4, generator=generator), torch.randn(12, 4, generator=generator)
    check_metric(
        functools.partial(MeanPairwiseDistance, p=1, eps=0.0),
        [(y_pred[:5], y[:5]), (y_pred[5:], y[5:])],
        reference=lambda joined: np.abs(joined[0].numpy() - joined[1].numpy()).sum(1).mean(),
        rtol=1e-6,
    )


@pytest.mark.parametrize(("p", "eps"), [(0, 1e-6), (-1, 1e-6), (2, -1.0), ("2", 1e-6)])
def test_mean_pairwise_distance_rejects_bad_arguments(p, eps):
    with pytest.raises(ValueError, match=r"MeanPairwiseDistance: argument (p|eps) should be"):
        MeanPairwiseDistance(p=p, eps=eps)


def test_distances_are_sums_that_grow_with_the_data():
    batch = (torch.tensor([1.0, 2.0]), torch.tensor([2.0, 4.0]))
    assert run_metric(ManhattanDistance(), [batch, batch]) == 2 * run_metric(
        ManhattanDistance(), [batch]
    )


@pytest.mark.parametrize("name", ["ManhattanDistance", "CanberraMetric", "WaveHedgesDistance"])
def test_matches_ignite_contrib_regression(name):
    ignite_regression = pytest.importorskip("ignite.metrics.regression")
    generator = torch.Generator().manual_seed(6)
    y_pred = torch.rand(20, generator=generator) + 0.1
    y = torch.rand(20, generator=generator) + 0.1
    batches = [(y_pred[:8], y[:8]), (y_pred[8:], y[8:])]
    ours = run_metric(globals()[name](), batches)
    theirs = run_metric(getattr(ignite_regression, name)(), batches)
    assert ours == pytest.approx(theirs, rel=1e-5)


def test_mean_pairwise_distance_matches_ignite():
    ignite_metrics = pytest.importorskip("ignite.metrics")
    generator = torch.Generator().manual_seed(8)
    batches = [(torch.randn(9, 3, generator=generator), torch.randn(9, 3, generator=generator))]
    ours = run_metric(MeanPairwiseDistance(p=3), batches)
    theirs = run_metric(ignite_metrics.MeanPairwiseDistance(p=3), batches)
    assert ours == pytest.approx(theirs, rel=1e-5)
