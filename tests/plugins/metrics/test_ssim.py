"""ember_metrics.vision.ssim: structural similarity of images and volumes, mean over images.

Oracles:

- scikit-image's ``skimage.metrics.structural_similarity(..., data_range=data_range,
  channel_axis=0, use_sample_covariance=False, K1=k1, K2=k2)`` with
  ``gaussian_weights=True, sigma=sigma`` (or ``gaussian_weights=False, win_size=kernel_size``
  for the uniform window), called per image and averaged. SSIM's definition extends each image
  by reflection (numpy's ``mode="reflect"``, no repeated edge pixel) by half a window and
  averages the SSIM map over every pixel; scikit-image instead filters with scipy's ``reflect``
  border (edge pixel repeated) and averages only the pixels at least half a window from the
  border. Padding each image with ``np.pad(..., mode="reflect")`` by half a window first makes
  the two agree exactly: scikit-image's crop removes exactly the padding, and the windows of the
  pixels it keeps lie inside the padded image. scikit-image fixes the Gaussian's truncation at
  3.5 sigma, so its window has ``2 * int(3.5 * sigma + 0.5) + 1`` taps, the same for every axis:
  the oracle is used for the (kernel_size, sigma) pairs in ``SKIMAGE_WINDOWS``, which include
  the default (11, 1.5).
- For windows scikit-image cannot express (a different kernel_size or sigma per axis), a small
  reference from the definition: scipy ``ndimage.correlate1d`` with the normalised Gaussian (or
  uniform) weights along each axis and ``mode="mirror"`` (scipy's name for numpy's and torch's
  ``reflect``), then the SSIM formula with population variances in float64.
- Parity with pytorch-ignite 0.5.5's ``SSIM`` on fixed data.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from regression_oracles import as_batches, assert_close, no_host_reads, run_metric, split_points
from scipy import ndimage
from skimage.metrics import structural_similarity

from ember.exceptions import NotComputableError
from ember.testing import check_metric
from ember_metrics import SSIM

SETTINGS = settings(max_examples=30, deadline=None)
SKIMAGE_WINDOWS = ((3, 0.3), (5, 0.6), (7, 0.9), (11, 1.5))
"""(kernel_size, sigma) pairs for which scikit-image's window has kernel_size taps."""


def skimage_ssim(
    y_pred: np.ndarray,
    y: np.ndarray,
    *,
    data_range: float,
    kernel_size: int,
    sigma: float,
    gaussian: bool = True,
    k1: float = 0.01,
    k2: float = 0.03,
) -> float:
    """Mean over images (``(N, C, *spatial)``) of scikit-image's SSIM of the padded images."""
    if gaussian:
        assert 2 * int(3.5 * sigma + 0.5) + 1 == kernel_size, "not a scikit-image window"
        window: dict[str, Any] = {"gaussian_weights": True, "sigma": sigma}
    else:
        window = {"gaussian_weights": False, "win_size": kernel_size}
    half = (kernel_size - 1) // 2
    widths = [(0, 0)] + [(half, half)] * (y.ndim - 2)
    values = [
        structural_similarity(
            np.pad(target, widths, mode="reflect"),
            np.pad(pred, widths, mode="reflect"),
            data_range=data_range,
            channel_axis=0,
            use_sample_covariance=False,
            K1=k1,
            K2=k2,
            **window,
        )
        for pred, target in zip(y_pred.astype(np.float64), y.astype(np.float64), strict=True)
    ]
    return float(np.mean(values))


def scipy_ssim(
    y_pred: np.ndarray,
    y: np.ndarray,
    *,
    data_range: float,
    kernel_size: tuple[int, ...],
    sigma: tuple[float, ...],
    gaussian: bool = True,
    k1: float = 0.01,
    k2: float = 0.03,
) -> float:
    """SSIM from its definition, with a separable window and mirrored borders."""

    def weights(size: int, s: float) -> np.ndarray:
        if not gaussian:
            return np.full(size, 1.0 / size)
        offsets = np.arange(size) - (size - 1) / 2
        w = np.exp(-(offsets**2) / (2 * s * s))
        return w / w.sum()

    def local_mean(a: np.ndarray) -> np.ndarray:
        for axis, (size, s) in enumerate(zip(kernel_size, sigma, strict=True), start=2):
            a = ndimage.correlate1d(a, weights(size, s), axis=axis, mode="mirror")
        return a

    p, t = y_pred.astype(np.float64), y.astype(np.float64)
    mu_p, mu_t = local_mean(p), local_mean(t)
    var_p = local_mean(p * p) - mu_p**2
    var_t = local_mean(t * t) - mu_t**2
    cov = local_mean(p * t) - mu_p * mu_t
    c1, c2 = (k1 * data_range) ** 2, (k2 * data_range) ** 2
    ssim = ((2 * mu_p * mu_t + c1) * (2 * cov + c2)) / (
        (mu_p**2 + mu_t**2 + c1) * (var_p + var_t + c2)
    )
    return float(ssim.reshape(len(ssim), -1).mean(axis=1).mean())


def images(
    seed: int,
    shape: tuple[int, ...],
    dtype: torch.dtype = torch.float32,
    data_range: float = 1.0,
    noise: float = 0.2,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Targets in ``[0, data_range]`` and predictions: scaled, shifted, noisy targets."""
    generator = torch.Generator().manual_seed(seed)
    y = torch.rand(shape, generator=generator, dtype=torch.float64)
    y_pred = 0.8 * y + 0.1 + noise * torch.randn(shape, generator=generator, dtype=torch.float64)
    y_pred = y_pred.clamp(0, 1)
    if not dtype.is_floating_point:
        return (y_pred * 255).round().to(dtype), (y * 255).round().to(dtype)
    return (y_pred * data_range).to(dtype), (y * data_range).to(dtype)


@st.composite
def image_case(draw: Any, skimage_window: bool = True) -> dict[str, Any]:
    """A configuration and its batches: 2-D images or 3-D volumes, split along N."""
    ndims = draw(st.sampled_from([2, 3]))
    if skimage_window:
        kernel_size, sigma = draw(st.sampled_from(SKIMAGE_WINDOWS[: 4 if ndims == 2 else 2]))
        kernels, sigmas = (kernel_size,) * ndims, (sigma,) * ndims
    else:
        kernels = tuple(draw(st.lists(st.sampled_from([1, 3, 5]), min_size=ndims, max_size=ndims)))
        sigmas = tuple(draw(st.lists(st.floats(0.3, 3.0), min_size=ndims, max_size=ndims)))
    extra = 6 if ndims == 2 else 3
    spatial = tuple(k + draw(st.integers(0, extra)) for k in kernels)
    n = draw(st.integers(1, 5))
    channels = draw(st.integers(1, 3))
    dtype = draw(st.sampled_from([torch.float32, torch.float64, torch.uint8]))
    data_range = 255.0 if dtype == torch.uint8 else draw(st.sampled_from([1.0, 2.0, 10.0]))
    y_pred, y = images(
        draw(st.integers(0, 2**31)),
        (n, channels, *spatial),
        dtype,
        data_range,
        noise=draw(st.sampled_from([0.0, 0.05, 0.3])),
    )
    return {
        "batches": as_batches([y_pred, y], split_points(draw, n)),
        "y_pred": y_pred.double().numpy(),
        "y": y.double().numpy(),
        "data_range": data_range,
        "kernel_size": kernels,
        "sigma": sigmas,
        "gaussian": draw(st.booleans()),
        "k": draw(st.sampled_from([(0.01, 0.03), (0.05, 0.1)])),
        # float32 sums of squares lose digits that float64 keeps
        "atol": 1e-9 if dtype == torch.float64 else 2e-5,
    }


def _metric(case: dict[str, Any]) -> SSIM:
    k1, k2 = case["k"]
    return SSIM(
        case["data_range"],
        kernel_size=case["kernel_size"],
        sigma=case["sigma"],
        k1=k1,
        k2=k2,
        gaussian=case["gaussian"],
    )


@SETTINGS
@given(case=image_case())
def test_value_matches_scikit_image_for_any_batches(case):
    expected = skimage_ssim(
        case["y_pred"],
        case["y"],
        data_range=case["data_range"],
        kernel_size=case["kernel_size"][0],
        sigma=case["sigma"][0],
        gaussian=case["gaussian"],
        k1=case["k"][0],
        k2=case["k"][1],
    )
    actual = run_metric(_metric(case), case["batches"])
    assert_close(actual, expected, "SSIM vs scikit-image", atol=case["atol"])


@SETTINGS
@given(case=image_case(skimage_window=False))
def test_value_matches_the_definition_for_windows_that_differ_per_axis(case):
    expected = scipy_ssim(
        case["y_pred"],
        case["y"],
        data_range=case["data_range"],
        kernel_size=case["kernel_size"],
        sigma=case["sigma"],
        gaussian=case["gaussian"],
        k1=case["k"][0],
        k2=case["k"][1],
    )
    actual = run_metric(_metric(case), case["batches"])
    assert_close(actual, expected, "SSIM vs scipy reference", atol=case["atol"])


@SETTINGS
@given(case=image_case())
def test_any_split_into_batches_gives_the_value_of_one_batch(case):
    whole = tuple(torch.cat([batch[i] for batch in case["batches"]]) for i in range(2))
    split = run_metric(_metric(case), case["batches"])
    assert_close(split, run_metric(_metric(case), [whole]), "split", atol=1e-12)


def test_follows_the_metric_protocol():
    y_pred, y = images(11, (7, 2, 12, 13))
    check_metric(
        functools.partial(SSIM, 1.0, kernel_size=(5, 3), sigma=(1.0, 2.0)),
        [(y_pred[:3], y[:3]), (y_pred[3:4], y[3:4]), (y_pred[4:], y[4:])],
        reference=lambda joined: scipy_ssim(
            joined[0].double().numpy(),
            joined[1].double().numpy(),
            data_range=1.0,
            kernel_size=(5, 3),
            sigma=(1.0, 2.0),
        ),
    )


def test_follows_the_metric_protocol_for_volumes():
    y_pred, y = images(12, (5, 1, 6, 7, 5))
    check_metric(
        functools.partial(SSIM, 1.0, kernel_size=5, sigma=0.6, ndims=3),
        [(y_pred[:2], y[:2]), (y_pred[2:], y[2:])],
        reference=lambda joined: skimage_ssim(
            joined[0].numpy(), joined[1].numpy(), data_range=1.0, kernel_size=5, sigma=0.6
        ),
    )


def test_identical_images_score_one():
    _, y = images(13, (3, 3, 16, 16), torch.float64)
    assert run_metric(SSIM(1.0), [(y, y.clone())]) == pytest.approx(1.0, abs=1e-12)


def test_ndims_follows_the_window_when_not_given():
    assert SSIM(1.0).ndims == 2
    assert SSIM(1.0, kernel_size=(3, 5, 7)).ndims == 3
    assert SSIM(1.0, sigma=(1.0, 1.0, 2.0)).kernel_size == (11, 11, 11)
    assert SSIM(1.0, kernel_size=7, ndims=3).kernel_size == (7, 7, 7)


def test_compute_before_update_raises():
    with pytest.raises(NotComputableError, match="SSIM must have at least one image"):
        SSIM(1.0).compute()


def test_an_empty_batch_changes_nothing():
    y_pred, y = images(14, (2, 1, 11, 11))
    metric = SSIM(1.0)
    metric.update((y_pred, y))
    before = metric.compute()
    metric.update((y_pred[:0], y[:0]))
    assert metric.compute() == before


def test_update_never_reads_tensor_values_on_the_host():
    y_pred, y = images(15, (2, 3, 12, 12))
    metric = SSIM(1.0)
    with no_host_reads():
        metric.update((y_pred, y))
        metric.update((y_pred.double(), y.double()))
    metric.compute()


def test_nan_pixels_are_reported_by_compute():
    y_pred, y = images(16, (2, 1, 11, 11))
    y_pred[0, 0, 3, 3] = float("nan")
    metric = SSIM(1.0)
    metric.update((y_pred, y))
    with pytest.raises(ValueError, match="SSIM: since the last reset, y_pred held 1 NaN"):
        metric.compute()


@pytest.mark.parametrize(
    ("metric", "y_pred", "y", "pattern"),
    [
        (
            SSIM(1.0),
            torch.rand(4, 3),
            torch.rand(4, 3),
            r"y_pred has shape \(4, 3\); expected \(N, C, H, W\) with C >= 1, for ndims=2",
        ),
        (
            SSIM(1.0, ndims=3),
            torch.rand(2, 1, 16, 16),
            torch.rand(2, 1, 16, 16),
            r"y_pred has shape \(2, 1, 16, 16\); expected \(N, C, D, H, W\)",
        ),
        (
            SSIM(1.0),
            torch.rand(2, 1, 16, 16),
            torch.rand(2, 1, 16, 17),
            r"y_pred has shape \(2, 1, 16, 16\) but y has shape \(2, 1, 16, 17\)",
        ),
        (
            SSIM(1.0),
            torch.rand(2, 1, 16, 16),
            torch.rand(2, 1, 16, 16, dtype=torch.float64),
            r"y_pred has dtype torch.float32 but y has dtype torch.float64; expected the same",
        ),
        (
            SSIM(1.0),
            torch.rand(2, 1, 16, 10),
            torch.rand(2, 1, 16, 10),
            r"y_pred has shape \(2, 1, 16, 10\); expected each image size \(H, W\) to be at "
            r"least the kernel_size \(11, 11\)",
        ),
        (
            SSIM(1.0, kernel_size=(3, 5, 7)),
            torch.rand(1, 1, 3, 5, 6),
            torch.rand(1, 1, 3, 5, 6),
            r"y_pred has shape \(1, 1, 3, 5, 6\); expected each image size \(D, H, W\) to be "
            r"at least the kernel_size \(3, 5, 7\)",
        ),
    ],
)
def test_bad_images_are_rejected_naming_what_was_expected(metric, y_pred, y, pattern):
    with pytest.raises(ValueError, match=rf"SSIM\.update: {pattern}"):
        metric.update((y_pred, y))


def test_boolean_images_are_rejected():
    with pytest.raises(TypeError, match=r"SSIM\.update: y_pred has dtype torch.bool"):
        SSIM(1.0).update((torch.ones(1, 1, 11, 11, dtype=torch.bool),) * 2)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"kernel_size": 4}, "argument kernel_size should be an odd positive int"),
        ({"kernel_size": 0}, "argument kernel_size should be an odd positive int"),
        ({"kernel_size": -3}, "argument kernel_size should be an odd positive int"),
        ({"kernel_size": (11, 10)}, "argument kernel_size should be an odd positive int"),
        ({"kernel_size": 2.5}, "argument kernel_size should be an odd positive int"),
        ({"kernel_size": (11, 11, 11), "ndims": 2}, "argument kernel_size has 3 entries"),
        ({"sigma": (1.5, 1.5), "ndims": 3}, r"argument sigma has 2 entries, .*; expected 3"),
        ({"kernel_size": (3, 3, 3, 3)}, "arguments kernel_size and sigma should have 2 entries"),
        ({"sigma": 0.0}, "argument sigma should be a positive number"),
        ({"sigma": (1.5, -1.0)}, "argument sigma should be a positive number"),
        ({"ndims": 4}, "argument ndims should be 2 or 3, got 4"),
        ({"ndims": 2.0}, "argument ndims should be 2 or 3, got 2.0"),
        ({"k1": 0.0}, "argument k1 should be a positive number"),
        ({"k2": -0.1}, "argument k2 should be a positive number"),
        ({"data_range": 0}, "argument data_range should be a positive number"),
        ({"data_range": "255"}, "argument data_range should be a positive number"),
    ],
)
def test_bad_arguments_are_rejected_at_construction(kwargs, pattern):
    arguments = {"data_range": 1.0, **kwargs}
    with pytest.raises(ValueError, match=f"SSIM: {pattern}"):
        SSIM(**arguments)


@pytest.mark.parametrize(
    ("ours", "theirs", "shape", "dtype"),
    [
        ({}, {}, (4, 3, 16, 16), torch.float32),
        ({}, {}, (3, 2, 20, 17), torch.float64),
        ({"kernel_size": (5, 9), "sigma": (1.0, 2.5)}, None, (3, 2, 12, 14), torch.float64),
        ({"kernel_size": 5, "sigma": 0.8, "ndims": 3}, None, (2, 2, 6, 7, 8), torch.float64),
        ({"k1": 0.05, "k2": 0.1}, None, (2, 1, 12, 12), torch.uint8),
        # Ignite's uniform window of any size >= 5 gives weight only to the middle 5 pixels.
        ({"gaussian": False, "kernel_size": 5}, {"gaussian": False}, (3, 2, 16, 16), torch.float64),
    ],
)
def test_matches_ignite(ours, theirs, shape, dtype):
    ignite_ssim = pytest.importorskip("ignite.metrics.ssim")
    y_pred, y = images(17, shape, dtype)
    data_range = 255.0 if dtype == torch.uint8 else 1.0
    theirs = ours if theirs is None else theirs
    theirs = {key: list(v) if isinstance(v, tuple) else v for key, v in theirs.items()}
    batches = [(y_pred[:1], y[:1]), (y_pred[1:], y[1:])]
    expected = run_metric(ignite_ssim.SSIM(data_range, **theirs), batches)
    # Ignite builds its window in float32, so float64 images agree to about 1e-7.
    assert run_metric(SSIM(data_range, **ours), batches) == pytest.approx(expected, abs=1e-6)
