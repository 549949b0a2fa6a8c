"""The plain multiclass path: after a first multiclass update, float32/float64 scores ``(N, C)``
and int64 targets ``(N,)`` on the CPU are counted through numpy views of the tensors.

Every batch of a stream may or may not take that path (dtype, layout, ties, first update);
whichever it takes, the counts must be those of the arg-max (first maximum on ties). Oracles:
scikit-learn (accuracy_score, precision_score, recall_score, confusion_matrix) on numpy's
arg-max of the scores.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import accuracy_score, confusion_matrix, precision_score, recall_score

from ember_metrics import Accuracy, ConfusionMatrix, Precision, Recall
from ember_metrics.classification._plain_batches import plain_multiclass, plain_multiclass_hits

SCORE_DTYPES = [torch.float32, torch.float64, torch.float16, torch.bfloat16]


@st.composite
def batches(draw: st.DrawFn) -> tuple[int, list[tuple[torch.Tensor, torch.Tensor]]]:
    """Batches of one class count with small whole-number scores (many ties), in any score
    dtype, some of them non-contiguous views."""
    num_classes = draw(st.integers(2, 6))
    count = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2**16))
    generator = torch.Generator().manual_seed(seed)
    drawn = []
    for _ in range(count):
        n = draw(st.integers(1, 12))
        scores = torch.randint(-2, 3, (n, num_classes), generator=generator)
        scores = scores.to(draw(st.sampled_from(SCORE_DTYPES)))
        if draw(st.booleans()):  # a transposed copy seen through a transposed view
            scores = scores.t().contiguous().t()
        y = torch.randint(0, num_classes, (2 * n,), generator=generator)
        y = y[::2] if draw(st.booleans()) else y[:n]  # strided or contiguous
        drawn.append((scores, y))
    return num_classes, drawn


def _labels(drawn: list[tuple[torch.Tensor, torch.Tensor]]) -> tuple[np.ndarray, np.ndarray]:
    """(true, predicted) over all batches; predictions are numpy's arg-max (first on ties)."""
    predicted = np.concatenate([s.double().numpy().argmax(axis=1) for s, _ in drawn])
    true = np.concatenate([y.numpy() for _, y in drawn])
    return true, predicted


@settings(max_examples=60, deadline=None)
@given(case=batches())
def test_accuracy_confusion_matrix_precision_recall_match_sklearn_on_any_stream(case):
    num_classes, drawn = case
    true, predicted = _labels(drawn)
    classes = list(range(num_classes))
    accuracy, matrix = Accuracy(), ConfusionMatrix(num_classes)
    by_average = {
        average: (Precision(average=average), Recall(average=average))
        for average in (False, "micro", "macro", "weighted")
    }
    for batch in drawn:
        for metric in (accuracy, matrix, *(m for pair in by_average.values() for m in pair)):
            metric.update(batch)
    assert accuracy.compute() == pytest.approx(accuracy_score(true, predicted), abs=1e-12)
    expected = confusion_matrix(true, predicted, labels=classes)
    assert np.array_equal(matrix.compute().numpy(), expected)
    for average, (precision, recall) in by_average.items():
        sk_average = None if average is False else average
        for metric, oracle in ((precision, precision_score), (recall, recall_score)):
            want = oracle(true, predicted, labels=classes, average=sk_average, zero_division=0)
            got = metric.compute()
            got = got.numpy() if isinstance(got, torch.Tensor) else got
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@st.composite
def float_batches(draw: st.DrawFn) -> tuple[int, np.ndarray, np.ndarray]:
    """One batch of random float scores, some rows given a tied maximum, signed zeros or
    infinities, in float32 or float64, C- or Fortran-ordered."""
    # Both ways of counting: class-major maxima (long batches of few classes), arg-max (others).
    num_classes = draw(st.sampled_from([2, 3, 5, 10, 24, 25, 48, 49, 70]))
    n = draw(st.sampled_from([1, 2, 7, 191, 192, 300]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    scores = rng.standard_normal((n, num_classes)).astype(dtype)
    specials = draw(st.lists(st.sampled_from(["tie", "zeros", "inf", "-inf"]), max_size=3))
    for special in specials:
        row = rng.integers(n)
        if special == "tie":
            first, second = rng.choice(num_classes, 2, replace=False)
            scores[row, second] = scores[row, first] = scores[row].max()
        elif special == "zeros":
            scores[row] = -1.0
            scores[row, rng.choice(num_classes, 2, replace=False)] = [0.0, -0.0]
        else:
            scores[row, rng.integers(num_classes)] = np.inf if special == "inf" else -np.inf
    if draw(st.booleans()):
        scores = np.asfortranarray(scores)
    return num_classes, scores, rng.integers(0, num_classes, n)


@settings(max_examples=200, deadline=None)
@given(case=float_batches())
def test_hits_of_a_plain_batch_are_those_of_the_argmax(case):
    # Oracle: numpy's arg-max (the first maximum on ties, as torch.argmax) compared with y.
    num_classes, scores, y = case
    expected = int(np.count_nonzero(scores.argmax(axis=1) == y))
    hits = plain_multiclass_hits((torch.from_numpy(scores), torch.from_numpy(y)), num_classes)
    assert hits == (expected, len(y))
    assert torch.from_numpy(scores).argmax(dim=1).eq(torch.from_numpy(y)).sum() == expected


@pytest.mark.parametrize("plain", [plain_multiclass, plain_multiclass_hits])
def test_plain_batches_are_recognised_only_in_the_dtypes_numpy_reads_as_they_are(plain):
    scores, y = torch.tensor([[0.1, 0.9], [0.8, 0.2]]), torch.tensor([1, 1])
    assert plain((scores, y), 2) is not None
    assert plain((scores.double(), y), 2) is not None
    assert plain((scores.half(), y), 2) is None
    assert plain((scores, y.int()), 2) is None
    assert plain((scores.requires_grad_(), y), 2) is None
    assert plain([scores.detach(), y], 2) is None  # a list, not a tuple
    assert plain((scores.detach(), y), 3) is None  # another class count
    assert plain((scores.detach()[:0], y[:0]), 2) is None  # no samples


@pytest.mark.parametrize("plain", [plain_multiclass, plain_multiclass_hits])
@pytest.mark.parametrize("bad", [[0, 2], [-1, 0], [0, 2**40]])
def test_targets_out_of_range_are_not_plain(plain, bad):
    scores = torch.tensor([[0.1, 0.9], [0.8, 0.2]])
    assert plain((scores, torch.tensor(bad)), 2) is None


@pytest.mark.parametrize("plain", [plain_multiclass, plain_multiclass_hits])
@pytest.mark.parametrize("where", [(0, 1), (1, 0), (0, 0)])
def test_nan_scores_are_not_plain(plain, where):
    # A NaN anywhere, also where it is not the row's maximum by position.
    scores = torch.tensor([[0.1, 0.3], [0.8, 0.2]])
    scores[where] = float("nan")
    assert plain((scores, torch.tensor([1, 0])), 2) is None


def test_accuracy_rejects_nan_scores_after_plain_batches():
    accuracy = Accuracy()
    accuracy.update((torch.tensor([[0.1, 0.9], [0.8, 0.2]]), torch.tensor([1, 0])))
    with pytest.raises(ValueError, match=r"Accuracy\.update: y_pred holds nan"):
        accuracy.update((torch.tensor([[0.1, 0.9], [float("nan"), 0.2]]), torch.tensor([1, 0])))


def test_accuracy_counts_on_after_loading_a_state_with_a_tensor_count():
    # A state saved by a metric that counts in a tensor (its device was not the CPU) loads
    # into a CPU metric, which goes on counting plain batches into it.
    scores, y = torch.tensor([[0.1, 0.9], [0.8, 0.2]]), torch.tensor([1, 1])
    source = Accuracy()
    source.update((scores, y))
    state = source.state_dict()
    (rank_state,) = state["__metric_state_per_rank"]
    assert rank_state["_num_correct"] == 1
    rank_state["_num_correct"] = torch.tensor(rank_state["_num_correct"])
    target = Accuracy()
    target.load_state_dict(state)
    target.update((scores, y))
    assert target.compute() == 0.5
    assert int(target._num_correct) == 2


def test_without_numpy_every_batch_takes_the_torch_path(monkeypatch):
    # torch runs without numpy: then no batch is plain, and the counts are the same.
    from ember_metrics.classification import _plain_batches

    generator = torch.Generator().manual_seed(7)
    drawn = [
        (torch.randn(9, 3, generator=generator), torch.randint(0, 3, (9,), generator=generator))
        for _ in range(4)
    ]
    true, predicted = _labels(drawn)
    monkeypatch.setattr(_plain_batches, "_numpy", None)
    assert plain_multiclass(drawn[0], 3) is None
    assert plain_multiclass_hits(drawn[0], 3) is None
    accuracy, matrix, precision = Accuracy(), ConfusionMatrix(3), Precision(average="macro")
    for batch in drawn:
        for metric in (accuracy, matrix, precision):
            metric.update(batch)
    assert accuracy.compute() == pytest.approx(accuracy_score(true, predicted), abs=1e-12)
    assert np.array_equal(matrix.compute().numpy(), confusion_matrix(true, predicted))
    expected = precision_score(true, predicted, average="macro", zero_division=0)
    assert precision.compute() == pytest.approx(expected, abs=1e-12)
