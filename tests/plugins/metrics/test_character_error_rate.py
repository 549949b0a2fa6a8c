"""ember_metrics.nlp.character_error_rate: character edit distance over reference length.

Oracle: the Levenshtein distance by its recursive definition (memoised), written here, summed
over the pairs and divided by the summed reference lengths; a parity test compares with
PyTorch-Ignite.
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
from ember_metrics import CharacterErrorRate

SETTINGS = settings(max_examples=30, deadline=None)


def levenshtein(a: str, b: str) -> int:
    @functools.cache
    def distance(i: int, j: int) -> int:  # between a[:i] and b[:j]
        if i == 0 or j == 0:
            return i + j
        return min(
            distance(i - 1, j) + 1,  # delete a[i - 1]
            distance(i, j - 1) + 1,  # insert b[j - 1]
            distance(i - 1, j - 1) + (a[i - 1] != b[j - 1]),  # keep or substitute
        )

    return distance(len(a), len(b))


def oracle_cer(predictions, references):
    errors = sum(levenshtein(p, r) for p, r in zip(predictions, references, strict=True))
    total = sum(len(r) for r in references)
    if total == 0:
        return 0.0 if errors == 0 else 1.0
    return errors / total


TEXT = st.text(alphabet="abc ", max_size=10)


@st.composite
def pairs(draw):
    """``(predictions, references, batches)``: 1-6 pairs of short strings, split anyhow."""
    size = draw(st.integers(1, 6))
    predictions = [draw(TEXT) for _ in range(size)]
    references = [draw(TEXT) for _ in range(size)]
    bounds = split_points(draw, size)
    batches = [
        (predictions[start:stop], references[start:stop])
        for start, stop in itertools.pairwise(bounds)
    ]
    return predictions, references, batches


@SETTINGS
@given(data=pairs())
def test_value_matches_the_levenshtein_definition(data):
    predictions, references, batches = data
    value = run_metric(CharacterErrorRate(), batches)
    assert isinstance(value, float)
    assert_close(value, oracle_cer(predictions, references), "CER vs definition")


@SETTINGS
@given(data=pairs())
def test_any_split_into_batches_gives_the_value_of_one_batch(data):
    predictions, references, batches = data
    whole = run_metric(CharacterErrorRate(), [(predictions, references)])
    single = run_metric(CharacterErrorRate(), list(zip(predictions, references, strict=True)))
    assert_close(run_metric(CharacterErrorRate(), batches), whole, "split")
    assert_close(single, whole, "one pair of strings per update")


def test_documented_example_and_simple_edits():
    metric = CharacterErrorRate()
    metric.update(
        (["the cat sat on the mat", "hello world"], ["the cat sat on mat", "hello world"])
    )
    assert metric.compute() == 4 / 29
    assert run_metric(CharacterErrorRate(), [("kitten", "sitting")]) == 3 / 7
    assert run_metric(CharacterErrorRate(), [("abcd", "ab")]) == 1.0  # two insertions
    assert run_metric(CharacterErrorRate(), [("", "")]) == 0.0
    assert run_metric(CharacterErrorRate(), [("abc", "")]) == 1.0  # empty references


def test_update_never_reads_tensor_values_on_the_host():
    metric = CharacterErrorRate()
    with no_host_reads():
        metric.update((["abc", "de"], ["abd", "d"]))
    assert metric.compute() == 2 / 4


def test_follows_the_metric_protocol():
    batches = [
        (["the cat", "a dog"], ["the hat", "a dig"]),
        (["hello"], ["hallo world"]),
        (["", "same"], ["x", "same"]),
    ]
    check_metric(CharacterErrorRate, batches)
    predictions = [p for batch in batches for p in batch[0]]
    references = [r for batch in batches for r in batch[1]]
    expected = oracle_cer(predictions, references)
    assert_close(run_metric(CharacterErrorRate(), batches), expected, "CER vs definition")


def test_compute_before_any_pair_is_not_computable():
    metric = CharacterErrorRate()
    metric.update(([], []))
    with pytest.raises(NotComputableError, match="CharacterErrorRate must have at least one"):
        metric.compute()


@pytest.mark.parametrize(
    ("output", "pattern"),
    [
        ("ab", r"output should be the pair \(y_pred, y\)"),
        (("ab", "cd", "ef"), r"output should be the pair \(y_pred, y\)"),
        (("ab", ["ab"]), "y_pred is a str but y is a list; expected two strings or two lists"),
        ((["ab", 3], ["ab", "c"]), "y_pred is a list .*expected a str or a list of str"),
        ((["ab"], [["a", "b"]]), "y is a list .*expected a str or a list of str"),
        ((None, None), "y_pred is a NoneType"),
        ((["a", "b"], ["a"]), r"y_pred holds 2 string\(s\) but y holds 1"),
    ],
)
def test_rejects_input_that_is_not_strings(output, pattern):
    with pytest.raises(ValueError, match=rf"CharacterErrorRate\.update: {pattern}"):
        CharacterErrorRate().update(output)


def test_matches_ignite_on_fixed_strings():
    nlp = pytest.importorskip("ignite.metrics.nlp")
    batches = [
        (["the cat sat on the mat", "hello world"], ["the cat sat on mat", "hello world"]),
        ("kitten", "sitting"),
        (["", "abc"], ["xyz", "abd"]),
    ]
    theirs = run_metric(nlp.CharacterErrorRate(), batches)
    assert_close(run_metric(CharacterErrorRate(), batches), theirs, "CER vs ignite")
