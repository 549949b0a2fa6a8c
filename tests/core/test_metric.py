"""Tests of ember.metric.Metric: the protocol, engine handlers, state, copying and reductions."""

from __future__ import annotations

import copy
import io
import pickle
from collections.abc import Iterator
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_metric import (
    CountingAccuracy,
    MeanAbsoluteError,
    Recorder,
    SummaryStats,
    seed_batches,
)

from ember.engine import Engine, Events
from ember.exceptions import EmberError, NotComputableError
from ember.metric import Metric, reinit__is_reduced, sync_all_reduce
from ember.metric.reduction import (
    SERIAL_HOOKS,
    CollectiveHooks,
    get_collective_hooks,
    set_collective_hooks,
)


def _echo_engine() -> Engine:
    """An engine whose output at each iteration is the batch itself."""
    return Engine(lambda engine, batch: batch)


class _Constant(Metric):
    """Computes whatever it was built with; counts its resets and updates."""

    def __init__(self, value: Any, **kwargs: Any) -> None:
        self.value = value
        self.resets = 0
        self.updates = 0
        super().__init__(**kwargs)

    def reset(self) -> None:
        self.resets += 1

    def update(self, output: Any) -> None:
        self.updates += 1

    def compute(self) -> Any:
        return self.value


# ----------------------------------------------------------------------------- seed


def test_seed_accuracy_example_prints_the_documented_values(
    capsys: pytest.CaptureFixture[str],
) -> None:
    acc = CountingAccuracy()
    acc.reset()
    first, second = seed_batches()
    acc.update(first)
    print("After 1st update, accuracy=", acc.compute())
    acc.update(second)
    print("After 2nd update, accuracy=", acc.compute())
    assert capsys.readouterr().out.splitlines() == [
        "After 1st update, accuracy= 0.75",
        "After 2nd update, accuracy= 0.625",
    ]


def test_reference_accuracy_agrees_with_ignite_accuracy_on_seed_data() -> None:
    ignite_metrics = pytest.importorskip("ignite.metrics")
    ours, theirs = CountingAccuracy(), ignite_metrics.Accuracy()
    for batch in seed_batches():
        ours.update(batch)
        theirs.update(batch)
        assert ours.compute() == theirs.compute()


# ----------------------------------------------------------------------------- construction


def test_metric_is_abstract_until_reset_update_compute_are_defined() -> None:
    class OnlyReset(Metric):
        def reset(self) -> None:
            pass

    with pytest.raises(TypeError, match="abstract"):
        OnlyReset()  # type: ignore[abstract]


def test_non_callable_output_transform_is_a_type_error_naming_the_argument() -> None:
    with pytest.raises(TypeError, match=r"CountingAccuracy.*output_transform.*3 \(int\)"):
        CountingAccuracy(output_transform=3)  # type: ignore[arg-type]


def test_device_of_wrong_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"device.*1\.5 \(float\)"):
        CountingAccuracy(device=1.5)  # type: ignore[arg-type]


def test_xla_device_is_refused() -> None:
    with pytest.raises(ValueError, match="XLA"):
        CountingAccuracy(device="xla")


def test_skip_unrolling_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match=r"skip_unrolling.*'yes' \(str\)"):
        CountingAccuracy(skip_unrolling="yes")  # type: ignore[arg-type]


def test_unknown_metrics_result_mode_is_a_value_error_listing_the_modes() -> None:
    with pytest.raises(ValueError, match=r"metrics_result_mode.*flatten.*'flat'"):
        CountingAccuracy(metrics_result_mode="flat")  # type: ignore[arg-type]


def test_construction_resets_the_metric() -> None:
    metric = _Constant(1)
    assert metric.resets == 1


def test_device_is_kept_as_torch_device() -> None:
    assert CountingAccuracy(device="cpu")._device == torch.device("cpu")


# ----------------------------------------------------------------------------- protocol


def test_compute_before_any_update_raises_not_computable_error() -> None:
    with pytest.raises(NotComputableError, match="at least one example"):
        CountingAccuracy().compute()


def test_not_computable_error_is_an_ember_error() -> None:
    with pytest.raises(EmberError):
        MeanAbsoluteError().compute()


def test_reset_discards_what_was_accumulated() -> None:
    acc = CountingAccuracy()
    acc.update(seed_batches()[0])
    acc.reset()
    with pytest.raises(NotComputableError):
        acc.compute()
    acc.update(seed_batches()[1])
    assert acc.compute() == 0.5


@given(
    st.lists(
        st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=6),
        min_size=1,
        max_size=5,
    )
)
@settings(max_examples=50, deadline=None)
def test_mean_absolute_error_over_batches_equals_mean_over_all_elements(
    batches: list[list[float]],
) -> None:
    metric = MeanAbsoluteError()
    everything = []
    for values in batches:
        y_pred = torch.tensor(values, dtype=torch.float64)
        metric.update((y_pred, torch.zeros_like(y_pred)))
        everything.extend(abs(v) for v in values)
    assert metric.compute() == pytest.approx(sum(everything) / len(everything), rel=1e-12)


# ----------------------------------------------------------------------------- iteration_completed


class _FakeState:
    def __init__(self, output: Any = None) -> None:
        self.output = output
        self.metrics: dict[str, Any] = {}


class _FakeEngine:
    """Just enough of an engine for the handler methods: ``state.output`` and ``state.metrics``."""

    def __init__(self, output: Any = None) -> None:
        self.state = _FakeState(output)


def test_mapping_output_is_turned_into_a_tuple_by_required_output_keys() -> None:
    recorder = Recorder()
    recorder.iteration_completed(_FakeEngine({"y": 2, "y_pred": 1, "x": 0}))  # type: ignore[arg-type]
    assert recorder.compute() == [(1, 2)]


def test_custom_required_output_keys_choose_and_order_the_tuple() -> None:
    class Triple(Recorder):
        required_output_keys = ("y_pred", "y", "weight")

    recorder = Triple()
    recorder.iteration_completed(_FakeEngine({"weight": 3, "y": 2, "y_pred": 1}))  # type: ignore[arg-type]
    assert recorder.compute() == [(1, 2, 3)]


def test_old_spelling_of_required_output_keys_is_the_same_default() -> None:
    assert Metric._required_output_keys == Metric.required_output_keys == ("y_pred", "y")


def test_missing_required_key_is_a_value_error_naming_metric_and_key() -> None:
    with pytest.raises(ValueError, match=r"Recorder.*\['y'\].*\['y_pred', 'loss'\]"):
        Recorder().iteration_completed(_FakeEngine({"y_pred": 1, "loss": 0.5}))  # type: ignore[arg-type]


def test_mapping_output_without_required_keys_is_a_type_error() -> None:
    class NoKeys(Recorder):
        required_output_keys = None

    with pytest.raises(TypeError, match=r"NoKeys\.required_output_keys is None"):
        NoKeys().iteration_completed(_FakeEngine({"y_pred": 1, "y": 0}))  # type: ignore[arg-type]


def test_output_transform_is_applied_before_update() -> None:
    recorder = Recorder(output_transform=lambda output: output["pair"])
    recorder.iteration_completed(_FakeEngine({"pair": ("p", "t")}))  # type: ignore[arg-type]
    assert recorder.compute() == [("p", "t")]


def test_pair_of_tensors_is_passed_to_update_whole() -> None:
    recorder = Recorder()
    y_pred, y = torch.ones(4, 3), torch.zeros(4)
    recorder.iteration_completed(_FakeEngine((y_pred, y)))  # type: ignore[arg-type]
    [(seen_pred, seen_y)] = recorder.compute()
    assert seen_pred is y_pred
    assert seen_y is y


def test_lists_of_tensors_are_unrolled_into_batched_updates() -> None:
    recorder = Recorder()
    predictions = [torch.tensor([0.1, 0.9]), torch.tensor([0.8, 0.2])]
    targets = [torch.tensor(1), torch.tensor(0)]
    recorder.iteration_completed(_FakeEngine((predictions, targets)))  # type: ignore[arg-type]
    seen = recorder.compute()
    assert len(seen) == 2
    for (seen_pred, seen_y), prediction, target in zip(seen, predictions, targets, strict=True):
        assert torch.equal(seen_pred, prediction.unsqueeze(0))
        assert torch.equal(seen_y, target.unsqueeze(0))


def test_lists_of_numbers_are_unrolled_into_one_element_tensors() -> None:
    recorder = Recorder()
    recorder.iteration_completed(_FakeEngine([[0.5, 1.5], [1, 0]]))  # type: ignore[arg-type]
    seen = recorder.compute()
    assert [(p.tolist(), y.tolist()) for p, y in seen] == [([0.5], [1]), ([1.5], [0])]


def test_unrolled_accuracy_equals_accuracy_of_the_stacked_batch() -> None:
    logits, labels = seed_batches()[0]
    unrolled, whole = CountingAccuracy(), CountingAccuracy()
    unrolled.iteration_completed(_FakeEngine((list(logits), list(labels))))  # type: ignore[arg-type]
    whole.update((logits, labels))
    assert unrolled.compute() == whole.compute() == 0.75


def test_skip_unrolling_passes_lists_to_update_whole() -> None:
    recorder = Recorder(skip_unrolling=True)
    output = ([torch.tensor(1.0), torch.tensor(2.0)], [torch.tensor(0), torch.tensor(1)])
    recorder.iteration_completed(_FakeEngine(output))  # type: ignore[arg-type]
    assert recorder.compute() == [output]


def test_unrolling_lists_of_different_lengths_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"lengths \[2, 1\].*skip_unrolling"):
        Recorder().iteration_completed(_FakeEngine(([1.0, 2.0], [1])))  # type: ignore[arg-type]


def test_iteration_completed_updates_without_autograd() -> None:
    class GradProbe(Recorder):
        def update(self, output: Any) -> None:
            self.outputs.append(torch.is_grad_enabled())

    probe = GradProbe()
    with torch.enable_grad():
        probe.iteration_completed(_FakeEngine((torch.ones(1), torch.ones(1))))  # type: ignore[arg-type]
    assert probe.compute() == [False]


# ----------------------------------------------------------------------------- completed


def test_completed_stores_a_zero_dim_tensor_as_a_python_number() -> None:
    engine = _FakeEngine()
    _Constant(torch.tensor(0.25)).completed(engine, "value")  # type: ignore[arg-type]
    _Constant(torch.tensor(7)).completed(engine, "count")  # type: ignore[arg-type]
    assert engine.state.metrics == {"value": 0.25, "count": 7}
    assert type(engine.state.metrics["value"]) is float
    assert type(engine.state.metrics["count"]) is int


def test_completed_keeps_a_vector_result_as_a_tensor() -> None:
    engine = _FakeEngine()
    _Constant(torch.tensor([1.0, 2.0])).completed(engine, "vector")  # type: ignore[arg-type]
    assert torch.equal(engine.state.metrics["vector"], torch.tensor([1.0, 2.0]))


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("both", {"min": 1.0, "max": 5.0, "stats": {"min": 1.0, "max": 5.0}}),
        ("flatten", {"min": 1.0, "max": 5.0}),
        ("named", {"stats": {"min": 1.0, "max": 5.0}}),
    ],
)
def test_mapping_result_is_stored_according_to_metrics_result_mode(
    mode: Any, expected: dict[str, Any]
) -> None:
    stats = SummaryStats(metrics_result_mode=mode)
    stats.update([3.0, 1.0, 5.0])
    engine = _FakeEngine()
    stats.completed(engine, "stats")  # type: ignore[arg-type]
    assert engine.state.metrics == expected


def test_mapping_result_stored_like_ignite_with_the_default_mode() -> None:
    ignite_engine = pytest.importorskip("ignite.engine")
    ignite_metrics = pytest.importorskip("ignite.metrics")

    class IgniteStats(ignite_metrics.Metric):  # type: ignore[misc]
        def reset(self) -> None:
            self.stats = SummaryStats()

        def update(self, output: Any) -> None:
            self.stats.update(output)

        def compute(self) -> Any:
            return self.stats.compute()

    data = [[1.0, 4.0], [-2.0, 0.5]]
    theirs = ignite_engine.Engine(lambda engine, batch: batch)
    IgniteStats().attach(theirs, "stats")
    ours = Engine(lambda engine, batch: batch)
    SummaryStats().attach(ours, "stats")
    assert ours.run(data).metrics == theirs.run(data).metrics


def test_name_that_is_also_a_key_of_the_mapping_result_is_a_value_error() -> None:
    stats = SummaryStats()
    stats.update([1.0])
    with pytest.raises(ValueError, match=r"'min' is also a key"):
        stats.completed(_FakeEngine(), "min")  # type: ignore[arg-type]


def test_name_that_is_a_key_is_fine_when_only_flattened() -> None:
    stats = SummaryStats(metrics_result_mode="flatten")
    stats.update([1.0, 2.0])
    engine = _FakeEngine()
    stats.completed(engine, "min")  # type: ignore[arg-type]
    assert engine.state.metrics == {"min": 1.0, "max": 2.0}


# ----------------------------------------------------------------------------- attaching


def test_attached_metric_value_is_in_state_metrics_after_run() -> None:
    engine = _echo_engine()
    CountingAccuracy().attach(engine, "accuracy")
    assert engine.run(seed_batches()).metrics == {"accuracy": 0.625}


def test_attach_with_non_str_name_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"CountingAccuracy.attach.*name.*42 \(int\)"):
        CountingAccuracy().attach(_echo_engine(), 42)  # type: ignore[arg-type]


def test_attach_with_unknown_usage_name_lists_the_valid_names() -> None:
    with pytest.raises(ValueError, match=r"'per_batch'.*'epoch_wise'.*'batch_wise'"):
        CountingAccuracy().attach(_echo_engine(), "acc", usage="per_batch")


def test_attach_with_usage_of_wrong_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"usage.*\(int\)"):
        CountingAccuracy().attach(_echo_engine(), "acc", usage=3)  # type: ignore[arg-type]


def test_bad_usage_leaves_the_engine_without_handlers() -> None:
    engine = _echo_engine()
    metric = CountingAccuracy()
    with pytest.raises(ValueError, match="usage"):
        metric.attach(engine, "acc", usage="nope")
    assert not engine.has_event_handler(metric.started)
    assert not engine.has_event_handler(metric.iteration_completed)


def test_metric_attached_under_two_names_updates_once_per_iteration() -> None:
    engine = _echo_engine()
    metric = _Constant(1.0)
    metric.attach(engine, "first")
    metric.attach(engine, "second")
    state = engine.run([0, 1, 2], max_epochs=1)
    assert state.metrics == {"first": 1.0, "second": 1.0}
    assert metric.updates == 3


def test_is_attached_reflects_the_usage_attached_with() -> None:
    engine = _echo_engine()
    metric = CountingAccuracy()
    assert not metric.is_attached(engine)
    metric.attach(engine, "acc", usage="batch_wise")
    assert metric.is_attached(engine, usage="batch_wise")
    assert not metric.is_attached(engine, usage="epoch_wise")


def test_detach_removes_every_handler_of_the_metric() -> None:
    engine = _echo_engine()
    metric = CountingAccuracy()
    metric.attach(engine, "acc")
    metric.detach(engine)
    assert not metric.is_attached(engine)
    for handler in (metric.started, metric.iteration_completed, metric.completed):
        assert not engine.has_event_handler(handler)
    assert engine.run(seed_batches()).metrics == {}


def test_detach_of_one_usage_leaves_the_other_attached() -> None:
    engine = _echo_engine()
    metric = CountingAccuracy()
    metric.attach(engine, "acc")
    metric.attach(engine, "acc_batch", usage="batch_wise")
    metric.detach(engine, usage="epoch_wise")
    assert metric.is_attached(engine, usage="batch_wise")
    assert not metric.is_attached(engine, usage="epoch_wise")


def test_detach_of_a_metric_never_attached_is_a_no_op() -> None:
    engine = _echo_engine()
    CountingAccuracy().detach(engine)
    assert engine.run([seed_batches()[0]]).metrics == {}


def test_metric_can_be_attached_again_after_detach() -> None:
    engine = _echo_engine()
    metric = CountingAccuracy()
    metric.attach(engine, "acc")
    metric.detach(engine)
    metric.attach(engine, "acc")
    assert engine.run(seed_batches()).metrics == {"acc": 0.625}


def test_metric_handlers_fire_on_the_documented_events() -> None:
    engine = _echo_engine()
    metric = CountingAccuracy()
    metric.attach(engine, "acc")
    assert engine.has_event_handler(metric.started, Events.EPOCH_STARTED)
    assert engine.has_event_handler(metric.iteration_completed, Events.ITERATION_COMPLETED)
    assert engine.has_event_handler(metric.completed, Events.EPOCH_COMPLETED)
    assert not engine.has_event_handler(metric.started, Events.STARTED)


def test_evaluator_output_mapping_feeds_metric_via_required_keys() -> None:
    engine = Engine(lambda engine, batch: {"y_pred": batch[0], "y": batch[1], "loss": 0.0})
    CountingAccuracy().attach(engine, "acc")
    assert engine.run(seed_batches()).metrics["acc"] == 0.625


def test_error_inside_update_propagates_out_of_run() -> None:
    engine = _echo_engine()
    CountingAccuracy().attach(engine, "acc")
    bad = [(torch.zeros(4, 3, 2), torch.zeros(4, dtype=torch.long))]
    with pytest.raises(ValueError, match=r"y_pred has shape \(4, 3, 2\)"):
        engine.run(bad)


# ----------------------------------------------------------------------------- state


def test_state_dict_holds_the_required_keys_for_a_single_rank() -> None:
    acc = CountingAccuracy()
    acc.update(seed_batches()[0])
    state = acc.state_dict()
    assert list(state) == ["__metric_state_per_rank"]
    [rank_state] = state["__metric_state_per_rank"]
    assert dict(rank_state) == {"_num_correct": torch.tensor(3), "_num_examples": 4}


def test_state_round_trips_through_torch_load_weights_only() -> None:
    first, second = seed_batches()
    saved = CountingAccuracy()
    saved.update(first)
    buffer = io.BytesIO()
    torch.save(saved.state_dict(), buffer)
    buffer.seek(0)
    restored = CountingAccuracy()
    restored.load_state_dict(torch.load(buffer, weights_only=True))
    restored.update(second)
    assert restored.compute() == 0.625


def test_loading_state_does_not_share_containers_with_the_checkpoint() -> None:
    saved = Recorder()
    saved.update(1.0)
    state = saved.state_dict()
    restored = Recorder()
    restored.load_state_dict(state)
    restored.update(2.0)
    assert restored.compute() == [1.0, 2.0]
    assert state["__metric_state_per_rank"][0]["outputs"] == [1.0]


def test_list_state_of_any_length_loads_into_a_fresh_metric() -> None:
    # Ignite 0.5.5 refuses this (it matches the saved list against the empty one in place).
    saved = Recorder()
    for value in (torch.tensor([1.0]), torch.tensor([2.0, 3.0])):
        saved.update(value)
    restored = Recorder()
    restored.load_state_dict(saved.state_dict())
    assert [t.tolist() for t in restored.compute()] == [[1.0], [2.0, 3.0]]


def test_nested_metrics_state_round_trips() -> None:
    class Group(Metric):
        _state_dict_all_req_keys = ("metrics",)

        def __init__(self) -> None:
            self.metrics = {"acc": CountingAccuracy(), "pair": [MeanAbsoluteError()]}
            super().__init__()

        def reset(self) -> None:
            self.metrics["acc"].reset()
            self.metrics["pair"][0].reset()

        def update(self, output: Any) -> None:
            self.metrics["acc"].update(output)
            logits, labels = output
            self.metrics["pair"][0].update((logits.argmax(dim=1).double(), labels.double()))

        def compute(self) -> tuple[float, float]:
            return self.metrics["acc"].compute(), self.metrics["pair"][0].compute()

    saved = Group()
    saved.update(seed_batches()[0])
    buffer = io.BytesIO()
    torch.save(saved.state_dict(), buffer)
    buffer.seek(0)
    restored = Group()
    acc_before = restored.metrics["acc"]
    restored.load_state_dict(torch.load(buffer, weights_only=True))
    assert restored.metrics["acc"] is acc_before
    assert restored.compute() == saved.compute() == (0.75, 0.25)


def test_state_dict_with_unknown_required_key_is_a_value_error() -> None:
    class Broken(_Constant):
        _state_dict_all_req_keys = ("_missing",)

    with pytest.raises(ValueError, match=r"Broken.state_dict.*'_missing'"):
        Broken(1).state_dict()


def test_state_dict_of_unsupported_attribute_type_is_a_type_error() -> None:
    class HoldsSet(_Constant):
        _state_dict_all_req_keys = ("value",)

    with pytest.raises(TypeError, match=r"HoldsSet.value holds a set"):
        HoldsSet({1, 2}).state_dict()


def test_load_state_dict_of_non_mapping_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"CountingAccuracy.load_state_dict.*list"):
        CountingAccuracy().load_state_dict([1, 2])  # type: ignore[arg-type]


def test_load_state_dict_with_foreign_keys_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"single key.*\['_num_correct'\]"):
        CountingAccuracy().load_state_dict({"_num_correct": 1})


def test_load_state_dict_with_wrong_rank_count_is_a_value_error() -> None:
    state = CountingAccuracy().state_dict()
    state["__metric_state_per_rank"] = state["__metric_state_per_rank"] * 2
    with pytest.raises(ValueError, match=r"2 rank state\(s\), expected one per process \(1\)"):
        CountingAccuracy().load_state_dict(state)


def test_load_state_dict_missing_a_required_attribute_is_a_value_error() -> None:
    state = {"__metric_state_per_rank": [{"_num_correct": torch.tensor(1)}]}
    with pytest.raises(ValueError, match=r"lacks the required attribute\(s\) \['_num_examples'\]"):
        CountingAccuracy().load_state_dict(state)


# ----------------------------------------------------------------------------- copying


def test_deep_copy_accumulates_independently() -> None:
    first, second = seed_batches()
    original = CountingAccuracy()
    original.update(first)
    clone = copy.deepcopy(original)
    clone.update(second)
    assert original.compute() == 0.75
    assert clone.compute() == 0.625


def test_pickled_metric_keeps_its_accumulators() -> None:
    acc = CountingAccuracy()
    acc.update(seed_batches()[0])
    restored = pickle.loads(pickle.dumps(acc))
    assert restored.compute() == 0.75
    assert restored._output_transform("x") == "x"


def test_metric_is_not_iterable_despite_indexing() -> None:
    with pytest.raises(TypeError, match="not iterable"):
        list(CountingAccuracy())
    with pytest.raises(TypeError, match="not iterable"):
        _ = 1 in CountingAccuracy()


def test_missing_private_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="'CountingAccuracy' object has no attribute '_nope'"):
        _ = CountingAccuracy()._nope


# ----------------------------------------------------------------------------- reductions


class _Summed(Metric):
    _state_dict_all_req_keys = ("_total", "_count")

    @reinit__is_reduced
    def reset(self) -> None:
        self._total = torch.tensor(0.0)
        self._count = 0
        self._result: float | None = None

    @reinit__is_reduced
    def update(self, output: float) -> None:
        self._total += output
        self._count += 1

    @sync_all_reduce("_total", "_count:MAX")
    def compute(self) -> tuple[float, int]:
        return self._total.item(), self._count


@pytest.fixture
def two_process_hooks() -> Iterator[list[tuple[Any, str]]]:
    """Pretend to be rank 1 of 2: every reduction doubles, gathers add a peer's state first."""
    calls: list[tuple[Any, str]] = []

    def all_reduce(value: Any, op: str) -> Any:
        calls.append((value, op))
        return value * 2

    hooks = CollectiveHooks(
        get_world_size=lambda: 2,
        get_rank=lambda: 1,
        all_reduce=all_reduce,
        all_gather=lambda value: [{"peer": True}, value],
    )
    previous = set_collective_hooks(hooks)
    yield calls
    set_collective_hooks(previous)


def test_serial_hooks_are_active_by_default() -> None:
    assert get_collective_hooks() is SERIAL_HOOKS


def test_sync_all_reduce_in_one_process_leaves_attributes_untouched() -> None:
    metric = _Summed()
    metric.update(1.5)
    total_before = metric._total
    assert metric.compute() == (1.5, 1)
    assert metric._total is total_before
    assert metric._is_reduced is False


def test_sync_all_reduce_computes_on_reduced_values_then_restores_local_ones(
    two_process_hooks: list[tuple[Any, str]],
) -> None:
    metric = _Summed()
    metric.update(1.5)
    assert metric.compute() == (3.0, 2)
    assert [op for _, op in two_process_hooks] == ["SUM", "MAX"]
    assert metric._total.item() == 1.5
    assert metric._count == 1
    assert metric._is_reduced is True
    assert metric.compute() == (3.0, 2)


def test_sync_all_reduce_reduces_a_copy_of_tensors(
    two_process_hooks: list[tuple[Any, str]],
) -> None:
    metric = _Summed()
    metric.update(2.0)
    metric.compute()
    reduced_tensor = two_process_hooks[0][0]
    assert reduced_tensor is not metric._total


def test_update_after_reduced_compute_clears_is_reduced(
    two_process_hooks: list[tuple[Any, str]],
) -> None:
    metric = _Summed()
    metric.update(1.0)
    metric.compute()
    metric.update(1.0)
    assert metric._is_reduced is False


def test_reinit_is_reduced_clears_a_cached_result() -> None:
    metric = _Summed()
    metric._result = 99.0
    metric.update(1.0)
    assert metric._result is None


def test_sync_all_reduce_with_unknown_operation_fails_at_decoration() -> None:
    with pytest.raises(ValueError, match=r"'_count:AVG'.*'AVG'.*SUM, MIN, MAX, PRODUCT"):
        sync_all_reduce("_count:AVG")


def test_sync_all_reduce_with_non_str_attribute_fails_at_decoration() -> None:
    with pytest.raises(TypeError, match=r"sync_all_reduce.*3 \(int\)"):
        sync_all_reduce(3)  # type: ignore[arg-type]


def test_sync_all_reduce_of_missing_attribute_is_a_value_error(
    two_process_hooks: list[tuple[Any, str]],
) -> None:
    class Typo(_Summed):
        @sync_all_reduce("_totl")
        def compute(self) -> tuple[float, int]:
            return 0.0, 0

    with pytest.raises(ValueError, match=r"Typo.*'_totl'"):
        Typo().compute()


def test_sync_all_reduce_of_non_numeric_attribute_is_a_type_error(
    two_process_hooks: list[tuple[Any, str]],
) -> None:
    class Listy(Recorder):
        @sync_all_reduce("outputs")
        def compute(self) -> list[Any]:
            return self.outputs

    with pytest.raises(TypeError, match=r"Listy.*'outputs' holds list"):
        Listy().compute()


def test_sync_all_reduce_on_a_non_metric_is_a_type_error() -> None:
    class NotAMetric:
        @sync_all_reduce("x")  # type: ignore[type-var]
        def compute(self) -> int:
            return 1

    with pytest.raises(TypeError, match="Metric subclasses only"):
        NotAMetric().compute()


def test_state_dict_gathers_every_rank_and_loads_this_ranks_entry(
    two_process_hooks: list[tuple[Any, str]],
) -> None:
    saved = _Summed()
    saved.update(4.0)
    state = saved.state_dict()
    assert state["__metric_state_per_rank"][0] == {"peer": True}
    restored = _Summed()
    restored.load_state_dict(state)
    assert restored._total.item() == 4.0
    assert restored._count == 1


def test_set_collective_hooks_refuses_other_objects() -> None:
    with pytest.raises(TypeError, match="CollectiveHooks or None"):
        set_collective_hooks("gloo")  # type: ignore[arg-type]
