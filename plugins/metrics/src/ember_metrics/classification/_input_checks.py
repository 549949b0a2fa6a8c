"""Checking the inputs of classification metrics: input types, shapes and values.

Shape and dtype checks read tensor metadata only and cost nothing. Checks on values (labels
that must be 0 or 1, class indices in range, no NaN) need the data:

- inputs on the CPU are checked at once: their values are already on the host, so ``update``
  raises on the batch that is wrong, at the cost of one reduction per check;
- inputs on an accelerator (CUDA, MPS, ...) are checked on the device and the outcome is kept
  there; the next ``compute`` reads it back and raises (in a distributed run, on every process
  when any process found invalid input). Reading a flag back in ``update`` would
  make the host wait for the device on every batch, which is what an accelerator user pays for
  in PyTorch-Ignite. The trade-off: a bad batch is reported at the end of the accumulation
  period rather than where it happened, and the counters may hold garbage until then.

The input types follow PyTorch-Ignite's rules (``_BaseClassification``):

====================  ==================  ==================  =================
input type            ``y_pred``          ``y``               condition
====================  ==================  ==================  =================
binary                ``(N, ...)``        ``(N, ...)``        values 0 or 1
binary                ``(N, 1, ...)``     ``(N, ...)``        values 0 or 1
multiclass            ``(N, C, ...)``     ``(N, ...)``        ``C > 1``
multilabel            ``(N, C, ...)``     ``(N, C, ...)``     ``is_multilabel``
====================  ==================  ==================  =================

Example:
    >>> import torch
    >>> from ember_metrics.classification._input_checks import detect_input_type
    >>> detect_input_type("Accuracy.update", torch.rand(4, 3), torch.tensor([0, 2, 1, 1]), False)
    ('multiclass', 3)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch

from ember.metric import Metric
from ember.metric.reduction import get_collective_hooks

__all__ = [
    "EAGER_DEVICE_TYPES",
    "check_binary",
    "check_class_indices",
    "check_no_nan",
    "check_same_input_type",
    "checked_on_host",
    "clear_deferred_checks",
    "detach_pair",
    "detect_input_type",
    "raise_deferred_checks",
    "require",
    "shape_of",
]

EAGER_DEVICE_TYPES: frozenset[str] = frozenset({"cpu"})
"""Device types whose values are checked in ``update``; on others the check is deferred."""

_DEFERRED = "_deferred_checks"


def shape_of(tensor: torch.Tensor) -> str:
    """A shape as users write it: ``(8, 3)``, ``(8,)``, ``()``.

    Example:
        >>> import torch
        >>> shape_of(torch.zeros(8)), shape_of(torch.zeros(2, 3))
        ('(8,)', '(2, 3)')
    """
    return str(tuple(tensor.shape))


def detach_pair(owner: str, output: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Unpack ``(y_pred, y)`` from ``output`` and detach both; anything else is an error.

    Example:
        >>> import torch
        >>> y_pred, y = detach_pair("Accuracy.update", (torch.ones(2), torch.zeros(2)))
        >>> y_pred.requires_grad, y.shape
        (False, torch.Size([2]))
    """
    if type(output) is tuple and len(output) == 2:  # the common case, without an ABC check
        y_pred, y = output
        if type(y_pred) is torch.Tensor and type(y) is torch.Tensor:
            return (
                y_pred.detach() if y_pred.requires_grad else y_pred,
                y.detach() if y.requires_grad else y,
            )
    if not isinstance(output, Sequence) or isinstance(output, str) or len(output) != 2:
        described = f"a sequence of length {len(output)}" if isinstance(output, Sequence) else ""
        raise ValueError(
            f"{owner}: output should be the pair (y_pred, y) of tensors, got "
            f"{described or type(output).__name__}"
        )
    y_pred, y = output
    for name, value in (("y_pred", y_pred), ("y", y)):
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"{owner}: {name} should be a torch.Tensor, got {type(value).__name__}")
    return y_pred.detach(), y.detach()


def detect_input_type(
    owner: str, y_pred: torch.Tensor, y: torch.Tensor, is_multilabel: bool
) -> tuple[str, int]:
    """Return ``(input type, number of classes)`` from the shapes; raise ValueError if invalid.

    The number of classes is 1 for binary input, ``C`` for multiclass and multilabel input.

    Example:
        >>> import torch
        >>> detect_input_type("Precision.update", torch.ones(4, 1), torch.ones(4), False)
        ('binary', 1)
        >>> detect_input_type("Precision.update", torch.ones(4, 5), torch.ones(4, 5), True)
        ('multilabel', 5)
    """
    if y_pred.ndim == y.ndim + 1 and y.ndim > 0:
        if y_pred.shape[0] == y.shape[0] and y_pred.shape[2:] == y.shape[1:]:
            if not is_multilabel:
                num_classes = y_pred.shape[1]
                return ("binary", 1) if num_classes == 1 else ("multiclass", num_classes)
        else:
            raise _shape_error(owner, y_pred, y, is_multilabel, ", which do not match")
    elif y_pred.ndim == y.ndim and y.ndim > 0:
        if y_pred.shape != y.shape:
            raise _shape_error(owner, y_pred, y, is_multilabel, ", which do not match")
        if not is_multilabel:
            return "binary", 1
        if y.ndim >= 2 and y.shape[1] >= 2:
            return "multilabel", y.shape[1]
    raise _shape_error(owner, y_pred, y, is_multilabel, "")


def _shape_error(
    owner: str, y_pred: torch.Tensor, y: torch.Tensor, is_multilabel: bool, mismatch: str
) -> ValueError:
    """The error of :func:`detect_input_type`, built only when there is one."""
    expected = (
        "expected y_pred of shape (N, C, ...) or (N, ...) and y of shape (N, ...)"
        if not is_multilabel
        else "expected y_pred and y of the same shape (N, C, ...) with C > 1 (is_multilabel=True)"
    )
    got = f"y_pred has shape {shape_of(y_pred)} and y has shape {shape_of(y)}"
    if y.ndim == 0:
        return ValueError(f"{owner}: {got}; y needs a batch dimension, {expected}")
    return ValueError(f"{owner}: {got}{mismatch}; {expected}")


def check_same_input_type(metric: Any, owner: str, input_type: str, num_classes: int) -> None:
    """Remember the first update's input type on ``metric``; later updates must match it.

    The metric keeps them in ``_type`` and ``_num_classes`` (``None`` after ``reset``).

    Example:
        >>> from types import SimpleNamespace
        >>> metric = SimpleNamespace(_type=None, _num_classes=None)
        >>> check_same_input_type(metric, "Accuracy.update", "multiclass", 3)
        >>> check_same_input_type(metric, "Accuracy.update", "multiclass", 4)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: Accuracy.update: y_pred has 4 classes, but earlier updates ... had 3; ...
    """
    previous_type, previous_classes = metric._type, metric._num_classes
    if previous_type is None:
        metric._type, metric._num_classes = input_type, num_classes
        return
    if previous_type != input_type:
        raise ValueError(
            f"{owner}: the input is {input_type}, but earlier updates since reset() were "
            f"{previous_type}; expected the same input type in every update"
        )
    if previous_classes != num_classes:
        raise ValueError(
            f"{owner}: y_pred has {num_classes} classes, but earlier updates since reset() had "
            f"{previous_classes}; expected the same number of classes in every update"
        )


def require(
    metric: Metric,
    invalid: torch.Tensor,
    values: torch.Tensor,
    owner: str,
    argument: str,
    expected: str,
) -> None:
    """Fail when any element of the boolean tensor ``invalid`` is true.

    ``invalid`` has the shape of ``values`` (the tensor being checked). On the CPU the error is
    raised at once and names the first offending value; on an accelerator the outcome stays on
    the device and :func:`raise_deferred_checks` reports it from ``compute``.

    Example:
        >>> import torch
        >>> from types import SimpleNamespace
        >>> y = torch.tensor([0, 1, 2])
        >>> require(SimpleNamespace(), y > 1, y, "Accuracy.update", "y", "0 or 1")
        Traceback (most recent call last):
        ...
        ValueError: Accuracy.update: y holds 2; expected 0 or 1
    """
    if invalid.device.type in EAGER_DEVICE_TYPES:
        if bool(invalid.any()):
            found = values[invalid].flatten()[0].item()
            raise ValueError(f"{owner}: {argument} holds {found!r}; expected {expected}")
        return
    message = (
        f"{owner}: {argument} held an invalid value in a batch on {invalid.device} since the "
        f"last reset(); expected {expected}. Inputs on {invalid.device.type} are checked "
        f"without synchronising in update, so the error is reported by compute"
    )
    pending: dict[str, torch.Tensor] = metric.__dict__.setdefault(_DEFERRED, {})
    flag = invalid.any()
    seen = pending.get(message)
    pending[message] = flag if seen is None else seen | flag


def checked_on_host(tensor: torch.Tensor) -> bool:
    """Whether values of ``tensor`` are checked in ``update`` (its device is in
    :data:`EAGER_DEVICE_TYPES`): then the metrics may also use operations that read values on
    the host, such as ``torch.bincount``, knowing that the values are valid.

    Example:
        >>> import torch
        >>> checked_on_host(torch.zeros(2))
        True
    """
    if tensor.is_cpu:  # an attribute read; device.type builds a device object
        return "cpu" in EAGER_DEVICE_TYPES
    return tensor.device.type in EAGER_DEVICE_TYPES


def _in_range_on_host(values: torch.Tensor, num_classes: int | None) -> bool:
    """Whether integer ``values`` on the CPU all lie in ``[0, num_classes)``: one reduction.

    False means "look closer" (floating point, another device, or a value out of range).
    """
    if (
        values.device.type not in EAGER_DEVICE_TYPES
        or values.is_floating_point()
        or values.dtype == torch.bool
        or values.numel() == 0
    ):
        return values.numel() == 0 and values.device.type in EAGER_DEVICE_TYPES
    low, high = torch.aminmax(values)
    return low.item() >= 0 and (num_classes is None or high.item() < num_classes)


def check_binary(metric: Metric, tensor: torch.Tensor, owner: str, argument: str) -> None:
    """Values must be 0 or 1 (binary and multilabel input).

    Example:
        >>> import torch
        >>> from types import SimpleNamespace
        >>> y_pred = torch.tensor([0.0, 0.5])
        >>> check_binary(SimpleNamespace(), y_pred, "Recall.update", "y_pred")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: Recall.update: y_pred holds 0.5; expected only 0 and 1 (binary or ...
    """
    if not tensor.is_floating_point() and _in_range_on_host(tensor, 2):
        return
    require(
        metric,
        (tensor != 0) & (tensor != 1),
        tensor,
        owner,
        argument,
        "only 0 and 1 (binary or multilabel input; threshold probabilities first, "
        "e.g. in output_transform)",
    )


def check_class_indices(
    metric: Metric, y: torch.Tensor, num_classes: int | None, owner: str, argument: str = "y"
) -> None:
    """Values must be whole numbers in ``[0, num_classes)`` (or ``>= 0`` when it is ``None``).

    Example:
        >>> import torch
        >>> from types import SimpleNamespace
        >>> check_class_indices(SimpleNamespace(), torch.tensor([0, 3]), 3, "Accuracy.update")
        Traceback (most recent call last):
        ...
        ValueError: Accuracy.update: y holds 3; expected class indices in [0, 3), one per sample
    """
    if _in_range_on_host(y, num_classes):
        return
    invalid = y < 0
    if num_classes is not None:
        invalid = invalid | (y >= num_classes)
    if y.is_floating_point():
        invalid = invalid | (y != y.trunc())  # also true for NaN
    span = f"[0, {num_classes})" if num_classes is not None else "0, 1, 2, ..."
    require(metric, invalid, y, owner, argument, f"class indices in {span}, one per sample")


def check_no_nan(
    metric: Metric, tensor: torch.Tensor, owner: str, argument: str = "y_pred"
) -> None:
    """Floating-point values must not be NaN.

    Example:
        >>> import torch
        >>> from types import SimpleNamespace
        >>> scores = torch.tensor([0.5, float("nan")])
        >>> check_no_nan(SimpleNamespace(), scores, "ROC_AUC.update")
        Traceback (most recent call last):
        ...
        ValueError: ROC_AUC.update: y_pred holds nan; expected scores without NaN
    """
    if tensor.is_floating_point():
        if tensor.device.type in EAGER_DEVICE_TYPES and not math.isnan(tensor.sum().item()):
            return  # one reduction: NaN anywhere makes the sum NaN (so may inf - inf: look closer)
        require(metric, torch.isnan(tensor), tensor, owner, argument, "scores without NaN")


def clear_deferred_checks(metric: Metric) -> None:
    """Forget the outcome of deferred checks; call it from ``reset``.

    Example:
        >>> from types import SimpleNamespace
        >>> metric = SimpleNamespace()
        >>> clear_deferred_checks(metric)
        >>> metric._deferred_checks
        {}
    """
    metric.__dict__[_DEFERRED] = {}


def raise_deferred_checks(metric: Metric) -> None:
    """Raise the first deferred check that failed since ``reset``; call it from ``compute``.

    In a distributed run every process calls it and takes part in one reduction of a number:
    when any process found invalid input, every process raises (a process whose own input was
    valid names the processes whose input was not, and their messages). So no process goes on
    to a collective that a failing process never joins, and no process returns a value that
    mixes in invalid input.

    Example:
        >>> from types import SimpleNamespace
        >>> raise_deferred_checks(SimpleNamespace())  # nothing deferred: nothing to raise
    """
    failed = next(
        (message for message, flag in metric.__dict__.get(_DEFERRED, {}).items() if bool(flag)),
        None,
    )
    hooks = get_collective_hooks()
    if hooks.get_world_size() > 1 and hooks.all_reduce(int(failed is not None), "MAX"):
        messages = hooks.all_gather(failed or "")  # only after a failure somewhere
        if failed is None:
            reports = "; ".join(
                f"process {rank}: {message}" for rank, message in enumerate(messages) if message
            )
            raise ValueError(
                f"{type(metric).__name__}.compute: another process received invalid input "
                f"since the last reset(), so no process computes a value. {reports}"
            )
    if failed is not None:
        raise ValueError(failed)
