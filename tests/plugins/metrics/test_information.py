"""ember_metrics.similarity.information: entropy and mutual information of predictions.

Oracles: scipy.stats.entropy of scipy.special.softmax; mutual information as
H(mean p) - mean H(p) written with those.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from regression_oracles import assert_close, class_score_data, no_host_reads, run_metric
from scipy.special import softmax
from scipy.stats import entropy

from ember.testing import check_metric
from ember_metrics import Entropy, MutualInformation

SETTINGS = settings(max_examples=40, deadline=None)


def _entropy(logit_rows: np.ndarray) -> float:
    return float(entropy(softmax(logit_rows, axis=1), axis=1).mean())


def _mutual_information(logit_rows: np.ndarray) -> float:
    prob = softmax(logit_rows, axis=1)
    return max(0.0, float(entropy(prob.mean(axis=0)) - entropy(prob, axis=1).mean()))


CASES = [(Entropy, _entropy), (MutualInformation, _mutual_information)]
IDS = ["Entropy", "MutualInformation"]


@pytest.mark.parametrize(("cls", "oracle"), CASES, ids=IDS)
@SETTINGS
@given(data=class_score_data())
def test_value_matches_scipy_for_any_batches(cls, oracle, data):
    value = run_metric(cls(), data.batches)
    assert_close(value, oracle(data.y_pred_rows), f"{cls.__name__} vs scipy", atol=1e-9)


@pytest.mark.parametrize(("cls", "oracle"), CASES, ids=IDS)
@SETTINGS
@given(data=class_score_data())
def test_any_split_into_batches_gives_the_value_of_one_batch(cls, oracle, data):
    whole = tuple(torch.cat([batch[i] for batch in data.batches]) for i in range(2))
    split = run_metric(cls(), data.batches)
    assert_close(split, run_metric(cls(), [whole]), f"{cls.__name__} split", atol=1e-12)


@pytest.mark.parametrize(("cls", "oracle"), CASES, ids=IDS)
def test_follows_the_metric_protocol(cls, oracle):
    generator = torch.Generator().manual_seed(43)
    logits = 3 * torch.randn(16, 4, generator=generator)
    labels = torch.randint(0, 4, (16,), generator=generator)
    check_metric(
        cls,
        [(logits[:5], labels[:5]), (logits[5:], labels[5:])],
        reference=lambda joined: oracle(joined[0].double().numpy()),
        rtol=1e-6,
    )


@pytest.mark.parametrize("cls", [Entropy, MutualInformation])
def test_update_never_reads_tensor_values_on_the_host(cls):
    metric = cls()
    with no_host_reads():
        metric.update((torch.randn(4, 3), torch.zeros(4)))
    metric.compute()


def test_uniform_predictions_have_log_c_entropy_and_no_information():
    logits = torch.zeros(6, 4)
    assert run_metric(Entropy(), [(logits, None)]) == pytest.approx(np.log(4))
    assert run_metric(MutualInformation(), [(logits, None)]) == pytest.approx(0.0, abs=1e-12)


def test_certain_predictions_have_zero_entropy():
    logits = torch.tensor([[1000.0, 0.0], [0.0, 1000.0]])
    assert run_metric(Entropy(), [(logits, None)]) == 0.0


@pytest.mark.parametrize("cls", [Entropy, MutualInformation])
@pytest.mark.parametrize(
    ("output", "error", "pattern"),
    [
        ((torch.ones(4), None), ValueError, r"y_pred has shape \(4,\); expected \(B, C\)"),
        (([0.5, 0.5], None), TypeError, "y_pred should be a torch.Tensor, got list"),
        ((), ValueError, r"output should be a pair \(y_pred, y\)"),
    ],
)
def test_bad_inputs_are_rejected_naming_the_metric(cls, output, error, pattern):
    with pytest.raises(error, match=rf"{cls.__name__}\.update: {pattern}"):
        cls().update(output)


@pytest.mark.parametrize("cls", [Entropy, MutualInformation])
def test_nan_is_reported_by_compute(cls):
    metric = cls()
    metric.update((torch.tensor([[float("nan"), 1.0]]), None))
    with pytest.raises(ValueError, match=f"{cls.__name__}: since the last reset, y_pred held 1"):
        metric.compute()


def test_mutual_information_state_dict_holds_every_accumulator():
    # Ignite 0.5.5 saves only the probability sums; a restored metric must compute the same.
    metric = MutualInformation()
    metric.update((torch.tensor([[2.0, 0.0], [0.0, 1.0]]), None))
    restored = MutualInformation()
    restored.load_state_dict(metric.state_dict())
    assert restored.compute() == metric.compute()


@pytest.mark.parametrize("name", ["Entropy", "MutualInformation"])
def test_matches_ignite(name):
    ignite_metrics = pytest.importorskip("ignite.metrics")
    generator = torch.Generator().manual_seed(44)
    batches = [(torch.randn(6, 4, 3, generator=generator), torch.zeros(6))]
    theirs = run_metric(getattr(ignite_metrics, name)(), batches)
    assert run_metric(globals()[name](), batches) == pytest.approx(theirs, rel=1e-5)
