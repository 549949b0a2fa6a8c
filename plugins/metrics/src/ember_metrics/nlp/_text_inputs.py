"""Checks shared by the text metrics: token-list inputs and the constructor arguments.

``Bleu`` and the ROUGE metrics take ``(y_pred, y)`` of plain Python data: ``y_pred`` holds one
candidate per sentence, a list of tokens (``"the cat sat".split()``); ``y`` holds, per
candidate, a list of one or more references, each a list of tokens. Tokens may be any hashable
value (strings, ids). The structure is checked here, where the user made a mistake, with the
metric's name, the position of the offending entry and what was expected.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

__all__ = ["check_choice", "check_ngram", "unpack_candidates_and_references"]

Tokens = Sequence[Hashable]

_TOKENS_HINT = "a list of tokens such as 'the cat sat'.split()"


def check_ngram(metric: str, ngram: object) -> int:
    """``ngram`` as a positive int; errors name ``metric``."""
    if isinstance(ngram, bool) or not isinstance(ngram, int) or ngram < 1:
        raise ValueError(f"{metric}: argument ngram should be an int >= 1, got {ngram!r}")
    return ngram


def check_choice(metric: str, argument: str, value: object, choices: Sequence[str]) -> str:
    """``value`` if it is one of ``choices``; errors name ``metric`` and ``argument``."""
    if not isinstance(value, str) or value not in choices:
        expected = ", ".join(repr(choice) for choice in choices)
        raise ValueError(
            f"{metric}: argument {argument} should be one of {expected}, got {value!r}"
        )
    return value


def _is_sequence(value: object) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def _describe(value: object) -> str:
    text = repr(value)
    shown = text if len(text) <= 40 else text[:37] + "..."
    return f"a {type(value).__name__} ({shown})"


def _check_tokens(metric: str, where: str, value: object) -> None:
    if not _is_sequence(value):
        raise ValueError(f"{metric}.update: {where} is {_describe(value)}; expected {_TOKENS_HINT}")


def unpack_candidates_and_references(
    metric: str, output: Any
) -> tuple[Sequence[Tokens], Sequence[Sequence[Tokens]]]:
    """The candidates and their references of an ``update`` output ``(y_pred, y)``."""
    if not _is_sequence(output) or len(output) != 2:
        raise ValueError(
            f"{metric}.update: output should be the pair (y_pred, y) of candidates and their "
            f"references, got {_describe(output)}"
        )
    candidates, references = output
    if not _is_sequence(candidates):
        raise ValueError(
            f"{metric}.update: y_pred is {_describe(candidates)}; expected a list of candidates, "
            f"each {_TOKENS_HINT}"
        )
    if not _is_sequence(references):
        raise ValueError(
            f"{metric}.update: y is {_describe(references)}; expected a list with, per candidate, "
            f"a list of references, each {_TOKENS_HINT}"
        )
    if len(references) != len(candidates):
        raise ValueError(
            f"{metric}.update: y holds {len(references)} reference list(s) but y_pred holds "
            f"{len(candidates)} candidate(s); expected one list of references per candidate"
        )
    for i, (candidate, refs) in enumerate(zip(candidates, references, strict=True)):
        _check_tokens(metric, f"y_pred[{i}]", candidate)
        if not _is_sequence(refs) or not refs:
            found = "an empty list" if _is_sequence(refs) else _describe(refs)
            raise ValueError(
                f"{metric}.update: y[{i}] is {found}; expected a non-empty list of references "
                f"for candidate {i}, each {_TOKENS_HINT}"
            )
        for j, reference in enumerate(refs):
            _check_tokens(metric, f"y[{i}][{j}]", reference)
    return candidates, references
