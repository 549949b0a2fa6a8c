"""N-gram counts of a token sequence, the unit BLEU and ROUGE-N compare sentences by."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence

__all__ = ["ngram_counts"]


def ngram_counts(tokens: Sequence[Hashable], n: int) -> Counter[tuple[Hashable, ...]]:
    """How often each run of ``n`` consecutive tokens occurs in ``tokens``.

    A sequence shorter than ``n`` has no n-grams.

    Example:
        >>> sorted(ngram_counts(["a", "b", "a", "b"], 2).items())
        [(('a', 'b'), 2), (('b', 'a'), 1)]
    """
    return Counter(tuple(tokens[start : start + n]) for start in range(len(tokens) - n + 1))
