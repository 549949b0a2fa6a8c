"""Fairness metrics: bad input, host synchronisation, PyTorch-Ignite parity, the docs page.

Oracles: PyTorch-Ignite 0.5.5's ``ignite.metrics.fairness`` on fixed data (parity, not
correctness: fairlearn is the oracle of correctness in test_fairness_oracle.py), and the
expected messages and printed outputs written out by hand.
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
from pathlib import Path

import pytest
import torch
from classification_oracles import expect_value_error, multiclass_input, multilabel_input
from regression_oracles import no_host_reads, run_metric

import ember_metrics as em
from ember.engine import Engine
from ember.exceptions import NotComputableError
from ember.testing import assert_values_close
from ember_metrics.catalogue import entries
from ember_metrics.classification import _input_checks

GROUPED = {
    "SubgroupMetric": functools.partial(em.SubgroupMetric, em.Accuracy(), groups=[0, 1]),
    "SubgroupDifference": functools.partial(em.SubgroupDifference, em.Accuracy(), groups=[0, 1]),
    "SubgroupAccuracyDifference": functools.partial(em.SubgroupAccuracyDifference, [0, 1]),
    "DemographicParityDifference": functools.partial(em.DemographicParityDifference, [0, 1]),
    "SelectionRate": functools.partial(em.SelectionRate, groups=[0, 1]),
}


def _construct(name, groups):
    if name in ("SubgroupMetric", "SubgroupDifference"):
        return getattr(em, name)(em.Accuracy(), groups=groups)
    if name == "SelectionRate":
        return em.SelectionRate(groups=groups)
    return getattr(em, name)(groups=groups)


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("name", sorted(GROUPED))
@pytest.mark.parametrize("groups", [[], ["a", "b"], [0.0, 1.0], [True, False], [1, 1], "01"])
def test_groups_that_are_not_distinct_ints_are_rejected(name, groups):
    expect_value_error(lambda: _construct(name, groups), f"{name}: argument groups", "int")


@pytest.mark.parametrize("name", ["SubgroupAccuracyDifference", "DemographicParityDifference"])
def test_groups_are_required_by_the_group_metrics(name):
    expect_value_error(lambda: _construct(name, None), f"{name}: argument groups")


def test_base_metric_must_be_a_metric():
    with pytest.raises(TypeError, match="SubgroupMetric: argument base_metric"):
        em.SubgroupMetric("accuracy", groups=[0, 1])


@pytest.mark.parametrize("name", sorted(GROUPED))
def test_group_labels_of_another_length_are_rejected(name):
    batch = (torch.tensor([1, 0, 1]), torch.tensor([1, 1, 0]), torch.tensor([0, 1]))
    expect_value_error(
        lambda: GROUPED[name]().update(batch),
        f"{name}.update",
        "group_labels has shape (2,)",
        "expected the same number of samples N",
    )


@pytest.mark.parametrize("name", sorted(GROUPED))
@pytest.mark.parametrize("labels", [torch.tensor([0.0, 1.0]), torch.tensor([[0, 1]]).T])
def test_group_labels_must_be_a_1d_integer_tensor(name, labels):
    batch = (torch.tensor([1, 0]), torch.tensor([1, 1]), labels)
    expect_value_error(
        lambda: GROUPED[name]().update(batch),
        f"{name}.update: group_labels",
        "expected a 1-D integer tensor of shape (N,)",
    )


@pytest.mark.parametrize("name", sorted(GROUPED))
def test_a_group_label_outside_groups_is_rejected(name):
    batch = (torch.tensor([1, 0, 1]), torch.tensor([1, 1, 0]), torch.tensor([0, 5, 1]))
    expect_value_error(
        lambda: GROUPED[name]().update(batch),
        f"{name}.update: group_labels holds 5",
        "expected one of the group identifiers [0, 1]",
    )


@pytest.mark.parametrize("name", sorted(GROUPED))
def test_an_output_without_group_labels_is_rejected(name):
    expect_value_error(
        lambda: GROUPED[name]().update((torch.tensor([1, 0]), torch.tensor([1, 1]))),
        f"{name}.update: output should be the triple (y_pred, y, group_labels)",
    )


@pytest.mark.parametrize(
    "factory", [em.SelectionRate, functools.partial(em.DemographicParityDifference, [0, 1])]
)
def test_selection_rate_rejects_predictions_that_are_not_binary(factory):
    metric = factory()
    batch = (torch.tensor([0.5, 1.0]), torch.tensor([0, 1]))
    if isinstance(metric, em.DemographicParityDifference):
        batch = (*batch, torch.tensor([0, 1]))
    expect_value_error(
        lambda: metric.update(batch),
        f"{type(metric).__name__}.update: y_pred holds 0.5",
        "expected only 0 and 1",
    )


@pytest.fixture
def deferred_checks(monkeypatch):
    """Check values as on an accelerator: deferred to compute()."""
    monkeypatch.setattr(_input_checks, "EAGER_DEVICE_TYPES", frozenset())


@pytest.mark.parametrize("name", sorted(GROUPED))
def test_on_an_accelerator_an_unknown_group_is_reported_by_compute(deferred_checks, name):
    metric = GROUPED[name]()
    metric.update((torch.tensor([1, 0, 1]), torch.tensor([1, 1, 0]), torch.tensor([0, 9, 1])))
    expect_value_error(metric.compute, f"{name}.update: group_labels held an invalid value")
    metric.reset()
    with pytest.raises(NotComputableError):
        metric.compute()


@pytest.mark.parametrize("name", sorted(GROUPED))
def test_compute_before_update_is_not_computable(name):
    with pytest.raises(NotComputableError, match=name):
        GROUPED[name]().compute()


@pytest.mark.parametrize(
    "name", ["SubgroupDifference", "SubgroupAccuracyDifference", "DemographicParityDifference"]
)
def test_a_difference_needs_two_groups_with_samples(name):
    metric = GROUPED[name]()
    metric.update((torch.tensor([1, 0]), torch.tensor([1, 1]), torch.tensor([1, 1])))
    with pytest.raises(NotComputableError, match=r"at least two .* got examples of 1 group"):
        metric.compute()


def test_subgroup_metric_leaves_out_groups_without_samples():
    metric = em.SubgroupMetric(em.Accuracy(), groups=[0, 1, 2])
    metric.update((torch.tensor([1, 0]), torch.tensor([1, 1]), torch.tensor([2, 2])))
    metric.update((torch.tensor([1]), torch.tensor([1]), torch.tensor([0])))
    assert metric.compute() == {0: 1.0, 2: 0.5}


# ------------------------------------------------------------------ no host reads in update


def _raise_sync(*args, **kwargs):
    raise AssertionError("update used an operation with a data-dependent size")


def _no_boolean_indexing(original):
    def getitem(tensor, index):
        parts = index if isinstance(index, tuple) else (index,)
        if any(isinstance(p, torch.Tensor) and p.dtype == torch.bool for p in parts):
            raise AssertionError("update indexed with a boolean mask (a device sync)")
        return original(tensor, index)

    return getitem


def _valid_batches():
    scores, classes = multiclass_input(0, 6, 3, extra=(2,))
    labels = torch.tensor([0, 1, 1, 0, 1, 0])
    indicators, targets = multilabel_input(1, 6, 3)
    binary = indicators[:, 0], targets[:, 0]
    return [
        (functools.partial(em.SubgroupAccuracyDifference, [0, 1]), (scores, classes, labels)),
        (
            functools.partial(em.SubgroupAccuracyDifference, [0, 1], is_multilabel=True),
            (indicators, targets, labels),
        ),
        (functools.partial(em.DemographicParityDifference, [0, 1]), (*binary, labels)),
        (functools.partial(em.DemographicParityDifference, [0, 1]), (scores, classes, labels)),
        (
            functools.partial(em.SelectionRate, is_multilabel=True, groups=[1, 0]),
            (indicators, targets, labels),
        ),
        (em.SelectionRate, (scores, classes)),
    ]


@pytest.mark.parametrize(("factory", "batch"), _valid_batches())
def test_dedicated_metrics_update_without_host_reads_or_masks(
    deferred_checks, monkeypatch, factory, batch
):
    metric = factory()
    monkeypatch.setattr(torch.Tensor, "__getitem__", _no_boolean_indexing(torch.Tensor.__getitem__))
    for name in ("bincount", "nonzero", "unique", "masked_select"):
        monkeypatch.setattr(torch, name, _raise_sync)
    with no_host_reads():
        metric.update(batch)
        metric.update(batch)
    monkeypatch.undo()  # compute may read back: it synchronises anyway
    metric.compute()


def test_subgroup_metric_update_reads_nothing_back_but_masks(deferred_checks):
    """The wrapper selects each group with a boolean mask (a data-dependent size), but reads no
    value on the host itself; the wrapped Accuracy checks its values on the device here."""
    scores, classes = multiclass_input(2, 6, 3)
    batch = (scores, classes, torch.tensor([0, 1, 1, 0, 1, 1]))
    metric = em.SubgroupMetric(em.Accuracy(), groups=[0, 1])
    with no_host_reads():
        metric.update(batch)
    assert set(metric.compute()) == {0, 1}


# ------------------------------------------------------------------ engine and state


def test_mapping_output_reads_the_group_labels_key():
    engine = Engine(lambda engine, batch: batch)
    em.DemographicParityDifference(groups=[0, 1]).attach(engine, "dpd")
    em.SelectionRate(groups=[0, 1]).attach(engine, "rates")
    output = {
        "y_pred": torch.tensor([1, 1, 0, 0]),
        "y": torch.tensor([1, 0, 1, 0]),
        "group_labels": torch.tensor([0, 0, 1, 1]),
    }
    state = engine.run([output], max_epochs=1)
    assert state.metrics["dpd"] == 1.0
    assert_values_close(state.metrics["rates"], {0: [0.0, 1.0], 1: [1.0, 0.0]}, "rates")


def test_state_dict_loads_with_weights_only(tmp_path):
    metric = em.SubgroupMetric(em.SelectionRate(), groups=[3, 5])
    metric.update((torch.tensor([1, 0, 1]), torch.tensor([1, 1, 0]), torch.tensor([3, 5, 5])))
    torch.save(metric.state_dict(), tmp_path / "state.pt")
    restored = em.SubgroupMetric(em.SelectionRate(), groups=[3, 5])
    restored.load_state_dict(torch.load(tmp_path / "state.pt", weights_only=True))
    assert_values_close(restored.compute(), {3: [0.0, 1.0], 5: [0.5, 0.5]}, "restored")


def test_catalogue_lists_the_fairness_metrics():
    names = {
        "subgroup_metric": "SubgroupMetric",
        "subgroup_difference": "SubgroupDifference",
        "subgroup_accuracy_difference": "SubgroupAccuracyDifference",
        "demographic_parity_difference": "DemographicParityDifference",
        "selection_rate": "SelectionRate",
    }
    for name, cls in names.items():
        assert entries()[name].cls == cls
        assert getattr(em, cls).__name__ == cls


# ------------------------------------------------------------------ PyTorch-Ignite parity


def _parity_data():
    g = torch.Generator().manual_seed(5)
    labels = torch.tensor([0, 1, 2] * 6)
    scores, classes = torch.randn(18, 4, generator=g), torch.randint(0, 4, (18,), generator=g)
    binary = torch.randint(0, 2, (18,), generator=g), torch.randint(0, 2, (18,), generator=g)
    indicators = (
        torch.randint(0, 2, (18, 3), generator=g),
        torch.randint(0, 2, (18, 3), generator=g),
    )
    return {
        "multiclass": (scores, classes, labels),
        "binary": (*binary, labels),
        "multilabel": (*indicators, labels),
    }


def _in_batches(data):
    return [tuple(t[i : i + 6] for t in data) for i in range(0, 18, 6)]


@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
def test_same_values_as_ignite(kind):
    imf = pytest.importorskip("ignite.metrics.fairness")
    im = pytest.importorskip("ignite.metrics")
    batches = _in_batches(_parity_data()[kind])
    multilabel = kind == "multilabel"
    groups = [0, 1, 2]
    pairs = [
        (
            em.SubgroupMetric(em.Accuracy(is_multilabel=multilabel), groups),
            imf.SubgroupMetric(im.Accuracy(is_multilabel=multilabel), groups),
        ),
        (
            em.SubgroupDifference(em.Accuracy(is_multilabel=multilabel), groups),
            imf.SubgroupDifference(im.Accuracy(is_multilabel=multilabel), groups),
        ),
        (
            em.SubgroupAccuracyDifference(groups, is_multilabel=multilabel),
            imf.SubgroupAccuracyDifference(groups, is_multilabel=multilabel),
        ),
        (
            em.DemographicParityDifference(groups, is_multilabel=multilabel),
            imf.DemographicParityDifference(groups, is_multilabel=multilabel),
        ),
    ]
    for ours, theirs in pairs:
        expected = run_metric(theirs, batches)
        assert_values_close(run_metric(ours, batches), expected, type(ours).__name__)
    ours = em.SelectionRate(is_multilabel=multilabel)
    theirs = imf.SelectionRate(is_multilabel=multilabel)
    pairs_only = [(y_pred, y) for y_pred, y, _ in batches]
    assert_values_close(
        run_metric(ours, pairs_only), run_metric(theirs, pairs_only), "SelectionRate"
    )


# ------------------------------------------------------------------ docs/metrics/fairness.md

DOCS = Path(__file__).resolve().parents[3] / "docs" / "metrics"
EXAMPLE = re.compile(r"```python\n(.*?)```\n(?:\s*\n```\n(.*?)```\n)?", re.S)


def test_docs_page_examples_print_their_documented_output():
    text = (DOCS / "fairness.md").read_text()
    assert text.startswith("# Fairness\n")
    namespace: dict[str, object] = {}
    examples = list(EXAMPLE.finditer(text))
    assert examples, "fairness.md has no examples"
    for number, example in enumerate(examples, 1):
        code, expected = example.group(1), example.group(2)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, f"fairness.md example {number}", "exec"), namespace)
        if expected is not None:
            assert printed.getvalue() == expected, f"fairness.md example {number}"
