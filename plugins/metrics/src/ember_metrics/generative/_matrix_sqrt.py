"""Square roots of symmetric positive semi-definite matrices, in plain torch (no scipy).

The Fréchet distance needs ``Tr(sqrt(S1 S2))`` for two covariance matrices. ``S1 S2`` is not
symmetric, but with ``R = sqrt(S1)`` it is similar to ``R S2 R`` (``R^-1 (R S2 R) R = S1 S2``
when ``S1`` is invertible, and by continuity otherwise), which is symmetric positive
semi-definite: its eigenvalues are real and >= 0 and their square roots add up to the trace.
Two symmetric eigendecompositions (``torch.linalg.eigh``) are stabler than a general matrix
square root and run on any device.
"""

from __future__ import annotations

import torch

__all__ = ["psd_sqrt", "trace_sqrt_product"]


def _symmetric(matrix: torch.Tensor) -> torch.Tensor:
    # Sums of outer products are symmetric up to rounding; eigh reads one triangle only.
    return (matrix + matrix.mT) / 2


def psd_sqrt(matrix: torch.Tensor) -> torch.Tensor:
    """The symmetric square root of a symmetric positive semi-definite matrix.

    Eigenvalues that rounding made slightly negative count as zero.

    Example:
        >>> import torch
        >>> psd_sqrt(torch.tensor([[4.0, 0.0], [0.0, 9.0]]))
        tensor([[2., 0.],
                [0., 3.]])
    """
    eigenvalues, eigenvectors = torch.linalg.eigh(_symmetric(matrix))
    root: torch.Tensor = (eigenvectors * eigenvalues.clamp(min=0).sqrt()) @ eigenvectors.mT
    return root


def trace_sqrt_product(first: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
    """``Tr(sqrt(first @ second))`` for two symmetric positive semi-definite matrices.

    Example:
        >>> import torch
        >>> a = torch.tensor([[4.0, 0.0], [0.0, 1.0]])
        >>> trace_sqrt_product(a, a)  # sqrt(a @ a) = a
        tensor(5.)
    """
    root = psd_sqrt(first)
    eigenvalues = torch.linalg.eigvalsh(_symmetric(root @ second @ root))
    trace: torch.Tensor = eigenvalues.clamp(min=0).sqrt().sum()
    return trace
