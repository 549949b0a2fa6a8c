"""ember_metrics.similarity.maximum_mean_discrepancy: Gaussian-kernel MMD over batches.

Oracle: numpy, the unbiased XX and YY and the biased XY means of the kernel written from the
definition with scipy.spatial.distance.cdist.
"""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from regression_oracles import as_batches, assert_close, no_host_reads, run_metric
from scipy.spatial.distance import cdist

from ember.testing import check_metric
from ember_metrics import MaximumMeanDiscrepancy

SETTINGS = settings(max_examples=30, deadline=None)


def mmd_oracle(batches: list[tuple[np.ndarray, np.ndarray]], var: float) -> float:
    totals = np.zeros(3)
    for x, y in batches:
        n = len(x)
        x, y = x.reshape(n, -1), y.reshape(n, -1)

        def kernel(a, b):
            return np.exp(-cdist(a, b, "sqeuclidean") / (2 * var))

        off_diagonal = ~np.eye(n, dtype=bool)
        totals += [
            kernel(x, x)[off_diagonal].mean(),
            kernel(y, y)[off_diagonal].mean(),
            kernel(x, y).mean(),
        ]
    squared = max(totals[0] + totals[1] - 2 * totals[2], 0.0)
    return math.sqrt(squared / len(batches))


@st.composite
def sample_batches(draw):
    # Every batch needs at least two samples.
    sizes = draw(st.lists(st.integers(2, 12), min_size=1, max_size=3))
    shape = (sum(sizes), *draw(st.sampled_from([(1,), (3,), (2, 2)])))
    x = torch.as_tensor(draw(arrays(np.float64, shape, elements=st.floats(-3, 3))))
    y = torch.as_tensor(draw(arrays(np.float64, shape, elements=st.floats(-3, 3))))
    return as_batches([x, y], [0, *itertools.accumulate(sizes)])


@SETTINGS
@given(batches=sample_batches(), var=st.sampled_from([0.5, 1.0, 4.0]))
def test_value_matches_numpy_for_any_batches(batches, var):
    expected = mmd_oracle([(x.numpy(), y.numpy()) for x, y in batches], var)
    value = run_metric(MaximumMeanDiscrepancy(var=var), batches)
    assert_close(value, expected, "MMD vs numpy", rtol=1e-6, atol=1e-7)


def test_follows_the_metric_protocol():
    generator = torch.Generator().manual_seed(59)
    x = torch.randn(16, 2, generator=generator, dtype=torch.float64)
    y = torch.randn(16, 2, generator=generator, dtype=torch.float64) + 1.0
    batches = [(x[:8], y[:8]), (x[8:], y[8:])]
    expected = mmd_oracle([(a.numpy(), b.numpy()) for a, b in batches], var=2.0)
    check_metric(
        functools.partial(MaximumMeanDiscrepancy, var=2.0),
        batches,
        reference=lambda joined: expected,  # batch-averaged: computed from the batches
        rtol=1e-6,
    )


def test_samples_of_one_distribution_score_lower_than_of_shifted_ones():
    generator = torch.Generator().manual_seed(60)
    x = torch.randn(64, 2, generator=generator)
    same = run_metric(MaximumMeanDiscrepancy(), [(x, torch.randn(64, 2, generator=generator))])
    shifted = run_metric(MaximumMeanDiscrepancy(), [(x, x + 3.0)])
    assert shifted > 3 * same


def test_update_never_reads_tensor_values_on_the_host():
    metric = MaximumMeanDiscrepancy()
    with no_host_reads():
        metric.update((torch.randn(6, 2), torch.randn(6, 2)))
    metric.compute()


@pytest.mark.parametrize(
    ("x", "y", "pattern"),
    [
        (torch.ones(6), torch.ones(6), r"y_pred has shape \(6,\); expected \(n, D\)"),
        (torch.ones(1, 2), torch.ones(1, 2), r"y_pred has shape \(1, 2\); expected .* n >= 2"),
        (torch.ones(6, 2), torch.ones(6, 3), r"y_pred has shape \(6, 2\) but y has shape \(6, 3\)"),
    ],
)
def test_bad_shapes_are_rejected_naming_the_expected_shape(x, y, pattern):
    with pytest.raises(ValueError, match=rf"MaximumMeanDiscrepancy\.update: {pattern}"):
        MaximumMeanDiscrepancy().update((x, y))


@pytest.mark.parametrize("var", [0.0, -1.0, "1"])
def test_rejects_a_bad_variance(var):
    with pytest.raises(ValueError, match="MaximumMeanDiscrepancy: argument var should be"):
        MaximumMeanDiscrepancy(var=var)


def test_matches_ignite():
    ignite_metrics = pytest.importorskip("ignite.metrics")
    generator = torch.Generator().manual_seed(61)
    x, y = torch.randn(20, 3, generator=generator), torch.randn(20, 3, generator=generator) + 0.5
    batches = [(x[:8], y[:8]), (x[8:], y[8:])]
    theirs = run_metric(ignite_metrics.MaximumMeanDiscrepancy(var=2.0), batches)
    assert run_metric(MaximumMeanDiscrepancy(var=2.0), batches) == pytest.approx(theirs, rel=1e-5)
