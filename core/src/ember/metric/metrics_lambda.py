"""Metrics built from other metrics by a function of their values.

Arithmetic, indexing and method calls on metrics build :class:`MetricsLambda` objects:
``100.0 * (1.0 - accuracy)``, ``confusion[0]``, ``(precision * recall * 2 / (precision +
recall)).mean()``. A MetricsLambda keeps no counters of its own: ``compute`` computes its source
metrics and applies the function; ``reset`` and ``update`` go to the sources; attaching it
attaches the sources too.

Example:
    >>> import torch
    >>> from ember.metric import Metric, MetricsLambda
    >>> class Mean(Metric):
    ...     def reset(self):
    ...         self._sum, self._n = 0.0, 0
    ...     def update(self, output):
    ...         self._sum += float(output.sum())
    ...         self._n += output.numel()
    ...     def compute(self):
    ...         return self._sum / self._n
    >>> mean = Mean()
    >>> spread = MetricsLambda(lambda m, offset: abs(m - offset), mean, offset=10.0)
    >>> spread.update(torch.tensor([2.0, 4.0]))
    >>> spread.compute(), mean.compute()
    (7.0, 3.0)
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import torch

from ember.metric.metric import Metric, MetricsResultMode, _describe
from ember.metric.reduction import reinit__is_reduced
from ember.metric.usage import MetricUsage

if TYPE_CHECKING:
    from ember.engine import Engine

__all__ = ["MetricsLambda"]


class MetricsLambda(Metric):
    """A metric whose value is ``f`` applied to the values of other metrics.

    Args:
        f: the function; called with the computed values of ``args`` and ``kwargs`` (metrics are
            replaced by their ``compute()``, tensors moved to the CPU, anything else passed as is).
        *args: positional arguments of ``f``: metrics or constants.
        skip_unrolling: see :class:`~ember.metric.Metric`.
        metrics_result_mode: see :class:`~ember.metric.Metric`.
        **kwargs: keyword arguments of ``f``: metrics or constants.

    ``update`` is only for the reset/update/compute API: it raises while the MetricsLambda is
    attached to an engine, where the engine updates the sources. Detaching removes the
    MetricsLambda's own handler; the sources stay attached, since other metrics may share them.

    Example:
        >>> import torch
        >>> from ember.engine import Engine
        >>> from ember.metric import Metric, MetricsLambda
        >>> class Total(Metric):
        ...     def reset(self):
        ...         self._total = 0.0
        ...     def update(self, output):
        ...         self._total += float(output)
        ...     def compute(self):
        ...         return self._total
        >>> total = Total()
        >>> percent = MetricsLambda(lambda t: 100 * t / 12, total)
        >>> engine = Engine(lambda engine, batch: batch)
        >>> percent.attach(engine, "percent")
        >>> engine.run([2.0, 4.0]).metrics["percent"]
        50.0
    """

    _state_dict_all_req_keys = ("_updated", "args", "kwargs")
    _reset_on_init = False

    def __init__(
        self,
        f: Callable[..., Any],
        *args: Any,
        skip_unrolling: bool = False,
        metrics_result_mode: MetricsResultMode = "both",
        **kwargs: Any,
    ) -> None:
        if not callable(f):
            raise TypeError(
                f"MetricsLambda: argument f should be a callable taking the metrics' values, "
                f"got {_describe(f)}"
            )
        self.function = f
        # A list, not a tuple, so that load_state_dict can restore constants in place.
        self.args = list(args)
        self.kwargs = kwargs
        self.engine: Engine | None = None
        self._updated = False
        super().__init__(skip_unrolling=skip_unrolling, metrics_result_mode=metrics_result_mode)

    def _sources(self) -> Iterator[Metric]:
        for value in itertools.chain(self.args, self.kwargs.values()):
            if isinstance(value, Metric):
                yield value

    def _graph(self) -> tuple[list[MetricsLambda], list[Metric]]:
        """This MetricsLambda and the nested ones, and the plain source metrics, each once."""
        lambdas: dict[int, MetricsLambda] = {}
        leaves: dict[int, Metric] = {}
        pending: list[Metric] = [self]
        while pending:
            metric = pending.pop()
            if isinstance(metric, MetricsLambda):
                if id(metric) not in lambdas:
                    lambdas[id(metric)] = metric
                    pending.extend(reversed(list(metric._sources())))
            else:
                leaves.setdefault(id(metric), metric)
        return list(lambdas.values()), list(leaves.values())

    @reinit__is_reduced
    def reset(self) -> None:
        """Reset every source metric, each once even when the formula uses it several times.

        Example:
            >>> from ember.metric import Metric
            >>> class Count(Metric):
            ...     def reset(self):
            ...         self._n = 0
            ...     def update(self, output):
            ...         self._n += 1
            ...     def compute(self):
            ...         return self._n
            >>> count = Count()
            >>> doubled = count * 2
            >>> doubled.update(None)
            >>> doubled.reset()
            >>> count.compute()
            0
        """
        lambdas, leaves = self._graph()
        for leaf in leaves:
            leaf.reset()
        for nested in lambdas:
            nested._updated = False

    @reinit__is_reduced
    def update(self, output: Any) -> None:
        """Update every source metric with ``output`` (not allowed while attached).

        Each source is updated once, even when the formula uses it several times, as it is when
        the MetricsLambda is attached to an engine.

        Example:
            >>> from ember.metric import Metric
            >>> class Count(Metric):
            ...     def reset(self):
            ...         self._n = 0
            ...     def update(self, output):
            ...         self._n += 1
            ...     def compute(self):
            ...         return self._n
            >>> doubled = Count() * 2
            >>> doubled.update(None)
            >>> doubled.compute()
            2
        """
        if self.engine is not None:
            raise ValueError(
                "MetricsLambda.update: this MetricsLambda is attached to an engine, which "
                "updates its source metrics; call update only on a detached MetricsLambda"
            )
        lambdas, leaves = self._graph()
        for leaf in leaves:
            leaf.update(output)
        for nested in lambdas:
            nested._updated = True

    def compute(self) -> Any:
        """Apply the function to the computed values of the arguments.

        Example:
            >>> from ember.metric import Metric
            >>> class Constant(Metric):
            ...     def reset(self):
            ...         pass
            ...     def update(self, output):
            ...         pass
            ...     def compute(self):
            ...         return 4.0
            >>> (Constant() ** 0.5 + 1).compute()
            3.0
        """
        values = [_value_of(arg) for arg in self.args]
        keyword_values = {key: _value_of(value) for key, value in self.kwargs.items()}
        return self.function(*values, **keyword_values)

    def attach(self, engine: Engine, name: str, usage: str | MetricUsage = "epoch_wise") -> None:
        """Attach the source metrics (without names) and store this metric's value as ``name``.

        Example:
            >>> from ember.engine import Engine
            >>> from ember.metric import Metric
            >>> class Total(Metric):
            ...     def reset(self):
            ...         self._total = 0
            ...     def update(self, output):
            ...         self._total += output
            ...     def compute(self):
            ...         return self._total
            >>> engine = Engine(lambda engine, batch: batch)
            >>> (Total() - 1).attach(engine, "total_minus_one")
            >>> engine.run([1, 2, 3]).metrics
            {'total_minus_one': 5}
        """
        self._check_name(name)
        if self._updated:
            raise ValueError(
                f"MetricsLambda.attach: the source metrics were updated through the "
                f"reset/update/compute API; call reset() before attaching it as {name!r}"
            )
        resolved = self._check_usage(usage)
        self._attach_sources(engine, resolved)
        engine.add_event_handler(resolved.COMPLETED, self.completed, name)

    def _attach_sources(self, engine: Engine, usage: MetricUsage) -> None:
        self.engine = engine
        for source in self._sources():
            if isinstance(source, MetricsLambda):
                source._attach_sources(engine, usage)
            else:
                source._attach_accumulation(engine, usage)

    def detach(self, engine: Engine, usage: str | MetricUsage = "epoch_wise") -> None:
        """Stop storing this metric's value on ``engine``; the sources stay attached.

        Example:
            >>> from ember.engine import Engine
            >>> from ember.metric import Metric
            >>> class Total(Metric):
            ...     def reset(self):
            ...         self._total = 0
            ...     def update(self, output):
            ...         self._total += output
            ...     def compute(self):
            ...         return self._total
            >>> engine = Engine(lambda engine, batch: batch)
            >>> doubled = Total() * 2
            >>> doubled.attach(engine, "doubled")
            >>> doubled.detach(engine)
            >>> doubled.is_attached(engine), engine.run([1, 2]).metrics
            (False, {})
        """
        super().detach(engine, usage)
        self.engine = None

    def is_attached(self, engine: Engine, usage: str | MetricUsage = "epoch_wise") -> bool:
        """Whether this metric stores its value on ``engine`` and all its sources are attached.

        Example:
            >>> from ember.engine import Engine
            >>> from ember.metric import Metric
            >>> class Total(Metric):
            ...     def reset(self):
            ...         self._total = 0
            ...     def update(self, output):
            ...         self._total += output
            ...     def compute(self):
            ...         return self._total
            >>> engine = Engine(lambda engine, batch: batch)
            >>> total = Total()
            >>> doubled = total * 2
            >>> doubled.attach(engine, "doubled")
            >>> doubled.is_attached(engine)
            True
            >>> total.detach(engine)
            >>> doubled.is_attached(engine)
            False
        """
        resolved = self._check_usage(usage)
        return super().is_attached(engine, resolved) and self._sources_attached(engine, resolved)

    def _sources_attached(self, engine: Engine, usage: MetricUsage) -> bool:
        for source in self._sources():
            if isinstance(source, MetricsLambda):
                if not source._sources_attached(engine, usage):
                    return False
            elif not (
                engine.has_event_handler(source.started, usage.STARTED)
                and engine.has_event_handler(source.iteration_completed, usage.ITERATION_COMPLETED)
            ):
                return False
        return True

    def _state_dict_per_rank(self) -> OrderedDict[str, Any]:
        # Only the sources carry state; constants are part of the definition, not of the state,
        # and may be of any type (a dtype, a function), so they are saved as None.
        return OrderedDict(
            [
                ("_updated", self._updated),
                ("args", [_source_state(arg) for arg in self.args]),
                ("kwargs", {key: _source_state(value) for key, value in self.kwargs.items()}),
            ]
        )

    def _load_state_dict_per_rank(self, state: Mapping[str, Any]) -> None:
        where = "MetricsLambda.load_state_dict"
        if not isinstance(state, Mapping):
            raise TypeError(f"{where}: a rank's state should be a mapping, got {_describe(state)}")
        missing = [key for key in self._state_dict_all_req_keys if key not in state]
        if missing:
            raise ValueError(
                f"{where}: the state lacks the required attribute(s) {missing}; it has "
                f"{list(state)}, expected {list(self._state_dict_all_req_keys)}"
            )
        saved_args, saved_kwargs = state["args"], state["kwargs"]
        if not isinstance(saved_args, Sequence) or len(saved_args) != len(self.args):
            received = len(saved_args) if isinstance(saved_args, Sequence) else saved_args
            raise ValueError(
                f"{where}: the state holds {received!r} positional argument(s), expected "
                f"{len(self.args)}; was it saved from a MetricsLambda of another formula?"
            )
        absent = [key for key in self.kwargs if key not in saved_kwargs]
        if absent:
            raise ValueError(
                f"{where}: the state lacks the keyword argument(s) {absent}; was it saved from a "
                f"MetricsLambda of another formula?"
            )
        for arg, saved in zip(self.args, saved_args, strict=True):
            if isinstance(arg, Metric):
                arg._load_state_dict_per_rank(saved)
        for key, value in self.kwargs.items():
            if isinstance(value, Metric):
                value._load_state_dict_per_rank(saved_kwargs[key])
        self._updated = bool(state["_updated"])

    def __getstate__(self) -> dict[str, Any]:
        # A copy is not attached anywhere: the engine keeps calling the original's sources.
        state = super().__getstate__()
        state["engine"] = None
        return state


def _source_state(value: Any) -> Any:
    return value._state_dict_per_rank() if isinstance(value, Metric) else None


def _value_of(value: Any) -> Any:
    if isinstance(value, Metric):
        value = value.compute()
    if isinstance(value, torch.Tensor):
        value = value.cpu()
    return value
