"""ember_metrics.similarity.cosine_similarity: the mean cosine similarity of matching rows.

Oracle: numpy, <p, a> / (|p| |a|) per row, averaged.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from regression_oracles import (
    assert_close,
    magnitudes,
    no_host_reads,
    regression_data,
    run_metric,
)

from ember.testing import check_metric
from ember_metrics import CosineSimilarity

SETTINGS = settings(max_examples=40, deadline=None)


def _cosine(p: np.ndarray, a: np.ndarray) -> float:
    p, a = p.reshape(len(p), -1), a.reshape(len(a), -1)
    dots = (p * a).sum(axis=1)
    return float(np.mean(dots / (np.linalg.norm(p, axis=1) * np.linalg.norm(a, axis=1))))


@SETTINGS
@given(data=st.data(), trailing=st.sampled_from([(1,), (4,), (2, 3)]))
def test_value_matches_numpy_for_any_batches(data, trailing):
    drawn = data.draw(regression_data(column=False, elements=magnitudes(), trailing=trailing))
    value = run_metric(CosineSimilarity(), drawn.batches)
    assert_close(value, _cosine(drawn.y_pred, drawn.y), "CosineSimilarity vs numpy")


@SETTINGS
@given(data=regression_data(column=False, elements=magnitudes(), trailing=(3, 2)))
def test_any_split_into_batches_gives_the_value_of_one_batch(data):
    whole = tuple(torch.cat([batch[i] for batch in data.batches]) for i in range(2))
    split = run_metric(CosineSimilarity(), data.batches)
    assert_close(split, run_metric(CosineSimilarity(), [whole]), "split", rtol=1e-10)


def test_follows_the_metric_protocol():
    generator = torch.Generator().manual_seed(41)
    y_pred, y = torch.randn(14, 5, generator=generator), torch.randn(14, 5, generator=generator)
    check_metric(
        CosineSimilarity,
        [(y_pred[:6], y[:6]), (y_pred[6:], y[6:])],
        reference=lambda joined: _cosine(joined[0].double().numpy(), joined[1].double().numpy()),
        rtol=1e-6,
    )


def test_a_zero_vector_has_similarity_zero():
    metric = functools.partial(CosineSimilarity, eps=1e-8)()
    assert run_metric(metric, [(torch.zeros(1, 3), torch.ones(1, 3))]) == 0.0


def test_update_never_reads_tensor_values_on_the_host():
    metric = CosineSimilarity()
    with no_host_reads():
        metric.update((torch.rand(4, 3), torch.rand(4, 3)))
    metric.compute()


@pytest.mark.parametrize(
    ("y_pred", "y", "pattern"),
    [
        (torch.ones(4), torch.ones(4), r"y_pred has shape \(4,\); expected \(N, D\)"),
        (torch.ones(4, 3), torch.ones(4, 2), r"y_pred has shape \(4, 3\) but y has shape \(4, 2\)"),
    ],
)
def test_bad_shapes_are_rejected_naming_the_expected_shape(y_pred, y, pattern):
    with pytest.raises(ValueError, match=rf"CosineSimilarity\.update: {pattern}"):
        CosineSimilarity().update((y_pred, y))


def test_nan_is_reported_by_compute():
    metric = CosineSimilarity()
    metric.update((torch.tensor([[float("nan"), 1.0]]), torch.ones(1, 2)))
    with pytest.raises(
        ValueError, match="CosineSimilarity: since the last reset, y_pred held 1 NaN"
    ):
        metric.compute()


@pytest.mark.parametrize("eps", [0.0, -1.0, "tiny"])
def test_rejects_a_bad_eps(eps):
    with pytest.raises(ValueError, match="CosineSimilarity: argument eps should be a number > 0"):
        CosineSimilarity(eps=eps)


def test_matches_ignite():
    ignite_metrics = pytest.importorskip("ignite.metrics")
    generator = torch.Generator().manual_seed(42)
    batches = [
        (torch.randn(8, 2, 3, generator=generator), torch.randn(8, 2, 3, generator=generator))
    ]
    theirs = run_metric(ignite_metrics.CosineSimilarity(), batches)
    assert run_metric(CosineSimilarity(), batches) == pytest.approx(theirs, rel=1e-5)
