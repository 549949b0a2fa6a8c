"""Test helpers of the numeric metric families: hypothesis strategies and numpy oracles.

The oracles are written from each metric's definition with numpy, or call scipy / scikit-learn;
none of them imports ember_metrics. ``Drawn`` data holds the batches fed to a metric and the same
values joined as float64 numpy arrays (read back from the tensors, so a float32 draw is compared
with exactly the numbers the metric saw).
"""

from __future__ import annotations

import contextlib
import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ember.testing import assert_values_close

FLOAT_DTYPES = (torch.float32, torch.float64)


@dataclass
class Drawn:
    """Batches ``[(y_pred, y), ...]`` and the joined values as float64 arrays."""

    batches: list[tuple[torch.Tensor, torch.Tensor]]
    y_pred: np.ndarray
    y: np.ndarray


def split_points(draw: Callable[[Any], Any], n: int, max_batches: int = 5) -> list[int]:
    """Sorted cut positions (possibly repeated, so some batches are empty) for ``n`` rows."""
    cuts = draw(st.lists(st.integers(0, n), max_size=max_batches - 1))
    return [0, *sorted(cuts), n]


def as_batches(
    tensors: Sequence[torch.Tensor], bounds: Sequence[int]
) -> list[tuple[torch.Tensor, ...]]:
    """Slice every tensor along dimension 0 at ``bounds`` into a list of tuples."""
    return [
        tuple(tensor[start:stop] for tensor in tensors)
        for start, stop in itertools.pairwise(bounds)
    ]


def magnitudes(low: float = 0.05, high: float = 100.0) -> st.SearchStrategy[float]:
    """Nonzero floats of either sign, with ``low <= |x| <= high``."""
    return st.builds(
        lambda sign, size: sign * size, st.sampled_from([-1.0, 1.0]), st.floats(low, high)
    )


@st.composite
def regression_data(
    draw: Callable[[Any], Any],
    *,
    elements: st.SearchStrategy[float] | None = None,
    target_elements: st.SearchStrategy[float] | None = None,
    min_rows: int = 1,
    max_rows: int = 40,
    trailing: tuple[int, ...] | None = None,
    column: bool = True,
) -> Drawn:
    """Pairs ``(y_pred, y)`` split into batches.

    ``column``: each tensor is ``(N,)`` or ``(N, 1)`` (drawn). Otherwise ``trailing`` fixes the
    dimensions after ``N``, or they are drawn (zero to two of size 1..3).
    """
    elements = elements if elements is not None else st.floats(-100, 100)
    target_elements = target_elements if target_elements is not None else elements
    n = draw(st.integers(min_rows, max_rows))
    if column:
        tail: tuple[int, ...] = draw(st.sampled_from([(), (1,)]))
    elif trailing is not None:
        tail = trailing
    else:
        tail = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    dtype = draw(st.sampled_from(FLOAT_DTYPES))
    y_pred = torch.as_tensor(draw(arrays(np.float64, (n, *tail), elements=elements)), dtype=dtype)
    y = torch.as_tensor(draw(arrays(np.float64, (n, *tail), elements=target_elements)), dtype=dtype)
    batches = as_batches([y_pred, y], split_points(draw, n))
    return Drawn(
        batches=batches,  # type: ignore[arg-type]
        y_pred=y_pred.double().numpy(),
        y=y.double().numpy(),
    )


def run_metric(metric: Any, batches: Sequence[Any]) -> Any:
    """Reset ``metric``, feed it every batch and return ``compute()``."""
    metric.reset()
    for batch in batches:
        metric.update(batch)
    return metric.compute()


def assert_close(
    actual: Any, expected: Any, what: str, rtol: float = 1e-7, atol: float = 1e-9
) -> None:
    """Like ``assert_values_close``, and NaN equals NaN (an undefined value on both sides)."""
    if isinstance(expected, float) and math.isnan(expected):
        assert isinstance(actual, float), f"{what}: {actual!r} is not a float"
        assert math.isnan(actual), f"{what}: {actual!r} is not NaN"
        return
    assert_values_close(actual, expected, what, rtol=rtol, atol=atol)


# ----------------------------------------------------------------- numpy oracles (definitions)


def mean_error(p: np.ndarray, a: np.ndarray) -> float:
    return float(np.mean(a - p))


def per_example_sum_mean(errors: np.ndarray) -> float:
    """Ignite's rule for (N, ...) inputs: sum the errors of each example, average over N."""
    return float(errors.reshape(len(errors), -1).sum(axis=1).mean())


def mean_normalized_bias(p: np.ndarray, a: np.ndarray) -> float:
    return float(np.mean((a - p) / a))


def fractional_absolute_error(p: np.ndarray, a: np.ndarray) -> float:
    return float(np.mean(2 * np.abs(a - p) / (np.abs(a) + np.abs(p))))


def fractional_bias(p: np.ndarray, a: np.ndarray) -> float:
    return float(np.mean(2 * (a - p) / (a + p)))


def wave_hedges(p: np.ndarray, a: np.ndarray) -> float:
    return float(np.sum(np.abs(a - p) / np.maximum(a, p)))


def median_absolute_percentage_error(p: np.ndarray, a: np.ndarray) -> float:
    return float(100 * np.median(np.abs(a - p) / np.abs(a)))


def relative_to_mean(p: np.ndarray, a: np.ndarray) -> np.ndarray:
    return np.abs(a - p) / np.abs(a - a.mean())


@contextlib.contextmanager
def no_host_reads() -> Iterator[None]:
    """Make reading a tensor's value on the host (``item``, ``tolist``, ``bool``...) fail.

    On an accelerator each of those waits for the device; ``update`` must do none of them.
    """

    def refuse(self: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("update read a tensor value on the host")

    names = ("item", "tolist", "__bool__", "__int__", "__float__", "__index__", "numpy")
    saved = {name: getattr(torch.Tensor, name) for name in names}
    try:
        for name in names:
            setattr(torch.Tensor, name, refuse)
        yield
    finally:
        for name, method in saved.items():
            setattr(torch.Tensor, name, method)


@dataclass
class DrawnScores:
    """Batches ``[(y_pred, y), ...]`` of ``(B, C, ...)`` tensors; joined float64 rows ``(M, C)``."""

    batches: list[tuple[torch.Tensor, torch.Tensor]]
    y_pred_rows: np.ndarray
    y_rows: np.ndarray


def class_rows(values: np.ndarray) -> np.ndarray:
    """``(B, C, d1, ...)`` as ``(B * d1 * ..., C)``: one row of class scores per position."""
    return np.moveaxis(values, 1, -1).reshape(-1, values.shape[1])


@st.composite
def class_score_data(
    draw: Callable[[Any], Any],
    *,
    elements: st.SearchStrategy[float] | None = None,
    max_rows: int = 20,
) -> DrawnScores:
    """Pairs of logits ``(B, C)`` or ``(B, C, d)`` split into batches along B."""
    elements = elements if elements is not None else st.floats(-10, 10)
    n = draw(st.integers(1, max_rows))
    classes = draw(st.integers(1, 5))
    tail: tuple[int, ...] = draw(st.sampled_from([(), (2,), (3,)]))
    dtype = draw(st.sampled_from(FLOAT_DTYPES))
    shape = (n, classes, *tail)
    y_pred = torch.as_tensor(draw(arrays(np.float64, shape, elements=elements)), dtype=dtype)
    y = torch.as_tensor(draw(arrays(np.float64, shape, elements=elements)), dtype=dtype)
    return DrawnScores(
        batches=as_batches([y_pred, y], split_points(draw, n)),  # type: ignore[arg-type]
        y_pred_rows=class_rows(y_pred.double().numpy()),
        y_rows=class_rows(y.double().numpy()),
    )


@st.composite
def ranking_data(
    draw: Callable[[Any], Any],
    *,
    min_items: int = 1,
    max_items: int = 8,
    tied_scores: bool = True,
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Batches of ``(scores (N, L), relevance (N, L))`` with relevance in 0..3.

    ``tied_scores``: scores are drawn from a few values, so ties are common; otherwise every
    score of a query is distinct.
    """
    n = draw(st.integers(1, 20))
    items = draw(st.integers(min_items, max_items))
    if tied_scores:
        scores = draw(arrays(np.float64, (n, items), elements=st.sampled_from([0.0, 0.5, 1.0])))
    else:
        rows = [
            # Distinct integers scaled: unique floats could still hold both 0.0 and -0.0.
            [
                v / 8
                for v in draw(
                    st.lists(st.integers(-80, 80), min_size=items, max_size=items, unique=True)
                )
            ]
            for _ in range(n)
        ]
        scores = np.array(rows, dtype=np.float64).reshape(n, items)
    relevance = draw(arrays(np.float64, (n, items), elements=st.sampled_from([0.0, 1.0, 2.0, 3.0])))
    dtype = draw(st.sampled_from(FLOAT_DTYPES))
    tensors = [torch.as_tensor(scores, dtype=dtype), torch.as_tensor(relevance, dtype=dtype)]
    return as_batches(tensors, split_points(draw, n))  # type: ignore[return-value]
