"""ember_metrics.similarity.hsic: the unbiased HSIC estimator, averaged over batches.

Oracle: numpy, the estimator of Song et al. (2012) written from its definition with
scipy.spatial.distance.cdist; the median heuristic is numpy.median of the squared distances.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from regression_oracles import as_batches, assert_close, no_host_reads, run_metric, split_points
from scipy.spatial.distance import cdist

from ember.exceptions import NotComputableError
from ember.testing import check_metric
from ember_metrics import HSIC

SETTINGS = settings(max_examples=30, deadline=None)


def hsic_of_batch(x: np.ndarray, y: np.ndarray, sigma_x: float, sigma_y: float) -> float:
    b = len(x)

    def gram(features: np.ndarray, sigma: float) -> np.ndarray:
        squared = cdist(features.reshape(b, -1), features.reshape(b, -1), "sqeuclidean")
        variance = np.median(squared) if sigma < 0 else sigma**2
        gram = np.exp(-squared / (2 * variance))
        np.fill_diagonal(gram, 0.0)
        return gram

    k, gram_y = gram(x, sigma_x), gram(y, sigma_y)
    kl = k @ gram_y
    value = np.trace(kl) + k.sum() * gram_y.sum() / ((b - 1) * (b - 2)) - 2 * kl.sum() / (b - 2)
    return max(0.0, value / (b * (b - 3)))


@st.composite
def feature_batches(draw):
    n = draw(st.integers(4, 40))
    dims_x, dims_y = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    elements = st.floats(-5, 5)
    x = torch.as_tensor(draw(arrays(np.float64, (n, dims_x), elements=elements, unique=True)))
    y = torch.as_tensor(draw(arrays(np.float64, (n, dims_y), elements=elements, unique=True)))
    return as_batches([x, y], split_points(draw, n, max_batches=3))


@SETTINGS
@given(
    batches=feature_batches(),
    sigma_x=st.sampled_from([-1.0, 0.5, 2.0]),
    sigma_y=st.sampled_from([-1.0, 1.0]),
)
def test_value_is_the_mean_of_the_batches_estimates(batches, sigma_x, sigma_y):
    valid = [(x.numpy(), y.numpy()) for x, y in batches if len(x) >= 4]
    assume(valid)
    # A batch whose median squared distance is 0 has an undefined kernel: leave those out.
    assume(all(np.median(cdist(x, x, "sqeuclidean")) > 1e-6 for x, _ in valid))
    assume(all(np.median(cdist(y, y, "sqeuclidean")) > 1e-6 for _, y in valid))
    expected = np.mean([hsic_of_batch(x, y, sigma_x, sigma_y) for x, y in valid])
    value = run_metric(HSIC(sigma_x=sigma_x, sigma_y=sigma_y), batches)
    assert_close(value, expected, "HSIC vs numpy", rtol=1e-6, atol=1e-12)


def test_follows_the_metric_protocol():
    generator = torch.Generator().manual_seed(53)
    x = torch.randn(20, 3, generator=generator, dtype=torch.float64)
    y = x[:, :2] + 0.3 * torch.randn(20, 2, generator=generator, dtype=torch.float64)
    batches = [(x[:10], y[:10]), (x[10:], y[10:])]
    expected = np.mean([hsic_of_batch(a.numpy(), b.numpy(), -1, -1) for a, b in batches])
    # Batch-averaged: the reference is computed from the batches, not from the joined data.
    check_metric(HSIC, batches, reference=lambda joined: expected, rtol=1e-6)


def test_dependent_features_score_higher_than_independent_ones():
    generator = torch.Generator().manual_seed(54)
    x = torch.randn(64, 2, generator=generator)
    dependent = run_metric(HSIC(), [(x, x**2)])
    independent = run_metric(HSIC(), [(x, torch.randn(64, 2, generator=generator))])
    assert dependent > 5 * independent


def test_small_batches_are_skipped_or_rejected():
    metric = HSIC()
    metric.update((torch.ones(3, 2), torch.ones(3, 2)))
    with pytest.raises(NotComputableError, match="HSIC must have at least one batch"):
        metric.compute()
    strict = functools.partial(HSIC, ignore_invalid_batch=False)()
    with pytest.raises(ValueError, match=r"HSIC\.update: the batch has 3 example\(s\); expected"):
        strict.update((torch.ones(3, 2), torch.ones(3, 2)))


def test_update_never_reads_tensor_values_on_the_host():
    metric = HSIC()
    with no_host_reads():
        metric.update((torch.randn(6, 2), torch.randn(6, 3)))
    metric.compute()


@pytest.mark.parametrize(
    ("x", "y", "pattern"),
    [
        (torch.ones(6), torch.ones(6, 2), r"y_pred has shape \(6,\); expected \(b, D\)"),
        (torch.ones(6, 2), torch.ones(5, 2), r"y_pred has shape \(6, 2\) but y has shape \(5, 2\)"),
    ],
)
def test_bad_shapes_are_rejected_naming_the_expected_shape(x, y, pattern):
    with pytest.raises(ValueError, match=rf"HSIC\.update: {pattern}"):
        HSIC().update((x, y))


@pytest.mark.parametrize("sigma", [0, "1", True])
def test_rejects_a_bad_bandwidth(sigma):
    with pytest.raises(ValueError, match="HSIC: argument sigma_x should be a positive bandwidth"):
        HSIC(sigma_x=sigma)


def test_nan_is_reported_by_compute():
    metric = HSIC()
    x = torch.randn(5, 2)
    x[0, 0] = float("nan")
    metric.update((x, torch.randn(5, 2)))
    with pytest.raises(ValueError, match="HSIC: since the last reset, y_pred held 1 NaN"):
        metric.compute()


def test_matches_ignite():
    ignite_metrics = pytest.importorskip("ignite.metrics")
    generator = torch.Generator().manual_seed(55)
    x = torch.randn(30, 3, generator=generator)
    y = x @ torch.randn(3, 2, generator=generator)
    batches = [(x[:12], y[:12]), (x[12:], y[12:])]
    theirs = run_metric(ignite_metrics.HSIC(), batches)
    assert run_metric(HSIC(), batches) == pytest.approx(theirs, rel=1e-4)
