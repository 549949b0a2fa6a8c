"""ember_metrics.clustering: silhouette, Davies-Bouldin and Calinski-Harabasz scores in torch.

Oracles: scikit-learn's silhouette_score, davies_bouldin_score and calinski_harabasz_score; for
``silhouette_kwargs``, a numpy silhouette written from its definition with scipy's cdist.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from regression_oracles import as_batches, assert_close, no_host_reads, run_metric, split_points
from scipy.spatial.distance import cdist
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

from ember.engine import Engine
from ember.testing import check_metric
from ember_metrics import CalinskiHarabaszScore, DaviesBouldinScore, SilhouetteScore

SETTINGS = settings(max_examples=25, deadline=None)

CASES = [
    (SilhouetteScore, silhouette_score),
    (DaviesBouldinScore, davies_bouldin_score),
    (CalinskiHarabaszScore, calinski_harabasz_score),
]
IDS = [cls.__name__ for cls, _ in CASES]


@st.composite
def clustered(draw, min_rows=3, max_rows=40):
    """Batches of (features (N, D), labels (N,)) with 2..N-1 clusters and arbitrary label ids."""
    n = draw(st.integers(min_rows, max_rows))
    k = draw(st.integers(2, n - 1))
    ids = draw(st.lists(st.integers(-50, 50), min_size=k, max_size=k, unique=True))
    # Every cluster gets a member, the rest are drawn.
    members = [*range(k), *draw(st.lists(st.integers(0, k - 1), min_size=n - k, max_size=n - k))]
    members = draw(st.permutations(members))
    labels = torch.tensor([ids[m] for m in members])
    dims = draw(st.integers(1, 4))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    # Distinct, well separated values: with identical points the scores are 0/0, where
    # scikit-learn's rounding (it computes distances from dot products) decides the value.
    values = draw(
        arrays(
            np.float64,
            (n, dims),
            elements=st.integers(-800, 800).map(lambda v: v / 16),
            unique=True,
        )
    )
    features = torch.as_tensor(values, dtype=dtype)
    return as_batches([features, labels], split_points(draw, n))


def _joined(batches):
    return tuple(torch.cat([batch[i] for batch in batches]) for i in range(2))


@pytest.mark.parametrize(("cls", "oracle"), CASES, ids=IDS)
@SETTINGS
@given(batches=clustered())
def test_value_matches_sklearn_for_any_batches(cls, oracle, batches):
    features, labels = _joined(batches)
    expected = oracle(features.double().numpy(), labels.numpy())
    value = run_metric(cls(), batches)
    assert_close(value, float(expected), f"{cls.__name__} vs sklearn", rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(("cls", "oracle"), CASES, ids=IDS)
@SETTINGS
@given(batches=clustered())
def test_any_split_into_batches_gives_the_value_of_one_batch(cls, oracle, batches):
    split = run_metric(cls(), batches)
    assert_close(split, run_metric(cls(), [_joined(batches)]), f"{cls.__name__} split")


@pytest.mark.parametrize(("cls", "oracle"), CASES, ids=IDS)
def test_follows_the_metric_protocol(cls, oracle):
    generator = torch.Generator().manual_seed(67)
    labels = torch.randint(0, 3, (30,), generator=generator)
    features = torch.randn(30, 2, generator=generator) + 3 * labels[:, None].float()
    check_metric(
        cls,
        [(features[:12], labels[:12]), (features[12:], labels[12:])],
        reference=lambda joined: oracle(joined[0].numpy(), joined[1].numpy()),
        rtol=1e-5,
    )


@pytest.mark.parametrize(("cls", "oracle"), CASES, ids=IDS)
@pytest.mark.parametrize("labels", [[4, 4, 4, 4], [0, 1, 2, 3]], ids=["one", "all-distinct"])
def test_one_cluster_or_one_cluster_per_example_gives_nan_as_in_ignite(cls, oracle, labels):
    assert math.isnan(run_metric(cls(), [(torch.randn(4, 2), torch.tensor(labels))]))


def test_silhouette_kwargs_hand_the_score_to_sklearn_with_another_distance():
    # Oracle: numpy silhouette with city-block distances from scipy's cdist.
    generator = torch.Generator().manual_seed(68)
    features = torch.randn(25, 3, generator=generator, dtype=torch.float64)
    labels = torch.randint(0, 3, (25,), generator=generator)
    distances = cdist(features.numpy(), features.numpy(), "cityblock")
    scores = []
    for i, label in enumerate(labels.tolist()):
        same = labels.numpy() == label
        if same.sum() == 1:
            scores.append(0.0)
            continue
        a = distances[i, same].sum() / (same.sum() - 1)
        b = min(
            distances[i, labels.numpy() == other].mean() for other in set(labels.tolist()) - {label}
        )
        scores.append((b - a) / max(a, b))
    metric = functools.partial(SilhouetteScore, silhouette_kwargs={"metric": "cityblock"})()
    assert run_metric(metric, [(features, labels)]) == pytest.approx(np.mean(scores))


def test_silhouette_kwargs_must_be_a_dict():
    with pytest.raises(TypeError, match="SilhouetteScore: argument silhouette_kwargs should be"):
        SilhouetteScore(silhouette_kwargs=[("metric", "cityblock")])


@pytest.mark.parametrize("cls", [SilhouetteScore, DaviesBouldinScore, CalinskiHarabaszScore])
def test_reads_features_and_labels_from_a_mapping_output(cls):
    features, labels = torch.randn(10, 2), torch.tensor([0, 1] * 5)
    engine = Engine(lambda engine, batch: {"features": batch[0], "labels": batch[1], "x": 0})
    cls().attach(engine, "score")
    value = engine.run([(features, labels)]).metrics["score"]
    assert value == pytest.approx(run_metric(cls(), [(features, labels)]))


@pytest.mark.parametrize("cls", [SilhouetteScore, DaviesBouldinScore, CalinskiHarabaszScore])
def test_update_never_reads_tensor_values_on_the_host(cls):
    metric = cls()
    with no_host_reads():
        metric.update((torch.randn(6, 2), torch.tensor([0, 1, 2, 0, 1, 2])))
    metric.compute()


@pytest.mark.parametrize("cls", [SilhouetteScore, DaviesBouldinScore, CalinskiHarabaszScore])
@pytest.mark.parametrize(
    ("features", "labels", "pattern"),
    [
        (torch.ones(6), torch.zeros(6), r"features has shape \(6,\); expected \(N, D\)"),
        (
            torch.ones(6, 2),
            torch.zeros(5),
            r"labels has shape \(5,\) but features has shape \(6, 2\); expected labels of shape "
            r"\(6,\)",
        ),
        (torch.ones(6, 2), torch.zeros(6, 1), r"labels has shape \(6, 1\)"),
    ],
)
def test_bad_shapes_are_rejected_naming_the_expected_shape(cls, features, labels, pattern):
    with pytest.raises(ValueError, match=rf"{cls.__name__}\.update: {pattern}"):
        cls().update((features, labels))


@pytest.mark.parametrize("cls", [SilhouetteScore, DaviesBouldinScore, CalinskiHarabaszScore])
def test_nan_features_are_reported_by_compute(cls):
    metric = cls()
    features = torch.randn(6, 2)
    features[2, 1] = float("nan")
    metric.update((features, torch.tensor([0, 1, 0, 1, 0, 1])))
    with pytest.raises(ValueError, match=f"{cls.__name__}: since the last reset, features held 1"):
        metric.compute()


@pytest.mark.parametrize("name", IDS)
def test_matches_ignite(name):
    ignite_clustering = pytest.importorskip("ignite.metrics.clustering")
    generator = torch.Generator().manual_seed(69)
    labels = torch.randint(0, 4, (40,), generator=generator)
    features = torch.randn(40, 3, generator=generator)
    batches = [(features[:15], labels[:15]), (features[15:], labels[15:])]
    theirs = run_metric(getattr(ignite_clustering, name)(), batches)
    assert run_metric(globals()[name](), batches) == pytest.approx(theirs, rel=1e-5)


def _all_on_rank_zero(local_rank: int, batches: list, out: str) -> None:
    """Rank 0 updates with every batch, rank 1 with none; each saves what it computes."""
    import ember.distributed as idist

    values = []
    for cls in (SilhouetteScore, DaviesBouldinScore, CalinskiHarabaszScore):
        metric = cls()
        if idist.get_rank() == 0:
            for batch in batches:
                metric.update(batch)
        values.append(metric.compute())
    torch.save(values, f"{out}.{idist.get_rank()}")


@pytest.mark.slow
def test_a_process_without_batches_still_computes_the_value_of_all_of_them(tmp_path):
    # A rank with nothing to add must still take part in the gather (it used to fail alone
    # while the other waited for it).
    import ember.distributed as idist

    generator = torch.Generator().manual_seed(13)
    labels = torch.arange(12) % 3
    features = torch.randn(12, 2, generator=generator) + 4 * labels[:, None].float()
    batches = [(features[:5], labels[:5]), (features[5:], labels[5:])]
    out = str(tmp_path / "values")
    idist.spawn("gloo", _all_on_rank_zero, args=(batches, out), nproc_per_node=2)
    expected = [
        run_metric(cls(), batches)
        for cls in (SilhouetteScore, DaviesBouldinScore, CalinskiHarabaszScore)
    ]
    for rank in range(2):
        assert_close(torch.load(f"{out}.{rank}"), expected, f"rank {rank}", rtol=1e-10)
