"""Seeding every random number generator a training run draws from.

Example:
    >>> import random
    >>> import torch
    >>> from ember.utils import manual_seed
    >>> manual_seed(7)
    >>> first = (random.random(), torch.rand(2))
    >>> manual_seed(7)
    >>> second = (random.random(), torch.rand(2))
    >>> first[0] == second[0] and torch.equal(first[1], second[1])
    True
"""

from __future__ import annotations

import random

import torch

__all__ = ["manual_seed"]


def manual_seed(seed: int) -> None:
    """Seed Python's ``random``, torch (CPU and every CUDA device) and, if installed, numpy.

    numpy is imported only here and only when it is installed, so that ``import ember`` never
    pulls it in and a run without numpy still seeds everything else.

    Args:
        seed: a non-negative integer seed.

    Raises:
        TypeError: ``seed`` is not an ``int``.
        ValueError: ``seed`` is negative.

    Example:
        >>> import torch
        >>> from ember.utils import manual_seed
        >>> manual_seed(0)
        >>> a = torch.randn(3)
        >>> manual_seed(0)
        >>> torch.equal(a, torch.randn(3))
        True
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"manual_seed: seed must be an int, got {seed!r} ({type(seed).__name__})")
    if seed < 0:
        raise ValueError(f"manual_seed: seed must be non-negative, got {seed}")
    random.seed(seed)
    torch.manual_seed(seed)
    try:
        import numpy as np
    except ImportError:
        return
    # numpy's legacy global generator only takes seeds below 2**32.
    np.random.seed(seed % 2**32)
