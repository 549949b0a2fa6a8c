"""Moving and transforming the tensors inside nested batches.

A batch is a tensor or any nesting of sequences (lists, tuples, named tuples), mappings (dicts
and other :class:`~collections.abc.Mapping` types) and strings around tensors. The helpers here
rebuild the same structure, with the same container types, around transformed leaves.

Example:
    >>> import torch
    >>> from ember.utils import convert_tensor
    >>> batch = {"x": torch.ones(2), "meta": ["id-1", torch.zeros(1, dtype=torch.int64)]}
    >>> moved = convert_tensor(batch, device="cpu")
    >>> sorted(moved), moved["meta"][0]
    (['meta', 'x'], 'id-1')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

__all__ = ["apply_to_tensor", "apply_to_type", "convert_tensor", "to_onehot"]


def apply_to_type(
    x: Any,
    input_type: type | tuple[type, ...],
    func: Callable[[Any], Any],
) -> Any:
    """Apply ``func`` to every object of ``input_type`` inside ``x``, keeping the structure.

    Strings and bytes are returned unchanged. Mappings are rebuilt with their own type, named
    tuples with their own fields, other sequences with their own type from a list.

    Args:
        x: an object of ``input_type``, or a nesting of sequences and mappings around them.
        input_type: the type (or tuple of types) whose instances ``func`` receives.
        func: the function applied to each instance.

    Returns:
        ``x`` with each instance of ``input_type`` replaced by ``func`` of it.

    Raises:
        TypeError: ``x`` holds something that is neither ``input_type``, a string, a sequence
            nor a mapping.

    Example:
        >>> from ember.utils import apply_to_type
        >>> apply_to_type({"a": [1, 2], "b": (3, "s")}, int, lambda v: v * 10)
        {'a': [10, 20], 'b': (30, 's')}
    """
    if isinstance(x, input_type):
        return func(x)
    if isinstance(x, (str, bytes)):
        return x
    if isinstance(x, Mapping):
        rebuilt = {key: apply_to_type(value, input_type, func) for key, value in x.items()}
        return type(x)(rebuilt)  # type: ignore[call-arg]
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*(apply_to_type(item, input_type, func) for item in x))
    if isinstance(x, Sequence):
        return type(x)([apply_to_type(item, input_type, func) for item in x])  # type: ignore[call-arg]
    raise TypeError(
        f"apply_to_type: x must hold {input_type}, sequences, mappings or strings; "
        f"found {type(x).__name__} ({x!r})"
    )


def apply_to_tensor(x: Any, func: Callable[[torch.Tensor], Any]) -> Any:
    """Apply ``func`` to every tensor inside ``x``, keeping the structure.

    Args:
        x: a tensor, or a nesting of sequences and mappings around tensors.
        func: the function applied to each tensor.

    Returns:
        ``x`` with each tensor replaced by ``func`` of it.

    Example:
        >>> import torch
        >>> from ember.utils import apply_to_tensor
        >>> apply_to_tensor((torch.tensor([1, 2]), [torch.tensor(3)]), lambda t: t * 2)
        (tensor([2, 4]), [tensor(6)])
    """
    return apply_to_type(x, torch.Tensor, func)


def convert_tensor(
    input_: Any,
    device: str | torch.device | None = None,
    non_blocking: bool = False,
) -> Any:
    """Move every tensor inside ``input_`` to ``device``, keeping the structure.

    Args:
        input_: a tensor, or a nesting of sequences and mappings around tensors.
        device: where to move the tensors; ``None`` leaves them where they are.
        non_blocking: passed to :meth:`torch.Tensor.to`; lets a copy from pinned memory
            overlap with computation.

    Returns:
        ``input_`` with each tensor on ``device``.

    Example:
        >>> import torch
        >>> from ember.utils import convert_tensor
        >>> x, y = convert_tensor([torch.zeros(2), torch.ones(1)], device="cpu")
        >>> x.device, y.device
        (device(type='cpu'), device(type='cpu'))
    """
    if device is None:
        return apply_to_tensor(input_, lambda tensor: tensor)
    return apply_to_tensor(
        input_, lambda tensor: tensor.to(device=device, non_blocking=non_blocking)
    )


def to_onehot(indices: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Turn class indices into a one-hot ``uint8`` tensor, the class dimension second.

    ``indices`` of shape ``(N, d1, ..., dk)`` give a result of shape
    ``(N, num_classes, d1, ..., dk)``, on the same device, like PyTorch-Ignite's ``to_onehot``
    (torch's own :func:`torch.nn.functional.one_hot` puts the classes last).

    Args:
        indices: an integer tensor with at least one dimension, values in
            ``[0, num_classes)``.
        num_classes: the number of classes, at least 1.

    Returns:
        The one-hot tensor, dtype ``torch.uint8``.

    Raises:
        ValueError: ``num_classes`` is below 1, ``indices`` is a scalar, or a value of
            ``indices`` lies outside ``[0, num_classes)``.
        TypeError: ``indices`` is not an integer tensor.

    Example:
        >>> import torch
        >>> from ember.utils import to_onehot
        >>> to_onehot(torch.tensor([0, 2]), num_classes=3)
        tensor([[1, 0, 0],
                [0, 0, 1]], dtype=torch.uint8)
    """
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"to_onehot: num_classes must be an int >= 1, got {num_classes!r}")
    if not isinstance(indices, torch.Tensor):
        raise TypeError(f"to_onehot: indices must be a tensor, got {type(indices).__name__}")
    if indices.is_floating_point() or indices.is_complex() or indices.dtype == torch.bool:
        raise TypeError(f"to_onehot: indices must be an integer tensor, got dtype {indices.dtype}")
    if indices.dim() == 0:
        raise ValueError(
            "to_onehot: indices must have at least one dimension (N, ...), got a scalar tensor"
        )
    if indices.numel() > 0:
        low, high = int(indices.min()), int(indices.max())
        if low < 0 or high >= num_classes:
            bad = low if low < 0 else high
            raise ValueError(
                f"to_onehot: indices must lie in [0, {num_classes}) for num_classes={num_classes}, "
                f"got a value of {bad}"
            )
    shape = (indices.shape[0], num_classes, *indices.shape[1:])
    onehot = torch.zeros(shape, dtype=torch.uint8, device=indices.device)
    return onehot.scatter_(1, indices.unsqueeze(1).long(), 1)
