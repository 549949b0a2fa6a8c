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

__all__ = ["assert_values_close", "check_metric", "concatenate"]


def concatenate(batches: Sequence[Any]) -> Any:
    """Join batches along the first dimension, keeping their structure (tuples, dicts)."""
    first = batches[0]
    if isinstance(first, torch.Tensor):
        return torch.cat([b.reshape(1) if b.ndim == 0 else b for b in batches])
    if isinstance(first, Mapping):
        return {key: concatenate([b[key] for b in batches]) for key in first}
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


def _distributed_worker(
    local_rank: int, factory: Callable[[], Metric], batches: Sequence[Any], out: str
) -> None:
    """One rank of the two-process check: update with every other batch, compute, save."""
    import ember.distributed as idist

    metric = factory()
    metric.reset()
    for batch in batches[idist.get_rank() :: idist.get_world_size()]:
        metric.update(batch)
    value = metric.compute()
    torch.save(value, f"{out}.{idist.get_rank()}")


def _two_process_values(factory: Callable[[], Metric], batches: Sequence[Any]) -> list[Any]:
    import tempfile

    import ember.distributed as idist

    with tempfile.TemporaryDirectory() as directory:
        out = f"{directory}/value"
        idist.spawn(
            "gloo", _distributed_worker, args=(factory, list(batches), out), nproc_per_node=2
        )
        return [torch.load(f"{out}.{rank}", weights_only=False) for rank in range(2)]


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
        ranks = _two_process_values(factory, batches)
        for rank, rank_value in enumerate(ranks):
            assert_values_close(
                rank_value, value, f"{name} on rank {rank} of 2 gloo processes", rtol, atol
            )
