"""ROUGE: how much of the references a candidate recovers, by n-grams (ROUGE-N) or by the
longest common subsequence (ROUGE-L) (Lin 2004).

For one candidate and one reference, the overlap is the number of n-grams they share (each
counted as often as it occurs in both) or the length of their longest common subsequence.
Precision divides it by the candidate's size (n-gram count or length), recall by the
reference's, and the F-measure is ``P * R / ((1 - alpha) * P + alpha * R)`` (0 when ``P * R``
is 0): ``alpha = 0`` gives the recall, ``alpha = 1`` the precision, ``alpha = 0.5`` their
harmonic mean. Several references are combined either by adding up their overlaps and sizes
(``multiref="average"``) or by keeping the reference with the best recall (``"best"``). The
metric's value is the mean precision, recall and F-measure over the candidates.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Hashable, Sequence
from typing import Any, NamedTuple

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

__all__ = ["Rouge", "RougeL", "RougeN", "longest_common_subsequence"]

MULTIREF = ("best", "average")
DEFAULT_VARIANTS: tuple[int | str, ...] = (1, 2, 4, "L")

Tokens = Sequence[Hashable]


def longest_common_subsequence(first: Tokens, second: Tokens) -> int:
    """Length of the longest sequence of tokens found, in order, in both (gaps allowed).

    Example:
        >>> longest_common_subsequence("the cat sat".split(), "the black cat".split())
        2
    """
    # Row by row of the usual table: previous[j] is the answer for first[:i], second[:j].
    previous = [0] * (len(second) + 1)
    for token in first:
        current = [0]
        for j, other in enumerate(second):
            current.append(previous[j] + 1 if token == other else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


class Overlap(NamedTuple):
    """What a candidate shares with a reference, and the two sizes it is measured against."""

    match: int
    candidate: int
    reference: int

    def precision(self) -> float:
        """The share of the candidate found in the reference (0 for an empty candidate)."""
        return self.match / self.candidate if self.candidate > 0 else 0.0

    def recall(self) -> float:
        """The share of the reference found in the candidate (0 for an empty reference)."""
        return self.match / self.reference if self.reference > 0 else 0.0


def _combine(overlaps: Sequence[Overlap], multiref: str) -> Overlap:
    if multiref == "best":
        return max(overlaps, key=Overlap.recall)  # the first of equally good references
    return Overlap(*(sum(sizes) for sizes in zip(*overlaps, strict=True)))


def _check_alpha(metric: str, alpha: object) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 <= alpha <= 1:
        raise ValueError(f"{metric}: argument alpha should be a number in [0, 1], got {alpha!r}")
    return float(alpha)


class _RougeVariant(Metric):
    """Mean precision, recall and F-measure of one overlap measure over the candidates."""

    _state_dict_all_req_keys = ("_sums", "_num_examples")

    def __init__(
        self,
        multiref: str,
        alpha: float,
        output_transform: Callable[[Any], Any],
        device: str | torch.device,
        skip_unrolling: bool,
    ) -> None:
        cls = type(self).__name__
        self.multiref = check_choice(cls, "multiref", multiref, MULTIREF)
        self.alpha = _check_alpha(cls, alpha)
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    @property
    @abstractmethod
    def name(self) -> str:
        """The prefix of the result's keys: ``"Rouge-2"``, ``"Rouge-L"``."""

    @abstractmethod
    def _overlap(self, candidate: Tokens, reference: Tokens) -> Overlap:
        """What ``candidate`` shares with ``reference``."""

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every candidate."""
        # The sums of precision, recall and F-measure, in that order.
        self._sums = torch.zeros(3, dtype=self._double_dtype, device=self._device)
        self._num_examples = torch.zeros((), dtype=torch.int64, device=self._device)

    @reinit__is_reduced
    def update(self, output: tuple[Sequence[Tokens], Sequence[Sequence[Tokens]]]) -> None:
        """Add a batch ``(y_pred, y)`` of candidates and their references."""
        self._add(*unpack_candidates_and_references(type(self).__name__, output))

    def _add(self, candidates: Sequence[Tokens], references: Sequence[Sequence[Tokens]]) -> None:
        sums = [0.0, 0.0, 0.0]
        for candidate, refs in zip(candidates, references, strict=True):
            overlap = _combine([self._overlap(candidate, ref) for ref in refs], self.multiref)
            precision, recall = overlap.precision(), overlap.recall()
            sums[0] += precision
            sums[1] += recall
            if precision * recall > 0:
                sums[2] += precision * recall / ((1 - self.alpha) * precision + self.alpha * recall)
        self._sums += torch.tensor(sums, dtype=self._double_dtype).to(self._device)
        self._num_examples += len(candidates)

    @sync_all_reduce("_sums", "_num_examples")
    def compute(self) -> dict[str, float]:
        """``{"<name>-P": precision, "<name>-R": recall, "<name>-F": F-measure}``, each a mean."""
        count = int(self._num_examples.item())
        if count == 0:
            raise NotComputableError(
                f"{type(self).__name__} must have at least one candidate before it can be computed"
            )
        precision, recall, fmeasure = (total / count for total in self._sums.tolist())
        return {f"{self.name}-P": precision, f"{self.name}-R": recall, f"{self.name}-F": fmeasure}


class RougeN(_RougeVariant):
    """ROUGE-N: precision, recall and F-measure of the n-grams a candidate shares with its
    references, averaged over the candidates.

    ``update`` takes ``(y_pred, y)``: ``y_pred`` a list of candidates, each a list of tokens;
    ``y`` a list with, per candidate, a list of references, each a list of tokens.
    ``compute`` returns ``{"Rouge-<n>-P": ..., "Rouge-<n>-R": ..., "Rouge-<n>-F": ...}`` (floats).

    Args:
        ngram: the n-gram order ``n``.
        multiref: ``"average"`` adds up the overlaps and sizes of all references;
            ``"best"`` keeps the reference with the highest recall.
        alpha: in ``[0, 1]``; the F-measure is ``P * R / ((1 - alpha) * P + alpha * R)``, so 0
            gives the recall and 1 the precision.
        output_transform: picks ``(y_pred, y)`` out of the engine's output.
        device: where the sums are kept.
        skip_unrolling: see :class:`ember.metric.Metric`.

    Example:
        >>> from ember_metrics import RougeN
        >>> metric = RougeN(ngram=2, multiref="best")
        >>> candidate = "the cat is not there".split()
        >>> references = ["the cat is on the mat".split(), "there is a cat on the mat".split()]
        >>> metric.update(([candidate], [references]))
        >>> metric.compute()
        {'Rouge-2-P': 0.5, 'Rouge-2-R': 0.4, 'Rouge-2-F': 0.4}
    """

    def __init__(
        self,
        ngram: int = 4,
        multiref: str = "average",
        alpha: float = 0,
        output_transform: Callable[[Any], Any] = identity,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        self.ngram = check_ngram(type(self).__name__, ngram)
        super().__init__(multiref, alpha, output_transform, device, skip_unrolling)

    @property
    def name(self) -> str:
        """``"Rouge-<n>"``."""
        return f"Rouge-{self.ngram}"

    def _overlap(self, candidate: Tokens, reference: Tokens) -> Overlap:
        candidate_counts = ngram_counts(candidate, self.ngram)
        reference_counts = ngram_counts(reference, self.ngram)
        return Overlap(
            sum((candidate_counts & reference_counts).values()),
            sum(candidate_counts.values()),
            sum(reference_counts.values()),
        )


class RougeL(_RougeVariant):
    """ROUGE-L: precision, recall and F-measure of the longest common subsequence of a candidate
    and its references, averaged over the candidates.

    ``update`` takes ``(y_pred, y)`` as :class:`RougeN` does; ``compute`` returns
    ``{"Rouge-L-P": ..., "Rouge-L-R": ..., "Rouge-L-F": ...}`` (floats).

    Args:
        multiref: ``"average"`` adds up the overlaps and lengths of all references;
            ``"best"`` keeps the reference with the highest recall.
        alpha: in ``[0, 1]``; the F-measure is ``P * R / ((1 - alpha) * P + alpha * R)``.
        output_transform: picks ``(y_pred, y)`` out of the engine's output.
        device: where the sums are kept.
        skip_unrolling: see :class:`ember.metric.Metric`.

    Example:
        >>> from ember_metrics import RougeL
        >>> metric = RougeL(multiref="best")
        >>> candidate = "the cat is not there".split()
        >>> references = ["the cat is on the mat".split(), "there is a cat on the mat".split()]
        >>> metric.update(([candidate], [references]))
        >>> metric.compute()
        {'Rouge-L-P': 0.6, 'Rouge-L-R': 0.5, 'Rouge-L-F': 0.5}
    """

    def __init__(
        self,
        multiref: str = "average",
        alpha: float = 0,
        output_transform: Callable[[Any], Any] = identity,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(multiref, alpha, output_transform, device, skip_unrolling)

    @property
    def name(self) -> str:
        """``"Rouge-L"``."""
        return "Rouge-L"

    def _overlap(self, candidate: Tokens, reference: Tokens) -> Overlap:
        return Overlap(
            longest_common_subsequence(candidate, reference), len(candidate), len(reference)
        )


def _variant(
    variant: object, multiref: str, alpha: float, device: str | torch.device, variants: object
) -> _RougeVariant:
    if variant == "L":
        return RougeL(multiref=multiref, alpha=alpha, device=device)
    if isinstance(variant, int) and not isinstance(variant, bool) and variant >= 1:
        return RougeN(ngram=variant, multiref=multiref, alpha=alpha, device=device)
    raise ValueError(
        f"Rouge: argument variants should hold 'L' and n-gram orders (ints >= 1), got "
        f"{variant!r} in {variants!r}"
    )


class Rouge(Metric):
    """Several ROUGE scores at once: ROUGE-N for each n-gram order and ROUGE-L in ``variants``.

    ``update`` takes ``(y_pred, y)`` as :class:`RougeN` does. ``compute`` returns one dict with
    the ``-P``, ``-R`` and ``-F`` keys of every variant, in the order of ``variants``. The
    variants are kept as :class:`RougeN` / :class:`RougeL` metrics in ``internal_metrics``.

    Args:
        variants: ``"L"`` and n-gram orders (ints >= 1); ``None`` or empty means
            ``[1, 2, 4, "L"]``.
        multiref: ``"average"`` or ``"best"``, see :class:`RougeN`.
        alpha: in ``[0, 1]``, see :class:`RougeN`.
        output_transform: picks ``(y_pred, y)`` out of the engine's output.
        device: where the sums are kept.
        skip_unrolling: see :class:`ember.metric.Metric`.

    Example:
        >>> from ember_metrics import Rouge
        >>> metric = Rouge(variants=["L", 2], multiref="best")
        >>> candidate = "the cat is not there".split()
        >>> references = ["the cat is on the mat".split(), "there is a cat on the mat".split()]
        >>> metric.update(([candidate], [references]))
        >>> for key, value in metric.compute().items():
        ...     print(key, value)
        Rouge-L-P 0.6
        Rouge-L-R 0.5
        Rouge-L-F 0.5
        Rouge-2-P 0.5
        Rouge-2-R 0.4
        Rouge-2-F 0.4
    """

    _state_dict_all_req_keys = ("internal_metrics",)

    def __init__(
        self,
        variants: Sequence[str | int] | None = None,
        multiref: str = "average",
        alpha: float = 0,
        output_transform: Callable[[Any], Any] = identity,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
    ) -> None:
        if variants is not None and (
            isinstance(variants, (str, bytes)) or not isinstance(variants, Sequence)
        ):
            raise ValueError(
                f"Rouge: argument variants should be a list of 'L' and n-gram orders "
                f"(ints >= 1), got {variants!r}"
            )
        chosen = list(variants) if variants else list(DEFAULT_VARIANTS)
        check_choice("Rouge", "multiref", multiref, MULTIREF)
        _check_alpha("Rouge", alpha)
        self.internal_metrics: list[_RougeVariant] = [
            _variant(variant, multiref, alpha, device, variants) for variant in chosen
        ]
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        """Forget every candidate."""
        for metric in self.internal_metrics:
            metric.reset()

    @reinit__is_reduced
    def update(self, output: tuple[Sequence[Tokens], Sequence[Sequence[Tokens]]]) -> None:
        """Add a batch ``(y_pred, y)`` of candidates and their references."""
        candidates, references = unpack_candidates_and_references("Rouge", output)
        for metric in self.internal_metrics:
            metric._add(candidates, references)

    def compute(self) -> dict[str, float]:
        """The ``-P``, ``-R`` and ``-F`` means of every variant, in one dict."""
        results: dict[str, float] = {}
        try:
            for metric in self.internal_metrics:
                results.update(metric.compute())
        except NotComputableError:
            raise NotComputableError(
                "Rouge must have at least one candidate before it can be computed"
            ) from None
        return results
