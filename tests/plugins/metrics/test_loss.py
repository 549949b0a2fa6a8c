"""Loss: protocol, oracle (the loss function on all data, computed by torch once), bad input."""

from __future__ import annotations

import functools
import math

import pytest
import torch
from classification_oracles import batch_splits, expect_value_error, multiclass_input, split
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.nn import functional as F  # noqa: N812 - the usual name

from ember.engine import Engine
from ember.testing import check_metric
from ember_metrics import Loss

SETTINGS = settings(max_examples=30, deadline=None)


@SETTINGS
@given(
    seed=st.integers(0, 2**16), n=st.integers(1, 30), num_classes=st.integers(2, 5), data=st.data()
)
def test_loss_is_the_mean_loss_over_all_samples_for_any_split(seed, n, num_classes, data):
    # Oracle: torch's cross_entropy on all samples at once (mean reduction), which equals the
    # batch-size-weighted mean of the per-batch means.
    y_pred, y = multiclass_input(seed, n, num_classes, score_dtype=torch.float64)
    batches = split((y_pred, y), data.draw(batch_splits(n)))
    check_metric(
        functools.partial(Loss, F.cross_entropy),
        batches,
        reference=lambda d: F.cross_entropy(*d).item(),
    )


def add_weighted_error(y_pred, y, scale=1.0):
    return scale * (y_pred - y).abs().mean()


def test_criterion_kwargs_are_passed_to_the_loss_function():
    loss = Loss(add_weighted_error)
    loss.update((torch.tensor([1.0, 3.0]), torch.tensor([0.0, 0.0]), {"scale": 10.0}))
    assert loss.compute() == 20.0


def test_dict_output_needs_criterion_kwargs_like_ignite():
    engine = Engine(lambda engine, batch: batch)
    Loss(add_weighted_error).attach(engine, "loss")
    batch = {"y_pred": torch.ones(2), "y": torch.zeros(2), "criterion_kwargs": {}}
    assert engine.run([batch]).metrics["loss"] == 1.0


def test_batch_size_function_weights_the_batches():
    loss = Loss(add_weighted_error, batch_size=lambda y: 2 * len(y))
    loss.update((torch.ones(1), torch.zeros(1)))
    loss.update((torch.full((3,), 3.0), torch.zeros(3)))
    assert loss.compute() == pytest.approx((1.0 * 2 + 3.0 * 6) / 8)


def test_nan_loss_is_accumulated_so_that_it_shows():
    loss = Loss(add_weighted_error)
    loss.update((torch.tensor([float("nan")]), torch.zeros(1)))
    assert math.isnan(loss.compute())


def test_loss_function_returning_per_sample_losses_is_rejected():
    expect_value_error(
        lambda: Loss(F.l1_loss).update((torch.ones(3), torch.zeros(3), {"reduction": "none"})),
        "Loss.update",
        "shape (3,)",
        "average loss",
    )


def test_output_of_wrong_length_is_rejected():
    expect_value_error(lambda: Loss(F.l1_loss).update((torch.ones(3),)), "length 1")


def test_arguments_must_be_callable():
    with pytest.raises(TypeError, match="loss_fn"):
        Loss("mse")
    with pytest.raises(TypeError, match="batch_size"):
        Loss(F.l1_loss, batch_size=3)
