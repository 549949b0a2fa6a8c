"""BLEU: the geometric mean of clipped n-gram precisions, times a brevity penalty.

For a candidate and its references, the clipped count of an n-gram is how often it occurs in
the candidate, capped at the most times it occurs in any one reference; the modified precision
``p_n`` of order ``n`` is the sum of clipped counts over the candidate's n-gram count. With
``c`` the candidate length and ``r`` the reference length closest to it (the shorter on a tie),
the brevity penalty is ``exp(1 - r / c)`` when ``c < r``, else 1, and

    BLEU = penalty * exp(sum over n = 1..N of log(p_n) / N)

(Papineni et al. 2002). ``average="macro"`` averages the BLEU of each sentence;
``average="micro"`` sums counts and lengths over the corpus first, as nltk's ``corpus_bleu``.
The smoothing methods are those of Chen & Cherry 2014, which rescue zero precisions.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import torch

from ember.exceptions import NotComputableError
from ember.metric import Metric, reinit__is_reduced, sync_all_reduce
from ember_metrics.nlp._ngrams import ngram_counts
from ember_metrics.nlp._text_inputs import (
    check_choice,
    check_ngram,
    unpack_candidates_and_references,
)
from ember_metrics.regression._base import identity

__all__ = ["Bleu", "bleu_from_counts"]

SMOOTHING_METHODS = ("no_smooth", "smooth1", "nltk_smooth2", "smooth2")
AVERAGES = ("macro", "micro")

_SMOOTH1_EPSILON = 0.1


def _clipped_counts(
    candidate: Sequence[Hashable], references: Sequence[Sequence[Hashable]], n: int
) -> tuple[int, int]:
    """Clipped and total n-gram counts of ``candidate`` (the modified precision's two terms)."""
    counts = ngram_counts(candidate, n)
    most_in_one_reference: Counter[tuple[Hashable, ...]] = Counter()
    for reference in references:
        most_in_one_reference |= ngram_counts(reference, n)
    clipped = sum((counts & most_in_one_reference).values())
    return clipped, sum(counts.values())


def _closest_length(references: Sequence[Sequence[Hashable]], length: int) -> int:
    return min((len(reference) for reference in references), key=lambda r: (abs(r - length), r))


def _precisions(
    numerators: Sequence[float], denominators: Sequence[float], smooth: str
) -> list[float]:
    """The modified precisions of orders 1..N after smoothing (all numerators of order 1 > 0)."""
    if smooth == "smooth1":  # a zero count becomes epsilon
        return [
            (num if num > 0 else _SMOOTH1_EPSILON) / max(1.0, den)
            for num, den in zip(numerators, denominators, strict=True)
        ]
    if smooth in ("smooth2", "nltk_smooth2"):  # add one to both terms from order 2 on
        # nltk counts at least one n-gram per sentence; smooth2 keeps the true count.
        floor = 1.0 if smooth == "nltk_smooth2" else 0.0
        first = numerators[0] / max(floor, denominators[0])
        return [first] + [
            (num + 1) / (max(floor, den) + 1)
            for num, den in zip(numerators[1:], denominators[1:], strict=True)
        ]
    return [num / den for num, den in zip(numerators, denominators, strict=True)]


def bleu_from_counts(
    numerators: Sequence[float],
    denominators: Sequence[float],
    candidate_length: float,
    reference_length: float,
    smooth: str,
) -> float:
    """BLEU from clipped and total n-gram counts of orders 1..N and the two lengths.

    Example:
        >>> round(bleu_from_counts([4, 2], [4, 3], 4, 5, "no_smooth"), 4)
        0.6359
    """
    if numerators[0] == 0:  # no candidate word in any reference
        return 0.0
    if smooth == "no_smooth" and min(numerators) == 0:
        return 0.0
    if candidate_length < reference_length:
        penalty = math.exp(1 - reference_length / candidate_length)
    else:
        penalty = 1.0
    logs = [math.log(p) for p in _precisions(numerators, denominators, smooth)]
    return penalty * math.exp(math.fsum(logs) / len(logs))


class Bleu(Metric):
    """BLEU score of candidate sentences against one or more references each.

    ``update`` takes ``(y_pred, y)``: ``y_pred`` a list of candidates, each a list of tokens;
    ``y`` a list with, per candidate, a list of references, each a list of tokens. Tokens are
    compared with ``==`` (any hashable values).

    With ``average="macro"`` (the default) the value is the mean of the sentences' BLEU scores,
    returned as a 0-dimensional float64 tensor; with ``average="micro"`` it is the BLEU of the
    corpus (n-gram counts and lengths summed over all sentences first), returned as a float.

    Args:
        ngram: the highest n-gram order ``N``; the precisions of orders 1 to ``N`` are weighted
            ``1 / N`` each.
        smooth: ``"no_smooth"`` (a zero precision makes BLEU 0), ``"smooth1"`` (a zero count
            becomes 0.1), ``"nltk_smooth2"`` (add one to both counts from order 2 on, as nltk's
            ``method2``, which counts at least one n-gram per sentence) or ``"smooth2"`` (the
            same on the true counts).
        output_transform: picks ``(y_pred, y)`` out of the engine's output.
        device: where the sums are kept.
        average: ``"macro"`` or ``"micro"``, see above.
        skip_unrolling: see :class:`ember.metric.Metric`.

    Example:
        >>> from ember_metrics import Bleu
        >>> metric = Bleu(ngram=4, smooth="smooth1")
        >>> candidate = "the the the the the the the".split()
        >>> references = ["the cat is on the mat".split(), "there is a cat on the mat".split()]
        >>> metric.update(([candidate], [references]))
        >>> metric.compute()
        tensor(0.0393, dtype=torch.float64)
    """

    _state_dict_all_req_keys = (
        "_sum_of_bleu",
        "_num_sentences",
        "_p_numerators",
        "_p_denominators",
        "_hyp_length_sum",
        "_ref_length_sum",
    )

    def __init__(
        self,
        ngram: int = 4,
        smooth: str = "no_smooth",
        output_transform: Callable[[Any], Any] = identity,
        device: str | torch.device = "cpu",
        average: str = "macro",
        skip_unrolling: bool = False,
    ) -> None:
        self.ngrams_order = check_ngram("Bleu", ngram)
        self.weights = [1 / ngram] * ngram
        self.smooth = check_choice("Bleu", "smooth", smooth, SMOOTHING_METHODS)
        self.average = check_choice("Bleu", "average", average, AVERAGES)
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every sentence."""
        real, device = self._double_dtype, self._device
        self._sum_of_bleu = torch.zeros((), dtype=real, device=device)
        self._p_numerators = torch.zeros(self.ngrams_order, dtype=real, device=device)
        self._p_denominators = torch.zeros(self.ngrams_order, dtype=real, device=device)
        self._hyp_length_sum = torch.zeros((), dtype=torch.int64, device=self._device)
        self._ref_length_sum = torch.zeros((), dtype=torch.int64, device=self._device)
        self._num_sentences = torch.zeros((), dtype=torch.int64, device=self._device)

    @reinit__is_reduced
    def update(self, output: tuple[Sequence[Any], Sequence[Sequence[Any]]]) -> None:
        """Add a batch ``(y_pred, y)`` of candidates and their references."""
        candidates, references = unpack_candidates_and_references("Bleu", output)
        orders = range(1, self.ngrams_order + 1)
        sum_of_bleu = 0.0
        numerators = [0] * self.ngrams_order
        denominators = [0] * self.ngrams_order
        hyp_lengths = ref_lengths = 0
        for candidate, refs in zip(candidates, references, strict=True):
            clipped, totals = zip(
                *(_clipped_counts(candidate, refs, n) for n in orders), strict=True
            )
            ref_length = _closest_length(refs, len(candidate))
            if self.average == "macro":
                sum_of_bleu += bleu_from_counts(
                    clipped, totals, len(candidate), ref_length, self.smooth
                )
            else:
                numerators = [a + b for a, b in zip(numerators, clipped, strict=True)]
                denominators = [a + b for a, b in zip(denominators, totals, strict=True)]
                hyp_lengths += len(candidate)
                ref_lengths += ref_length
        self._num_sentences += len(candidates)
        if self.average == "macro":
            self._sum_of_bleu += sum_of_bleu
        else:
            real, device = self._double_dtype, self._device
            self._p_numerators += torch.tensor(numerators, dtype=real, device=device)
            self._p_denominators += torch.tensor(denominators, dtype=real, device=device)
            self._hyp_length_sum += hyp_lengths
            self._ref_length_sum += ref_lengths

    @sync_all_reduce(
        "_sum_of_bleu",
        "_num_sentences",
        "_p_numerators",
        "_p_denominators",
        "_hyp_length_sum",
        "_ref_length_sum",
    )
    def compute(self) -> torch.Tensor | float:
        """The mean sentence BLEU (macro, a float64 tensor) or the corpus BLEU (micro, a float)."""
        if int(self._num_sentences.item()) == 0:
            raise NotComputableError(
                "Bleu must have at least one sentence before it can be computed"
            )
        if self.average == "macro":
            return self._sum_of_bleu / self._num_sentences
        return bleu_from_counts(
            self._p_numerators.tolist(),
            self._p_denominators.tolist(),
            int(self._hyp_length_sum.item()),
            int(self._ref_length_sum.item()),
            self.smooth,
        )
