"""ember_metrics.nlp.rouge: ROUGE-N, ROUGE-L and several variants at once.

Oracle: a small ROUGE written here from Lin (2004)'s definitions: n-grams listed by position and
matched by counting occurrences with ``list.count``, the longest common subsequence by its
recursive definition (memoised), precision/recall/F-measure and the two ways of combining
references ("average" pools the counts, "best" keeps the reference with the highest recall).
It imports nothing from ember_metrics. A parity test compares with PyTorch-Ignite.
"""

from __future__ import annotations

import functools
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from regression_oracles import assert_close, no_host_reads, run_metric, split_points

from ember.exceptions import NotComputableError
from ember.testing import check_metric
from ember_metrics import Rouge, RougeL, RougeN

SETTINGS = settings(max_examples=30, deadline=None)

# ----------------------------------------------------------------- the oracle


def oracle_ngrams(tokens, n):
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def oracle_lcs(first, second):
    @functools.cache
    def lcs(i, j):  # the LCS of first[i:] and second[j:]
        if i == len(first) or j == len(second):
            return 0
        if first[i] == second[j]:
            return 1 + lcs(i + 1, j + 1)
        return max(lcs(i + 1, j), lcs(i, j + 1))

    return lcs(0, 0)


def oracle_overlap(candidate, reference, variant):
    """(shared units, candidate units, reference units) of one reference."""
    if variant == "L":
        return oracle_lcs(tuple(candidate), tuple(reference)), len(candidate), len(reference)
    mine, theirs = oracle_ngrams(candidate, variant), oracle_ngrams(reference, variant)
    shared = sum(min(mine.count(gram), theirs.count(gram)) for gram in set(mine))
    return shared, len(mine), len(theirs)


def oracle_rouge(candidates, references, variant, multiref="average", alpha=0.0):
    def ratio(a, b):
        return a / b if b else 0.0

    totals = [0.0, 0.0, 0.0]
    for candidate, refs in zip(candidates, references, strict=True):
        overlaps = [oracle_overlap(candidate, ref, variant) for ref in refs]
        if multiref == "average":
            shared, size, ref_size = (sum(column) for column in zip(*overlaps, strict=True))
        else:
            recalls = [ratio(o[0], o[2]) for o in overlaps]
            shared, size, ref_size = overlaps[recalls.index(max(recalls))]
        p, r = ratio(shared, size), ratio(shared, ref_size)
        f = p * r / ((1 - alpha) * p + alpha * r) if p * r > 0 else 0.0
        for i, value in enumerate((p, r, f)):
            totals[i] += value
    name = f"Rouge-{variant}"
    count = len(candidates)
    return {
        f"{name}-P": totals[0] / count,
        f"{name}-R": totals[1] / count,
        f"{name}-F": totals[2] / count,
    }


# ----------------------------------------------------------------- data


def tokens(min_size: int = 0) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from("abcd"), min_size=min_size, max_size=8)


@st.composite
def corpora(draw):
    """``(candidates, references, batches)``: 1-6 sentences with 1-3 references, split anyhow."""
    size = draw(st.integers(1, 6))
    candidates = [draw(tokens()) for _ in range(size)]
    references = [draw(st.lists(tokens(), min_size=1, max_size=3)) for _ in range(size)]
    bounds = split_points(draw, size)
    batches = [
        (candidates[start:stop], references[start:stop])
        for start, stop in itertools.pairwise(bounds)
    ]
    return candidates, references, batches


MULTIREF = st.sampled_from(["average", "best"])
ALPHA = st.one_of(st.sampled_from([0.0, 0.5, 1.0]), st.floats(0, 1))

# ----------------------------------------------------------------- tests


@SETTINGS
@given(corpus=corpora(), ngram=st.integers(1, 4), multiref=MULTIREF, alpha=ALPHA)
def test_rouge_n_matches_the_definition(corpus, ngram, multiref, alpha):
    candidates, references, batches = corpus
    value = run_metric(RougeN(ngram, multiref, alpha), batches)
    expected = oracle_rouge(candidates, references, ngram, multiref, alpha)
    assert list(value) == list(expected)
    assert_close(value, expected, "RougeN vs definition")


@SETTINGS
@given(corpus=corpora(), multiref=MULTIREF, alpha=ALPHA)
def test_rouge_l_matches_the_definition(corpus, multiref, alpha):
    candidates, references, batches = corpus
    value = run_metric(RougeL(multiref, alpha), batches)
    expected = oracle_rouge(candidates, references, "L", multiref, alpha)
    assert_close(value, expected, "RougeL vs definition")


@SETTINGS
@given(
    corpus=corpora(),
    variants=st.lists(
        st.one_of(st.just("L"), st.integers(1, 4)), min_size=1, max_size=4, unique=True
    ),
    multiref=MULTIREF,
)
def test_rouge_returns_every_variant_in_order(corpus, variants, multiref):
    candidates, references, batches = corpus
    value = run_metric(Rouge(variants, multiref), batches)
    expected: dict[str, float] = {}
    for variant in variants:
        expected.update(oracle_rouge(candidates, references, variant, multiref))
    assert list(value) == list(expected)
    assert_close(value, expected, "Rouge vs definition")


@SETTINGS
@given(corpus=corpora(), multiref=MULTIREF, alpha=ALPHA)
def test_any_split_into_batches_gives_the_value_of_one_batch(corpus, multiref, alpha):
    candidates, references, batches = corpus
    split = run_metric(Rouge([1, 3, "L"], multiref, alpha), batches)
    whole = run_metric(Rouge([1, 3, "L"], multiref, alpha), [(candidates, references)])
    assert_close(split, whole, "split")


def test_documented_example_values():
    candidate, *references = (
        sentence.split()
        for sentence in (
            "the cat is not there",
            "the cat is on the mat",
            "there is a cat on the mat",
        )
    )
    batch = ([candidate], [references])
    assert run_metric(RougeN(2, "best"), [batch]) == {
        "Rouge-2-P": 0.5,
        "Rouge-2-R": 0.4,
        "Rouge-2-F": 0.4,
    }
    assert run_metric(RougeL("best"), [batch]) == {
        "Rouge-L-P": 0.6,
        "Rouge-L-R": 0.5,
        "Rouge-L-F": 0.5,
    }


def test_default_variants_are_1_2_4_and_l():
    value = run_metric(Rouge(), [([["a", "b"]], [[["a", "b"]]])])
    assert [key[:-2] for key in value][::3] == ["Rouge-1", "Rouge-2", "Rouge-4", "Rouge-L"]
    assert list(run_metric(Rouge([]), [([["a"]], [[["a"]]])])) == list(value)


def test_alpha_moves_the_f_measure_from_recall_to_precision():
    batch = ([["a", "b", "x"]], [[["a", "b"]]])  # P = 2/3, R = 1
    assert run_metric(RougeN(1, alpha=0), [batch])["Rouge-1-F"] == 1.0
    assert_close(run_metric(RougeN(1, alpha=1), [batch])["Rouge-1-F"], 2 / 3, "alpha 1")
    assert_close(run_metric(RougeN(1, alpha=0.5), [batch])["Rouge-1-F"], 0.8, "alpha 0.5")


def test_update_never_reads_tensor_values_on_the_host():
    metric = Rouge([1, "L"])
    with no_host_reads():
        metric.update(([["a", "b", "c"]], [[["a", "b"], ["b", "c"]]]))
    metric.compute()


def _protocol_batches():
    pairs = [
        ("the cat sat on the mat", ["the cat is on the mat", "there is a cat on the mat"]),
        ("a dog ran", ["a dog ran away"]),
        ("the the the", ["the cat", "the dog is here"]),
        ("on the mat sat a cat", ["a cat sat on the mat"]),
    ]
    tokenized = [(c.split(), [r.split() for r in refs]) for c, refs in pairs]
    return [
        ([c for c, _ in tokenized[:3]], [r for _, r in tokenized[:3]]),
        ([tokenized[3][0]], [tokenized[3][1]]),
    ]


@pytest.mark.parametrize(
    "factory",
    [
        functools.partial(RougeN, ngram=2, multiref="best"),
        functools.partial(RougeL, alpha=0.5),
        functools.partial(Rouge, variants=[1, "L"], multiref="best", alpha=0.3),
    ],
    ids=["RougeN", "RougeL", "Rouge"],
)
def test_follows_the_metric_protocol(factory):
    # No reference= here: check_metric joins batches like tensors, which token lists are not.
    check_metric(factory, _protocol_batches())


def test_compute_before_any_candidate_is_not_computable():
    for metric, name in ((Rouge(), "Rouge"), (RougeN(), "RougeN"), (RougeL(), "RougeL")):
        metric.update(([], []))
        with pytest.raises(NotComputableError, match=f"{name} must have at least one candidate"):
            metric.compute()


@pytest.mark.parametrize(
    ("factory", "pattern"),
    [
        (lambda: RougeN(ngram=0), "RougeN: argument ngram should be an int >= 1, got 0"),
        (lambda: RougeN(multiref="worst"), "RougeN: argument multiref should be one of 'best'"),
        (lambda: RougeL(alpha=1.5), r"RougeL: argument alpha should be a number in \[0, 1\]"),
        (lambda: Rouge(multiref="all"), "Rouge: argument multiref should be one of"),
        (lambda: Rouge(alpha=-0.1), r"Rouge: argument alpha should be a number in \[0, 1\]"),
        (lambda: Rouge([1, 0]), "Rouge: argument variants should hold 'L' and n-gram orders"),
        (lambda: Rouge(["l"]), "Rouge: argument variants should hold .*got 'l'"),
        (lambda: Rouge([True]), "Rouge: argument variants should hold .*got True"),
        (lambda: Rouge("L"), "Rouge: argument variants should be a list"),
    ],
)
def test_rejects_bad_arguments(factory, pattern):
    with pytest.raises(ValueError, match=pattern):
        factory()


@pytest.mark.parametrize("metric", [Rouge, RougeN, RougeL])
@pytest.mark.parametrize(
    ("output", "pattern"),
    [
        ((["the cat"], [[["the", "cat"]]]), r"y_pred\[0\] is a str .*expected a list of tokens"),
        (([["a"], ["b"]], [[["a"]]]), r"y holds 1 reference list\(s\) but y_pred holds 2"),
        (([["the", "cat"]], [["the", "cat"]]), r"y\[0\]\[0\] is a str"),
        (([["a"]], [[]]), r"y\[0\] is an empty list"),
        ((None, None), "y_pred is a NoneType"),
    ],
)
def test_rejects_input_that_is_not_lists_of_token_lists(metric, output, pattern):
    with pytest.raises(ValueError, match=rf"{metric.__name__}\.update: {pattern}"):
        metric().update(output)


@pytest.mark.parametrize("multiref", ["average", "best"])
def test_matches_ignite_on_fixed_sentences(multiref):
    nlp = pytest.importorskip("ignite.metrics.nlp")
    batches = _protocol_batches()
    theirs = run_metric(nlp.Rouge([1, 2, "L"], multiref=multiref, alpha=0.4), batches)
    ours = run_metric(Rouge([1, 2, "L"], multiref=multiref, alpha=0.4), batches)
    assert list(ours) == list(theirs)
    assert_close(ours, theirs, "Rouge vs ignite")
