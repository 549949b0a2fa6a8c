"""VariableAccumulation: protocol with a picklable op, numpy oracle, example counting."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from classification_oracles import batch_splits, check_wrapped, split
from hypothesis import given, settings
from hypothesis import strategies as st

from ember.exceptions import NotComputableError
from ember_metrics import VariableAccumulation

SETTINGS = settings(max_examples=30, deadline=None)


def add_squares(accumulator, output):
    return accumulator + (output**2).sum()


def as_vector(result):
    """``(accumulator, count)`` as one float64 vector, which the kit can compare."""
    accumulator, count = result
    return torch.cat([accumulator.reshape(-1), torch.tensor([count], dtype=torch.float64)])


@SETTINGS
@given(seed=st.integers(0, 2**16), n=st.integers(1, 20), width=st.integers(1, 3), data=st.data())
def test_sum_of_squares_and_count_match_numpy_for_any_split(seed, n, width, data):
    # Oracle: numpy's sum of squares over all values, and the number of rows.
    values = torch.randn(n, width, generator=torch.Generator().manual_seed(seed))
    batches = [b[0] for b in split((values,), data.draw(batch_splits(n)))]
    expected = [float(np.square(values.numpy().astype(np.float64)).sum()), n]
    factory = functools.partial(VariableAccumulation, add_squares)
    check_wrapped(as_vector, factory, batches, reference=lambda _: expected)


def test_accumulator_is_float64_on_the_device():
    metric = VariableAccumulation(add_squares)
    metric.update(torch.tensor([1, 2], dtype=torch.int32))
    accumulator, count = metric.compute()
    assert accumulator.dtype == torch.float64
    assert (accumulator.item(), count) == (5.0, 1)


def test_compute_before_update_is_not_computable():
    # PyTorch-Ignite returns (0, 0) here; ember's protocol asks for NotComputableError.
    with pytest.raises(NotComputableError, match="VariableAccumulation"):
        VariableAccumulation(add_squares).compute()


def test_op_must_be_callable():
    with pytest.raises(TypeError, match="op"):
        VariableAccumulation("sum")
