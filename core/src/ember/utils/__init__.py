"""Helpers for training scripts: seeding, logging setup and tensor conversion.

Example:
    >>> import torch
    >>> from ember.utils import convert_tensor, manual_seed, to_onehot
    >>> manual_seed(0)
    >>> to_onehot(torch.tensor([1]), num_classes=2)
    tensor([[0, 1]], dtype=torch.uint8)
"""

from __future__ import annotations

from ember.utils.logging import setup_logger
from ember.utils.seeding import manual_seed
from ember.utils.tensors import apply_to_tensor, apply_to_type, convert_tensor, to_onehot

__all__ = [
    "apply_to_tensor",
    "apply_to_type",
    "convert_tensor",
    "manual_seed",
    "setup_logger",
    "to_onehot",
]
