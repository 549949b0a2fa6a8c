"""RunningAverage: protocol, numpy EMA oracle over per-batch values, attach and usages."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from classification_oracles import (
    batch_splits,
    check_with_expected,
    expect_value_error,
    identity,
    multiclass_input,
    split,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from ember.engine import Engine, Events
from ember.exceptions import NotComputableError
from ember_metrics import Accuracy, RunningAverage

SETTINGS = settings(max_examples=30, deadline=None)


def numpy_ema(values, alpha):
    # Oracle: the exponential moving average written with numpy, started at the first value.
    average = None
    for value in values:
        value = np.asarray(value, dtype=np.float64)
        average = value if average is None else alpha * average + (1 - alpha) * value
    return average


def running_accuracy(alpha):
    return RunningAverage(Accuracy(), alpha=alpha)


@SETTINGS
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(1, 30),
    alpha=st.floats(0.05, 1.0),
    data=st.data(),
)
def test_running_accuracy_is_the_ema_of_per_batch_sklearn_accuracies(seed, n, alpha, data):
    from sklearn.metrics import accuracy_score

    y_pred, y = multiclass_input(seed, n, 3)
    batches = split((y_pred, y), data.draw(batch_splits(n, max_batches=6)))
    per_batch = [accuracy_score(t.numpy(), p.argmax(1).numpy()) for p, t in batches]
    expected = numpy_ema(per_batch, alpha)
    check_with_expected(functools.partial(running_accuracy, alpha), batches, expected)


@SETTINGS
@given(
    values=st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=12),
    alpha=st.floats(0.05, 1.0),
    as_tensor=st.booleans(),
)
def test_running_output_is_the_numpy_ema_of_the_outputs(values, alpha, as_tensor):
    outputs = (
        [torch.tensor([v, 2 * v], dtype=torch.float64) for v in values] if as_tensor else values
    )
    factory = functools.partial(RunningAverage, output_transform=identity, alpha=alpha)
    check_with_expected(factory, outputs, numpy_ema([np.asarray(o) for o in outputs], alpha))


def test_attached_value_is_stored_after_every_iteration_and_kept_across_epochs():
    engine = Engine(lambda engine, batch: batch)
    RunningAverage(output_transform=identity, alpha=0.5).attach(engine, "loss")
    seen = []
    engine.add_event_handler(
        Events.ITERATION_COMPLETED, lambda e: seen.append(e.state.metrics["loss"])
    )
    engine.run([4.0, 2.0], max_epochs=2)
    assert seen == [4.0, 3.0, 3.5, 2.75]


def test_single_epoch_usage_restarts_each_epoch():
    engine = Engine(lambda engine, batch: batch)
    RunningAverage(output_transform=identity, alpha=0.5).attach(
        engine, "loss", usage="single_epoch_running_batch_wise"
    )
    seen = []
    engine.add_event_handler(
        Events.ITERATION_COMPLETED, lambda e: seen.append(e.state.metrics["loss"])
    )
    engine.run([4.0, 2.0], max_epochs=2)
    assert seen == [4.0, 3.0, 4.0, 3.0]


def test_epoch_bound_is_deprecated_but_still_selects_the_usage():
    with pytest.warns(DeprecationWarning, match="epoch_bound"):
        metric = RunningAverage(output_transform=identity, alpha=0.5, epoch_bound=True)
    engine = Engine(lambda engine, batch: batch)
    metric.attach(engine, "loss")
    assert metric.is_attached(engine)
    assert engine.run([4.0, 2.0], max_epochs=2).metrics["loss"] == 3.0


def test_source_metric_reads_a_dict_output_through_its_own_transform():
    engine = Engine(lambda engine, batch: {"logits": batch[0], "label": batch[1]})
    accuracy = Accuracy(output_transform=lambda out: (out["logits"], out["label"]))
    RunningAverage(accuracy, alpha=0.5).attach(engine, "acc")
    ones = torch.ones(2, dtype=torch.int64)
    state = engine.run([(ones, ones), (ones, 1 - ones)])
    assert state.metrics["acc"] == 0.5


def test_compute_before_update_is_not_computable():
    # PyTorch-Ignite returns None here; ember's protocol asks for NotComputableError.
    with pytest.raises(NotComputableError, match="RunningAverage"):
        RunningAverage(output_transform=identity).compute()


@pytest.mark.parametrize("alpha", [0.0, 1.5, -0.1, True])
def test_alpha_must_be_in_zero_one(alpha):
    expect_value_error(lambda: RunningAverage(output_transform=identity, alpha=alpha), "alpha")


def test_source_and_output_transform_are_exclusive():
    expect_value_error(
        lambda: RunningAverage(Accuracy(), output_transform=identity), "output_transform"
    )
    expect_value_error(lambda: RunningAverage(Accuracy(), device="cpu"), "device")
    expect_value_error(lambda: RunningAverage(), "output_transform should be given")
    with pytest.raises(TypeError, match="src"):
        RunningAverage(src=0.5)


def test_non_numeric_output_is_a_type_error():
    with pytest.raises(TypeError, match=r"RunningAverage\.update"):
        RunningAverage(output_transform=identity).update("loss")


def _two_rank_running_averages(local_rank: int, outputs, batches, out: str) -> None:
    """Each rank folds its own outputs (and batches) in, one per iteration; saves the values."""
    import ember.distributed as idist

    rank = idist.get_rank()
    smooth = RunningAverage(alpha=0.6, output_transform=identity)
    running = RunningAverage(Accuracy(), alpha=0.6)
    for value, batch in zip(outputs[rank], batches[rank], strict=True):
        smooth.update(value)
        running.update(batch)
    torch.save([smooth.compute(), running.compute()], f"{out}.{rank}")


@pytest.mark.slow
def test_two_processes_average_each_iteration_over_both_then_smooth(tmp_path):
    # In a distributed run each iteration's value is combined over the processes first (the
    # mean of the outputs; src's value over both batches), as in PyTorch-Ignite; the average
    # then moves once per iteration. Oracle: numpy's EMA over those combined values.
    import ember.distributed as idist

    generator = torch.Generator().manual_seed(17)
    outputs = torch.rand(2, 5, generator=generator).tolist()
    scores = torch.randn(2, 5, 6, 3, generator=generator)
    labels = torch.randint(0, 3, (2, 5, 6), generator=generator)
    batches = [[(scores[r, i], labels[r, i]) for i in range(5)] for r in range(2)]
    out = str(tmp_path / "values")
    idist.spawn("gloo", _two_rank_running_averages, args=(outputs, batches, out), nproc_per_node=2)
    mean_outputs = [(a + b) / 2 for a, b in zip(*outputs, strict=True)]
    union_accuracy = [
        float(
            (torch.cat([scores[0, i], scores[1, i]]).argmax(1) == labels[:, i].flatten())
            .double()
            .mean()
        )
        for i in range(5)
    ]
    expected = [float(numpy_ema(mean_outputs, 0.6)), float(numpy_ema(union_accuracy, 0.6))]
    for rank in range(2):
        assert torch.load(f"{out}.{rank}") == pytest.approx(expected, rel=1e-9)
