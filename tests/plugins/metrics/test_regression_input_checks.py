"""ember_metrics.regression._base and _checks: what every regression metric accepts and rejects.

Bad shapes and dtypes raise in ``update``; NaN (read on the device) is reported by ``compute``.
``update`` never reads a tensor value on the host.
"""

from __future__ import annotations

import math

import pytest
import torch
from regression_oracles import no_host_reads, run_metric

from ember.exceptions import NotComputableError
from ember_metrics import (
    CanberraMetric,
    FractionalAbsoluteError,
    FractionalBias,
    GeometricMeanAbsoluteError,
    GeometricMeanRelativeAbsoluteError,
    KendallRankCorrelation,
    ManhattanDistance,
    MaximumAbsoluteError,
    MeanAbsoluteError,
    MeanAbsoluteRelativeError,
    MeanError,
    MeanNormalizedBias,
    MeanPairwiseDistance,
    MeanSquaredError,
    MedianAbsoluteError,
    MedianAbsolutePercentageError,
    MedianRelativeAbsoluteError,
    PearsonCorrelation,
    R2Score,
    RootMeanSquaredError,
    SpearmanRankCorrelation,
    WaveHedgesDistance,
)

ANY_BATCH = [MeanAbsoluteError, MeanSquaredError, RootMeanSquaredError]
COLUMN = [
    CanberraMetric,
    FractionalAbsoluteError,
    FractionalBias,
    GeometricMeanAbsoluteError,
    GeometricMeanRelativeAbsoluteError,
    KendallRankCorrelation,
    ManhattanDistance,
    MaximumAbsoluteError,
    MeanAbsoluteRelativeError,
    MeanError,
    MeanNormalizedBias,
    MedianAbsoluteError,
    MedianAbsolutePercentageError,
    MedianRelativeAbsoluteError,
    PearsonCorrelation,
    R2Score,
    SpearmanRankCorrelation,
    WaveHedgesDistance,
]
ALL = [*ANY_BATCH, *COLUMN, MeanPairwiseDistance]


def _good_batch(cls):
    if cls is MeanPairwiseDistance:
        return torch.rand(4, 3) + 1, torch.rand(4, 3) + 1
    return torch.rand(4) + 1, torch.rand(4) + 1


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.__name__)
def test_update_never_reads_tensor_values_on_the_host(cls):
    metric = cls()
    with no_host_reads():
        metric.update(_good_batch(cls))
        metric.update(_good_batch(cls))
    metric.compute()


@pytest.mark.parametrize("cls", COLUMN, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("shape", [(4, 2), (4, 1, 1), ()])
def test_column_metrics_reject_other_shapes_naming_the_expected_one(cls, shape):
    with pytest.raises(ValueError, match="expected") as error:
        cls().update((torch.ones(shape), torch.ones(4)))
    assert f"{cls.__name__}.update: y_pred has shape {tuple(shape)}" in str(error.value)
    assert "expected (N,) or (N, 1)" in str(error.value)


@pytest.mark.parametrize("cls", COLUMN, ids=lambda cls: cls.__name__)
def test_column_metrics_accept_n_and_n_by_1_mixed(cls):
    y_pred = torch.tensor([1.0, 2.5, 3.0, 7.0])
    y = torch.tensor([2.0, 2.0, 4.0, 5.0])
    expected = run_metric(cls(), [(y_pred, y)])
    mixed = run_metric(cls(), [(y_pred[:, None], y)])
    assert mixed == pytest.approx(expected, nan_ok=True)


@pytest.mark.parametrize("cls", ANY_BATCH, ids=lambda cls: cls.__name__)
def test_batch_metrics_accept_n_and_n_by_1_mixed_like_ignite(cls):
    y_pred = torch.tensor([1.0, 2.5, 3.0, 7.0])
    y = torch.tensor([2.0, 2.0, 4.0, 5.0])
    expected = run_metric(cls(), [(y_pred, y)])
    assert run_metric(cls(), [(y_pred[:, None], y)]) == pytest.approx(expected)
    assert run_metric(cls(), [(y_pred, y[:, None])]) == pytest.approx(expected)


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.__name__)
def test_mismatched_shapes_name_both(cls):
    y_pred, y = _good_batch(cls)
    with pytest.raises(ValueError, match="but y has shape") as error:
        cls().update((y_pred, y[:3]))
    message = str(error.value)
    assert f"{cls.__name__}.update: y_pred has shape {tuple(y_pred.shape)}" in message
    assert f"but y has shape {tuple(y[:3].shape)}" in message
    assert "expected both of the same shape" in message


@pytest.mark.parametrize("cls", ANY_BATCH, ids=lambda cls: cls.__name__)
def test_batch_metrics_reject_a_scalar(cls):
    with pytest.raises(ValueError, match=rf"{cls.__name__}\.update: y_pred has shape \(\); "):
        cls().update((torch.tensor(1.0), torch.tensor(1.0)))


def test_mean_pairwise_distance_rejects_vectors_naming_the_expected_shape():
    with pytest.raises(ValueError, match=r"y has shape \(4,\); expected \(N, D\)"):
        MeanPairwiseDistance().update((torch.ones(4, 2), torch.ones(4)))


SUMMED_IN_INPUT_DTYPE = ("MeanAbsoluteError", "MeanSquaredError", "RootMeanSquaredError")


@pytest.mark.parametrize(
    "cls",
    [cls for cls in ALL if cls.__name__ not in SUMMED_IN_INPUT_DTYPE],
    ids=lambda c: c.__name__,
)
@pytest.mark.parametrize("argument", ["y_pred", "y"])
def test_nan_is_reported_by_compute_naming_the_argument_and_the_count(cls, argument):
    y_pred, y = _good_batch(cls)
    poisoned = {"y_pred": y_pred, "y": y}[argument]
    poisoned.view(-1)[:2] = float("nan")
    metric = cls()
    metric.update((y_pred, y))
    pattern = rf"{cls.__name__}: since the last reset, {argument} held 2 NaN value\(s\)"
    with pytest.raises(ValueError, match=pattern):
        metric.compute()


@pytest.mark.parametrize(
    "cls", [cls for cls in ALL if cls.__name__ in SUMMED_IN_INPUT_DTYPE], ids=lambda c: c.__name__
)
@pytest.mark.parametrize("argument", ["y_pred", "y"])
def test_nan_in_a_float_batch_summed_in_its_dtype_is_reported_by_compute(cls, argument):
    # These sum plain float batches in one or two operations and find NaN in the total.
    y_pred, y = _good_batch(cls)
    {"y_pred": y_pred, "y": y}[argument].view(-1)[:2] = float("nan")
    metric = cls()
    metric.update((y_pred, y))
    pattern = rf"{cls.__name__}: since the last reset, y_pred or y held NaN"
    with pytest.raises(ValueError, match=pattern):
        metric.compute()
    metric.reset()  # reset forgets it
    metric.update(_good_batch(cls))
    assert math.isfinite(metric.compute())


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize(
    ("output", "error", "pattern"),
    [
        (torch.ones(4), ValueError, r"output should be a pair \(y_pred, y\)"),
        ((torch.ones(4),), ValueError, r"output should be a pair \(y_pred, y\)"),
        (([1.0, 2.0], torch.ones(2)), TypeError, "y_pred should be a torch.Tensor, got list"),
        (
            (torch.ones(4, dtype=torch.bool), torch.ones(4)),
            TypeError,
            "y_pred has dtype torch.bool; expected a real floating point or integer dtype",
        ),
    ],
    ids=["tensor", "one-tuple", "list", "bool"],
)
def test_outputs_that_are_not_a_pair_of_real_tensors_are_rejected(cls, output, error, pattern):
    with pytest.raises(error, match=rf"{cls.__name__}\.update: {pattern}"):
        cls().update(output)


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.__name__)
def test_empty_batches_change_nothing(cls):
    y_pred, y = _good_batch(cls)
    metric = cls()
    metric.update((y_pred[:0], y[:0]))
    with pytest.raises(NotComputableError, match=f"{cls.__name__} must have at least"):
        metric.compute()
    metric.update((y_pred, y))
    metric.update((y_pred[:0], y[:0]))
    assert metric.compute() == pytest.approx(run_metric(cls(), [(y_pred, y)]), nan_ok=True)
