"""EpochMetric: protocol, numpy oracle, input checks, the compute_fn check, distributed gather."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from classification_oracles import batch_splits, expect_value_error, split
from hypothesis import given, settings
from hypothesis import strategies as st

from ember.exceptions import NotComputableError
from ember.metric.reduction import CollectiveHooks, set_collective_hooks
from ember.testing import check_metric
from ember_metrics import EpochMetric
from ember_metrics.aggregation.epoch_metric import EpochMetricWarning

SETTINGS = settings(max_examples=30, deadline=None)


def median_absolute_error(y_preds, y_targets):
    return (y_preds - y_targets).abs().median().item()


def sum_of_all(y_preds, y_targets):
    return (y_preds.sum() + y_targets.sum()).item()


@SETTINGS
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(1, 30),
    width=st.sampled_from([0, 1, 3]),
    data=st.data(),
)
def test_compute_fn_sees_all_batches_for_any_split(seed, n, width, data):
    # Oracle: numpy's median of |y_pred - y| over all values ((N, 1) is squeezed to (N,)).
    g = torch.Generator().manual_seed(seed)
    shape = (n,) if width == 0 else (n, width)
    y_pred, y = torch.randn(shape, generator=g), torch.randn(shape, generator=g)
    batches = split((y_pred, y), data.draw(batch_splits(n)))
    values = np.abs(y_pred.numpy() - y.numpy()).ravel()
    # torch's median is the lower of the two middle values for an even count.
    expected = float(np.sort(values)[(values.size - 1) // 2])
    check_metric(
        functools.partial(EpochMetric, median_absolute_error), batches, reference=lambda _: expected
    )


def test_failing_compute_fn_warns_on_the_first_batch():
    def needs_two_columns(y_preds, y_targets):
        return y_preds[:, 1].sum().item()

    with pytest.warns(EpochMetricWarning, match="compute_fn failed"):
        EpochMetric(needs_two_columns).update((torch.ones(3), torch.ones(3)))
    metric = EpochMetric(needs_two_columns, check_compute_fn=False)
    metric.update((torch.ones(3), torch.ones(3)))  # no warning when not asked


def test_result_is_cached_until_the_next_update():
    calls = []

    def counting(y_preds, y_targets):
        calls.append(1)
        return len(y_preds)

    metric = EpochMetric(counting, check_compute_fn=False)
    metric.update((torch.ones(2), torch.ones(2)))
    assert (metric.compute(), metric.compute(), len(calls)) == (2, 2, 1)
    metric.update((torch.ones(1), torch.ones(1)))
    assert (metric.compute(), len(calls)) == (3, 2)


def test_stored_batches_are_copies():
    y_pred = torch.zeros(2)
    metric = EpochMetric(sum_of_all)
    metric.update((y_pred, torch.zeros(2)))
    y_pred += 5
    assert metric.compute() == 0.0


def test_distributed_compute_gathers_every_rank():
    other_rank = (torch.tensor([10.0]), torch.tensor([20.0]))
    hooks = CollectiveHooks(
        get_world_size=lambda: 2,
        get_rank=lambda: 0,
        all_reduce=lambda value, op: value,
        all_gather=lambda value: [value, other_rank],
    )
    metric = EpochMetric(sum_of_all)
    metric.update((torch.tensor([1.0]), torch.tensor([2.0])))
    previous = set_collective_hooks(hooks)
    try:
        assert metric.compute() == 33.0
    finally:
        set_collective_hooks(previous)


def test_rank_without_data_still_computes_from_the_others():
    hooks = CollectiveHooks(
        get_world_size=lambda: 2,
        get_rank=lambda: 1,
        all_reduce=lambda value, op: value,
        all_gather=lambda value: [(torch.tensor([1.0]), torch.tensor([1.0])), value],
    )
    previous = set_collective_hooks(hooks)
    try:
        assert EpochMetric(sum_of_all).compute() == 2.0
    finally:
        set_collective_hooks(previous)


def test_compute_before_update_is_not_computable():
    with pytest.raises(NotComputableError, match="EpochMetric"):
        EpochMetric(sum_of_all).compute()


def test_three_dimensional_or_mismatched_input_is_rejected():
    expect_value_error(
        lambda: EpochMetric(sum_of_all).update((torch.ones(2, 2, 2), torch.ones(2))),
        "EpochMetric.update",
        "(2, 2, 2)",
    )
    expect_value_error(
        lambda: EpochMetric(sum_of_all).update((torch.ones(3), torch.ones(2))), "same N"
    )


def test_changing_dtype_or_width_between_updates_is_rejected():
    metric = EpochMetric(sum_of_all)
    metric.update((torch.ones(2, 3), torch.ones(2)))
    expect_value_error(lambda: metric.update((torch.ones(2, 4), torch.ones(2))), "trailing shape")
    expect_value_error(
        lambda: metric.update((torch.ones(2, 3), torch.ones(2, dtype=torch.int64))), "torch.int64"
    )


def test_compute_fn_must_be_callable():
    with pytest.raises(TypeError, match="compute_fn"):
        EpochMetric("auc")


def test_loading_a_state_replaces_a_cached_result():
    metric = EpochMetric(sum_of_all)
    metric.update((torch.ones(2), torch.ones(2)))
    assert metric.compute() == 4.0
    other = EpochMetric(sum_of_all)
    other.update((torch.zeros(1), torch.zeros(1)))
    metric.load_state_dict(other.state_dict())
    assert metric.compute() == 0.0
