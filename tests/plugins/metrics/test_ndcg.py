"""ember_metrics.ranking.ndcg: Normalized Discounted Cumulative Gain at k.

Oracles: scikit-learn's ndcg_score (its y_true are the gains, so exponential gains are passed as
2^rel - 1; queries skipped by ignore_zero_hits are removed first) and, for the tie-breaking by
position, a numpy DCG written from the definition.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from regression_oracles import assert_close, no_host_reads, ranking_data, run_metric
from sklearn.metrics import ndcg_score

from ember.exceptions import NotComputableError
from ember.testing import check_metric
from ember_metrics import NDCG

SETTINGS = settings(max_examples=40, deadline=None)
TOP_K = st.lists(st.integers(1, 10), min_size=1, max_size=3)


def _joined(batches):
    return tuple(torch.cat([batch[i] for batch in batches]).double().numpy() for i in range(2))


def _gains(relevance, threshold, exponential):
    relevance = np.where(relevance >= threshold, relevance, 0.0)
    return 2.0**relevance - 1 if exponential else relevance


def sklearn_oracle(scores, relevance, top_k, exponential, threshold=1.0, ignore_zero_hits=True):
    keep = (relevance >= threshold).any(axis=1) if ignore_zero_hits else np.ones(len(scores), bool)
    gains = _gains(relevance[keep], threshold, exponential)
    return [
        float(
            np.mean([ndcg_score([g], [s], k=k) for g, s in zip(gains, scores[keep], strict=True)])
        )
        for k in sorted(top_k)
    ]


def positional_oracle(scores, relevance, top_k, exponential, threshold=1.0):
    """Numpy DCG over a stable descending sort (tied scores: the first item ranks first)."""
    keep = (relevance >= threshold).any(axis=1)
    gains = _gains(relevance[keep], threshold, exponential)
    order = np.argsort(-scores[keep], axis=1, kind="stable")
    ranked = np.take_along_axis(gains, order, axis=1)
    ideal = -np.sort(-gains, axis=1)
    discounts = 1 / np.log2(np.arange(2, gains.shape[1] + 2))
    values = []
    for k in sorted(top_k):
        dcg = (ranked[:, :k] * discounts[:k]).sum(axis=1)
        idcg = (ideal[:, :k] * discounts[:k]).sum(axis=1)
        values.append(float(np.mean(dcg / idcg)))
    return values


@SETTINGS
@given(
    batches=ranking_data(min_items=2),
    top_k=TOP_K,
    exponential=st.booleans(),
    ignore_zero_hits=st.booleans(),
    threshold=st.sampled_from([0.5, 1.0, 2.0]),
)
def test_tie_averaged_value_matches_sklearn_ndcg_score(
    batches, top_k, exponential, ignore_zero_hits, threshold
):
    scores, relevance = _joined(batches)
    assume(not ignore_zero_hits or (relevance >= threshold).any())
    metric = NDCG(
        top_k,
        exponential=exponential,
        ignore_ties=False,
        ignore_zero_hits=ignore_zero_hits,
        relevance_threshold=threshold,
    )
    expected = sklearn_oracle(scores, relevance, top_k, exponential, threshold, ignore_zero_hits)
    assert_close(run_metric(metric, batches), expected, "NDCG vs sklearn")


@SETTINGS
@given(batches=ranking_data(min_items=2, tied_scores=False), top_k=TOP_K)
def test_without_ties_the_default_matches_sklearn_ndcg_score(batches, top_k):
    scores, relevance = _joined(batches)
    assume((relevance >= 1).any())
    expected = sklearn_oracle(scores, relevance, top_k, exponential=True)
    assert_close(run_metric(NDCG(top_k), batches), expected, "NDCG vs sklearn")


@SETTINGS
@given(batches=ranking_data(), top_k=TOP_K, exponential=st.booleans())
def test_tied_scores_are_ranked_by_position_by_default(batches, top_k, exponential):
    scores, relevance = _joined(batches)
    assume((relevance >= 1).any())
    expected = positional_oracle(scores, relevance, top_k, exponential)
    metric = NDCG(top_k, exponential=exponential)
    assert_close(run_metric(metric, batches), expected, "NDCG vs numpy")


@SETTINGS
@given(batches=ranking_data(), top_k=TOP_K, ignore_ties=st.booleans())
def test_any_split_into_batches_gives_the_value_of_one_batch(batches, top_k, ignore_ties):
    assume((_joined(batches)[1] >= 1).any())
    whole = tuple(torch.cat([batch[i] for batch in batches]) for i in range(2))
    factory = functools.partial(NDCG, top_k, ignore_ties=ignore_ties)
    assert_close(run_metric(factory(), batches), run_metric(factory(), [whole]), "split")


@SETTINGS
@given(batches=ranking_data(), log_base=st.sampled_from([1.5, np.e, 10.0]))
def test_the_log_base_scales_dcg_and_idcg_alike_so_ndcg_does_not_change(batches, log_base):
    assume((_joined(batches)[1] >= 1).any())
    base_two = run_metric(NDCG([1, 3]), batches)
    assert_close(run_metric(NDCG([1, 3], log_base=log_base), batches), base_two, "log_base")


def test_follows_the_metric_protocol():
    generator = torch.Generator().manual_seed(73)
    scores = torch.rand(12, 6, generator=generator)
    relevance = torch.randint(0, 4, (12, 6), generator=generator).float()
    check_metric(
        functools.partial(NDCG, [2, 4], ignore_ties=False),
        [(scores[:5], relevance[:5]), (scores[5:], relevance[5:])],
        reference=lambda joined: sklearn_oracle(
            joined[0].numpy(), joined[1].numpy(), [2, 4], exponential=True
        ),
    )


def test_gain_function_is_ignites_spelling_of_exponential():
    batch = (torch.tensor([[0.9, 0.5, 0.1]]), torch.tensor([[1.0, 0.0, 3.0]]))
    linear = run_metric(NDCG([3], gain_function="linear_rank"), [batch])
    assert linear == run_metric(NDCG([3], exponential=False), [batch])
    assert run_metric(NDCG([3], gain_function="exp_rank"), [batch]) != linear
    with pytest.raises(ValueError, match="NDCG: argument exponential=False contradicts"):
        NDCG([3], exponential=False, gain_function="exp_rank")
    with pytest.raises(ValueError, match="NDCG: argument gain_function should be one of"):
        NDCG([3], gain_function="quadratic")


def test_queries_without_relevant_items_are_skipped_or_count_zero():
    batch = (torch.tensor([[0.9, 0.1], [0.9, 0.1]]), torch.tensor([[1.0, 0.0], [0.0, 0.0]]))
    assert run_metric(NDCG([1]), [batch]) == [1.0]
    assert run_metric(NDCG([1], ignore_zero_hits=False), [batch]) == [0.5]
    metric = NDCG([1])
    metric.update((batch[0][1:], batch[1][1:]))
    with pytest.raises(NotComputableError, match="NDCG must have at least one query"):
        metric.compute()


def test_update_never_reads_tensor_values_on_the_host():
    metric = NDCG([1, 5], ignore_ties=False)
    with no_host_reads():
        metric.update((torch.rand(4, 3), torch.randint(0, 3, (4, 3)).float()))
    metric.compute()


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"top_k": 0}, "NDCG: argument top_k should be a positive int"),
        ({"top_k": [1], "log_base": 1}, "NDCG: argument log_base should be a number > 1"),
        ({"top_k": [1], "log_base": 0.5}, "NDCG: argument log_base should be a number > 1"),
    ],
)
def test_rejects_bad_arguments(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        NDCG(**kwargs)


@pytest.mark.parametrize(
    ("y_pred", "y", "pattern"),
    [
        (torch.ones(4), torch.ones(4), r"y_pred has shape \(4,\); expected \(N, L\)"),
        (torch.ones(4, 3), torch.ones(4, 2), r"y_pred has shape \(4, 3\) but y has shape \(4, 2\)"),
    ],
)
def test_bad_shapes_are_rejected_naming_the_expected_shape(y_pred, y, pattern):
    with pytest.raises(ValueError, match=rf"NDCG\.update: {pattern}"):
        NDCG([1]).update((y_pred, y))


def test_nan_relevance_is_reported_by_compute():
    metric = NDCG([1])
    metric.update((torch.tensor([[0.5, 0.1]]), torch.tensor([[1.0, float("nan")]])))
    with pytest.raises(ValueError, match="NDCG: since the last reset, y held 1 NaN"):
        metric.compute()


@pytest.mark.parametrize("gain_function", ["exp_rank", "linear_rank"])
def test_matches_ignite_including_tied_scores(gain_function):
    rec_sys = pytest.importorskip("ignite.metrics.rec_sys")
    generator = torch.Generator().manual_seed(74)
    scores = torch.randint(0, 3, (20, 7), generator=generator).float()  # many ties
    relevance = torch.randint(0, 4, (20, 7), generator=generator).float()
    batches = [(scores[:8], relevance[:8]), (scores[8:], relevance[8:])]
    theirs = run_metric(rec_sys.NDCG(top_k=[1, 3, 7], gain_function=gain_function), batches)
    ours = run_metric(NDCG([1, 3, 7], gain_function=gain_function), batches)
    assert ours == pytest.approx(theirs, rel=1e-6)
