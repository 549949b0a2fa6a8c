"""``check_metric``: the metric protocol's contract, checked on a plugin author's metric.

Example (in a plugin's test module; the metric class must be importable, for pickling)::

    import torch
    from ember.testing import check_metric
    from my_plugin.total import Total

    def test_total_follows_the_protocol():
        batches = [torch.tensor([1.0, 2.0]), torch.tensor([3.0])]
        check_metric(Total, batches, reference=lambda data: data.sum().item())
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

from ember.engine import Engine
from ember.exceptions import NotComputableError
from ember.metric import Metric

__all__ = ["assert_values_close", "check_metric", "check_metrics_distributed", "concatenate"]


def concatenate(batches: Sequence[Any]) -> Any:
    """Join batches along the first dimension, keeping their structure (tuples, dicts).

    Tensors are concatenated; a tuple (or a list of tensors) is a structure whose parts are
    joined one by one; any other list is data (sentences, per-image dicts) and the lists are
    joined end to end.

    Example:
        >>> import torch
        >>> concatenate([(torch.tensor([1]), ["a b"]), (torch.tensor([2]), ["c"])])
        (tensor([1, 2]), ['a b', 'c'])
    """
    first = batches[0]
    if isinstance(first, torch.Tensor):
        return torch.cat([b.reshape(1) if b.ndim == 0 else b for b in batches])
    if isinstance(first, Mapping):
        return {key: concatenate([b[key] for b in batches]) for key in first}
    if isinstance(first, list) and not all(isinstance(part, torch.Tensor) for part in first):
        return [item for batch in batches for item in batch]
    if isinstance(first, (tuple, list)):
        return type(first)(concatenate(list(parts)) for parts in zip(*batches, strict=True))
    raise TypeError(f"concatenate: cannot join batches of type {type(first).__name__}")


def assert_values_close(
    actual: Any, expected: Any, what: str, rtol: float = 1e-5, atol: float = 1e-8
) -> None:
    """Compare metric values (numbers, tensors, sequences, dicts) with a message naming ``what``."""
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping) or set(actual) != set(expected):
            raise AssertionError(f"{what}: {actual!r} does not have the keys {sorted(expected)}")
        for key in expected:
            assert_values_close(actual[key], expected[key], f"{what}[{key!r}]", rtol, atol)
        return
    if isinstance(expected, (tuple, list)) and any(
        isinstance(part, (torch.Tensor, tuple, list, Mapping)) for part in expected
    ):
        # A structure (value and count, a curve's arrays): compare part by part.
        if not isinstance(actual, (tuple, list)) or len(actual) != len(expected):
            raise AssertionError(f"{what}: {actual!r} does not have the structure of {expected!r}")
        for index, (got, want) in enumerate(zip(actual, expected, strict=True)):
            assert_values_close(got, want, f"{what}[{index}]", rtol, atol)
        return
    try:
        torch.testing.assert_close(
            torch.as_tensor(actual, dtype=torch.float64),
            torch.as_tensor(expected, dtype=torch.float64),
            rtol=rtol,
            atol=atol,
        )
    except (AssertionError, TypeError, ValueError, RuntimeError) as error:
        raise AssertionError(f"{what}: {actual!r} != {expected!r}\n{error}") from None


def _run(metric: Metric, batches: Sequence[Any]) -> Any:
    metric.reset()
    for batch in batches:
        metric.update(batch)
    return metric.compute()


Case = tuple[Callable[[], Metric], Sequence[Any]]


class _Failed:
    """What a case raised, carried back from a worker process."""

    def __init__(self, message: str) -> None:
        self.message = message


def _value_or_error(factory: Callable[[], Metric], batches: Sequence[Any]) -> Any:
    try:
        metric = factory()
        metric.reset()
        for batch in batches:
            metric.update(batch)
        return metric.compute()
    except Exception as error:  # reported per case by the caller
        return _Failed(f"{type(error).__name__}: {error}")


def _distributed_worker(local_rank: int, cases: dict[str, Case], out: str) -> None:
    """One rank of the two-process check: update each case with every other batch, compute."""
    import ember.distributed as idist

    rank, world = idist.get_rank(), idist.get_world_size()
    values = {
        name: _value_or_error(factory, batches[rank::world])
        for name, (factory, batches) in cases.items()
    }
    torch.save(values, f"{out}.{rank}")


def _two_process_values(cases: dict[str, Case]) -> list[dict[str, Any]]:
    import tempfile

    import ember.distributed as idist

    with tempfile.TemporaryDirectory() as directory:
        out = f"{directory}/values"
        idist.spawn("gloo", _distributed_worker, args=(cases, out), nproc_per_node=2)
        return [torch.load(f"{out}.{rank}", weights_only=False) for rank in range(2)]


def check_metrics_distributed(
    cases: Mapping[str, Case], rtol: float = 1e-5, atol: float = 1e-8
) -> None:
    """Check many metrics' two-process synchronisation with one pair of gloo processes.

    ``cases`` maps a name to ``(factory, batches)``. Two processes are spawned once; in them,
    rank ``r`` updates each case's metric with ``batches[r::2]`` and computes. Every rank must
    get the value this process computes over all batches. Raises ``AssertionError`` listing
    every case that differs or raised, so one broken metric does not hide the others.
    Factories and batches must be picklable (classes or ``functools.partial``, no lambdas).

    Example (a test module of a plugin)::

        import functools
        from ember.testing import check_metrics_distributed
        from my_plugin.total import Total

        def test_every_metric_syncs():
            batches = [torch.tensor([1.0]), torch.tensor([2.0]), torch.tensor([4.0])]
            check_metrics_distributed({"total": (Total, batches)})
    """
    checked: dict[str, Case] = {}
    for name, (factory, batches) in cases.items():
        if len(batches) < 2:
            raise ValueError(
                f"check_metrics_distributed: case {name!r} has {len(batches)} batch(es); "
                "expected at least two, so that each process gets one"
            )
        checked[name] = (factory, list(batches))
    ranks = _two_process_values(checked)
    problems = []
    for name, (factory, batches) in checked.items():
        expected = _value_or_error(factory, batches)
        if isinstance(expected, _Failed):
            problems.append(f"{name}: one process over all batches raised {expected.message}")
            continue
        for rank, values in enumerate(ranks):
            got = values[name]
            if isinstance(got, _Failed):
                problems.append(f"{name}: rank {rank} of 2 gloo processes raised {got.message}")
                continue
            try:
                assert_values_close(got, expected, f"{name} on rank {rank} of 2", rtol, atol)
            except AssertionError as error:
                problems.append(" | ".join(filter(None, str(error).splitlines())))
    if problems:
        raise AssertionError(
            f"{len(problems)} two-process check(s) failed:\n" + "\n".join(problems)
        )


def check_metric(
    factory: Callable[[], Metric],
    batches: Sequence[Any],
    reference: Callable[[Any], Any] | None = None,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    distributed: bool = False,
) -> None:
    """Check that ``factory()`` builds a metric honouring the protocol; raise AssertionError if not.

    Checks: ``compute`` before any update raises :class:`NotComputableError`; the value over
    ``batches`` equals ``reference(concatenate(batches))`` when a reference is given;
    ``reset`` really resets (a second pass gives the same value, and compute right after reset
    raises again); ``state_dict``/``load_state_dict`` round trip into a fresh metric; deep copy
    and pickle of an updated metric compute the same value; attached to an
    :class:`~ember.engine.Engine` whose process function returns each batch, the epoch's value
    equals the manual loop. With ``distributed=True``, two gloo processes, each updating with
    every other batch, both compute the value one process computes over all batches (this
    spawns two processes, a few seconds; ``factory`` and the batches must be picklable and
    ``factory`` importable).

    Args:
        factory: builds a fresh metric (a class or a ``functools.partial``).
        batches: outputs to feed to ``update``, at least one.
        reference: an independent implementation, called on all batches joined.
        distributed: also run the two-process check (needs at least two batches).
        rtol: relative tolerance of the comparisons.
        atol: absolute tolerance of the comparisons.
    """
    if not batches:
        raise ValueError("check_metric: batches should hold at least one batch")
    name = getattr(factory, "__name__", repr(factory))

    def expect_not_computable(metric: Metric, rule: str) -> None:
        try:
            metric.compute()
        except NotComputableError:
            return
        raise AssertionError(f"{name}: {rule} (compute() should raise NotComputableError)")

    def same(what: str, expected: Any, produce: Callable[[], Any]) -> None:
        try:
            actual = produce()
        except Exception as error:
            raise AssertionError(f"{name} {what}: raised {error!r}") from error
        assert_values_close(actual, expected, f"{name} {what}", rtol, atol)

    metric = factory()
    metric.reset()
    expect_not_computable(metric, "compute() before any update must fail")
    value = _run(metric, batches)
    if reference is not None:
        same("vs reference", reference(concatenate(batches)), lambda: value)
    same("after reset and a second pass", value, lambda: _run(metric, batches))
    metric.reset()
    expect_not_computable(metric, "reset() should forget every update")

    _run(metric, batches)

    def round_trip() -> Any:
        restored = factory()
        restored.load_state_dict(metric.state_dict())
        return restored.compute()

    same("after state_dict round trip", value, round_trip)
    same("deep copy", value, lambda: copy.deepcopy(metric).compute())
    same("after pickle", value, lambda: pickle.loads(pickle.dumps(metric)).compute())

    def attached() -> Any:
        engine = Engine(lambda engine, batch: batch)
        factory().attach(engine, "value")
        return engine.run(list(batches), max_epochs=1).metrics["value"]

    same("attached to an Engine", value, attached)

    if distributed:
        if len(batches) < 2:
            raise ValueError("check_metric: distributed=True needs at least two batches")
        ranks = _two_process_values({name: (factory, list(batches))})
        for rank, values in enumerate(ranks):
            rank_value = values[name]
            if isinstance(rank_value, _Failed):
                raise AssertionError(
                    f"{name} on rank {rank} of 2 gloo processes raised {rank_value.message}"
                )
            assert_values_close(
                rank_value, value, f"{name} on rank {rank} of 2 gloo processes", rtol, atol
            )
