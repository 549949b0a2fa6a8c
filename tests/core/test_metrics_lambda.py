"""Tests of MetricsLambda: arithmetic, indexing and methods on metrics, propagation of
reset/update, attaching with dependencies, state and copying."""

from __future__ import annotations

import copy
import io
import math
import operator
import pickle
from collections.abc import Callable
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_metric import (
    CountingAccuracy,
    PerClassPrecision,
    PerClassRecall,
    seed_batches,
)

from ember.engine import Engine, Events
from ember.metric import Metric, MetricsLambda


class _Mean(Metric):
    """Mean of ``output[index]`` over all rows seen: a tensor ``(D,)`` or, with ``scalar=True``,
    a Python float of the mean over all elements."""

    def __init__(self, index: int, scalar: bool = False) -> None:
        self.index = index
        self.scalar = scalar
        super().__init__()

    def reset(self) -> None:
        self._sum: torch.Tensor | None = None
        self._count = 0

    def update(self, output: Any) -> None:
        rows = output[self.index].to(torch.float64)
        total = rows.sum() if self.scalar else rows.sum(dim=0)
        self._sum = total if self._sum is None else self._sum + total
        self._count += rows.numel() if self.scalar else rows.shape[0]

    def compute(self) -> Any:
        assert self._sum is not None
        mean = self._sum / self._count
        return mean.item() if self.scalar else mean


class _Counter(Metric):
    """Number of updates received."""

    def reset(self) -> None:
        self.count = 0

    def update(self, output: Any) -> None:
        self.count += 1

    def compute(self) -> int:
        return self.count


_BINARY_OPS: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("+", operator.add),
    ("-", operator.sub),
    ("*", operator.mul),
    ("/", operator.truediv),
    ("//", operator.floordiv),
    ("%", operator.mod),
    ("**", operator.pow),
]


def _outcome(compute: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "value", compute()
    except Exception as error:  # the oracle's exception must be the metric's too
        return "raises", type(error)


def _assert_same(actual: tuple[str, Any], expected: tuple[str, Any]) -> None:
    assert actual[0] == expected[0], (actual, expected)
    if actual[0] == "raises":
        assert actual[1] is expected[1]
        return
    got, want = actual[1], expected[1]
    if isinstance(want, torch.Tensor):
        assert isinstance(got, torch.Tensor)
        torch.testing.assert_close(got, want, rtol=0, atol=0, equal_nan=True)
    elif isinstance(want, float) and math.isnan(want):
        assert math.isnan(got)
    else:
        assert type(got) is type(want)
        assert got == want


_rows = st.integers(1, 4).flatmap(
    lambda n: st.lists(
        st.lists(st.integers(-20, 20).map(float), min_size=3, max_size=3), min_size=n, max_size=n
    )
)
_two_sources = st.lists(st.tuples(_rows, _rows), min_size=1, max_size=3)


def _batches(pairs: list[tuple[list[list[float]], list[list[float]]]]) -> list[tuple[Any, Any]]:
    return [
        (torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64))
        for a, b in pairs
    ]


def _plain_means(batches: list[tuple[Any, Any]], scalar: bool) -> tuple[Any, Any]:
    """The oracle: means computed with plain torch over all the data at once."""
    means = []
    for index in (0, 1):
        rows = torch.cat([batch[index] for batch in batches])
        mean = rows.sum(dim=0) / rows.shape[0]
        means.append(float(rows.sum() / rows.numel()) if scalar else mean)
    return means[0], means[1]


# ----------------------------------------------------------------------------- arithmetic


@pytest.mark.parametrize(("symbol", "op"), _BINARY_OPS)
@given(pairs=_two_sources, scalar=st.booleans())
@settings(max_examples=40, deadline=None)
def test_binary_operator_between_metrics_equals_it_on_plain_values(
    symbol: str, op: Callable[[Any, Any], Any], pairs: Any, scalar: bool
) -> None:
    batches = _batches(pairs)
    a, b = _Mean(0, scalar), _Mean(1, scalar)
    combined = op(a, b)
    assert isinstance(combined, MetricsLambda)
    for batch in batches:
        combined.update(batch)
    plain_a, plain_b = _plain_means(batches, scalar)
    _assert_same(_outcome(combined.compute), _outcome(lambda: op(plain_a, plain_b)))


@pytest.mark.parametrize(("symbol", "op"), _BINARY_OPS)
@given(
    pairs=_two_sources,
    scalar=st.booleans(),
    constant=st.sampled_from([-2.0, -0.5, 0.0, 1.0, 3.0, 2]),
)
@settings(max_examples=40, deadline=None)
def test_binary_operator_with_a_constant_on_either_side_equals_it_on_plain_values(
    symbol: str, op: Callable[[Any, Any], Any], pairs: Any, scalar: bool, constant: float
) -> None:
    batches = _batches(pairs)
    left, right = _Mean(0, scalar), _Mean(0, scalar)
    metric_first, constant_first = op(left, constant), op(constant, right)
    for batch in batches:
        metric_first.update(batch)
        constant_first.update(batch)
    plain, _ = _plain_means(batches, scalar)
    _assert_same(_outcome(metric_first.compute), _outcome(lambda: op(plain, constant)))
    _assert_same(_outcome(constant_first.compute), _outcome(lambda: op(constant, plain)))


@pytest.mark.parametrize(
    ("name", "op"), [("abs", abs), ("neg", operator.neg), ("pos", operator.pos)]
)
@given(pairs=_two_sources, scalar=st.booleans())
@settings(max_examples=30, deadline=None)
def test_unary_operator_equals_it_on_plain_values(
    name: str, op: Callable[[Any], Any], pairs: Any, scalar: bool
) -> None:
    batches = _batches(pairs)
    metric = op(_Mean(0, scalar))
    for batch in batches:
        metric.update(batch)
    plain, _ = _plain_means(batches, scalar)
    _assert_same(_outcome(metric.compute), _outcome(lambda: op(plain)))


@given(pairs=_two_sources)
@settings(max_examples=40, deadline=None)
def test_nested_formula_equals_the_formula_on_plain_tensors(pairs: Any) -> None:
    batches = _batches(pairs)
    p, r = _Mean(0), _Mean(1)
    f1_like = (p * r * 2 / (p + r)).mean()
    for batch in batches:
        f1_like.update(batch)
    plain_p, plain_r = _plain_means(batches, scalar=False)
    expected = (plain_p * plain_r * 2 / (plain_p + plain_r)).mean()
    torch.testing.assert_close(f1_like.compute(), expected, rtol=0, atol=0, equal_nan=True)


def test_reversed_true_division_by_a_metric_works_with_a_float_numerator() -> None:
    # Ignite 0.5.5 builds this as float.__truediv__(tensor), which returns NotImplemented.
    metric = _Mean(0)
    inverse = 1.0 / metric
    inverse.update((torch.tensor([[2.0, 4.0]]),))
    torch.testing.assert_close(inverse.compute(), torch.tensor([0.5, 0.25], dtype=torch.float64))


# ----------------------------------------------------------------------------- indexing, methods


@given(pairs=_two_sources, index=st.integers(-3, 2))
@settings(max_examples=30, deadline=None)
def test_indexing_a_metric_indexes_its_value(pairs: Any, index: int) -> None:
    batches = _batches(pairs)
    metric = _Mean(0)
    element, tail = metric[index], metric[1:]
    for batch in batches:
        metric.update(batch)
    plain, _ = _plain_means(batches, scalar=False)
    assert element.compute() == plain[index]
    assert torch.equal(tail.compute(), plain[1:])


def test_tensor_methods_are_reachable_by_attribute_with_arguments() -> None:
    metric = _Mean(0)
    total, clamped, cast = metric.sum(dim=0), metric.clamp(min=0.0), metric.to(torch.float32)
    metric.update((torch.tensor([[-1.0, 2.0], [3.0, 4.0]]),))
    assert total.compute().item() == 4.0
    assert clamped.compute().tolist() == [1.0, 3.0]
    assert cast.compute().dtype == torch.float32


def test_method_missing_on_the_value_is_an_attribute_error_naming_both() -> None:
    accuracy = CountingAccuracy()
    bogus = accuracy.argmax()
    accuracy.update(seed_batches()[0])
    with pytest.raises(AttributeError, match=r"CountingAccuracy.argmax.*float.*'argmax'"):
        bogus.compute()


def test_method_builder_is_named_after_the_method() -> None:
    assert CountingAccuracy().mean.__name__ == "mean"


# ----------------------------------------------------------------------------- the seed


def test_seed_error_example_prints_the_documented_values(
    capsys: pytest.CaptureFixture[str],
) -> None:
    acc = CountingAccuracy()
    error = 100.0 * (1.0 - acc)
    acc.reset()
    first, second = seed_batches()
    acc.update(first)
    print("After 1st update, error=", error.compute())
    acc.update(second)
    print("After 2nd update, error=", error.compute())
    assert capsys.readouterr().out.splitlines() == [
        "After 1st update, error= 25.0",
        "After 2nd update, error= 37.5",
    ]


# ----------------------------------------------------------------------------- reset/update


def test_constructor_rejects_a_non_callable_function() -> None:
    with pytest.raises(TypeError, match=r"MetricsLambda.*argument f.*'sum' \(str\)"):
        MetricsLambda("sum", CountingAccuracy())  # type: ignore[arg-type]


def test_keyword_arguments_may_be_metrics() -> None:
    a, b = _Mean(0, scalar=True), _Mean(1, scalar=True)
    weighted = MetricsLambda(lambda x, weight, scale=1.0: x * weight * scale, a, weight=b)
    weighted.update((torch.tensor([[2.0]]), torch.tensor([[5.0]])))
    assert weighted.compute() == 10.0


def test_building_a_formula_keeps_what_sources_accumulated() -> None:
    # Ignite resets the sources when a MetricsLambda is built; ember does not.
    accuracy = CountingAccuracy()
    accuracy.update(seed_batches()[0])
    assert (1 - accuracy).compute() == 0.25


def test_reset_and_update_reach_every_source() -> None:
    a, b = _Counter(), _Counter()
    total = a + b
    total.update(None)
    total.update(None)
    assert (a.compute(), b.compute(), total.compute()) == (2, 2, 4)
    total.reset()
    assert (a.compute(), b.compute()) == (0, 0)


def test_source_used_twice_in_a_formula_is_updated_once_per_update() -> None:
    counter = _Counter()
    formula = (counter + 1) * counter
    formula.update(None)
    assert counter.compute() == 1
    assert formula.compute() == 2


def test_sources_compute_on_their_own_without_an_engine() -> None:
    acc = CountingAccuracy()
    error = 1.0 - acc
    for batch in seed_batches():
        acc.update(batch)
    assert error.compute() == 0.375


# ----------------------------------------------------------------------------- attaching


def _f1_data() -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Noisy logits; the first three rows of each batch are right for classes 0, 1, 2, so that
    every class has a true positive in every batch and no F1 term is 0 / 0."""
    generator = torch.Generator().manual_seed(3)
    batches = []
    for size in (12, 9, 15):
        labels = torch.randint(0, 3, (size,), generator=generator)
        labels[:3] = torch.tensor([0, 1, 2])
        logits = torch.randn(size, 3, generator=generator)
        logits[:3] = 10 * torch.eye(3)
        batches.append((logits, labels))
    return batches


def _f1_by_hand(batches: list[tuple[torch.Tensor, torch.Tensor]]) -> float:
    """Macro F1 from counts made with plain Python loops."""
    predicted = torch.cat([logits.argmax(dim=1) for logits, _ in batches]).tolist()
    actual = torch.cat([labels for _, labels in batches]).tolist()
    scores = []
    for cls in range(3):
        tp = sum(p == cls and a == cls for p, a in zip(predicted, actual, strict=True))
        precision = tp / sum(p == cls for p in predicted)
        recall = tp / sum(a == cls for a in actual)
        scores.append(2 * precision * recall / (precision + recall))
    return sum(scores) / 3


def _f1() -> tuple[MetricsLambda, PerClassPrecision, PerClassRecall]:
    precision, recall = PerClassPrecision(3), PerClassRecall(3)
    return (precision * recall * 2 / (precision + recall)).mean(), precision, recall


def test_attaching_a_formula_alone_computes_it_on_the_engine() -> None:
    engine = Engine(lambda engine, batch: batch)
    f1, _, _ = _f1()
    f1.attach(engine, "f1")
    data = _f1_data()
    metrics = engine.run(data).metrics
    assert list(metrics) == ["f1"]
    assert metrics["f1"] == pytest.approx(_f1_by_hand(data), rel=1e-12)


def test_attached_f1_agrees_with_scikit_learn() -> None:
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    engine = Engine(lambda engine, batch: batch)
    f1, _, _ = _f1()
    f1.attach(engine, "f1")
    data = _f1_data()
    predicted = torch.cat([logits.argmax(dim=1) for logits, _ in data]).numpy()
    actual = torch.cat([labels for _, labels in data]).numpy()
    expected = sklearn_metrics.f1_score(actual, predicted, average="macro")
    assert engine.run(data).metrics["f1"] == pytest.approx(expected, rel=1e-12)


def test_attached_f1_agrees_with_ignite_per_epoch() -> None:
    ignite_engine = pytest.importorskip("ignite.engine")
    ignite_metrics = pytest.importorskip("ignite.metrics")
    data = _f1_data()

    def step(engine: Any, batch: Any) -> Any:
        logits, labels = batch
        return (logits if engine.state.epoch == 1 else -logits), labels

    theirs_engine = ignite_engine.Engine(step)
    p, r = ignite_metrics.Precision(average=False), ignite_metrics.Recall(average=False)
    (p * r * 2 / (p + r)).mean().attach(theirs_engine, "f1")
    theirs: list[float] = []
    theirs_engine.add_event_handler(
        ignite_engine.Events.EPOCH_COMPLETED, lambda e: theirs.append(e.state.metrics["f1"])
    )
    ours_engine = Engine(step)
    _f1()[0].attach(ours_engine, "f1")
    ours: list[float] = []
    ours_engine.add_event_handler(
        Events.EPOCH_COMPLETED, lambda e: ours.append(e.state.metrics["f1"])
    )
    theirs_engine.run(data, max_epochs=2)
    ours_engine.run(data, max_epochs=2)
    assert ours == pytest.approx(theirs, rel=1e-6)
    assert ours[0] != ours[1]


def test_formula_attached_batch_wise_gives_each_batchs_value() -> None:
    engine = Engine(lambda engine, batch: batch)
    f1, _, _ = _f1()
    f1.attach(engine, "f1", usage="batch_wise")
    seen: list[float] = []
    engine.add_event_handler(
        Events.ITERATION_COMPLETED, lambda e: seen.append(e.state.metrics["f1"])
    )
    data = _f1_data()
    engine.run(data)
    assert seen == pytest.approx([_f1_by_hand([batch]) for batch in data], rel=1e-12)


def test_attaching_a_formula_attaches_its_sources_without_names() -> None:
    engine = Engine(lambda engine, batch: batch)
    f1, precision, recall = _f1()
    f1.attach(engine, "f1")
    for source in (precision, recall):
        assert engine.has_event_handler(source.started, Events.EPOCH_STARTED)
        assert engine.has_event_handler(source.iteration_completed, Events.ITERATION_COMPLETED)
        assert not engine.has_event_handler(source.completed)
    assert f1.is_attached(engine)


def test_source_attached_by_name_and_through_a_formula_updates_once() -> None:
    engine = Engine(lambda engine, batch: batch)
    counter = _Counter()
    counter.attach(engine, "count")
    (counter * 10).attach(engine, "count_times_ten")
    (counter + counter).attach(engine, "count_twice")
    metrics = engine.run([1, 2, 3]).metrics
    assert metrics == {"count": 3, "count_times_ten": 30, "count_twice": 6}


def test_attached_formula_refuses_update() -> None:
    engine = Engine(lambda engine, batch: batch)
    formula = CountingAccuracy() * 2
    formula.attach(engine, "double")
    with pytest.raises(ValueError, match="attached to an engine"):
        formula.update(seed_batches()[0])


def test_attaching_after_update_is_refused() -> None:
    formula = CountingAccuracy() * 2
    formula.update(seed_batches()[0])
    with pytest.raises(ValueError, match=r"call reset\(\) before attaching it as 'double'"):
        formula.attach(Engine(lambda engine, batch: batch), "double")


def test_attaching_a_nested_formula_after_updating_the_outer_one_is_refused() -> None:
    inner = CountingAccuracy() * 2
    outer = inner + 1
    outer.update(seed_batches()[0])
    with pytest.raises(ValueError, match="reset"):
        inner.attach(Engine(lambda engine, batch: batch), "inner")


def test_attach_after_reset_is_allowed() -> None:
    formula = CountingAccuracy() * 2
    formula.update(seed_batches()[0])
    formula.reset()
    engine = Engine(lambda engine, batch: batch)
    formula.attach(engine, "double")
    assert engine.run(seed_batches()).metrics == {"double": 1.25}


def test_formula_attach_with_non_str_name_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"MetricsLambda.attach.*name.*None"):
        (CountingAccuracy() * 2).attach(Engine(lambda e, b: b), None)  # type: ignore[arg-type]


def test_formula_is_not_attached_once_a_source_is_detached() -> None:
    engine = Engine(lambda engine, batch: batch)
    f1, precision, _ = _f1()
    f1.attach(engine, "f1")
    precision.detach(engine)
    assert not f1.is_attached(engine)


def test_detaching_a_formula_keeps_its_sources_attached() -> None:
    engine = Engine(lambda engine, batch: batch)
    f1, precision, _ = _f1()
    f1.attach(engine, "f1")
    f1.detach(engine)
    assert not f1.is_attached(engine)
    assert engine.has_event_handler(precision.iteration_completed, Events.ITERATION_COMPLETED)
    assert engine.run(_f1_data()).metrics == {}


def test_detached_formula_accepts_update_again() -> None:
    engine = Engine(lambda engine, batch: batch)
    formula = _Counter() + 0
    formula.attach(engine, "count")
    formula.detach(engine)
    formula.update(None)
    assert formula.compute() == 1


def test_is_attached_depends_on_the_usage() -> None:
    engine = Engine(lambda engine, batch: batch)
    formula = CountingAccuracy() * 2
    formula.attach(engine, "double", usage="running_batch_wise")
    assert formula.is_attached(engine, usage="running_batch_wise")
    assert not formula.is_attached(engine)


# ----------------------------------------------------------------------------- state, copying


def test_formula_state_round_trips_through_torch_load_weights_only() -> None:
    first, second = seed_batches()
    acc = CountingAccuracy()
    error = 100.0 * (1.0 - acc)
    error.update(first)
    buffer = io.BytesIO()
    torch.save(error.state_dict(), buffer)
    buffer.seek(0)
    fresh_acc = CountingAccuracy()
    restored = 100.0 * (1.0 - fresh_acc)
    restored.load_state_dict(torch.load(buffer, weights_only=True))
    assert restored.compute() == 25.0
    restored.update(second)
    assert restored.compute() == 37.5
    assert fresh_acc.compute() == 0.625


def test_formula_with_a_non_tensor_constant_saves_its_state() -> None:
    # Ignite 0.5.5 refuses constants other than numbers and tensors (here a dtype).
    metric = _Mean(0)
    cast = metric.to(torch.float32)
    cast.update((torch.tensor([[1.0, 3.0]]),))
    buffer = io.BytesIO()
    torch.save(cast.state_dict(), buffer)
    buffer.seek(0)
    state = torch.load(buffer, weights_only=True)
    assert state["__metric_state_per_rank"][0]["args"][1] is None
    restored_source = _Mean(0)
    restored_source.update((torch.tensor([[5.0, 5.0]]),))
    restored = restored_source.to(torch.float32)
    restored.load_state_dict(state)
    assert restored.compute().dtype == torch.float32


def test_loading_the_state_of_another_formula_is_a_value_error() -> None:
    acc = CountingAccuracy()
    state = (acc + acc).state_dict()
    with pytest.raises(ValueError, match=r"2 positional argument\(s\), expected 1"):
        abs(CountingAccuracy()).load_state_dict(state)


@pytest.mark.parametrize(
    "build",
    [
        lambda m: 100.0 * (1.0 - m),
        lambda m: abs(-m) ** 2 // 1 % 3,
        lambda m: m.mean(dim=0),
        lambda m: m[0],
    ],
    ids=["arithmetic", "unary-and-more", "method", "index"],
)
def test_formulas_survive_pickling(build: Callable[[Metric], MetricsLambda]) -> None:
    formula = build(_Mean(0))
    formula.update((torch.tensor([[1.0, 2.0], [3.0, 6.0]]),))
    restored = pickle.loads(pickle.dumps(formula))
    torch.testing.assert_close(
        torch.as_tensor(restored.compute()), torch.as_tensor(formula.compute())
    )


def test_deep_copy_of_an_attached_formula_is_detached_and_independent() -> None:
    engine = Engine(lambda engine, batch: batch)
    acc = CountingAccuracy()
    formula = acc * 2
    formula.attach(engine, "double")
    clone = copy.deepcopy(formula)
    assert clone.engine is None
    clone.update(seed_batches()[0])
    assert clone.compute() == 1.5
    assert formula.engine is engine
    assert acc._num_examples == 0
