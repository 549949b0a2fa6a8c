"""Two-process synchronisation cases of the natural-language metrics.

``CASES`` maps each registry name (plus a few non-default configurations, ``name[config]``) to
``(factory, batches)`` for ``ember.testing.check_metric(..., distributed=True)`` /
``check_metrics_distributed``: rank ``r`` of two processes updates with ``batches[r::2]`` and
must compute the value one process computes over every batch. The five batches hold different
numbers of sentences (one is empty), so the two ranks hold different numbers of examples.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import torch

from ember.metric import Metric
from ember_metrics import Bleu, CharacterErrorRate, Perplexity, Rouge, RougeL, RougeN

__all__ = ["CASES"]

SEED = 20261128
SIZES = (3, 1, 0, 4, 1)  # sentences per batch: rank 0 gets 4 (in 3 batches), rank 1 gets 5
VOCABULARY = ["the", "a", "cat", "dog", "sat", "on", "mat", "rug"]


def _sentence(generator: torch.Generator, low: int, high: int) -> list[str]:
    length = int(torch.randint(low, high + 1, (), generator=generator))
    ids = torch.randint(0, len(VOCABULARY), (length,), generator=generator).tolist()
    return [VOCABULARY[i] for i in ids]


def _text_batches(offset: int) -> list[Any]:
    """Batches ``(candidates, references)`` of token lists, 1-3 references per candidate."""
    g = torch.Generator().manual_seed(SEED + offset)
    batches = []
    for size in SIZES:
        candidates = [_sentence(g, 2, 8) for _ in range(size)]
        references = [
            [_sentence(g, 1, 8) for _ in range(int(torch.randint(1, 4, (), generator=g)))]
            for _ in range(size)
        ]
        batches.append((candidates, references))
    return batches


def _string_batches(offset: int) -> list[Any]:
    """Batches ``(predictions, references)`` of strings."""
    return [
        ([" ".join(c) for c in candidates], [" ".join(refs[0]) for refs in references])
        for candidates, references in _text_batches(offset)
    ]


def _logit_batches(offset: int, sequence: bool) -> list[Any]:
    """Logits ``(N, C)`` or ``(N, C, L)`` and target ids with some padding (``-100``)."""
    g = torch.Generator().manual_seed(SEED + offset)
    batches = []
    for size in SIZES:
        shape = (size, 4) if sequence else (size,)
        logits = torch.randn(size, 7, *shape[1:], generator=g)
        targets = torch.randint(0, 7, shape, generator=g)
        targets[(torch.rand(shape, generator=g) < 0.2)] = -100
        batches.append((logits, targets))
    return batches


Case = tuple[Callable[[], Metric], list[Any]]

CASES: dict[str, Case] = {
    "bleu": (functools.partial(Bleu, ngram=3, smooth="smooth1"), _text_batches(1)),
    "bleu[micro]": (functools.partial(Bleu, ngram=2, average="micro"), _text_batches(2)),
    "bleu[micro, smooth2]": (
        functools.partial(Bleu, ngram=4, smooth="smooth2", average="micro"),
        _text_batches(3),
    ),
    "rouge": (functools.partial(Rouge, variants=[1, 2, "L"], alpha=0.5), _text_batches(4)),
    "rouge_n": (functools.partial(RougeN, ngram=2, multiref="best"), _text_batches(5)),
    "rouge_l": (functools.partial(RougeL, multiref="average", alpha=0.2), _text_batches(6)),
    "character_error_rate": (CharacterErrorRate, _string_batches(7)),
    "perplexity": (Perplexity, _logit_batches(8, sequence=True)),
    "perplexity[(N, C)]": (Perplexity, _logit_batches(9, sequence=False)),
}
