"""ember_metrics.nlp.perplexity: exp of the mean token cross-entropy of logits.

Oracle: numpy in float64 from the definition: per counted token ``logsumexp(logits) -
logits[target]``, averaged over the tokens whose target is not ``ignore_index``, exponentiated.
The values are the ones the metric saw (float32 draws are read back from the tensors). A parity
test compares with PyTorch-Ignite.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from regression_oracles import as_batches, assert_close, no_host_reads, run_metric, split_points

from ember.exceptions import NotComputableError
from ember.testing import check_metric
from ember_metrics import Perplexity

SETTINGS = settings(max_examples=30, deadline=None)


def oracle_perplexity(logits: np.ndarray, targets: np.ndarray, ignore_index: int = -100) -> float:
    """``logits`` (N, C, ...) and ``targets`` (N, ...) as float64 / int64 arrays."""
    scores = np.moveaxis(logits, 1, -1).reshape(-1, logits.shape[1])
    flat = targets.reshape(-1)
    counted = flat != ignore_index
    scores, flat = scores[counted], flat[counted]
    top = scores.max(axis=1, keepdims=True)
    log_normalizer = np.log(np.exp(scores - top).sum(axis=1)) + top[:, 0]
    nll = log_normalizer - scores[np.arange(len(flat)), flat]
    return float(np.exp(nll.mean()))


@st.composite
def token_batches(draw):
    """``(batches, logits, targets, ignore_index)``: (N, C) or (N, C, L) logits, split along N."""
    n, classes = draw(st.integers(1, 8)), draw(st.integers(1, 6))
    trailing = draw(st.sampled_from([(), (1,), (3,), (2, 2)]))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    logits = draw(arrays(dtype, (n, classes, *trailing), elements=st.floats(-20, 20, width=32)))
    ignore_index = draw(st.sampled_from([-100, -1, 0, classes]))
    targets = draw(arrays(np.int64, (n, *trailing), elements=st.integers(0, classes - 1)))
    padding = draw(arrays(np.bool_, targets.shape))
    targets[padding] = ignore_index
    assume((targets != ignore_index).any())
    tensors = (torch.from_numpy(logits), torch.from_numpy(targets))
    batches = as_batches(tensors, split_points(draw, n))
    return batches, logits.astype(np.float64), targets, ignore_index


@SETTINGS
@given(drawn=token_batches())
def test_value_matches_numpy_for_any_batches(drawn):
    batches, logits, targets, ignore_index = drawn
    value = run_metric(Perplexity(ignore_index=ignore_index), batches)
    assert isinstance(value, float)
    rtol = 1e-9 if batches[0][0].dtype == torch.float64 else 2e-5
    expected = oracle_perplexity(logits, targets, ignore_index)
    assert_close(value, expected, "Perplexity vs numpy", rtol=rtol)


@SETTINGS
@given(drawn=token_batches())
def test_any_split_into_batches_gives_the_value_of_one_batch(drawn):
    batches, _, _, ignore_index = drawn
    whole = tuple(torch.cat([batch[i] for batch in batches]) for i in range(2))
    split = run_metric(Perplexity(ignore_index=ignore_index), batches)
    assert_close(split, run_metric(Perplexity(ignore_index=ignore_index), [whole]), "split")


def test_equals_exp_of_torch_mean_cross_entropy():
    generator = torch.Generator().manual_seed(5)
    logits = torch.randn(6, 11, 7, generator=generator, dtype=torch.float64)
    targets = torch.randint(0, 11, (6, 7), generator=generator)
    targets[:, 5:] = -100
    expected = torch.nn.functional.cross_entropy(logits, targets).exp().item()
    assert_close(run_metric(Perplexity(), [(logits, targets)]), expected, "vs torch")


def test_half_precision_logits_are_computed_in_float32():
    generator = torch.Generator().manual_seed(6)
    logits = torch.randn(5, 9, 4, generator=generator).to(torch.bfloat16)
    targets = torch.randint(0, 9, (5, 4), generator=generator)
    expected = oracle_perplexity(logits.double().numpy(), targets.numpy())
    assert_close(run_metric(Perplexity(), [(logits, targets)]), expected, "bf16", rtol=1e-5)


def test_update_never_reads_tensor_values_on_the_host():
    metric = Perplexity()
    with no_host_reads():
        metric.update((torch.randn(4, 5, 3), torch.tensor([[0, 4, -100]] * 4)))
        metric.update((torch.randn(2, 5), torch.tensor([1, 7])))  # 7 is out of range
    with pytest.raises(ValueError, match="y held 1 out-of-range value"):
        metric.compute()


def test_follows_the_metric_protocol():
    generator = torch.Generator().manual_seed(7)
    logits = torch.randn(9, 6, 5, generator=generator, dtype=torch.float64)
    targets = torch.randint(0, 6, (9, 5), generator=generator)
    targets[::3, -2:] = -100
    check_metric(
        functools.partial(Perplexity, ignore_index=-100),
        [(logits[:4], targets[:4]), (logits[4:], targets[4:])],
        reference=lambda joined: oracle_perplexity(joined[0].numpy(), joined[1].numpy()),
    )


def test_compute_without_a_counted_token_is_not_computable():
    metric = Perplexity()
    metric.update((torch.randn(2, 3), torch.tensor([-100, -100])))
    with pytest.raises(NotComputableError, match="Perplexity must have at least one counted"):
        metric.compute()


def test_out_of_range_targets_and_nan_logits_are_reported_by_compute():
    metric = Perplexity()
    logits = torch.zeros(3, 4)
    logits[0, 1] = float("nan")
    metric.update((logits, torch.tensor([4, -1, -100])))
    with pytest.raises(
        ValueError,
        match=r"Perplexity: since the last reset, y held 2 out-of-range value\(s\), expected "
        r"token ids in \[0, C\) or ignore_index; y_pred held 1 NaN",
    ):
        metric.compute()


@pytest.mark.parametrize(
    ("y_pred", "y", "pattern"),
    [
        (
            torch.zeros(4),
            torch.zeros(4, dtype=torch.long),
            r"y_pred has shape \(4,\); expected "
            r"logits of shape \(N, C\) or \(N, C, L\)",
        ),
        (
            torch.zeros(4, 3, 5),
            torch.zeros(4, 6, dtype=torch.long),
            r"y_pred has shape \(4, 3, 5\) but y has shape \(4, 6\); expected y of shape \(4, 5\)",
        ),
        (
            torch.zeros(4, 3),
            torch.zeros(4, 1, dtype=torch.long),
            r"y_pred has shape \(4, 3\) but y has shape \(4, 1\); expected y of shape \(4,\)",
        ),
        (
            torch.zeros(4, 3, 5),
            torch.zeros(5, 4, dtype=torch.long),
            r"y_pred has shape \(4, 3, 5\) but y has shape \(5, 4\); expected y of shape \(4, 5\)",
        ),
    ],
)
def test_bad_shapes_are_rejected_naming_the_expected_shape(y_pred, y, pattern):
    with pytest.raises(ValueError, match=rf"Perplexity\.update: {pattern}"):
        Perplexity().update((y_pred, y))


@pytest.mark.parametrize(
    ("output", "pattern"),
    [
        ((torch.zeros(2, 3), torch.zeros(2)), "y has dtype torch.float32; expected integer"),
        (
            (torch.zeros(2, 3, dtype=torch.long), torch.zeros(2, dtype=torch.long)),
            "y_pred has dtype torch.int64; expected floating point logits",
        ),
        (([[0.0, 1.0]], [1]), "y_pred should be a torch.Tensor"),
    ],
)
def test_bad_dtypes_are_type_errors(output, pattern):
    with pytest.raises(TypeError, match=rf"Perplexity\.update: {pattern}"):
        Perplexity().update(output)


def test_rejects_a_non_integer_ignore_index():
    with pytest.raises(ValueError, match="Perplexity: argument ignore_index should be an int"):
        Perplexity(ignore_index=1.5)


def test_matches_ignite_on_fixed_logits():
    nlp = pytest.importorskip("ignite.metrics.nlp")
    generator = torch.Generator().manual_seed(8)
    logits = torch.randn(10, 7, 6, generator=generator)
    targets = torch.randint(0, 7, (10, 6), generator=generator)
    targets[:, 4:] = 3
    batches = [(logits[:3], targets[:3]), (logits[3:], targets[3:])]
    theirs = run_metric(nlp.Perplexity(ignore_index=3), batches)
    assert_close(run_metric(Perplexity(ignore_index=3), batches), theirs, "vs ignite", rtol=1e-6)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_on_a_cuda_device_update_stays_on_the_device_and_matches_the_cpu():
    generator = torch.Generator().manual_seed(9)
    logits = torch.randn(6, 50, 8, generator=generator)
    targets = torch.randint(0, 50, (6, 8), generator=generator)
    targets[:, -1] = -100
    metric = Perplexity(device="cuda")
    with no_host_reads():
        metric.update((logits.cuda(), targets.cuda()))
    expected = run_metric(Perplexity(), [(logits, targets)])
    assert_close(metric.compute(), expected, "cuda vs cpu", rtol=1e-5)
