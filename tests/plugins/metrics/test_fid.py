"""ember_metrics.generative.fid: Fréchet Inception Distance; the page docs/metrics/generative.md.

Oracle: numpy and scipy on the joined features: ``numpy.mean`` and ``numpy.cov`` (unbiased) for
each set, ``scipy.linalg.sqrtm`` of the product of the covariances for the square root, then
``|mu1 - mu2|^2 + Tr(S1 + S2 - 2 sqrt(S1 S2))`` written from the definition. The pure-torch
matrix square root helpers are compared with ``scipy.linalg.sqrtm`` too. Parity with
PyTorch-Ignite 0.5.5's FID with ``feature_extractor=torch.nn.Identity()`` (which downloads
nothing). The page's examples run and must print what the page shows.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from regression_oracles import as_batches, assert_close, no_host_reads, run_metric
from sync_cases_generative import CASES

from ember.engine import Engine
from ember.exceptions import NotComputableError
from ember.testing import check_metric
from ember_metrics import FID
from ember_metrics.generative._matrix_sqrt import psd_sqrt, trace_sqrt_product

SETTINGS = settings(max_examples=30, deadline=None)
DOCS = Path(__file__).resolve().parents[3] / "docs" / "metrics"
EXAMPLE = re.compile(r"```python\n(.*?)```\n(?:\s*\n```\n(.*?)```\n)?", re.S)


def fid_oracle(generated: np.ndarray, real: np.ndarray) -> float:
    mu_1, mu_2 = generated.mean(axis=0), real.mean(axis=0)
    sigma_1 = np.atleast_2d(np.cov(generated, rowvar=False))
    sigma_2 = np.atleast_2d(np.cov(real, rowvar=False))
    root = scipy.linalg.sqrtm(sigma_1 @ sigma_2)
    return float(
        np.sum((mu_1 - mu_2) ** 2) + np.trace(sigma_1) + np.trace(sigma_2) - 2 * np.trace(root).real
    )


@st.composite
def feature_sets(draw, min_extra_samples=2):
    """Generated and real features ``(n, D)``, both Gaussian with drawn scales, split in batches.

    The values come from a numpy generator seeded by hypothesis: drawing them element by element
    finds singular covariances, where ``scipy.linalg.sqrtm`` (the oracle) is itself inexact.
    """
    num_features = draw(st.integers(1, 6))
    n = draw(st.integers(max(2, num_features + min_extra_samples), 40))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = draw(st.sampled_from([0.1, 1.0, 10.0]))
    mixing = rng.normal(size=(num_features, num_features))
    generated = rng.normal(size=(n, num_features)) @ mixing * scale + draw(st.floats(-3, 3))
    real = rng.normal(size=(n, num_features)) * scale * draw(st.floats(0.5, 2.0))
    tensors = [torch.as_tensor(generated, dtype=dtype), torch.as_tensor(real, dtype=dtype)]
    cuts = sorted(draw(st.sets(st.integers(1, n - 1), max_size=4)))
    batches = as_batches(tensors, [0, *cuts, n])
    joined = [tensor.double().numpy() for tensor in tensors]
    return batches, joined, num_features, scale


@SETTINGS
@given(drawn=feature_sets())
def test_value_matches_numpy_and_scipy_sqrtm(drawn):
    batches, (generated, real), num_features, scale = drawn
    value = run_metric(FID(num_features=num_features), batches)
    assert_close(
        value, fid_oracle(generated, real), "FID vs scipy", rtol=1e-6, atol=1e-8 * scale**2
    )


@SETTINGS
@given(drawn=feature_sets(min_extra_samples=-5))
def test_any_split_into_batches_gives_the_value_of_one_batch(drawn):
    batches, (generated, real), num_features, scale = drawn
    whole = [(torch.as_tensor(generated), torch.as_tensor(real))]
    one = run_metric(FID(num_features=num_features), whole)
    split = run_metric(FID(num_features=num_features), batches)
    assert_close(split, one, "FID split vs whole", rtol=1e-6, atol=1e-6 * scale**2)


@SETTINGS
@given(drawn=feature_sets(min_extra_samples=-5))
def test_value_is_symmetric_and_zero_for_identical_sets(drawn):
    batches, _, num_features, scale = drawn
    swapped = [(real, generated) for generated, real in batches]
    forward = run_metric(FID(num_features=num_features), batches)
    backward = run_metric(FID(num_features=num_features), swapped)
    assert_close(backward, forward, "FID swapped", rtol=1e-6, atol=1e-6 * scale**2)
    same = run_metric(FID(num_features=num_features), [(g, g) for g, _ in batches])
    assert same == pytest.approx(0.0, abs=1e-5 * scale**2)


@st.composite
def positive_semidefinite(draw):
    size = draw(st.integers(1, 7))
    rank = draw(st.integers(size, size + 4))  # full rank: scipy's sqrtm is exact there
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    factor = rng.normal(size=(size, rank))
    return factor @ factor.T / rank, rng


@SETTINGS
@given(drawn=positive_semidefinite())
def test_matrix_square_roots_match_scipy_sqrtm(drawn):
    matrix, rng = drawn
    other_factor = rng.normal(size=(len(matrix), len(matrix) + 2))
    other = other_factor @ other_factor.T
    root = psd_sqrt(torch.as_tensor(matrix)).numpy()
    np.testing.assert_allclose(root, scipy.linalg.sqrtm(matrix).real, rtol=1e-7, atol=1e-9)
    trace = trace_sqrt_product(torch.as_tensor(matrix), torch.as_tensor(other)).item()
    expected = np.trace(scipy.linalg.sqrtm(matrix @ other)).real
    assert trace == pytest.approx(expected, rel=1e-7, abs=1e-9)


def test_follows_the_metric_protocol():
    factory, batches = CASES["fid"]
    joined = [torch.cat(parts).double().numpy() for parts in zip(*batches, strict=True)]
    check_metric(factory, batches, reference=lambda _: fid_oracle(*joined), rtol=1e-7)


def test_follows_the_metric_protocol_through_a_feature_extractor():
    factory, batches = CASES["fid[linear_extractor]"]
    extractor = factory()._feature_extractor
    with torch.no_grad():
        joined = [
            extractor(torch.cat(parts)).double().numpy() for parts in zip(*batches, strict=True)
        ]
    check_metric(factory, batches, reference=lambda _: fid_oracle(*joined), rtol=1e-6)


def test_a_plain_callable_extracts_the_features():
    generator = torch.Generator().manual_seed(3)
    images = torch.rand(12, 3, 4, 4, generator=generator)
    noise = torch.rand(12, 3, 4, 4, generator=generator)

    def channel_means(batch: torch.Tensor) -> torch.Tensor:
        return batch.mean(dim=(2, 3))

    value = run_metric(FID(num_features=3, feature_extractor=channel_means), [(noise, images)])
    expected = fid_oracle(
        channel_means(noise).double().numpy(), images.mean((2, 3)).double().numpy()
    )
    assert value == pytest.approx(expected, rel=1e-6)


def test_the_extractor_runs_without_gradients_on_the_metric_device():
    seen = []

    class Recorder(torch.nn.Module):
        def forward(self, batch: torch.Tensor) -> torch.Tensor:
            seen.append((torch.is_grad_enabled(), batch.device, batch.requires_grad))
            return batch

    metric = FID(num_features=2, feature_extractor=Recorder())
    x = torch.randn(4, 2, requires_grad=True)
    metric.update((x, x * 2))
    assert seen == [(False, torch.device("cpu"), False)] * 2


def test_update_never_reads_tensor_values_on_the_host():
    metric = FID(num_features=3, feature_extractor=torch.nn.Linear(5, 3))
    with no_host_reads():
        metric.update((torch.randn(6, 5), torch.randn(6, 5)))
    metric.compute()


def test_one_sample_is_not_computable():
    metric = FID(num_features=2)
    metric.update((torch.ones(1, 2), torch.zeros(1, 2)))
    with pytest.raises(NotComputableError, match="FID must have at least two samples"):
        metric.compute()


def test_non_finite_features_are_reported_by_compute():
    metric = FID(num_features=2)
    with no_host_reads():
        metric.update((torch.tensor([[0.0, float("nan")], [1.0, 1.0]]), torch.ones(2, 2)))
        metric.update((torch.ones(2, 2), torch.tensor([[float("inf"), 0.0], [1.0, 1.0]])))
    with pytest.raises(
        ValueError,
        match=r"FID: .*y_pred held 1 NaN or infinite feature value\(s\), expected finite "
        r"features; y held 1 NaN or infinite",
    ):
        metric.compute()


@pytest.mark.parametrize(
    ("y_pred", "y", "pattern"),
    [
        (torch.ones(6), torch.ones(6), r"feature_extractor\(y_pred\) has shape \(6,\); expected"),
        (
            torch.ones(6, 3),
            torch.ones(6, 3),
            r"feature_extractor\(y_pred\) has shape \(6, 3\); expected .*num_features=2",
        ),
        (
            torch.ones(6, 2, 1),
            torch.ones(6, 2, 1),
            r"feature_extractor\(y_pred\) has shape \(6, 2, 1\); expected .*\(N, ",
        ),
        (torch.ones(6, 2), torch.ones(5, 2), r"y_pred has shape \(6, 2\) and y has shape \(5, 2\)"),
        (torch.ones(0, 2), torch.ones(0, 2), r"feature_extractor\(y_pred\) holds no samples"),
        (torch.tensor(1.0), torch.tensor(1.0), r"y_pred has shape \(\) and y has shape \(\)"),
    ],
)
def test_bad_inputs_are_rejected_naming_the_expected_shape(y_pred, y, pattern):
    with pytest.raises(ValueError, match=rf"FID\.update: {pattern}"):
        FID(num_features=2).update((y_pred, y))


def test_bad_outputs_of_the_extractor_are_rejected():
    with pytest.raises(ValueError, match=r"FID\.update: feature_extractor\(y_pred\) has shape "):
        FID(num_features=3, feature_extractor=torch.nn.Linear(2, 4)).update(
            (torch.ones(5, 2), torch.ones(5, 2))
        )
    with pytest.raises(ValueError, match=r"expected one row per sample, N=5"):
        FID(num_features=2, feature_extractor=lambda x: x[:2]).update(
            (torch.ones(5, 2), torch.ones(5, 2))
        )
    with pytest.raises(TypeError, match=r"feature_extractor\(y_pred\) returned a list"):
        FID(num_features=2, feature_extractor=lambda x: [x]).update(
            (torch.ones(5, 2), torch.ones(5, 2))
        )
    with pytest.raises(ValueError, match=r"FID.update: output should be a pair"):
        FID(num_features=2).update(torch.ones(5, 2))


@pytest.mark.parametrize("num_features", [0, -3, 2.0, True, "2"])
def test_rejects_a_bad_num_features(num_features):
    with pytest.raises(ValueError, match="FID: argument num_features should be an int >= 1"):
        FID(num_features=num_features)


def test_without_an_extractor_or_num_features_says_how_to_supply_one():
    with pytest.raises(ValueError, match="ember never downloads model weights") as error:
        FID()
    message = str(error.value)
    assert "FID(num_features=2048, feature_extractor=model)" in message
    assert "torch.nn.Identity()" in message
    with pytest.raises(ValueError, match="FID: argument num_features is None"):
        FID(feature_extractor=torch.nn.Identity())
    with pytest.raises(TypeError, match="FID: argument feature_extractor should be"):
        FID(num_features=2, feature_extractor="inception")


def test_reads_y_pred_and_y_of_a_mapping_output_when_attached():
    generator = torch.Generator().manual_seed(5)
    x, y = torch.randn(8, 2, generator=generator), torch.randn(8, 2, generator=generator)
    engine = Engine(lambda engine, batch: {"y_pred": batch[0], "y": batch[1]})
    FID(num_features=2).attach(engine, "fid")
    state = engine.run([(x[:4], y[:4]), (x[4:], y[4:])])
    assert state.metrics["fid"] == pytest.approx(fid_oracle(x.double().numpy(), y.double().numpy()))


@pytest.mark.parametrize("extractor", ["identity", "linear"])
def test_matches_ignite(extractor):
    ignite_gan = pytest.importorskip("ignite.metrics.gan")
    generator = torch.Generator().manual_seed(61)
    x = torch.randn(30, 5, generator=generator)
    y = torch.randn(30, 5, generator=generator) * 2 + 0.5
    batches = [(x[:11], y[:11]), (x[11:], y[11:])]
    if extractor == "identity":
        module, num_features = torch.nn.Identity(), 5
    else:
        torch.manual_seed(62)
        module, num_features = torch.nn.Linear(5, 3), 3
    theirs = run_metric(
        ignite_gan.FID(num_features=num_features, feature_extractor=module), batches
    )
    ours = run_metric(FID(num_features=num_features, feature_extractor=module), batches)
    assert ours == pytest.approx(theirs, rel=1e-7)


def test_the_generative_page_prints_its_documented_output():
    page = "generative.md"
    text = (DOCS / page).read_text(encoding="utf-8")
    namespace: dict[str, object] = {}
    examples = list(EXAMPLE.finditer(text))
    assert examples, f"{page} has no examples"
    for number, example in enumerate(examples, 1):
        code, expected = example.group(1), example.group(2)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, f"{page} example {number}", "exec"), namespace)
        if expected is not None:
            assert printed.getvalue() == expected, f"{page} example {number}"
    assert text.startswith("# Generative models: FID and Inception Score\n")
