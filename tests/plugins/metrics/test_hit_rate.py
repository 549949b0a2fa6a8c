"""ember_metrics.ranking.hit_rate: the share of queries with a relevant item in the top k.

Oracle: numpy, a stable descending argsort per query (ties: the first item wins) and the
definition of a hit.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from regression_oracles import assert_close, no_host_reads, ranking_data, run_metric

from ember.exceptions import NotComputableError
from ember.testing import check_metric
from ember_metrics import HitRate

SETTINGS = settings(max_examples=40, deadline=None)
TOP_K = st.lists(st.integers(1, 10), min_size=1, max_size=3)


def hit_rate_oracle(scores: np.ndarray, relevance: np.ndarray, top_k, ignore_zero_hits=True):
    keep = (relevance > 0).any(axis=1) if ignore_zero_hits else np.ones(len(scores), bool)
    order = np.argsort(-scores[keep], axis=1, kind="stable")
    ranked = np.take_along_axis(relevance[keep], order, axis=1) > 0
    return [float(ranked[:, :k].any(axis=1).mean()) for k in sorted(top_k)]


def _joined(batches):
    return tuple(torch.cat([batch[i] for batch in batches]).double().numpy() for i in range(2))


@SETTINGS
@given(batches=ranking_data(), top_k=TOP_K, ignore_zero_hits=st.booleans())
def test_value_matches_numpy_for_any_batches(batches, top_k, ignore_zero_hits):
    scores, relevance = _joined(batches)
    assume(not ignore_zero_hits or (relevance > 0).any())
    metric = HitRate(top_k=top_k, ignore_zero_hits=ignore_zero_hits)
    expected = hit_rate_oracle(scores, relevance, top_k, ignore_zero_hits)
    assert_close(run_metric(metric, batches), expected, "HitRate vs numpy")


@SETTINGS
@given(batches=ranking_data(), top_k=TOP_K)
def test_any_split_into_batches_gives_the_value_of_one_batch(batches, top_k):
    assume((_joined(batches)[1] > 0).any())
    whole = tuple(torch.cat([batch[i] for batch in batches]) for i in range(2))
    split = run_metric(HitRate(top_k=top_k), batches)
    assert_close(split, run_metric(HitRate(top_k=top_k), [whole]), "split")


def test_follows_the_metric_protocol():
    generator = torch.Generator().manual_seed(71)
    scores = torch.rand(12, 6, generator=generator)
    relevance = (torch.rand(12, 6, generator=generator) > 0.7).long()
    check_metric(
        functools.partial(HitRate, top_k=[1, 3]),
        [(scores[:5], relevance[:5]), (scores[5:], relevance[5:])],
        reference=lambda joined: hit_rate_oracle(joined[0].numpy(), joined[1].numpy(), [1, 3]),
    )


def test_an_int_top_k_still_returns_a_list_and_k_is_sorted():
    batch = (torch.tensor([[0.1, 0.9]]), torch.tensor([[1, 0]]))
    assert run_metric(HitRate(top_k=2), [batch]) == [1.0]
    assert run_metric(HitRate(top_k=[2, 1]), [batch]) == [0.0, 1.0]


def test_queries_without_relevant_items_are_skipped_or_counted_as_misses():
    batch = (torch.tensor([[0.9, 0.1], [0.9, 0.1]]), torch.tensor([[1, 0], [0, 0]]))
    assert run_metric(HitRate(), [batch]) == [1.0]
    assert run_metric(HitRate(ignore_zero_hits=False), [batch]) == [0.5]
    metric = HitRate()
    metric.update((batch[0][1:], batch[1][1:]))
    with pytest.raises(NotComputableError, match="queries without a relevant item are skipped"):
        metric.compute()


def test_update_never_reads_tensor_values_on_the_host():
    metric = HitRate(top_k=[1, 5])
    with no_host_reads():
        metric.update((torch.rand(4, 3), torch.randint(0, 2, (4, 3))))
    metric.compute()


@pytest.mark.parametrize("top_k", [0, -1, [], [1, 0], "3", [2.5], True])
def test_rejects_a_bad_top_k(top_k):
    with pytest.raises(ValueError, match="HitRate: argument top_k should be a positive int"):
        HitRate(top_k=top_k)


@pytest.mark.parametrize(
    ("y_pred", "y", "pattern"),
    [
        (torch.ones(4), torch.ones(4), r"y_pred has shape \(4,\); expected \(N, L\)"),
        (torch.ones(4, 3), torch.ones(4, 2), r"y_pred has shape \(4, 3\) but y has shape \(4, 2\)"),
    ],
)
def test_bad_shapes_are_rejected_naming_the_expected_shape(y_pred, y, pattern):
    with pytest.raises(ValueError, match=rf"HitRate\.update: {pattern}"):
        HitRate().update((y_pred, y))


def test_nan_scores_are_reported_by_compute():
    metric = HitRate()
    metric.update((torch.tensor([[float("nan"), 0.0]]), torch.tensor([[1, 0]])))
    with pytest.raises(ValueError, match="HitRate: since the last reset, y_pred held 1 NaN"):
        metric.compute()


def test_matches_ignite_when_scores_have_no_ties():
    rec_sys = pytest.importorskip("ignite.metrics.rec_sys")
    generator = torch.Generator().manual_seed(72)
    scores = torch.rand(20, 7, generator=generator)
    relevance = torch.randint(0, 3, (20, 7), generator=generator).float()
    batches = [(scores[:8], relevance[:8]), (scores[8:], relevance[8:])]
    theirs = run_metric(rec_sys.HitRate(top_k=[1, 3, 7]), batches)
    assert run_metric(HitRate(top_k=[1, 3, 7]), batches) == pytest.approx(theirs)
