"""Shared input checks: input-type detection, and value checks deferred off the CPU.

Inputs on an accelerator are checked without reading values back in ``update``; the outcome
is raised by ``compute``. These tests run that path on the CPU by emptying
``EAGER_DEVICE_TYPES``, and show that ``update`` then never synchronises with the host.
"""

from __future__ import annotations

import functools

import pytest
import torch
from classification_oracles import expect_value_error, identity, multiclass_input
from torch.nn import functional as F  # noqa: N812 - the usual name

from ember_metrics import (
    ROC_AUC,
    Accuracy,
    AveragePrecision,
    CohenKappa,
    ConfusionMatrix,
    GeometricAverage,
    Loss,
    MatthewsCorrCoef,
    MultiLabelConfusionMatrix,
    Precision,
    Recall,
    RunningAverage,
    TopKCategoricalAccuracy,
    VariableAccumulation,
)
from ember_metrics.aggregation.average import Average
from ember_metrics.classification import _input_checks
from ember_metrics.classification._input_checks import detect_input_type


@pytest.mark.parametrize(
    ("y_pred_shape", "y_shape", "is_multilabel", "expected"),
    [
        ((8,), (8,), False, ("binary", 1)),
        ((8, 1), (8,), False, ("binary", 1)),
        ((8, 1, 4), (8, 4), False, ("binary", 1)),
        ((8, 3), (8, 3), False, ("binary", 1)),
        ((8, 3), (8,), False, ("multiclass", 3)),
        ((8, 3, 5, 5), (8, 5, 5), False, ("multiclass", 3)),
        ((8, 3), (8, 3), True, ("multilabel", 3)),
        ((8, 3, 2), (8, 3, 2), True, ("multilabel", 3)),
    ],
)
def test_input_type_follows_the_shapes(y_pred_shape, y_shape, is_multilabel, expected):
    result = detect_input_type(
        "M.update", torch.zeros(y_pred_shape), torch.zeros(y_shape), is_multilabel
    )
    assert result == expected


@pytest.mark.parametrize(
    ("y_pred_shape", "y_shape"),
    [((8, 3), (7,)), ((8, 3, 2), (8, 3)), ((8,), (8, 1, 1)), ((8, 3), (8, 4))],
)
def test_incompatible_shapes_are_rejected_with_both_shapes(y_pred_shape, y_shape):
    expect_value_error(
        lambda: detect_input_type(
            "M.update", torch.zeros(y_pred_shape), torch.zeros(y_shape), False
        ),
        "M.update",
        f"y_pred has shape {y_pred_shape}",
        "expected",
    )


@pytest.fixture
def deferred_checks(monkeypatch):
    """Check values as on an accelerator: deferred to compute()."""
    monkeypatch.setattr(_input_checks, "EAGER_DEVICE_TYPES", frozenset())


def _bad_updates():
    scores = torch.rand(3, 4)
    return [
        (
            Accuracy,
            (torch.tensor([0.5, 1.0]), torch.tensor([0, 1])),
            "y_pred held an invalid value",
        ),
        (Accuracy, (scores, torch.tensor([0, 9, 1])), "class indices in [0, 4)"),
        (Precision, (scores, torch.tensor([0, -1, 1])), "class indices"),
        (Recall, (torch.tensor([[float("nan"), 1.0]]), torch.tensor([0])), "without NaN"),
        (
            functools.partial(TopKCategoricalAccuracy, k=2),
            (scores, torch.tensor([0, 4, 1])),
            "[0, 4)",
        ),
        (
            functools.partial(ConfusionMatrix, 4),
            (scores, torch.tensor([0.5, 1.0, 2.0])),
            "whole-number",
        ),
        (ROC_AUC, (torch.rand(3), torch.tensor([0, 1, 2])), "only 0 and 1"),
        (
            functools.partial(CohenKappa, num_classes=2),
            (torch.tensor([0, 5]), torch.tensor([0, 1])),
            "[0, 2)",
        ),
        (GeometricAverage, torch.tensor([1.0, -1.0]), ">= 0"),
    ]


@pytest.mark.parametrize(("factory", "batch", "fragment"), _bad_updates())
def test_deferred_value_error_is_raised_by_compute_and_cleared_by_reset(
    deferred_checks, factory, batch, fragment
):
    metric = factory()
    metric.update(batch)  # no error here: the check stays on the device
    message = expect_value_error(metric.compute, fragment, "since the last reset()", "compute")
    assert ".update" in message
    metric.reset()
    with pytest.raises(Exception) as caught:  # noqa: PT011 - nothing valid was accumulated
        metric.compute()
    assert not isinstance(caught.value, ValueError)


def _raise_sync(*args, **kwargs):
    raise AssertionError("update read a tensor value back to the host")


def _no_boolean_indexing(original):
    def getitem(tensor, index):
        parts = index if isinstance(index, tuple) else (index,)
        if any(isinstance(p, torch.Tensor) and p.dtype == torch.bool for p in parts):
            raise AssertionError("update indexed with a boolean mask (a device sync)")
        return original(tensor, index)

    return getitem


@pytest.fixture
def no_host_sync(deferred_checks, monkeypatch):
    """Make every host read-back (and data-dependent shapes) fail while the fixture is active."""
    for name in ("item", "tolist", "__bool__", "__int__", "__float__", "nonzero", "unique"):
        monkeypatch.setattr(torch.Tensor, name, _raise_sync)
    for name in ("bincount", "nonzero", "unique", "masked_select"):
        monkeypatch.setattr(torch, name, _raise_sync)
    monkeypatch.setattr(torch.Tensor, "__getitem__", _no_boolean_indexing(torch.Tensor.__getitem__))


def _valid_updates():
    scores, labels = multiclass_input(0, 6, 3, extra=(2,))
    flat_scores, flat_labels = multiclass_input(1, 6, 3)
    binary = torch.tensor([[1, 0], [0, 1], [1, 1]])
    return [
        (Accuracy, (scores, labels)),
        (functools.partial(Accuracy, is_multilabel=True), (binary, binary.flip(0))),
        (functools.partial(Precision, average="weighted"), (scores, labels)),
        (
            functools.partial(Recall, average="samples", is_multilabel=True),
            (binary, binary.flip(0)),
        ),
        (functools.partial(Precision, average=None), (binary[:, 0], binary[:, 1])),
        (functools.partial(TopKCategoricalAccuracy, k=2), (flat_scores, flat_labels)),
        (functools.partial(ConfusionMatrix, 3), (scores, labels)),
        (functools.partial(MultiLabelConfusionMatrix, 2), (binary, binary.flip(0))),
        (functools.partial(CohenKappa, num_classes=3), (flat_labels, flat_labels.flip(0))),
        (CohenKappa, (flat_labels, flat_labels.flip(0))),
        (MatthewsCorrCoef, (flat_scores, flat_labels)),
        (ROC_AUC, (torch.rand(3), binary[:, 0])),
        (AveragePrecision, (flat_scores, flat_labels)),
        (functools.partial(Loss, F.cross_entropy), (flat_scores, flat_labels)),
        (Average, torch.rand(4, 2)),
        (GeometricAverage, torch.rand(4, 2)),
        (functools.partial(VariableAccumulation, torch.add), torch.rand(3)),
        (functools.partial(RunningAverage, output_transform=identity), torch.rand(2)),
    ]


@pytest.mark.parametrize(("factory", "batch"), _valid_updates())
def test_update_never_synchronises_with_the_host(no_host_sync, factory, batch):
    metric = factory()
    metric.update(batch)
    metric.update(batch)
