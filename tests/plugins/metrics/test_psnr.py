"""ember_metrics.vision.psnr: peak signal-to-noise ratio; and the docs/metrics/vision.md examples.

Oracle: scikit-image's ``skimage.metrics.peak_signal_noise_ratio(image_true=y[i],
image_test=y_pred[i], data_range=data_range)`` per image, averaged over images. PSNR adds
``1e-10`` to each image's MSE (Ignite 0.5.5's rule, so that identical images stay finite); the
oracle applies that documented offset to the MSE it recovers from scikit-image's value
(``MSE = data_range^2 / 10^(PSNR / 10)``, 0 when scikit-image returns inf). Also parity with
pytorch-ignite 0.5.5's ``PSNR`` on fixed data.
"""

from __future__ import annotations

import contextlib
import functools
import io
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from regression_oracles import as_batches, assert_close, no_host_reads, run_metric, split_points
from skimage.metrics import peak_signal_noise_ratio

from ember.exceptions import NotComputableError
from ember.testing import check_metric
from ember_metrics import PSNR

SETTINGS = settings(max_examples=30, deadline=None)
DOCS = Path(__file__).resolve().parents[3] / "docs" / "metrics"
EXAMPLE = re.compile(r"```python\n(.*?)```\n(?:\s*\n```\n(.*?)```\n)?", re.S)


def skimage_psnr(y_pred: np.ndarray, y: np.ndarray, data_range: float) -> float:
    """Mean over images of scikit-image's PSNR, with 1e-10 added to each image's MSE."""
    values = []
    for pred, target in zip(y_pred.astype(np.float64), y.astype(np.float64), strict=True):
        with np.errstate(divide="ignore"):
            psnr = peak_signal_noise_ratio(target, pred, data_range=data_range)
        mse = 0.0 if math.isinf(psnr) else data_range**2 / 10 ** (psnr / 10)
        values.append(10 * math.log10(data_range**2 / (mse + 1e-10)))
    return float(np.mean(values))


def images(
    seed: int, shape: tuple[int, ...], dtype: torch.dtype = torch.float32, noise: float = 0.1
) -> tuple[torch.Tensor, torch.Tensor, float]:
    """``(y_pred, y, data_range)``: noisy copies of targets in [0, 1], or 0..255 for integers."""
    generator = torch.Generator().manual_seed(seed)
    y = torch.rand(shape, generator=generator, dtype=torch.float64)
    y_pred = (y + noise * torch.randn(shape, generator=generator, dtype=torch.float64)).clamp(0, 1)
    if not dtype.is_floating_point:
        return (y_pred * 255).round().to(dtype), (y * 255).round().to(dtype), 255.0
    return y_pred.to(dtype), y.to(dtype), 1.0


@st.composite
def image_case(draw: Any) -> dict[str, Any]:
    n = draw(st.integers(1, 8))
    tail = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=4)))
    dtype = draw(st.sampled_from([torch.float32, torch.float64, torch.uint8, torch.int64]))
    noise = draw(st.sampled_from([0.0, 0.001, 0.1, 0.5]))
    y_pred, y, data_range = images(draw(st.integers(0, 2**31)), (n, *tail), dtype, noise)
    data_range *= draw(st.sampled_from([1.0, 2.0]))  # a range wider than the data's
    return {
        "batches": as_batches([y_pred, y], split_points(draw, n)),
        "y_pred": y_pred.double().numpy(),
        "y": y.double().numpy(),
        "data_range": data_range,
    }


@SETTINGS
@given(case=image_case())
def test_value_matches_scikit_image_for_any_batches(case):
    expected = skimage_psnr(case["y_pred"], case["y"], case["data_range"])
    actual = run_metric(PSNR(case["data_range"]), case["batches"])
    assert_close(actual, expected, "PSNR vs scikit-image", rtol=1e-9)


@SETTINGS
@given(case=image_case())
def test_any_split_into_batches_gives_the_value_of_one_batch(case):
    whole = tuple(torch.cat([batch[i] for batch in case["batches"]]) for i in range(2))
    split = run_metric(PSNR(case["data_range"]), case["batches"])
    assert_close(split, run_metric(PSNR(case["data_range"]), [whole]), "split", rtol=1e-12)


def test_follows_the_metric_protocol():
    y_pred, y, _ = images(21, (9, 3, 5, 6))
    check_metric(
        functools.partial(PSNR, 1.0),
        [(y_pred[:4], y[:4]), (y_pred[4:5], y[4:5]), (y_pred[5:], y[5:])],
        reference=lambda joined: skimage_psnr(joined[0].numpy(), joined[1].numpy(), 1.0),
    )


def test_identical_images_score_a_finite_value():
    y = torch.rand(3, 1, 4, 4)
    assert run_metric(PSNR(1.0), [(y, y.clone())]) == pytest.approx(100.0)
    assert run_metric(PSNR(255), [(y, y.clone())]) == pytest.approx(100.0 + 20 * math.log10(255))


def test_integer_images_do_not_wrap_around():
    y_pred = torch.tensor([[0, 255]], dtype=torch.uint8)
    y = torch.tensor([[255, 0]], dtype=torch.uint8)
    assert run_metric(PSNR(255), [(y_pred, y)]) == pytest.approx(0.0, abs=1e-9)


def test_compute_before_update_raises():
    with pytest.raises(NotComputableError, match="PSNR must have at least one image"):
        PSNR(1.0).compute()


def test_update_never_reads_tensor_values_on_the_host():
    y_pred, y, _ = images(22, (4, 3, 8, 8))
    metric = PSNR(1.0)
    with no_host_reads():
        metric.update((y_pred, y))
    metric.compute()


def test_nan_values_are_reported_by_compute():
    y_pred, y, _ = images(23, (2, 4))
    y[1, 2] = float("nan")
    metric = PSNR(1.0)
    metric.update((y_pred, y))
    with pytest.raises(ValueError, match="PSNR: since the last reset, y held 1 NaN"):
        metric.compute()


@pytest.mark.parametrize(
    ("y_pred", "y", "pattern"),
    [
        (torch.rand(4), torch.rand(4), r"y_pred has shape \(4,\); expected \(N, \.\.\.\)"),
        (torch.rand(4, 0), torch.rand(4, 0), r"y_pred has shape \(4, 0\); expected \(N, \.\.\.\)"),
        (
            torch.rand(2, 3, 4),
            torch.rand(2, 3, 5),
            r"y_pred has shape \(2, 3, 4\) but y has shape \(2, 3, 5\)",
        ),
        (
            torch.rand(2, 3),
            torch.rand(2, 3, dtype=torch.float64),
            r"y_pred has dtype torch.float32 but y has dtype torch.float64; expected the same",
        ),
    ],
)
def test_bad_images_are_rejected_naming_what_was_expected(y_pred, y, pattern):
    with pytest.raises(ValueError, match=rf"PSNR\.update: {pattern}"):
        PSNR(1.0).update((y_pred, y))


@pytest.mark.parametrize("data_range", [0, -1.0, float("inf"), "255", None, True])
def test_a_bad_data_range_is_rejected(data_range):
    with pytest.raises(ValueError, match="PSNR: argument data_range should be a positive number"):
        PSNR(data_range)


@pytest.mark.parametrize(
    ("shape", "dtype"),
    [((4, 3, 16, 16), torch.float32), ((5, 7, 9), torch.uint8), ((3, 2, 4, 4, 4), torch.float64)],
)
def test_matches_ignite(shape, dtype):
    ignite_psnr = pytest.importorskip("ignite.metrics.psnr")
    y_pred, y, data_range = images(24, shape, dtype)
    y_pred[0] = y[0]  # one image without any error
    batches = [(y_pred[:2], y[:2]), (y_pred[2:], y[2:])]
    expected = run_metric(ignite_psnr.PSNR(data_range), batches)
    assert run_metric(PSNR(data_range), batches) == pytest.approx(expected, rel=1e-12)


def test_vision_page_examples_print_their_documented_output():
    text = (DOCS / "vision.md").read_text()
    namespace: dict[str, object] = {}
    examples = list(EXAMPLE.finditer(text))
    assert examples, "vision.md has no examples"
    for number, example in enumerate(examples, 1):
        code, expected = example.group(1), example.group(2)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, f"vision.md example {number}", "exec"), namespace)
        if expected is not None:
            assert printed.getvalue() == expected, f"vision.md example {number}"
