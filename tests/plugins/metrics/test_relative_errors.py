"""ember_metrics.regression.relative_errors: MARE, mean normalized bias, fractional errors.

Oracles: scikit-learn's mean_absolute_percentage_error for MARE, numpy formulas from the
definitions (regression_oracles) for the others.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from regression_oracles import (
    assert_close,
    fractional_absolute_error,
    fractional_bias,
    magnitudes,
    mean_normalized_bias,
    regression_data,
    run_metric,
)
from sklearn.metrics import mean_absolute_percentage_error

from ember.testing import check_metric
from ember_metrics import (
    FractionalAbsoluteError,
    FractionalBias,
    MeanAbsoluteRelativeError,
    MeanNormalizedBias,
)

SETTINGS = settings(max_examples=30, deadline=None)
POSITIVE = st.floats(0.05, 100)

# (metric, oracle on flat float64 arrays (y_pred, y), which oracle, elements)
CASES = [
    (
        MeanAbsoluteRelativeError,
        lambda p, a: mean_absolute_percentage_error(a, p),
        "sklearn",
        magnitudes(),
    ),
    (MeanNormalizedBias, mean_normalized_bias, "numpy", magnitudes()),
    (FractionalAbsoluteError, fractional_absolute_error, "numpy", magnitudes()),
    # A + P must stay away from 0 for the fractional bias: positive values, as it is meant for.
    (FractionalBias, fractional_bias, "numpy", POSITIVE),
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


@pytest.mark.parametrize(("cls", "oracle", "source", "elements"), CASES, ids=IDS)
def test_follows_the_metric_protocol(cls, oracle, source, elements):
    generator = torch.Generator().manual_seed(11)
    y_pred = torch.rand(25, generator=generator) + 0.5
    y = torch.rand(25, generator=generator) + 0.5
    batches = [(y_pred[:9], y[:9]), (y_pred[9:], y[9:])]
    check_metric(
        cls,
        batches,
        reference=lambda joined: oracle(joined[0].double().numpy(), joined[1].double().numpy()),
        rtol=1e-6,
    )


@pytest.mark.parametrize("cls", [MeanAbsoluteRelativeError, MeanNormalizedBias])
def test_a_zero_target_is_reported_at_compute_with_its_count(cls):
    metric = cls()
    metric.update((torch.tensor([1.0, 2.0]), torch.tensor([1.0, 0.0])))
    metric.update((torch.tensor([1.0]), torch.tensor([0.0])))
    with pytest.raises(ValueError, match=rf"{cls.__name__}: .*y held 2 zero value\(s\)"):
        metric.compute()
    metric.reset()
    metric.update((torch.tensor([1.0]), torch.tensor([2.0])))
    assert metric.compute() == 0.5


def test_fractional_bias_counts_two_zeros_as_no_bias():
    batch = (torch.tensor([0.0, 1.0]), torch.tensor([0.0, 3.0]))
    assert run_metric(FractionalBias(), [batch]) == pytest.approx(0.5)


@pytest.mark.parametrize(
    "name",
    [
        "MeanAbsoluteRelativeError",
        "MeanNormalizedBias",
        "FractionalAbsoluteError",
        "FractionalBias",
    ],
)
def test_matches_ignite_contrib_regression(name):
    ignite_regression = pytest.importorskip("ignite.metrics.regression")
    generator = torch.Generator().manual_seed(5)
    y_pred = torch.rand(20, 1, generator=generator) + 0.1
    y = torch.rand(20, 1, generator=generator) + 0.1
    batches = [(y_pred[:8], y[:8]), (y_pred[8:], y[8:])]
    ours = run_metric(globals()[name](), batches)
    theirs = run_metric(getattr(ignite_regression, name)(), batches)
    assert ours == pytest.approx(theirs, rel=1e-5)
