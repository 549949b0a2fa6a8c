"""The most common multiclass batch, checked and counted through numpy views of its tensors.

That batch: a tuple of float32 or float64 scores ``(N, C)`` (``C`` the metric's number of
classes) and int64 class indices ``(N,)`` in ``[0, C)``, ``N > 0``, on the CPU, without
gradients. ``tensor.numpy()`` reads such tensors without a copy, and on arrays this small numpy's
reductions cost a third of torch's dispatch. Anything else (another dtype or device, gradients,
a NaN score, a class index out of range, no numpy installed) gives ``None``: the caller then
takes the full checks, which say what is wrong, if anything.

Both functions check the values the full checks would: the targets' range with one ``max`` of
the targets read as unsigned integers (a negative index reads as a huge one), and NaN in the
scores.

Example:
    >>> import torch
    >>> from ember_metrics.classification._plain_batches import plain_multiclass_hits
    >>> scores = torch.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    >>> plain_multiclass_hits((scores, torch.tensor([1, 1, 1])), 2)  # (correct, samples)
    (2, 3)
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import torch

from ember_metrics._optional_numpy import numpy as _numpy
from ember_metrics.classification._input_checks import EAGER_DEVICE_TYPES

if TYPE_CHECKING:
    from numpy.typing import NDArray

if _numpy is not None:
    _max_of = _numpy.maximum.reduce  # ndarray.max() without its Python wrapper
    _count_nonzero = _numpy.count_nonzero
    _by_class = _numpy.ascontiguousarray
    _UINT64 = _numpy.uint64

__all__ = ["plain_multiclass", "plain_multiclass_hits"]

_NUMPY_SCORES = frozenset({torch.float32, torch.float64})  # score dtypes numpy reads as they are

# Where the class-major maxima of plain_multiclass_hits beat numpy's arg-max (measured with
# numpy 2.4 on x86 with AVX2): from about 200 rows of up to 48 float32 or 24 float64 scores
# (192 bytes). On shorter batches the copy's fixed cost dominates; longer rows numpy's arg-max
# vectorises.
_CLASS_MAJOR_MIN_SAMPLES = 192
_CLASS_MAJOR_MAX_ROW_BYTES = 192

_ROW_STARTS: dict[tuple[int, int], NDArray[Any]] = {}  # (N, C) -> flat index of each row's start
_ROW_STARTS_KEPT = 16  # batch sizes rarely vary; a stream where they do must not grow the cache


def _plain_views(output: Any, num_classes: int | None) -> tuple[NDArray[Any], NDArray[Any]] | None:
    """Numpy views ``(scores, target)`` of a plain batch with targets in range, else ``None``."""
    if type(output) is not tuple or len(output) != 2 or _numpy is None:
        return None
    y_pred, y = output
    if (  # what .numpy() needs: CPU tensors without gradients, in a dtype numpy has
        type(y_pred) is not torch.Tensor
        or type(y) is not torch.Tensor
        or not (y_pred.is_cpu and y.is_cpu and "cpu" in EAGER_DEVICE_TYPES)
        or y_pred.requires_grad
        or y_pred.dtype not in _NUMPY_SCORES
        or y.dtype is not torch.int64
    ):
        return None
    scores, target = y_pred.numpy(), y.numpy()
    shape = scores.shape  # numpy's shape: a plain tuple, cheaper to read than torch.Size
    if len(shape) != 2 or shape[1] != num_classes or target.shape != (shape[0],) or not shape[0]:
        return None
    if _max_of(target.view(_UINT64)) >= num_classes:
        return None  # out of range: the full checks raise (or ignore it, for ConfusionMatrix)
    return scores, target


def plain_multiclass(
    output: Any, num_classes: int | None
) -> tuple[NDArray[Any], NDArray[Any]] | None:
    """``(predicted classes, y)`` of a plain batch as numpy arrays, else ``None``.

    The scores' sum of squares (``vdot``, the cheapest reduction over them; it overflows to
    inf, never to NaN) finds any NaN; one ``argmax`` gives the predictions (the first maximum
    on ties, as ``torch.argmax``).

    Example:
        >>> import torch
        >>> predicted, y = plain_multiclass(
        ...     (torch.tensor([[0.1, 0.9], [0.8, 0.2]]), torch.tensor([1, 1])), 2
        ... )
        >>> predicted.tolist(), y.tolist()
        ([1, 0], [1, 1])
        >>> plain_multiclass((torch.tensor([[0.1, 0.9]]), torch.tensor([2])), 2) is None
        True
    """
    views = _plain_views(output, num_classes)
    if views is None:
        return None
    scores, target = views
    predicted = _predictions(scores)
    return None if predicted is None else (predicted, target)


def _predictions(scores: NDArray[Any]) -> NDArray[Any] | None:
    """Each row's arg-max (the first maximum on ties), or ``None`` if a score is NaN."""
    if math.isnan(_numpy.vdot(scores, scores)):  # a sum of squares: NaN only from a NaN
        return None  # a NaN score: the full checks raise
    predicted: NDArray[Any] = scores.argmax(axis=1)
    return predicted


def plain_multiclass_hits(output: Any, num_classes: int | None) -> tuple[int, int] | None:
    """``(correct predictions, samples)`` of a plain batch, else ``None``.

    A prediction is the arg-max of its row of scores (the first maximum on ties, as
    ``torch.argmax``), so it is correct when the target's score is the row's maximum and no
    other score equals it. That count needs no arg-max, whose per-row branches cost most of the
    time on random scores: the scores are copied class by class (``C`` rows of ``N``), where the
    row maxima are ``C - 1`` element-wise maxima over long rows. The maxima carry any NaN of
    their row (numpy's maximum propagates NaN). A row with a tie for its maximum (found by
    counting the scores equal to it) sends the batch through ``argmax``. So do short batches
    and batches of many classes, where the arg-max costs less.

    Example:
        >>> import torch
        >>> scores = torch.tensor([[2.0, 2.0, 1.0], [0.0, 3.0, 1.0]])
        >>> plain_multiclass_hits((scores, torch.tensor([1, 1])), 3)  # a tie: the first wins
        (1, 2)
        >>> plain_multiclass_hits((scores, torch.tensor([0, 3])), 3) is None  # 3 is out of range
        True
    """
    views = _plain_views(output, num_classes)
    if views is None:
        return None
    scores, target = views
    samples, classes = scores.shape
    if (
        samples >= _CLASS_MAJOR_MIN_SAMPLES
        and classes * scores.itemsize <= _CLASS_MAJOR_MAX_ROW_BYTES
    ):
        by_class = _by_class(scores.T)  # (C, N), contiguous
        best = _max_of(by_class, axis=0)  # each row's maximum, NaN where the row has one
        if math.isnan(_numpy.vdot(best, best)):
            return None  # a NaN score: the full checks raise
        if _count_nonzero(by_class == best) == samples:  # no row's maximum is tied
            target_scores = scores.reshape(-1).take(_row_starts(samples, classes) + target)
            return int(_count_nonzero(target_scores == best)), samples
    predicted = _predictions(scores)  # a short batch, many classes or a tie: the arg-max
    return None if predicted is None else (int(_count_nonzero(predicted == target)), samples)


def _row_starts(samples: int, classes: int) -> NDArray[Any]:
    """The flat index of each row's first element in a C-contiguous ``(samples, classes)``
    array, kept for the next batch of the same size."""
    key = (samples, classes)
    starts = _ROW_STARTS.get(key)
    if starts is None:
        if len(_ROW_STARTS) >= _ROW_STARTS_KEPT:
            _ROW_STARTS.clear()
        starts = _ROW_STARTS[key] = _numpy.arange(0, samples * classes, classes)
    return starts
