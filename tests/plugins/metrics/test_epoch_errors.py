"""ember_metrics.regression.epoch_errors: median errors and GMRAE, which keep every value.

Oracles: scikit-learn's median_absolute_error, scipy.stats.gmean, numpy.median with formulas
from the definitions (regression_oracles).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from regression_oracles import (
    assert_close,
    magnitudes,
    median_absolute_percentage_error,
    regression_data,
    relative_to_mean,
    run_metric,
)
from scipy.stats import gmean
from sklearn.metrics import median_absolute_error

from ember.metric.reduction import CollectiveHooks, set_collective_hooks
from ember.testing import check_metric
from ember_metrics import (
    GeometricMeanRelativeAbsoluteError,
    MedianAbsoluteError,
    MedianAbsolutePercentageError,
    MedianRelativeAbsoluteError,
)

SETTINGS = settings(max_examples=30, deadline=None)

CASES = [
    (MedianAbsoluteError, lambda p, a: median_absolute_error(a, p), "sklearn"),
    (MedianAbsolutePercentageError, median_absolute_percentage_error, "numpy"),
    (
        MedianRelativeAbsoluteError,
        lambda p, a: float(np.median(relative_to_mean(p, a))),
        "numpy",
    ),
    (
        GeometricMeanRelativeAbsoluteError,
        lambda p, a: float(gmean(relative_to_mean(p, a))),
        "scipy.stats.gmean",
    ),
]
IDS = [case[0].__name__ for case in CASES]


def _well_defined(drawn) -> bool:
    """Every relative error finite and nonzero: no target at the mean, no exact prediction."""
    a, p = drawn.y.ravel(), drawn.y_pred.ravel()
    return bool(np.all(np.abs(a - a.mean()) > 1e-3) and np.all(np.abs(a - p) > 1e-3))


@pytest.mark.parametrize(("cls", "oracle", "source"), CASES, ids=IDS)
@SETTINGS
@given(data=regression_data(elements=magnitudes(), min_rows=2))
def test_value_matches_the_oracle_for_any_batches(cls, oracle, source, data):
    assume(_well_defined(data))
    value = run_metric(cls(), data.batches)
    assert_close(value, oracle(data.y_pred.ravel(), data.y.ravel()), f"{cls.__name__} vs {source}")


@pytest.mark.parametrize(("cls", "oracle", "source"), CASES, ids=IDS)
@SETTINGS
@given(data=regression_data(elements=magnitudes(), min_rows=2))
def test_any_split_into_batches_gives_the_value_of_one_batch(cls, oracle, source, data):
    whole = tuple(torch.cat([batch[i] for batch in data.batches]) for i in range(2))
    split = run_metric(cls(), data.batches)
    assert_close(split, run_metric(cls(), [whole]), f"{cls.__name__} split", rtol=1e-12)


@pytest.mark.parametrize(("cls", "oracle", "source"), CASES, ids=IDS)
def test_follows_the_metric_protocol(cls, oracle, source):
    generator = torch.Generator().manual_seed(19)
    y_pred = torch.rand(21, generator=generator) + 0.5
    y = torch.rand(21, generator=generator) + 0.5
    batches = [(y_pred[:6], y[:6]), (y_pred[6:], y[6:])]
    check_metric(
        cls,
        batches,
        reference=lambda joined: oracle(joined[0].double().numpy(), joined[1].double().numpy()),
        rtol=1e-6,
    )


@SETTINGS
@given(values=st.lists(st.floats(-50, 50), min_size=1, max_size=30))
def test_the_median_of_an_even_count_is_the_mean_of_the_two_middle_values(values):
    # Oracle: numpy.median (which averages the middle pair).
    y = torch.tensor(values, dtype=torch.float64)
    value = run_metric(MedianAbsoluteError(), [(torch.zeros_like(y), y)])
    assert_close(value, float(np.median(np.abs(values))), "MedianAbsoluteError")


def test_stored_values_are_copies_of_the_callers_buffers():
    metric = MedianAbsoluteError()
    y_pred, y = torch.tensor([1.0, 2.0]), torch.tensor([1.0, 5.0])
    metric.update((y_pred, y))
    y.fill_(100.0)
    assert metric.compute() == 1.5


def test_values_of_every_process_are_gathered_at_compute():
    # Two fake processes: this one holds [0, 1], the other [10, 20, 30] (absolute errors).
    other = torch.tensor([10.0, 20.0, 30.0], dtype=torch.float64)

    def all_gather(value):
        if isinstance(value, torch.Tensor):
            return [value, other if value.abs().sum() > 0 else torch.zeros(3, dtype=value.dtype)]
        return [value, value]

    hooks = CollectiveHooks(
        get_world_size=lambda: 2,
        get_rank=lambda: 0,
        all_reduce=lambda value, op: value * 2 if op == "SUM" else value,
        all_gather=all_gather,
    )
    metric = MedianAbsoluteError()
    metric.update((torch.tensor([0.0, 0.0]), torch.tensor([0.0, 1.0])))
    previous = set_collective_hooks(hooks)
    try:
        # Gathered absolute errors: [0, 1, 10, 20, 30] -> median 10.
        assert metric.compute() == 10.0
    finally:
        set_collective_hooks(previous)
    assert metric.compute() == 0.5


@pytest.mark.parametrize("name", [case[0].__name__ for case in CASES])
def test_matches_ignite_contrib_regression(name):
    ignite_regression = pytest.importorskip("ignite.metrics.regression")
    generator = torch.Generator().manual_seed(9)
    y_pred = torch.rand(20, generator=generator) + 0.1
    y = torch.rand(20, generator=generator) + 0.1
    batches = [(y_pred[:8], y[:8]), (y_pred[8:], y[8:])]
    ours = run_metric(globals()[name](), batches)
    theirs = run_metric(getattr(ignite_regression, name)(), batches)
    assert ours == pytest.approx(theirs, rel=1e-5)
