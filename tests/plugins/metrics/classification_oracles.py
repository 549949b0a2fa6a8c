"""Shared helpers of the classification, segmentation and aggregation metric tests.

- hypothesis strategies for batch splits and random inputs (drawn from a seed, so that every
  example is reproducible and generation stays fast);
- the independent oracles: scikit-learn for classification, numpy for the rest;
- picklable wrappers that let ``ember.testing.check_metric`` compare values it cannot compare
  directly (tuples of curves, JSON reports).
"""

from __future__ import annotations

import itertools
import json
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import strategies as st

from ember.metric import Metric, MetricsLambda
from ember.testing import check_metric

__all__ = [
    "as_json",
    "batch_splits",
    "binary_input",
    "check_split_invariance",
    "check_with_expected",
    "check_wrapped",
    "expect_value_error",
    "identity",
    "multiclass_input",
    "multilabel_input",
    "sk_accuracy",
    "sk_precision_recall",
    "split",
    "stacked",
]


def identity(output: Any) -> Any:
    """A picklable output_transform."""
    return output


# ------------------------------------------------------------------ inputs


@st.composite
def batch_splits(draw: st.DrawFn, n: int, max_batches: int = 4) -> list[int]:
    """Sorted cut points splitting ``n`` samples into 1 to ``max_batches`` non-empty batches."""
    if n < 2:
        return []
    # Duplicates are merged rather than filtered out, so that generation never has to retry.
    cuts = draw(st.lists(st.integers(1, n - 1), max_size=max_batches - 1))
    return sorted(set(cuts))


def split(tensors: Sequence[torch.Tensor], cuts: Sequence[int]) -> list[tuple[torch.Tensor, ...]]:
    """Split each tensor along dim 0 at ``cuts``; one tuple per batch."""
    bounds = [0, *cuts, tensors[0].shape[0]]
    return [tuple(t[a:b] for t in tensors) for a, b in itertools.pairwise(bounds)]


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def multiclass_input(
    seed: int,
    n: int,
    num_classes: int,
    extra: tuple[int, ...] = (),
    y_dtype: torch.dtype = torch.int64,
    score_dtype: torch.dtype = torch.float32,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Scores ``(n, C, *extra)`` without ties, and class indices ``(n, *extra)``."""
    g = _generator(seed)
    y_pred = torch.randn(n, num_classes, *extra, generator=g).to(score_dtype)
    y = torch.randint(0, num_classes, (n, *extra), generator=g).to(y_dtype)
    return y_pred, y


def binary_input(
    seed: int, shape: tuple[int, ...], dtype: torch.dtype = torch.int64
) -> tuple[torch.Tensor, torch.Tensor]:
    """Binary predictions and targets of ``shape`` in ``dtype``."""
    g = _generator(seed)
    y_pred = torch.randint(0, 2, shape, generator=g).to(dtype)
    y = torch.randint(0, 2, shape, generator=g).to(dtype)
    return y_pred, y


def multilabel_input(
    seed: int,
    n: int,
    num_labels: int,
    extra: tuple[int, ...] = (),
    dtype: torch.dtype = torch.int64,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Multilabel predictions and targets of shape ``(n, C, *extra)``."""
    return binary_input(seed, (n, num_labels, *extra), dtype)


# ------------------------------------------------------------------ oracles (scikit-learn)


def _rows(tensor: torch.Tensor) -> np.ndarray:
    """``(N, C, ...)`` -> ``(N * ..., C)``: each position a sample, as the metrics count them."""
    return tensor.movedim(1, -1).reshape(-1, tensor.shape[1]).numpy()


def sk_accuracy(y_pred: torch.Tensor, y: torch.Tensor, input_type: str) -> float:
    """Oracle: sklearn.metrics.accuracy_score (subset accuracy for multilabel input)."""
    from sklearn.metrics import accuracy_score

    if input_type == "multiclass":
        return float(accuracy_score(y.flatten().numpy(), y_pred.argmax(1).flatten().numpy()))
    if input_type == "multilabel":
        return float(accuracy_score(_rows(y).astype(int), _rows(y_pred).astype(int)))
    return float(accuracy_score(y.flatten().numpy(), y_pred.flatten().numpy()))


def sk_precision_recall(
    which: str, y_pred: torch.Tensor, y: torch.Tensor, input_type: str, average: Any
) -> Any:
    """Oracle: sklearn.metrics.precision_score / recall_score with ``zero_division=0``.

    ``average`` is ember's (False, None, True, "micro", ...); classes are ``range(C)`` (both
    classes for binary input unless ``average`` is False).
    """
    from sklearn.metrics import precision_score, recall_score

    score = precision_score if which == "precision" else recall_score
    sk_average = "macro" if average is True else (None if average is False else average)
    labels: list[int] | None
    if input_type == "binary":
        target, predicted = y.flatten().numpy().astype(int), y_pred.flatten().numpy().astype(int)
        if average is False:
            return score(target, predicted, average="binary", zero_division=0)
        labels = [0, 1]
    elif input_type == "multiclass":
        target, predicted = y.flatten().numpy(), y_pred.argmax(1).flatten().numpy()
        labels = list(range(y_pred.shape[1]))
    else:
        target, predicted = _rows(y).astype(int), _rows(y_pred).astype(int)
        labels = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return score(target, predicted, labels=labels, average=sk_average, zero_division=0)


# ------------------------------------------------------------------ checks


def stacked(values: Sequence[torch.Tensor]) -> torch.Tensor:
    """Curves ``(a, b, c)`` of equal length as one ``(3, L)`` tensor, comparable by the kit."""
    return torch.stack([torch.as_tensor(v, dtype=torch.float64) for v in values])


def as_json(report: str) -> Any:
    """A JSON report parsed back, comparable by the kit."""
    return json.loads(report)


def check_split_invariance(factory: Callable[[], Metric], batches: Sequence[Any]) -> None:
    """The value over ``batches`` equals the value over all of them joined in one batch."""
    from ember.testing import assert_values_close, concatenate

    whole = factory()
    whole.update(concatenate(list(batches)))
    pieces = factory()
    for batch in batches:
        pieces.update(batch)
    assert_values_close(pieces.compute(), whole.compute(), "split vs one batch")


def check_with_expected(
    factory: Callable[[], Metric], batches: Sequence[Any], expected: Any
) -> None:
    """check_metric, then the value over ``batches`` against ``expected`` (for batches the kit
    cannot concatenate, such as Python numbers, or values that depend on the batching)."""
    from ember.testing import assert_values_close

    check_metric(factory, batches)
    metric = factory()
    for batch in batches:
        metric.update(batch)
    assert_values_close(metric.compute(), expected, "value vs oracle")


def check_wrapped(
    wrap: Callable[..., Any],
    factory: Callable[[], Metric],
    batches: Sequence[Any],
    reference: Callable[[Any], Any] | None = None,
) -> None:
    """check_metric on ``MetricsLambda(wrap, factory())``, for values the kit cannot compare."""
    check_metric(_Wrapped(wrap, factory), batches, reference=reference)


class _Wrapped:
    """A picklable factory of ``MetricsLambda(wrap, factory())``."""

    def __init__(self, wrap: Callable[..., Any], factory: Callable[[], Metric]) -> None:
        self.wrap = wrap
        self.factory = factory
        self.__name__ = f"{getattr(factory, '__name__', repr(factory))} via {wrap.__name__}"

    def __call__(self) -> MetricsLambda:
        return MetricsLambda(self.wrap, self.factory())


def expect_value_error(action: Callable[[], Any], *fragments: str) -> str:
    """``action()`` raises ValueError whose message holds every fragment; return the message."""
    with pytest.raises(ValueError) as caught:  # noqa: PT011 - fragments are checked below
        action()
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


# ------------------------------------------------------------------ ranking inputs


def ranking_input(
    seed: int,
    n: int,
    input_type: str,
    num_labels: int = 3,
    tied: bool = False,
    score_dtype: torch.dtype = torch.float32,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Scores and targets for the ROC / precision-recall family.

    binary: ``(n,)`` and ``(n,)`` of 0/1; multilabel: ``(n, C)`` and ``(n, C)`` of 0/1;
    multiclass: ``(n, C)`` and ``(n,)`` class indices. With ``tied`` the scores take few
    distinct values, so that thresholds with several samples are exercised. Targets hold both
    classes in every column (the metrics are undefined otherwise).
    """
    g = _generator(seed)
    shape = (n,) if input_type == "binary" else (n, num_labels)
    if tied:
        y_pred = torch.randint(0, 4, shape, generator=g).to(score_dtype) / 4
    else:
        y_pred = torch.randn(shape, generator=g).to(score_dtype)
    if input_type == "multiclass":
        y = torch.randint(0, num_labels, (n,), generator=g)
        y[:num_labels] = torch.arange(num_labels)  # every class present
        return y_pred, y
    y = torch.randint(0, 2, shape, generator=g)
    y[0], y[1] = 0, 1  # both classes in every column
    return y_pred, y


def sk_binary_or_per_label(
    score: Callable[..., float], y_pred: torch.Tensor, y: torch.Tensor
) -> float:
    """Oracle driver: a scikit-learn binary score, averaged (macro) over labels when 2-d."""
    target, scores = y.numpy(), y_pred.numpy()
    if scores.ndim == 2 and target.ndim == 1:
        target = np.eye(scores.shape[1], dtype=np.int64)[target]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(
            score(target, scores, average="macro") if scores.ndim == 2 else score(target, scores)
        )
