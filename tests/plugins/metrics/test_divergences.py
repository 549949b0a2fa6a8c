"""ember_metrics.similarity.divergences: KL and Jensen-Shannon divergences of softmax rows.

Oracles: scipy.stats.entropy(q, p) for KL(q || p); scipy.spatial.distance.jensenshannon squared.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from regression_oracles import assert_close, class_score_data, no_host_reads, run_metric
from scipy.spatial.distance import jensenshannon
from scipy.special import softmax
from scipy.stats import entropy

from ember.testing import check_metric
from ember_metrics import JSDivergence, KLDivergence

SETTINGS = settings(max_examples=40, deadline=None)


def _kl(pred_rows: np.ndarray, target_rows: np.ndarray) -> float:
    p, q = softmax(pred_rows, axis=1), softmax(target_rows, axis=1)
    return float(entropy(q, p, axis=1).mean())


def _js(pred_rows: np.ndarray, target_rows: np.ndarray) -> float:
    # From KL to the mixture: scipy's jensenshannon takes a square root, which turns a
    # rounding error below zero into NaN for nearly equal distributions.
    p, q = softmax(pred_rows, axis=1), softmax(target_rows, axis=1)
    m = (p + q) / 2
    return float(((entropy(p, m, axis=1) + entropy(q, m, axis=1)) / 2).mean())


def _js_scipy(pred_rows: np.ndarray, target_rows: np.ndarray) -> float:
    p, q = softmax(pred_rows, axis=1), softmax(target_rows, axis=1)
    return float((jensenshannon(p, q, axis=1) ** 2).mean())


CASES = [(KLDivergence, _kl, "scipy entropy"), (JSDivergence, _js, "scipy entropy")]
IDS = ["KLDivergence", "JSDivergence"]


@pytest.mark.parametrize(("cls", "oracle", "source"), CASES, ids=IDS)
@SETTINGS
@given(data=class_score_data())
def test_value_matches_scipy_for_any_batches(cls, oracle, source, data):
    value = run_metric(cls(), data.batches)
    expected = oracle(data.y_pred_rows, data.y_rows)
    assert_close(value, expected, f"{cls.__name__} vs {source}", rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(("cls", "oracle", "source"), CASES, ids=IDS)
@SETTINGS
@given(data=class_score_data())
def test_any_split_into_batches_gives_the_value_of_one_batch(cls, oracle, source, data):
    whole = tuple(torch.cat([batch[i] for batch in data.batches]) for i in range(2))
    split = run_metric(cls(), data.batches)
    assert_close(split, run_metric(cls(), [whole]), f"{cls.__name__} split", atol=1e-12)


@pytest.mark.parametrize(("cls", "oracle", "source"), CASES, ids=IDS)
def test_follows_the_metric_protocol(cls, oracle, source):
    generator = torch.Generator().manual_seed(47)
    y_pred, y = torch.randn(15, 3, generator=generator), torch.randn(15, 3, generator=generator)
    check_metric(
        cls,
        [(y_pred[:4], y[:4]), (y_pred[4:], y[4:])],
        reference=lambda joined: oracle(joined[0].double().numpy(), joined[1].double().numpy()),
        rtol=1e-6,
    )


@pytest.mark.parametrize("cls", [KLDivergence, JSDivergence])
def test_identical_distributions_diverge_by_zero(cls):
    logits = torch.randn(5, 4)
    assert run_metric(cls(), [(logits, logits + 3.0)]) == pytest.approx(0.0, abs=1e-12)


def test_js_divergence_matches_scipy_jensenshannon_squared():
    generator = torch.Generator().manual_seed(49)
    y_pred, y = (
        2 * torch.randn(9, 4, generator=generator),
        2 * torch.randn(9, 4, generator=generator),
    )
    expected = _js_scipy(y_pred.double().numpy(), y.double().numpy())
    assert run_metric(JSDivergence(), [(y_pred, y)]) == pytest.approx(expected, rel=1e-6)


def test_js_divergence_is_symmetric_and_at_most_log_2():
    a, b = torch.tensor([[50.0, -50.0]]), torch.tensor([[-50.0, 50.0]])
    forward, backward = run_metric(JSDivergence(), [(a, b)]), run_metric(JSDivergence(), [(b, a)])
    assert forward == pytest.approx(backward)
    assert forward == pytest.approx(np.log(2))


@pytest.mark.parametrize("cls", [KLDivergence, JSDivergence])
def test_update_never_reads_tensor_values_on_the_host(cls):
    metric = cls()
    with no_host_reads():
        metric.update((torch.randn(4, 3), torch.randn(4, 3)))
    metric.compute()


@pytest.mark.parametrize("cls", [KLDivergence, JSDivergence])
@pytest.mark.parametrize(
    ("y_pred", "y", "pattern"),
    [
        (torch.ones(4), torch.ones(4), r"y_pred has shape \(4,\); expected \(B, C\)"),
        (torch.ones(4, 3), torch.ones(4, 2), r"y_pred has shape \(4, 3\) but y has shape \(4, 2\)"),
    ],
)
def test_bad_shapes_are_rejected_naming_the_expected_shape(cls, y_pred, y, pattern):
    with pytest.raises(ValueError, match=rf"{cls.__name__}\.update: {pattern}"):
        cls().update((y_pred, y))


@pytest.mark.parametrize("cls", [KLDivergence, JSDivergence])
def test_nan_is_reported_by_compute_naming_the_argument(cls):
    metric = cls()
    metric.update((torch.ones(2, 2), torch.tensor([[float("nan"), 0.0], [0.0, 0.0]])))
    with pytest.raises(ValueError, match=f"{cls.__name__}: since the last reset, y held 1 NaN"):
        metric.compute()


@pytest.mark.parametrize("name", ["KLDivergence", "JSDivergence"])
def test_matches_ignite(name):
    ignite_metrics = pytest.importorskip("ignite.metrics")
    generator = torch.Generator().manual_seed(48)
    batches = [
        (torch.randn(6, 4, 2, generator=generator), torch.randn(6, 4, 2, generator=generator))
    ]
    theirs = run_metric(getattr(ignite_metrics, name)(), batches)
    assert run_metric(globals()[name](), batches) == pytest.approx(theirs, rel=1e-5)
