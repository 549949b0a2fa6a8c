"""numpy when it is installed, else ``None``: torch runs without it, and so does ember-metrics.

The classification metrics count plain CPU batches through numpy views of the tensors
(:mod:`~ember_metrics.classification._plain_batches`); without numpy no batch
is plain and every batch takes the torch path. ``import torch`` imports numpy when it is
installed, so importing it here costs nothing.

Example:
    >>> from ember_metrics._optional_numpy import numpy
    >>> numpy is None or int(numpy.count_nonzero([0, 1, 2]))
    2
"""

from __future__ import annotations

try:
    import numpy
except ImportError:  # pragma: no cover - this test environment has numpy
    numpy = None  # type: ignore[assignment]

__all__ = ["numpy"]
