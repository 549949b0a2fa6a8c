"""ember_metrics.generative.inception_score: the Inception Score of class probabilities.

Oracle: ``scipy.stats.entropy(p(y|x), p(y))``, the KL divergence of each sample's distribution
from the marginal (the mean of all rows, with numpy), averaged over the samples and
exponentiated. Parity with PyTorch-Ignite 0.5.5's InceptionScore with
``feature_extractor=torch.nn.Identity()`` (which downloads nothing).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.stats
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from regression_oracles import assert_close, no_host_reads, run_metric
from sync_cases_generative import CASES

from ember.engine import Engine
from ember.exceptions import NotComputableError
from ember.testing import check_metric
from ember_metrics import InceptionScore

SETTINGS = settings(max_examples=30, deadline=None)


def inception_score_oracle(probabilities: np.ndarray) -> float:
    marginal = probabilities.mean(axis=0)
    divergences = [scipy.stats.entropy(row, marginal) for row in probabilities]
    return math.exp(float(np.mean(divergences)))


@st.composite
def probability_sets(draw):
    """Rows of class probabilities (some one-hot, with exact zeros), split into batches."""
    num_classes = draw(st.integers(1, 8))
    n = draw(st.integers(1, 40))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    concentration = draw(st.sampled_from([0.05, 0.5, 5.0]))
    rows = rng.dirichlet(np.full(num_classes, concentration), size=n)
    one_hot = rng.random(n) < draw(st.sampled_from([0.0, 0.3]))
    rows[one_hot] = np.eye(num_classes)[rng.integers(num_classes, size=one_hot.sum())]
    probabilities = torch.as_tensor(rows, dtype=dtype)
    cuts = sorted(draw(st.sets(st.integers(1, max(1, n - 1)), max_size=4)) - {n})
    bounds = [0, *cuts, n]
    batches = [probabilities[a:b] for a, b in itertools.pairwise(bounds)]
    return batches, probabilities.double().numpy(), num_classes, dtype


@SETTINGS
@given(drawn=probability_sets())
def test_value_matches_scipy_entropy(drawn):
    batches, joined, num_classes, dtype = drawn
    value = run_metric(InceptionScore(num_features=num_classes), batches)
    # scipy renormalises each row; float32 rows add up to 1 within ~1e-7 only.
    rtol = 1e-5 if dtype == torch.float32 else 1e-9
    assert_close(value, inception_score_oracle(joined), "IS vs scipy", rtol=rtol, atol=1e-9)


@SETTINGS
@given(drawn=probability_sets())
def test_any_split_into_batches_gives_the_value_of_one_batch(drawn):
    batches, joined, num_classes, _ = drawn
    one = run_metric(InceptionScore(num_features=num_classes), [torch.as_tensor(joined)])
    split = run_metric(InceptionScore(num_features=num_classes), batches)
    assert_close(split, one, "IS split vs whole", rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("num_classes", [1, 3, 10])
def test_lies_between_one_and_the_number_of_classes(num_classes):
    certain_and_diverse = torch.eye(num_classes).repeat(3, 1)
    assert run_metric(
        InceptionScore(num_features=num_classes), [certain_and_diverse]
    ) == pytest.approx(num_classes)
    all_alike = torch.full((7, num_classes), 1.0 / num_classes)
    assert run_metric(InceptionScore(num_features=num_classes), [all_alike]) == pytest.approx(1.0)


def test_follows_the_metric_protocol():
    factory, batches = CASES["inception_score"]
    joined = torch.cat(batches).double().numpy()
    check_metric(factory, batches, reference=lambda _: inception_score_oracle(joined), rtol=1e-6)


def test_follows_the_metric_protocol_through_a_classifier():
    factory, batches = CASES["inception_score[classifier]"]
    with torch.no_grad():
        joined = factory()._feature_extractor(torch.cat(batches)).double().numpy()
    check_metric(factory, batches, reference=lambda _: inception_score_oracle(joined), rtol=1e-6)


def test_update_never_reads_tensor_values_on_the_host():
    classifier = torch.nn.Sequential(torch.nn.Linear(5, 3), torch.nn.Softmax(dim=1))
    metric = InceptionScore(num_features=3, feature_extractor=classifier)
    with no_host_reads():
        metric.update(torch.randn(6, 5))
    metric.compute()


def test_probabilities_outside_zero_one_are_reported_by_compute():
    metric = InceptionScore(num_features=2)
    with no_host_reads():
        metric.update(torch.tensor([[1.5, -0.5], [0.5, 0.5]]))
        metric.update(torch.tensor([[float("nan"), 0.5]]))
    with pytest.raises(
        ValueError,
        match=r"InceptionScore: .*y_pred held 3 NaN or outside \[0, 1\] value\(s\), expected "
        r"probabilities in \[0, 1\]",
    ):
        metric.compute()


def test_before_any_sample_is_not_computable():
    with pytest.raises(NotComputableError, match="InceptionScore must have at least one sample"):
        InceptionScore(num_features=2).compute()


@pytest.mark.parametrize(
    ("y_pred", "pattern"),
    [
        (torch.ones(4), r"feature_extractor\(y_pred\) has shape \(4,\); expected class prob"),
        (torch.ones(4, 3), r"feature_extractor\(y_pred\) has shape \(4, 3\); .*num_features=2"),
        (torch.ones(4, 2, 1), r"feature_extractor\(y_pred\) has shape \(4, 2, 1\); expected"),
        (torch.ones(0, 2), r"feature_extractor\(y_pred\) holds no samples"),
        ((torch.ones(4, 2), torch.ones(4)), r"output should be y_pred \(a tensor\) or \(y_pred,\)"),
    ],
)
def test_bad_inputs_are_rejected_naming_the_expected_shape(y_pred, pattern):
    with pytest.raises(ValueError, match=rf"InceptionScore\.update: {pattern}"):
        InceptionScore(num_features=2).update(y_pred)


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="ember never downloads model weights") as error:
        InceptionScore()
    assert "InceptionScore(num_features=1000, feature_extractor=model)" in str(error.value)
    assert "torch.nn.Softmax(dim=1)" in str(error.value)
    with pytest.raises(ValueError, match="InceptionScore: argument num_features should be"):
        InceptionScore(num_features=0)
    with pytest.raises(ValueError, match="InceptionScore: argument num_features is None"):
        InceptionScore(feature_extractor=torch.nn.Identity())
    with pytest.raises(TypeError, match=r"InceptionScore\.update: y_pred should be a torch"):
        InceptionScore(num_features=2).update([[0.5, 0.5]])


def test_reads_y_pred_of_a_mapping_output_when_attached():
    probabilities = torch.softmax(torch.randn(9, 4, generator=torch.Generator().manual_seed(8)), 1)
    engine = Engine(lambda engine, batch: {"y_pred": batch, "y": torch.zeros(len(batch))})
    InceptionScore(num_features=4).attach(engine, "is")
    state = engine.run([probabilities[:5], probabilities[5:]])
    expected = inception_score_oracle(probabilities.double().numpy())
    assert state.metrics["is"] == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("extractor", ["identity", "classifier"])
def test_matches_ignite(extractor):
    ignite_gan = pytest.importorskip("ignite.metrics.gan")
    generator = torch.Generator().manual_seed(71)
    if extractor == "identity":
        module = torch.nn.Identity()
        data = torch.softmax(3 * torch.randn(25, 6, generator=generator), dim=1)
    else:
        torch.manual_seed(72)
        module = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Softmax(dim=1))
        data = torch.randn(25, 4, generator=generator)
    batches = [data[:10], data[10:]]
    theirs = run_metric(
        ignite_gan.InceptionScore(num_features=6, feature_extractor=module), batches
    )
    ours = run_metric(InceptionScore(num_features=6, feature_extractor=module), batches)
    assert ours == pytest.approx(theirs, rel=1e-7)
