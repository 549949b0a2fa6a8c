"""What the fairness metrics share: the ``groups`` argument, the ``(y_pred, y, group_labels)``
input, the group of each sample, and the spread of per-group values.

A group is an int identifier; ``update`` receives one group label per sample in a 1-D integer
tensor ``group_labels`` of length ``N``. Labels are matched against ``groups`` on the labels'
device, one comparison per group, so finding each sample's group reads no value on the host.
A label outside ``groups`` is an error: on the CPU ``update`` raises at once, on an accelerator
the check stays on the device and ``compute`` raises (see
:mod:`ember_metrics.classification._input_checks`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch

from ember.exceptions import NotComputableError
from ember.metric import Metric
from ember_metrics.classification._base import BaseClassification
from ember_metrics.classification._input_checks import require, shape_of

__all__ = [
    "GROUP_KEYS",
    "checked_grouped_input",
    "group_positions",
    "parse_groups",
    "per_group",
    "spread",
    "unpack_triple",
]

GROUP_KEYS = ("y_pred", "y", "group_labels")
"""The keys a mapping output must hold for the fairness metrics (``required_output_keys``)."""


def parse_groups(metric: str, groups: Any) -> list[int]:
    """``groups`` as a list of distinct ints; anything else is a ValueError naming ``metric``.

    Example:
        >>> parse_groups("SubgroupMetric", (0, 2, 1))
        [0, 2, 1]
        >>> parse_groups("SubgroupMetric", [])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: SubgroupMetric: argument groups should be a non-empty sequence of ...
    """
    if isinstance(groups, torch.Tensor):
        groups = groups.tolist() if groups.ndim == 1 and not groups.is_floating_point() else groups
    valid = (
        isinstance(groups, Sequence)
        and not isinstance(groups, (str, bytes))
        and len(groups) > 0
        and all(isinstance(g, int) and not isinstance(g, bool) for g in groups)
    )
    if not valid:
        raise ValueError(
            f"{metric}: argument groups should be a non-empty sequence of distinct int group "
            f"identifiers, such as [0, 1]; got {groups!r}"
        )
    values = [int(g) for g in groups]
    if len(set(values)) != len(values):
        raise ValueError(
            f"{metric}: argument groups should hold distinct int group identifiers; "
            f"got {groups!r}, which repeats some"
        )
    return values


def unpack_triple(metric: str, output: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The tensors of an ``update`` output ``(y_pred, y, group_labels)``, detached and checked.

    ``group_labels`` must be a 1-D integer tensor with one label per sample of ``y_pred`` and
    ``y``. Only shapes and dtypes are checked here; labels outside the groups are found by
    :func:`group_positions`.

    Example:
        >>> import torch
        >>> y_pred, y, labels = unpack_triple(
        ...     "SelectionRate", (torch.ones(3), torch.ones(3), torch.tensor([0, 1, 1]))
        ... )
        >>> labels.tolist()
        [0, 1, 1]
    """
    if isinstance(output, (str, bytes)) or not isinstance(output, Sequence) or len(output) != 3:
        received = (
            f"a {type(output).__name__} of length {len(output)}"
            if isinstance(output, Sequence)
            else f"a {type(output).__name__}"
        )
        raise ValueError(
            f"{metric}.update: output should be the triple (y_pred, y, group_labels) of "
            f"tensors; got {received}"
        )
    for name, value in zip(GROUP_KEYS, output, strict=True):
        if not isinstance(value, torch.Tensor):
            raise ValueError(
                f"{metric}.update: {name} should be a torch.Tensor, got {type(value).__name__}"
            )
    y_pred, y, labels = (value.detach() for value in output)
    if labels.ndim != 1 or labels.dtype == torch.bool or labels.is_floating_point():
        raise ValueError(
            f"{metric}.update: group_labels has shape {shape_of(labels)} and dtype "
            f"{labels.dtype}; expected a 1-D integer tensor of shape (N,), the group of each "
            f"sample"
        )
    if y_pred.ndim == 0 or y.ndim == 0 or not (y_pred.shape[0] == y.shape[0] == labels.shape[0]):
        raise ValueError(
            f"{metric}.update: y_pred has shape {shape_of(y_pred)}, y has shape {shape_of(y)} "
            f"and group_labels has shape {shape_of(labels)}; expected the same number of "
            f"samples N in each (group_labels of shape (N,))"
        )
    return y_pred, y, labels


def group_positions(
    metric: Metric, labels: torch.Tensor, groups: Sequence[int]
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(members, known)``: ``members`` is the ``(N, G)`` boolean membership of each sample in
    each group, ``known`` whether the sample belongs to one of ``groups`` at all.

    A label outside ``groups`` fails the check (at once on the CPU, from ``compute`` elsewhere).

    Example:
        >>> import torch
        >>> from types import SimpleNamespace
        >>> members, known = group_positions(SimpleNamespace(), torch.tensor([3, 1, 3]), [1, 3])
        >>> members.int().tolist(), known.tolist()
        ([[0, 1], [1, 0], [0, 1]], [True, True, True])
    """
    members = torch.stack([labels == group for group in groups], dim=1)
    known = members.any(dim=1)
    require(
        metric,
        ~known,
        labels,
        f"{type(metric).__name__}.update",
        "group_labels",
        f"one of the group identifiers {list(groups)} given as argument groups",
    )
    return members, known


def spread(metric: str, values: Mapping[int, Any]) -> float:
    """The largest difference between two groups' values: ``max - min`` over the groups.

    Values that are tensors or sequences (one value per class or label) are compared element
    by element and the largest of those differences is returned, as in PyTorch-Ignite. Fewer
    than two groups cannot be compared: :class:`NotComputableError`.

    Example:
        >>> spread("SubgroupDifference", {0: 0.75, 1: 0.5, 2: 0.25})
        0.5
        >>> spread("SubgroupDifference", {0: [0.2, 0.8], 1: [0.6, 0.4]})
        0.4
    """
    if len(values) < 2:
        raise NotComputableError(
            f"{metric} compares groups and needs examples of at least two of them since the "
            f"last reset; got examples of {len(values)} group(s): {sorted(values)}"
        )
    rows = [torch.as_tensor(value, dtype=torch.float64).cpu() for value in values.values()]
    shapes = {tuple(row.shape) for row in rows}
    if len(shapes) != 1:
        raise ValueError(
            f"{metric}: the groups' values have the shapes {sorted(shapes)}; expected values of "
            f"one shape, so that groups can be compared element by element"
        )
    stacked = torch.stack(rows)
    return float((stacked.amax(dim=0) - stacked.amin(dim=0)).max())


def checked_grouped_input(
    metric: BaseClassification, output: Any, groups: Sequence[int] | None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(y_pred, y, members)`` of a classification batch, checked as by ``Accuracy``.

    With ``groups``, ``output`` is ``(y_pred, y, group_labels)`` and ``members`` the ``(N, G)``
    int64 membership of each sample in each group (a row of zeros for a label outside
    ``groups``, which is reported). Without, ``output`` is ``(y_pred, y)`` and ``members`` is
    ``(N, 1)`` of ones: everything is one group.

    Example:
        >>> import torch
        >>> from ember_metrics.fairness.selection_rate import SelectionRate
        >>> batch = (torch.tensor([1, 0, 1]), torch.tensor([1, 1, 0]), torch.tensor([4, 2, 4]))
        >>> _, _, members = checked_grouped_input(SelectionRate(groups=[2, 4]), batch, [2, 4])
        >>> members.tolist()
        [[0, 1], [1, 0], [0, 1]]
    """
    if groups is None:
        y_pred, y = metric._checked_input(output)
        return y_pred, y, torch.ones(y.shape[0], 1, dtype=torch.int64, device=y.device)
    y_pred, y, labels = unpack_triple(type(metric).__name__, output)
    y_pred, y = metric._checked_input((y_pred, y))
    members, _ = group_positions(metric, labels, groups)
    return y_pred, y, members.to(torch.int64)


def per_group(members: torch.Tensor, per_sample: torch.Tensor) -> torch.Tensor:
    """Sum ``per_sample`` (``(N,)`` or ``(N, K)``) over the samples of each group of ``members``.

    Example:
        >>> import torch
        >>> members = torch.tensor([[1, 0], [0, 1], [1, 0]])
        >>> per_group(members, torch.tensor([2, 5, 3])).tolist()
        [5, 5]
    """
    if per_sample.ndim == 1:
        return (members * per_sample[:, None]).sum(dim=0)
    return (members[:, :, None] * per_sample[:, None, :]).sum(dim=0)
