"""ember_metrics.nlp.bleu: BLEU of token-list candidates against several references each.

Oracle: nltk's ``nltk.translate.bleu_score`` (``sentence_bleu`` averaged for ``average="macro"``,
``corpus_bleu`` for ``"micro"``) with the matching ``SmoothingFunction`` method (none, method1,
method2). ``smooth="smooth2"`` has no nltk counterpart: it equals ``method2`` when every
candidate has at least ``ngram`` tokens, and a hand-worked case covers the rest. nltk's corpus
BLEU counts at least one n-gram per candidate even when a candidate is shorter than ``n`` (a
guard against division by zero); ember, like PyTorch-Ignite, uses the true counts of
Papineni's definition, so the micro comparison draws candidates of at least ``ngram`` tokens and
a hand-worked case shows the difference.

This module also runs the examples of docs/metrics/nlp.md.
"""

from __future__ import annotations

import contextlib
import functools
import io
import itertools
import re
import warnings
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.translate.bleu_score import SmoothingFunction, corpus_bleu, sentence_bleu
from regression_oracles import assert_close, no_host_reads, run_metric, split_points

from ember.exceptions import NotComputableError
from ember.testing import check_metric
from ember_metrics import Bleu

SETTINGS = settings(max_examples=30, deadline=None)
NLTK_SMOOTHING = {
    "no_smooth": None,
    "smooth1": SmoothingFunction().method1,
    "nltk_smooth2": SmoothingFunction().method2,
}
DOCS = Path(__file__).resolve().parents[3] / "docs" / "metrics"
EXAMPLE = re.compile(r"```python\n(.*?)```\n(?:\s*\n```\n(.*?)```\n)?", re.S)


def tokens(min_size: int = 0) -> st.SearchStrategy[list[str]]:
    """Sentences over four words, so that n-grams often repeat and overlap."""
    return st.lists(st.sampled_from("abcd"), min_size=min_size, max_size=8)


@st.composite
def corpora(draw, min_candidate_length: int = 0):
    """``(candidates, references, batches)``: 1-6 sentences with 1-3 references, split anyhow."""
    size = draw(st.integers(1, 6))
    candidates = [draw(tokens(min_candidate_length)) for _ in range(size)]
    references = [draw(st.lists(tokens(1), min_size=1, max_size=3)) for _ in range(size)]
    bounds = split_points(draw, size)
    batches = [
        (candidates[start:stop], references[start:stop])
        for start, stop in itertools.pairwise(bounds)
    ]
    return candidates, references, batches


def nltk_bleu(candidates, references, ngram, smooth, average):
    weights = (1 / ngram,) * ngram
    smoothing = NLTK_SMOOTHING[smooth]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nltk warns about zero counts without smoothing
        if average == "micro":
            return float(corpus_bleu(references, candidates, weights, smoothing))
        scores = [
            sentence_bleu(refs, candidate, weights, smoothing)
            for candidate, refs in zip(candidates, references, strict=True)
        ]
    return sum(scores) / len(scores)


@SETTINGS
@given(
    corpus=corpora(),
    ngram=st.integers(1, 4),
    smooth=st.sampled_from(sorted(NLTK_SMOOTHING)),
)
def test_macro_average_matches_the_mean_of_nltk_sentence_bleu(corpus, ngram, smooth):
    candidates, references, batches = corpus
    value = run_metric(Bleu(ngram=ngram, smooth=smooth), batches)
    assert isinstance(value, torch.Tensor)
    assert (value.dtype, value.ndim) == (torch.float64, 0)
    expected = nltk_bleu(candidates, references, ngram, smooth, "macro")
    assert_close(float(value), expected, f"Bleu macro {smooth} vs nltk")


@SETTINGS
@given(data=st.data(), ngram=st.integers(1, 4), smooth=st.sampled_from(sorted(NLTK_SMOOTHING)))
def test_micro_average_matches_nltk_corpus_bleu(data, ngram, smooth):
    candidates, references, batches = data.draw(corpora(min_candidate_length=ngram))
    value = run_metric(Bleu(ngram=ngram, smooth=smooth, average="micro"), batches)
    assert isinstance(value, float)
    expected = nltk_bleu(candidates, references, ngram, smooth, "micro")
    assert_close(value, expected, f"Bleu micro {smooth} vs nltk")


@SETTINGS
@given(data=st.data(), ngram=st.integers(1, 4), average=st.sampled_from(["macro", "micro"]))
def test_smooth2_is_nltk_method2_when_no_candidate_is_shorter_than_ngram(data, ngram, average):
    candidates, references, batches = data.draw(corpora(min_candidate_length=ngram))
    value = run_metric(Bleu(ngram=ngram, smooth="smooth2", average=average), batches)
    expected = nltk_bleu(candidates, references, ngram, "nltk_smooth2", average)
    assert_close(float(value), expected, "Bleu smooth2 vs nltk method2")


@SETTINGS
@given(
    corpus=corpora(),
    ngram=st.integers(1, 4),
    smooth=st.sampled_from(["no_smooth", "smooth1", "nltk_smooth2", "smooth2"]),
    average=st.sampled_from(["macro", "micro"]),
)
def test_any_split_into_batches_gives_the_value_of_one_batch(corpus, ngram, smooth, average):
    candidates, references, batches = corpus
    split = run_metric(Bleu(ngram, smooth, average=average), batches)
    whole = run_metric(Bleu(ngram, smooth, average=average), [(candidates, references)])
    assert_close(float(split), float(whole), "split")


def test_smooth2_keeps_the_true_count_of_a_candidate_shorter_than_ngram():
    candidate, references = ["a", "b"], [["a", "b", "c"]]
    # p1 = 2/2; p2 = (1 + 1) / (1 + 1); p3: no trigram, (0 + 1) / (0 + 1) for smooth2 but
    # (0 + 1) / (max(1, 0) + 1) for nltk; brevity penalty exp(1 - 3/2).
    penalty = torch.tensor(1 - 3 / 2, dtype=torch.float64).exp().item()
    smooth2 = run_metric(Bleu(3, "smooth2"), [([candidate], [references])])
    nltk2 = run_metric(Bleu(3, "nltk_smooth2"), [([candidate], [references])])
    assert_close(float(smooth2), penalty, "smooth2")
    assert_close(float(nltk2), penalty * 0.5 ** (1 / 3), "nltk_smooth2")
    assert_close(float(nltk2), nltk_bleu([candidate], [references], 3, "nltk_smooth2", "macro"), "")


def test_micro_average_counts_no_bigram_for_a_one_word_candidate_unlike_nltk():
    candidates = [["a", "b", "c", "d"], ["a"]]
    references = [[["a", "b", "c", "d"]], [["a"]]]
    value = run_metric(Bleu(2, average="micro"), [(candidates, references)])
    assert value == 1.0  # p1 = 5/5 and p2 = 3/3 (the one-word candidate has no bigram)
    assert_close(nltk_bleu(candidates, references, 2, "no_smooth", "micro"), 0.75**0.5, "nltk")


def test_scores_are_zero_without_a_shared_word_or_without_smoothing_of_a_zero_count():
    assert run_metric(Bleu(2), [([["a"]], [[["b"]]])]).item() == 0.0
    assert run_metric(Bleu(2, average="micro"), [([["a", "c"]], [[["a", "b"]]])]) == 0.0
    assert run_metric(Bleu(2, "smooth1"), [([["a", "c"]], [[["a", "b"]]])]).item() > 0.0


def test_update_never_reads_tensor_values_on_the_host():
    for average in ("macro", "micro"):
        metric = Bleu(2, "smooth1", average=average)
        with no_host_reads():
            metric.update(([["a", "b", "c"]], [[["a", "b"], ["b", "c"]]]))
        metric.compute()


def _protocol_batches():
    candidates = ["the cat sat on the mat", "a dog ran", "the the the", "on the mat sat a cat"]
    references = [
        ["the cat is on the mat", "there is a cat on the mat"],
        ["a dog ran away"],
        ["the cat", "the dog is here"],
        ["a cat sat on the mat", "the cat on the mat"],
    ]
    pairs = [
        (candidate.split(), [reference.split() for reference in refs])
        for candidate, refs in zip(candidates, references, strict=True)
    ]
    return [([c for c, _ in pairs[:2]], [r for _, r in pairs[:2]]), ([pairs[2][0]], [pairs[2][1]])]


@pytest.mark.parametrize("average", ["macro", "micro"])
def test_follows_the_metric_protocol(average):
    batches = _protocol_batches()
    candidates = [c for batch in batches for c in batch[0]]
    references = [r for batch in batches for r in batch[1]]
    factory = functools.partial(Bleu, ngram=2, smooth="smooth1", average=average)
    # No reference= here: check_metric joins batches like tensors, which token lists are not.
    check_metric(factory, batches)
    expected = nltk_bleu(candidates, references, 2, "smooth1", average)
    assert_close(float(run_metric(factory(), batches)), expected, "Bleu vs nltk")


def test_compute_before_any_sentence_is_not_computable():
    metric = Bleu()
    metric.update(([], []))
    with pytest.raises(NotComputableError, match="Bleu must have at least one sentence"):
        metric.compute()


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"ngram": 0}, "Bleu: argument ngram should be an int >= 1, got 0"),
        ({"ngram": 2.0}, "Bleu: argument ngram should be an int >= 1, got 2.0"),
        ({"smooth": "smooth3"}, "Bleu: argument smooth should be one of 'no_smooth', .*'smooth3'"),
        ({"average": "weighted"}, "Bleu: argument average should be one of 'macro', 'micro'"),
    ],
)
def test_rejects_bad_arguments(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        Bleu(**kwargs)


@pytest.mark.parametrize(
    ("output", "pattern"),
    [
        ((["the", "cat"],), r"output should be the pair \(y_pred, y\)"),
        (("the cat", [[["the", "cat"]]]), "y_pred is a str .*expected a list of candidates"),
        ((["the cat"], [[["the", "cat"]]]), r"y_pred\[0\] is a str .*expected a list of tokens"),
        (([["a"], ["b"]], [[["a"]]]), r"y holds 1 reference list\(s\) but y_pred holds 2"),
        (([["the", "cat"]], [["the", "cat"]]), r"y\[0\]\[0\] is a str"),
        (([["a"]], [[]]), r"y\[0\] is an empty list; expected a non-empty list of references"),
        (([["a"]], "a"), "y is a str"),
    ],
)
def test_rejects_input_that_is_not_lists_of_token_lists(output, pattern):
    with pytest.raises(ValueError, match=rf"Bleu\.update: {pattern}"):
        Bleu().update(output)


def test_matches_ignite_on_fixed_sentences():
    nlp = pytest.importorskip("ignite.metrics.nlp")
    batches = _protocol_batches()
    for smooth in ("no_smooth", "smooth1", "nltk_smooth2", "smooth2"):
        for average in ("macro", "micro"):
            theirs = run_metric(nlp.Bleu(ngram=2, smooth=smooth, average=average), batches)
            ours = run_metric(Bleu(ngram=2, smooth=smooth, average=average), batches)
            assert type(ours) is type(theirs)
            # ignite computes macro precisions in float32
            assert_close(float(ours), float(theirs), f"{smooth} {average}", rtol=1e-6)


def test_docs_page_examples_print_their_documented_output():
    text = (DOCS / "nlp.md").read_text()
    namespace: dict[str, object] = {}
    examples = list(EXAMPLE.finditer(text))
    assert examples, "nlp.md has no examples"
    for number, example in enumerate(examples, 1):
        code, expected = example.group(1), example.group(2)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, f"nlp.md example {number}", "exec"), namespace)
        if expected is not None:
            assert printed.getvalue() == expected, f"nlp.md example {number}"
