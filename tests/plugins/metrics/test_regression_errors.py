"""ember_metrics.regression.errors: MAE, MSE, RMSE, mean error, maximum and geometric mean error.

Oracles: scikit-learn (mean_absolute_error, mean_squared_error, root_mean_squared_error,
max_error), scipy.stats.gmean, and numpy formulas from the definitions (regression_oracles).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from regression_oracles import (
    assert_close,
    magnitudes,
    mean_error,
    per_example_sum_mean,
    regression_data,
    run_metric,
)
from scipy.stats import gmean
from sklearn.metrics import (
    max_error,
    mean_absolute_error,
    mean_squared_error,
    root_mean_squared_error,
)

from ember.testing import check_metric
from ember_metrics import (
    GeometricMeanAbsoluteError,
    MaximumAbsoluteError,
    MeanAbsoluteError,
    MeanError,
    MeanSquaredError,
    RootMeanSquaredError,
)

SETTINGS = settings(max_examples=30, deadline=None)

# (metric, oracle on flat float64 arrays (y_pred, y), which oracle)
CASES = [
    (MeanAbsoluteError, lambda p, a: mean_absolute_error(a, p), "sklearn"),
    (MeanSquaredError, lambda p, a: mean_squared_error(a, p), "sklearn"),
    (RootMeanSquaredError, lambda p, a: root_mean_squared_error(a, p), "sklearn"),
    (MaximumAbsoluteError, lambda p, a: max_error(a, p), "sklearn"),
    (MeanError, mean_error, "numpy"),
    (GeometricMeanAbsoluteError, lambda p, a: gmean(np.abs(a - p)), "scipy.stats.gmean"),
]
IDS = [case[0].__name__ for case in CASES]
# These sum a float32 batch in float32 (as Ignite does; see ErrorSum) and accumulate in float64.
IN_INPUT_DTYPE = (MeanAbsoluteError, MeanSquaredError, RootMeanSquaredError)


def rtol_for(cls, batches, exact: float = 1e-7) -> float:
    """``exact`` unless ``cls`` sums float32 batches in float32: then float32's precision."""
    float32 = any(batch[0].dtype == torch.float32 for batch in batches)
    return 1e-5 if float32 and cls in IN_INPUT_DTYPE else exact


@pytest.mark.parametrize(("cls", "oracle", "source"), CASES, ids=IDS)
@SETTINGS
@given(data=regression_data(elements=magnitudes()))
def test_value_matches_the_oracle_for_any_batches(cls, oracle, source, data):
    value = run_metric(cls(), data.batches)
    expected = oracle(data.y_pred.ravel(), data.y.ravel())
    assert_close(value, expected, f"{cls.__name__} vs {source}", rtol_for(cls, data.batches))


@pytest.mark.parametrize(("cls", "oracle", "source"), CASES, ids=IDS)
@SETTINGS
@given(data=regression_data(elements=magnitudes()))
def test_any_split_into_batches_gives_the_value_of_one_batch(cls, oracle, source, data):
    whole = tuple(torch.cat([batch[i] for batch in data.batches]) for i in range(2))
    split = run_metric(cls(), data.batches)
    rtol = rtol_for(cls, data.batches, exact=1e-10)
    assert_close(split, run_metric(cls(), [whole]), f"{cls.__name__} split", rtol)


@pytest.mark.parametrize(
    ("cls", "oracle"),
    [
        (MeanAbsoluteError, lambda p, a: per_example_sum_mean(np.abs(a - p))),
        (MeanSquaredError, lambda p, a: per_example_sum_mean((a - p) ** 2)),
        (RootMeanSquaredError, lambda p, a: math.sqrt(per_example_sum_mean((a - p) ** 2))),
    ],
    ids=["MeanAbsoluteError", "MeanSquaredError", "RootMeanSquaredError"],
)
@SETTINGS
@given(data=regression_data(column=False))
def test_multidimensional_errors_are_summed_per_example_and_averaged_over_examples(
    cls, oracle, data
):
    # Oracle: numpy, Ignite's rule sum(errors) / N for inputs (N, ...).
    value, expected = run_metric(cls(), data.batches), oracle(data.y_pred, data.y)
    assert_close(value, expected, cls.__name__, rtol_for(cls, data.batches))


@pytest.mark.parametrize(("cls", "oracle", "source"), CASES, ids=IDS)
def test_follows_the_metric_protocol(cls, oracle, source):
    generator = torch.Generator().manual_seed(7)
    y_pred = torch.randn(30, generator=generator)
    y = torch.randn(30, generator=generator)
    batches = [(y_pred[:11], y[:11]), (y_pred[11:], y[11:])]
    check_metric(
        cls,
        batches,
        reference=lambda joined: oracle(joined[0].double().numpy(), joined[1].double().numpy()),
        rtol=1e-6,
    )


@pytest.mark.parametrize("cls", IN_INPUT_DTYPE, ids=lambda cls: cls.__name__)
def test_the_fast_path_agrees_with_the_checked_float64_path(cls):
    # A list output skips the fast path: the checked path converts to float64 first.
    generator = torch.Generator().manual_seed(11)
    y_pred, y = torch.randn(2, 300, generator=generator, dtype=torch.float64)
    checked = run_metric(cls(), [[y_pred, y]])
    assert run_metric(cls(), [(y_pred, y)]) == pytest.approx(checked, rel=1e-12)
    fast32 = run_metric(cls(), [(y_pred.float(), y.float())])
    assert fast32 == pytest.approx(run_metric(cls(), [[y_pred.float(), y.float()]]), rel=1e-6)


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.float16, torch.bfloat16])
def test_integer_and_half_precision_inputs_give_the_float64_value(dtype):
    y_pred = torch.tensor([1, 4, -2, 8]).to(dtype)
    y = torch.tensor([3, 4, 1, 2]).to(dtype)
    for cls in (MeanAbsoluteError, MeanSquaredError, MaximumAbsoluteError, MeanError):
        expected = run_metric(cls(), [(y_pred.double(), y.double())])
        assert run_metric(cls(), [(y_pred, y)]) == expected


def test_root_mean_squared_error_is_the_root_of_mean_squared_error():
    batch = (torch.tensor([0.0, 3.0, 1.0]), torch.tensor([4.0, 0.0, 1.0]))
    assert run_metric(RootMeanSquaredError(), [batch]) == pytest.approx(
        math.sqrt(run_metric(MeanSquaredError(), [batch]))
    )


def test_one_exact_prediction_makes_the_geometric_mean_absolute_error_zero():
    batch = (torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 5.0, 9.0]))
    assert run_metric(GeometricMeanAbsoluteError(), [batch]) == 0.0


def test_maximum_absolute_error_keeps_the_largest_error_of_earlier_batches():
    metric = MaximumAbsoluteError()
    metric.update((torch.tensor([0.0]), torch.tensor([5.0])))
    metric.update((torch.tensor([1.0, 2.0]), torch.tensor([1.5, 2.5])))
    assert metric.compute() == 5.0


@SETTINGS
@given(rows=st.integers(1, 20), dtype=st.sampled_from([torch.float32, torch.float64]))
def test_accumulators_stay_on_the_metric_device_as_float64(rows, dtype):
    metric = MeanSquaredError(device="cpu")
    metric.update((torch.ones(rows, dtype=dtype), torch.zeros(rows, dtype=dtype)))
    assert metric._sum_of_errors.dtype == torch.float64
    assert metric._sum_of_errors.device == torch.device("cpu")
    assert metric.compute() == 1.0


@pytest.mark.parametrize(
    "name",
    ["MeanAbsoluteError", "MeanSquaredError", "RootMeanSquaredError"],
)
def test_matches_ignite_on_multidimensional_inputs(name):
    ignite_metrics = pytest.importorskip("ignite.metrics")
    generator = torch.Generator().manual_seed(3)
    batches = [
        (torch.randn(6, 2, 3, generator=generator), torch.randn(6, 2, 3, generator=generator))
    ]
    ours = run_metric(globals()[name](), batches)
    theirs = run_metric(getattr(ignite_metrics, name)(), batches)
    assert ours == pytest.approx(theirs, rel=1e-5)


@pytest.mark.parametrize(
    "name", ["MeanError", "MaximumAbsoluteError", "GeometricMeanAbsoluteError"]
)
def test_matches_ignite_contrib_regression(name):
    ignite_regression = pytest.importorskip("ignite.metrics.regression")
    generator = torch.Generator().manual_seed(4)
    y_pred, y = torch.randn(20, generator=generator), torch.randn(20, generator=generator)
    batches = [(y_pred[:8], y[:8]), (y_pred[8:], y[8:])]
    ours = run_metric(globals()[name](), batches)
    theirs = run_metric(getattr(ignite_regression, name)(), batches)
    assert ours == pytest.approx(theirs, rel=1e-5)
