"""Average and GeometricAverage: protocol, numpy oracle, split invariance, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from classification_oracles import batch_splits, expect_value_error, split
from hypothesis import given, settings
from hypothesis import strategies as st

from ember.testing import check_metric
from ember_metrics import Average, GeometricAverage

SETTINGS = settings(max_examples=30, deadline=None)


def batches_of(seed, n, width, positive, dtype, cuts):
    g = torch.Generator().manual_seed(seed)
    shape = (n,) if width == 0 else (n, width)
    values = torch.rand(shape, generator=g, dtype=torch.float64) * 10
    values = (values + 0.1 if positive else values - 5).to(dtype)
    if width == 0:
        # Scalars: one 0-d tensor per update.
        return [values[i] for i in range(n)], values.numpy().astype(np.float64)
    return [b[0] for b in split((values,), cuts)], values.numpy().astype(np.float64)


@SETTINGS
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(1, 20),
    width=st.integers(0, 3),
    dtype=st.sampled_from([torch.float32, torch.float64]),
    data=st.data(),
)
def test_average_is_numpy_mean_for_any_batch_split(seed, n, width, dtype, data):
    # Oracle: numpy.mean over the examples (axis 0).
    batches, values = batches_of(seed, n, width, False, dtype, data.draw(batch_splits(n)))
    expected = values.mean(axis=0)
    check_metric(Average, batches, reference=lambda _: expected, rtol=1e-5, atol=1e-6)


@SETTINGS
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(1, 20),
    width=st.integers(0, 3),
    data=st.data(),
)
def test_geometric_average_is_numpy_exp_mean_log_for_any_split(seed, n, width, data):
    # Oracle: numpy.exp(numpy.log(values).mean(axis=0)).
    batches, values = batches_of(seed, n, width, True, torch.float64, data.draw(batch_splits(n)))
    expected = np.exp(np.log(values).mean(axis=0))
    if expected.size == 1:  # a one-element result is a float, as in PyTorch-Ignite
        expected = float(expected.item())
    check_metric(GeometricAverage, batches, reference=lambda _: expected)


def test_python_numbers_count_one_example_each():
    average = Average()
    for value in (1, 2.5, 6):
        average.update(value)
    assert average.compute().item() == pytest.approx(3.1666666666666665)


def test_one_dimensional_tensor_is_one_example():
    average = Average()
    average.update(torch.tensor([1.0, 3.0]))
    average.update(torch.tensor([3.0, 5.0]))
    assert average.compute().tolist() == [2.0, 4.0]
    assert average.num_examples == 2


def test_geometric_average_of_numbers_is_a_float():
    geometric = GeometricAverage()
    geometric.update(2.0)
    geometric.update(8.0)
    assert geometric.compute() == pytest.approx(4.0)


def test_nan_propagates_in_the_average():
    average = Average()
    average.update(float("nan"))
    assert math.isnan(average.compute().item())


def test_negative_values_are_rejected_by_the_geometric_average():
    expect_value_error(lambda: GeometricAverage().update(-1.0), "GeometricAverage.update", "-1.0")
    expect_value_error(
        lambda: GeometricAverage().update(torch.tensor([1.0, -2.0])), "output holds -2.0", ">= 0"
    )


def test_changing_example_shape_is_rejected():
    average = Average()
    average.update(torch.ones(4, 3))
    expect_value_error(
        lambda: average.update(torch.ones(4, 2)), "Average.update", "shape (2,)", "shape (3,)"
    )


def test_non_numeric_output_is_a_type_error():
    with pytest.raises(TypeError, match=r"Average\.update"):
        Average().update("1.0")
