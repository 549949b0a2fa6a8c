"""Character error rate: the edits that turn predictions into references, per reference character.

The Levenshtein distance between a predicted and a reference string is the fewest single
character substitutions, deletions and insertions that turn one into the other. The character
error rate is the sum of those distances over the sum of the reference lengths, over every pair
seen since the last reset (so long references weigh more than short ones).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from ember.exceptions import NotComputableError
from ember.metric import Metric, reinit__is_reduced, sync_all_reduce
from ember_metrics.regression._base import identity

__all__ = ["CharacterErrorRate", "edit_distance"]


def edit_distance(source: str, target: str) -> int:
    """The Levenshtein distance: fewest character substitutions, deletions and insertions.

    Example:
        >>> edit_distance("kitten", "sitting")
        3
    """
    # previous[j]: the distance between the prefix of source seen so far (minus one character)
    # and target[:j]; one row of the usual table at a time.
    previous = list(range(len(target) + 1))
    for i, char in enumerate(source, 1):
        current = [i]
        for j, other in enumerate(target, 1):
            substitute = previous[j - 1] + (char != other)
            current.append(min(substitute, previous[j] + 1, current[j - 1] + 1))
        previous = current
    return previous[-1]


def _strings(argument: str, value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence) and all(isinstance(item, str) for item in value):
        return list(value)
    raise ValueError(
        f"CharacterErrorRate.update: {argument} is a {type(value).__name__} ({value!r:.40}); "
        f"expected a str or a list of str"
    )


class CharacterErrorRate(Metric):
    """Character error rate (CER): character edit distance over reference length.

    ``update`` takes ``(y_pred, y)``: two strings, or two lists of strings of the same length
    (predictions and their references). The value is ``(S + D + I) / N``, the substitutions,
    deletions and insertions of the Levenshtein alignment summed over all pairs, over the total
    number ``N`` of reference characters. It is 0 for perfect predictions and can exceed 1.
    When every reference is empty, it is 0 if every prediction is empty too, else 1.
    ``compute`` returns a float.

    Args:
        output_transform: picks ``(y_pred, y)`` out of the engine's output.
        device: where the counts are kept.
        skip_unrolling: see :class:`ember.metric.Metric`.

    Example:
        >>> from ember_metrics import CharacterErrorRate
        >>> metric = CharacterErrorRate()
        >>> y_pred = ["the cat sat on the mat", "hello world"]
        >>> y = ["the cat sat on mat", "hello world"]
        >>> metric.update((y_pred, y))
        >>> round(metric.compute(), 4)
        0.1379
    """

    _state_dict_all_req_keys = ("_num_errors", "_num_refs", "_num_examples")

    def __init__(
        self,
        output_transform: Callable[[Any], Any] = identity,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every pair."""
        self._num_errors = torch.zeros((), dtype=torch.int64, device=self._device)
        self._num_refs = torch.zeros((), dtype=torch.int64, device=self._device)
        self._num_examples = torch.zeros((), dtype=torch.int64, device=self._device)

    @reinit__is_reduced
    def update(self, output: tuple[str | Sequence[str], str | Sequence[str]]) -> None:
        """Add predictions and references ``(y_pred, y)``: two strings or two lists of them."""
        if isinstance(output, (str, bytes)) or not isinstance(output, Sequence) or len(output) != 2:
            raise ValueError(
                f"CharacterErrorRate.update: output should be the pair (y_pred, y) of predicted "
                f"and reference strings, got a {type(output).__name__}"
            )
        y_pred, y = output
        if isinstance(y_pred, str) != isinstance(y, str):
            raise ValueError(
                f"CharacterErrorRate.update: y_pred is a {type(y_pred).__name__} but y is a "
                f"{type(y).__name__}; expected two strings or two lists of strings"
            )
        predictions, references = _strings("y_pred", y_pred), _strings("y", y)
        if len(predictions) != len(references):
            raise ValueError(
                f"CharacterErrorRate.update: y_pred holds {len(predictions)} string(s) but y "
                f"holds {len(references)}; expected one reference per prediction"
            )
        errors = sum(
            edit_distance(ref, pred) for pred, ref in zip(predictions, references, strict=True)
        )
        self._num_errors += errors
        self._num_refs += sum(len(reference) for reference in references)
        self._num_examples += len(references)

    @sync_all_reduce("_num_errors", "_num_refs", "_num_examples")
    def compute(self) -> float:
        """The total edit distance over the total reference length."""
        if int(self._num_examples.item()) == 0:
            raise NotComputableError(
                "CharacterErrorRate must have at least one pair of strings before it can be "
                "computed"
            )
        errors, references = int(self._num_errors.item()), int(self._num_refs.item())
        if references == 0:
            return 0.0 if errors == 0 else 1.0
        return errors / references
