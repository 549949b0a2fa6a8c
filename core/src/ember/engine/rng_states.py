"""Capture and restore the global random-number states a training step draws from.

The states are stored as tensors, ints and lists only, so that a state dict holding them still
loads with ``torch.load(..., weights_only=True)``.

Example:
    >>> import random
    >>> import torch
    >>> from ember.engine.rng_states import get_rng_states, set_rng_states
    >>> saved = get_rng_states()
    >>> first = (random.random(), torch.rand(1))
    >>> set_rng_states(saved)
    >>> first == (random.random(), torch.rand(1))
    True
"""

from __future__ import annotations

import random
import sys
from typing import Any

import torch

__all__ = ["get_rng_states", "set_rng_states"]


def get_rng_states() -> dict[str, Any]:
    """The states of torch (CPU, and CUDA when present), Python's ``random`` and numpy.

    numpy's state is recorded only when numpy is already imported: a run that never imported it
    cannot have drawn from it.
    """
    version, internal, gauss = random.getstate()
    states: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "python": [version, list(internal), gauss],
    }
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state_all()
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        name, keys, pos, has_gauss, cached = numpy.random.get_state()
        states["numpy"] = [name, torch.from_numpy(keys.astype("int64")), pos, has_gauss, cached]
    return states


def set_rng_states(states: dict[str, Any]) -> None:
    """Restore states recorded by :func:`get_rng_states`; absent entries are left as they are."""
    torch.set_rng_state(states["torch"])
    version, internal, gauss = states["python"]
    random.setstate((version, tuple(internal), gauss))
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])
    if "numpy" in states:
        import numpy

        name, keys, pos, has_gauss, cached = states["numpy"]
        numpy.random.set_state((name, keys.numpy().astype("uint32"), pos, has_gauss, cached))
