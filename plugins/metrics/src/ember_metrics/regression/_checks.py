"""Input checks shared by the numeric metric families (regression, similarity, clustering, ranking).

Shapes and dtypes are checked in ``update``, where the user made the mistake: they are known on
the host, so checking them costs nothing. Values (NaN, zeros where a metric divides) live on the
metric's device; looking at them in ``update`` would make every batch wait for the device. A
:class:`CheckedMetric` counts such values on the device instead and reports them when
``compute`` runs, which synchronises anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import torch

from ember.metric import Metric
from ember.metric.reduction import get_collective_hooks

__all__ = [
    "NAN_CHECKS",
    "CheckedMetric",
    "ValueCheck",
    "check_real",
    "describe_shape",
    "gather_values",
    "unpack_pair",
]


class ValueCheck(NamedTuple):
    """One kind of value a metric rejects: ``ValueCheck("y", "zero", "nonzero targets")``."""

    argument: str
    problem: str
    expected: str


NAN_CHECKS = (
    ValueCheck("y_pred", "NaN", "numbers, not NaN"),
    ValueCheck("y", "NaN", "numbers, not NaN"),
)
"""The checks of most metrics: neither predictions nor targets may hold NaN."""


def describe_shape(tensor: torch.Tensor) -> str:
    """``(8, 3)``, ``(8,)`` or ``()``: a shape the way Python prints a tuple."""
    return str(tuple(tensor.shape))


def unpack_pair(
    metric: str, output: Any, names: tuple[str, str] = ("y_pred", "y")
) -> tuple[torch.Tensor, torch.Tensor]:
    """The two tensors of an ``update`` output ``(y_pred, y)``, detached; errors name ``metric``."""
    if isinstance(output, (str, bytes)) or not isinstance(output, Sequence) or len(output) != 2:
        received = (
            f"{type(output).__name__} of length {len(output)}"
            if isinstance(output, Sequence)
            else type(output).__name__
        )
        raise ValueError(
            f"{metric}.update: output should be a pair ({names[0]}, {names[1]}), got a {received}"
        )
    first, second = output
    for name, value in zip(names, (first, second), strict=True):
        if not isinstance(value, torch.Tensor):
            raise TypeError(
                f"{metric}.update: {name} should be a torch.Tensor, got {type(value).__name__}"
            )
    return first.detach(), second.detach()


def check_real(metric: str, name: str, tensor: torch.Tensor) -> None:
    """Reject booleans and complex numbers: the metrics compute with real numbers."""
    if tensor.dtype == torch.bool or tensor.is_complex():
        raise TypeError(
            f"{metric}.update: {name} has dtype {tensor.dtype}; expected a real floating point "
            f"or integer dtype"
        )


def gather_values(values: torch.Tensor) -> torch.Tensor:
    """Join every process's ``values`` along the first dimension, in rank order.

    In a single process ``values`` is returned as it is. Processes may hold different numbers of
    values: the collective hooks gather whole objects, not fixed-size buffers.
    """
    hooks = get_collective_hooks()
    if hooks.get_world_size() <= 1:
        return values
    parts = hooks.all_gather(values)
    return torch.cat([part.to(device=values.device, dtype=values.dtype) for part in parts])


class CheckedMetric(Metric):
    """A metric that counts rejected input values on its device and reports them at ``compute``.

    Subclasses list what they reject in ``_value_checks``, call :meth:`_reset_invalid` in
    ``reset`` and :meth:`_record_invalid` in ``update`` with one count per check, keep
    ``_num_invalid`` in ``_state_dict_all_req_keys`` and in the ``sync_all_reduce`` of
    ``compute``, and call :meth:`_raise_if_invalid` there.
    """

    _value_checks: tuple[ValueCheck, ...] = NAN_CHECKS

    def _reset_invalid(self) -> None:
        self._num_invalid = torch.zeros(
            len(self._value_checks), dtype=torch.int64, device=self._device
        )

    def _record_invalid(self, counts: Sequence[torch.Tensor]) -> None:
        self._num_invalid += torch.stack([count.to(self._device) for count in counts])

    def _raise_if_invalid(self) -> None:
        counts = self._num_invalid.tolist()
        found = [
            (check, count) for check, count in zip(self._value_checks, counts, strict=True) if count
        ]
        if not found:
            return
        cls = type(self).__name__
        problems = "; ".join(
            f"{check.argument} held {count} {check.problem} value(s), expected {check.expected}"
            for check, count in found
        )
        raise ValueError(
            f"{cls}: since the last reset, {problems}. (Values are checked when compute runs, so "
            f"that update never waits for the device.)"
        )
