"""The :class:`Metric` base class: accumulate with ``update``, read with ``compute``.

A metric keeps running counters. ``reset`` clears them, ``update`` adds one batch of output,
``compute`` turns the counters into the value. Attached to an engine, the metric is reset,
updated and computed on the events its :class:`~ember.metric.usage.MetricUsage` names, and the
value lands in ``engine.state.metrics``. Metrics combine with arithmetic, indexing and tensor
methods into :class:`~ember.metric.metrics_lambda.MetricsLambda` metrics.

Example:
    >>> import torch
    >>> from ember.exceptions import NotComputableError
    >>> from ember.metric import Metric
    >>> class MeanValue(Metric):
    ...     _state_dict_all_req_keys = ("_sum", "_count")
    ...     def reset(self):
    ...         self._sum, self._count = 0.0, 0
    ...     def update(self, output):
    ...         self._sum += float(output.sum())
    ...         self._count += output.numel()
    ...     def compute(self):
    ...         if self._count == 0:
    ...             raise NotComputableError("MeanValue needs at least one value")
    ...         return self._sum / self._count
    >>> mean = MeanValue()
    >>> mean.update(torch.tensor([1.0, 2.0, 6.0]))
    >>> mean.compute(), (2 * mean + 1).compute()
    (3.0, 7.0)
"""

from __future__ import annotations

import operator
from abc import ABCMeta, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from numbers import Number
from typing import TYPE_CHECKING, Any, Literal

import torch

from ember.metric.usage import MetricUsage, resolve_usage

if TYPE_CHECKING:
    from ember.engine import Engine
    from ember.metric.metrics_lambda import MetricsLambda

__all__ = ["Metric"]

MetricsResultMode = Literal["flatten", "named", "both"]
_RESULT_MODES = ("flatten", "named", "both")

_STATE_KEY = "__metric_state_per_rank"
"""The single key of :meth:`Metric.state_dict`: its value lists each rank's state."""


def _identity(output: Any) -> Any:
    return output


def _describe(value: object) -> str:
    return f"{value!r} ({type(value).__name__})"


class Metric(metaclass=ABCMeta):
    """Base class of metrics: subclass it and implement ``reset``, ``update`` and ``compute``.

    Args:
        output_transform: applied to ``engine.state.output`` before ``update`` when the metric is
            attached to an engine; use it to pick ``(y_pred, y)`` out of a richer output.
        device: where the metric keeps its accumulators.
        skip_unrolling: by default an output ``([y_pred_1, y_pred_2, ...], [y_1, y_2, ...])`` of
            lists of tensors or numbers is fed to ``update`` one pair at a time, each with a
            batch dimension of one; ``True`` passes such outputs to ``update`` whole.
        metrics_result_mode: where a mapping returned by ``compute`` is stored in
            ``engine.state.metrics``: ``"flatten"`` under each of its keys, ``"named"`` under the
            metric's name, ``"both"`` (the default) under both.

    Class attributes:
        required_output_keys: when the (transformed) engine output is a mapping, ``update``
            receives the tuple of these keys' values, ``("y_pred", "y")`` by default; ``None``
            makes a mapping output an error.
        _state_dict_all_req_keys: the attributes :meth:`state_dict` saves and
            :meth:`load_state_dict` restores.

    Example:
        >>> import torch
        >>> from ember.metric import Metric
        >>> class CountCorrect(Metric):
        ...     _state_dict_all_req_keys = ("_correct",)
        ...     def reset(self):
        ...         self._correct = 0
        ...     def update(self, output):
        ...         y_pred, y = output
        ...         self._correct += int((y_pred.argmax(dim=1) == y).sum())
        ...     def compute(self):
        ...         return self._correct
        >>> metric = CountCorrect()
        >>> metric.update((torch.tensor([[0.9, 0.1], [0.2, 0.8]]), torch.tensor([0, 0])))
        >>> metric.compute()
        1
    """

    required_output_keys: tuple[str, ...] | None = ("y_pred", "y")
    # The older spelling, kept so that code written against it keeps reading the same keys.
    _required_output_keys: tuple[str, ...] | None = required_output_keys
    _state_dict_all_req_keys: tuple[str, ...] = ()

    # A Metric is not a sequence even though ``metric[i]`` builds a MetricsLambda: without this
    # ``list(metric)`` or ``x in metric`` would index 0, 1, 2, ... for ever.
    __iter__ = None

    # Whether construction ends with reset(). A MetricsLambda does not reset: building
    # ``1 - accuracy`` must not wipe what ``accuracy`` has accumulated.
    _reset_on_init: bool = True

    _is_reduced: bool

    def __init__(
        self,
        output_transform: Callable[[Any], Any] = _identity,
        device: str | torch.device = "cpu",
        skip_unrolling: bool = False,
        metrics_result_mode: MetricsResultMode = "both",
    ) -> None:
        cls = type(self).__name__
        if not callable(output_transform):
            raise TypeError(
                f"{cls}: argument output_transform should be a callable taking the engine's "
                f"output, got {_describe(output_transform)}"
            )
        if not isinstance(device, (str, torch.device)):
            raise TypeError(
                f"{cls}: argument device should be a str or torch.device, got {_describe(device)}"
            )
        resolved_device = torch.device(device)
        if resolved_device.type == "xla":
            raise ValueError(
                f"{cls}: argument device is {device!r}, but metrics cannot keep their "
                f"accumulators on an XLA device; use device='cpu'"
            )
        if not isinstance(skip_unrolling, bool):
            raise TypeError(
                f"{cls}: argument skip_unrolling should be a bool, got {_describe(skip_unrolling)}"
            )
        if metrics_result_mode not in _RESULT_MODES:
            raise ValueError(
                f"{cls}: argument metrics_result_mode should be one of {_RESULT_MODES}, "
                f"got {metrics_result_mode!r}"
            )
        self._output_transform = output_transform
        self._device = resolved_device
        self._skip_unrolling = skip_unrolling
        self._metrics_result_mode: MetricsResultMode = metrics_result_mode
        # MPS has no float64.
        self._double_dtype = torch.float32 if resolved_device.type == "mps" else torch.float64
        self._is_reduced = False
        if self._reset_on_init:
            self.reset()

    # ----------------------------------------------------------------- the protocol

    @abstractmethod
    def reset(self) -> None:
        """Clear the accumulators; called at the start of each accumulation period.

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
            >>> count.update(None)
            >>> count.reset()
            >>> count.compute()
            0
        """

    @abstractmethod
    def update(self, output: Any) -> None:
        """Add one batch of (transformed) engine output to the accumulators.

        Example:
            >>> from ember.metric import Metric
            >>> class Count(Metric):
            ...     def reset(self):
            ...         self._n = 0
            ...     def update(self, output):
            ...         self._n += len(output)
            ...     def compute(self):
            ...         return self._n
            >>> count = Count()
            >>> count.update([1, 2, 3])
            >>> count.compute()
            3
        """

    @abstractmethod
    def compute(self) -> Any:
        """Return the metric's value from the accumulators.

        Raise :class:`~ember.exceptions.NotComputableError` when there is nothing to compute
        from, for example before the first ``update``.

        Example:
            >>> from ember.exceptions import NotComputableError
            >>> from ember.metric import Metric
            >>> class Mean(Metric):
            ...     def reset(self):
            ...         self._sum, self._n = 0.0, 0
            ...     def update(self, output):
            ...         self._sum, self._n = self._sum + output, self._n + 1
            ...     def compute(self):
            ...         if self._n == 0:
            ...             raise NotComputableError("Mean needs at least one update")
            ...         return self._sum / self._n
            >>> mean = Mean()
            >>> mean.update(4.0)
            >>> mean.compute()
            4.0
        """

    # ----------------------------------------------------------------- engine handlers

    def started(self, engine: Engine) -> None:
        """Handler for the usage's ``STARTED`` event: resets the metric.

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
            >>> count.update(None)
            >>> count.started(engine=None)
            >>> count.compute()
            0
        """
        self.reset()

    @torch.no_grad()
    def iteration_completed(self, engine: Engine) -> None:
        """Handler for the usage's ``ITERATION_COMPLETED`` event: updates from the engine output.

        The output goes through ``output_transform``; a mapping becomes the tuple of its
        ``required_output_keys`` values; a pair of lists of tensors or numbers is unrolled into
        one ``update`` per element unless ``skip_unrolling`` is set.

        Example:
            >>> import torch
            >>> from types import SimpleNamespace
            >>> from ember.metric import Metric
            >>> class Seen(Metric):
            ...     def reset(self):
            ...         self.seen = []
            ...     def update(self, output):
            ...         self.seen.append(output)
            ...     def compute(self):
            ...         return self.seen
            >>> seen = Seen()
            >>> engine = SimpleNamespace(state=SimpleNamespace(output={"y_pred": 1, "y": 0}))
            >>> seen.iteration_completed(engine)
            >>> seen.compute()
            [(1, 0)]
        """
        output = self._output_transform(engine.state.output)
        if isinstance(output, Mapping):
            output = self._select_required_keys(output)
        if not self._skip_unrolling and _is_unrollable(output):
            self._update_unrolled(output)
        else:
            self.update(output)

    def completed(self, engine: Engine, name: str) -> None:
        """Handler for the usage's ``COMPLETED`` event: stores ``compute()`` in ``state.metrics``.

        A 0-dimensional tensor is stored as a Python number, other tensors on the CPU. A mapping
        is stored according to ``metrics_result_mode``: under each of its keys, under ``name``,
        or both.

        Example:
            >>> import torch
            >>> from types import SimpleNamespace
            >>> from ember.metric import Metric
            >>> class Half(Metric):
            ...     def reset(self):
            ...         pass
            ...     def update(self, output):
            ...         pass
            ...     def compute(self):
            ...         return torch.tensor(0.5)
            >>> engine = SimpleNamespace(state=SimpleNamespace(metrics={}))
            >>> Half().completed(engine, "half")
            >>> engine.state.metrics
            {'half': 0.5}
        """
        result = self.compute()
        metrics = engine.state.metrics
        if isinstance(result, Mapping):
            mode = self._metrics_result_mode
            if mode != "flatten" and name in result:
                raise ValueError(
                    f"{type(self).__name__}: the metric name {name!r} is also a key of the "
                    f"mapping compute() returned ({list(result)}); attach it under another name "
                    f"or use metrics_result_mode='flatten'"
                )
            if mode != "named":
                metrics.update(result)
            if mode != "flatten":
                metrics[name] = result
            return
        if isinstance(result, torch.Tensor):
            if result.ndim == 0:
                result = result.item()
            elif result.device.type != "cpu":
                result = result.cpu()
        metrics[name] = result

    def _select_required_keys(self, output: Mapping[Any, Any]) -> tuple[Any, ...]:
        keys = self.required_output_keys
        cls = type(self).__name__
        if keys is None:
            raise TypeError(
                f"{cls}: the transformed engine output is a mapping with keys {list(output)}, "
                f"but {cls}.required_output_keys is None; expected a tuple or list. "
                f"Pass an output_transform that builds the tuple {cls}.update expects"
            )
        try:
            return tuple(output[key] for key in keys)
        except KeyError:
            missing = [key for key in keys if key not in output]
            raise ValueError(
                f"{cls}: the transformed engine output is a mapping without the key(s) "
                f"{missing}; it has keys {list(output)}, expected all of {list(keys)} "
                f"({cls}.required_output_keys). Pass an output_transform that builds "
                f"the tuple {cls}.update expects"
            ) from None

    def _update_unrolled(self, output: Sequence[Sequence[Any]]) -> None:
        if len(output) != 2 or len(output[0]) != len(output[1]):
            lengths = [len(item) for item in output]
            raise ValueError(
                f"{type(self).__name__}: an output of lists is unrolled into one update per "
                f"element and must hold two lists of the same length (predictions, targets); "
                f"got {len(output)} list(s) of lengths {lengths}. Pass skip_unrolling=True to "
                f"give such outputs to update whole"
            )
        for prediction, target in zip(output[0], output[1], strict=True):
            batched_prediction = _as_batch(prediction, None)
            self.update((batched_prediction, _as_batch(target, batched_prediction.device)))

    # ----------------------------------------------------------------- attaching

    def attach(self, engine: Engine, name: str, usage: str | MetricUsage = "epoch_wise") -> None:
        """Compute the metric on ``engine`` and store it as ``engine.state.metrics[name]``.

        Args:
            engine: the engine whose output feeds the metric.
            name: key of the value in ``engine.state.metrics``.
            usage: when to reset, update and compute: a :class:`MetricUsage` or one of
                ``"epoch_wise"`` (the default), ``"running_epoch_wise"``, ``"batch_wise"``,
                ``"running_batch_wise"``, ``"single_epoch_running_batch_wise"``.

        Example:
            >>> import torch
            >>> from ember.engine import Engine
            >>> from ember.metric import Metric
            >>> class Total(Metric):
            ...     def reset(self):
            ...         self._total = 0.0
            ...     def update(self, output):
            ...         self._total += float(output)
            ...     def compute(self):
            ...         return self._total
            >>> engine = Engine(lambda engine, batch: batch)
            >>> Total().attach(engine, "total")
            >>> engine.run([1.0, 2.0, 3.0]).metrics["total"]
            6.0
        """
        self._check_name(name)
        resolved = self._check_usage(usage)
        self._attach_accumulation(engine, resolved)
        engine.add_event_handler(resolved.COMPLETED, self.completed, name)

    def detach(self, engine: Engine, usage: str | MetricUsage = "epoch_wise") -> None:
        """Remove the metric's handlers for ``usage`` from ``engine``.

        Example:
            >>> from ember.engine import Engine
            >>> from ember.metric import Metric
            >>> class Count(Metric):
            ...     def reset(self):
            ...         self._n = 0
            ...     def update(self, output):
            ...         self._n += 1
            ...     def compute(self):
            ...         return self._n
            >>> engine = Engine(lambda engine, batch: batch)
            >>> count = Count()
            >>> count.attach(engine, "count")
            >>> count.detach(engine)
            >>> count.is_attached(engine), "count" in engine.run([1, 2]).metrics
            (False, False)
        """
        resolved = self._check_usage(usage)
        for handler, event in (
            (self.completed, resolved.COMPLETED),
            (self.started, resolved.STARTED),
            (self.iteration_completed, resolved.ITERATION_COMPLETED),
        ):
            if engine.has_event_handler(handler, event):
                engine.remove_event_handler(handler, event)

    def is_attached(self, engine: Engine, usage: str | MetricUsage = "epoch_wise") -> bool:
        """Whether the metric stores its value on ``engine`` for ``usage``.

        Example:
            >>> from ember.engine import Engine
            >>> from ember.metric import Metric
            >>> class Count(Metric):
            ...     def reset(self):
            ...         self._n = 0
            ...     def update(self, output):
            ...         self._n += 1
            ...     def compute(self):
            ...         return self._n
            >>> engine = Engine(lambda engine, batch: batch)
            >>> count = Count()
            >>> count.attach(engine, "count", usage="batch_wise")
            >>> count.is_attached(engine, "batch_wise"), count.is_attached(engine)
            (True, False)
        """
        resolved = self._check_usage(usage)
        return bool(engine.has_event_handler(self.completed, resolved.COMPLETED))

    def _attach_accumulation(self, engine: Engine, usage: MetricUsage) -> None:
        # The reset and update handlers are shared by every name the metric is attached under.
        if not engine.has_event_handler(self.started, usage.STARTED):
            engine.add_event_handler(usage.STARTED, self.started)
        if not engine.has_event_handler(self.iteration_completed, usage.ITERATION_COMPLETED):
            engine.add_event_handler(usage.ITERATION_COMPLETED, self.iteration_completed)

    def _check_usage(self, usage: str | MetricUsage) -> MetricUsage:
        return resolve_usage(usage, owner=type(self).__name__)

    def _check_name(self, name: object) -> None:
        if not isinstance(name, str):
            raise TypeError(
                f"{type(self).__name__}.attach: argument name should be a str, the key of the "
                f"value in engine.state.metrics; got {_describe(name)}"
            )

    # ----------------------------------------------------------------- state

    def state_dict(self) -> OrderedDict[str, Any]:
        """Return the accumulators named by ``_state_dict_all_req_keys``, for every rank.

        The result holds only tensors, numbers, strings, ``None`` and lists, tuples and dicts of
        those, so it loads with ``torch.load(weights_only=True)``. Its single key maps to a list
        with one entry per process; a single process has one.

        Example:
            >>> from ember.metric import Metric
            >>> class Count(Metric):
            ...     _state_dict_all_req_keys = ("_n",)
            ...     def reset(self):
            ...         self._n = 0
            ...     def update(self, output):
            ...         self._n += 1
            ...     def compute(self):
            ...         return self._n
            >>> count = Count()
            >>> count.update(None)
            >>> state = count.state_dict()
            >>> list(state), dict(state["__metric_state_per_rank"][0])
            (['__metric_state_per_rank'], {'_n': 1})
        """
        from ember.metric.reduction import get_collective_hooks

        state = self._state_dict_per_rank()
        hooks = get_collective_hooks()
        per_rank = hooks.all_gather(state) if hooks.get_world_size() > 1 else [state]
        return OrderedDict([(_STATE_KEY, per_rank)])

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore the accumulators saved by :meth:`state_dict` (this process's entry).

        Example:
            >>> from ember.metric import Metric
            >>> class Count(Metric):
            ...     _state_dict_all_req_keys = ("_n",)
            ...     def reset(self):
            ...         self._n = 0
            ...     def update(self, output):
            ...         self._n += 1
            ...     def compute(self):
            ...         return self._n
            >>> saved = Count()
            >>> saved.update(None)
            >>> restored = Count()
            >>> restored.load_state_dict(saved.state_dict())
            >>> restored.compute()
            1
        """
        from ember.metric.reduction import get_collective_hooks

        cls = type(self).__name__
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"{cls}.load_state_dict: argument state_dict should be the mapping "
                f"Metric.state_dict() returns, got {type(state_dict).__name__}"
            )
        if list(state_dict) != [_STATE_KEY]:
            raise ValueError(
                f"{cls}.load_state_dict: argument state_dict should be the mapping "
                f"Metric.state_dict() returns, with the single key {_STATE_KEY!r}; "
                f"got keys {list(state_dict)}"
            )
        per_rank = state_dict[_STATE_KEY]
        hooks = get_collective_hooks()
        world_size = hooks.get_world_size()
        if not isinstance(per_rank, Sequence) or len(per_rank) != world_size:
            received = len(per_rank) if isinstance(per_rank, Sequence) else type(per_rank).__name__
            raise ValueError(
                f"{cls}.load_state_dict: the state holds {received} rank state(s), expected one "
                f"per process ({world_size})"
            )
        self._load_state_dict_per_rank(per_rank[hooks.get_rank()])

    def _state_dict_per_rank(self) -> OrderedDict[str, Any]:
        cls = type(self).__name__
        state: OrderedDict[str, Any] = OrderedDict()
        for key in self._state_dict_all_req_keys:
            if key not in self.__dict__:
                raise ValueError(
                    f"{cls}.state_dict: _state_dict_all_req_keys names {key!r}, which is not an "
                    f"attribute of the metric; it has {sorted(self.__dict__)}"
                )
            state[key] = _export_state(self.__dict__[key], f"{cls}.{key}")
        return state

    def _load_state_dict_per_rank(self, state: Mapping[str, Any]) -> None:
        cls = type(self).__name__
        if not isinstance(state, Mapping):
            raise TypeError(
                f"{cls}.load_state_dict: a rank's state should be a mapping, "
                f"got {type(state).__name__}"
            )
        missing = [key for key in self._state_dict_all_req_keys if key not in state]
        if missing:
            raise ValueError(
                f"{cls}.load_state_dict: the state lacks the required attribute(s) {missing}; "
                f"it has {list(state)}, expected {list(self._state_dict_all_req_keys)}"
            )
        for key in self._state_dict_all_req_keys:
            current = self.__dict__.get(key)
            self.__dict__[key] = _import_state(current, state[key], f"{cls}.{key}")

    # ----------------------------------------------------------------- copying

    def __getstate__(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    # ----------------------------------------------------------------- arithmetic

    def __add__(self, other: Any) -> MetricsLambda:
        return _combine(operator.add, self, other)

    def __radd__(self, other: Any) -> MetricsLambda:
        return _combine(operator.add, other, self)

    def __sub__(self, other: Any) -> MetricsLambda:
        return _combine(operator.sub, self, other)

    def __rsub__(self, other: Any) -> MetricsLambda:
        return _combine(operator.sub, other, self)

    def __mul__(self, other: Any) -> MetricsLambda:
        return _combine(operator.mul, self, other)

    def __rmul__(self, other: Any) -> MetricsLambda:
        return _combine(operator.mul, other, self)

    def __truediv__(self, other: Any) -> MetricsLambda:
        return _combine(operator.truediv, self, other)

    def __rtruediv__(self, other: Any) -> MetricsLambda:
        return _combine(operator.truediv, other, self)

    def __floordiv__(self, other: Any) -> MetricsLambda:
        return _combine(operator.floordiv, self, other)

    def __rfloordiv__(self, other: Any) -> MetricsLambda:
        return _combine(operator.floordiv, other, self)

    def __mod__(self, other: Any) -> MetricsLambda:
        return _combine(operator.mod, self, other)

    def __rmod__(self, other: Any) -> MetricsLambda:
        return _combine(operator.mod, other, self)

    def __pow__(self, other: Any) -> MetricsLambda:
        return _combine(operator.pow, self, other)

    def __rpow__(self, other: Any) -> MetricsLambda:
        return _combine(operator.pow, other, self)

    def __neg__(self) -> MetricsLambda:
        return _combine(operator.neg, self)

    def __pos__(self) -> MetricsLambda:
        return _combine(operator.pos, self)

    def __abs__(self) -> MetricsLambda:
        return _combine(operator.abs, self)

    def __getitem__(self, index: Any) -> MetricsLambda:
        return _combine(operator.itemgetter(index), self)

    def __getattr__(self, attr: str) -> Callable[..., MetricsLambda]:
        # Only public names stand for methods of the computed value: a private or dunder name
        # that is missing is a bug in the metric (or a protocol probe by copy/pickle), and must
        # fail as usual instead of quietly building a MetricsLambda.
        if attr.startswith("_"):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {attr!r}")
        call = _MethodCall(attr, type(self).__name__)

        def build(*args: Any, **kwargs: Any) -> MetricsLambda:
            return _combine(call, self, *args, **kwargs)

        build.__name__ = attr
        build.__doc__ = f"A MetricsLambda computing ``{attr}(...)`` on this metric's value."
        return build


class _MethodCall:
    """Calls a method by name on a computed metric value; picklable, unlike a closure."""

    __slots__ = ("method", "owner")

    def __init__(self, method: str, owner: str) -> None:
        self.method = method
        self.owner = owner

    def __call__(self, value: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            bound = getattr(value, self.method)
        except AttributeError:
            raise AttributeError(
                f"{self.owner}.{self.method}(...): the computed value of {self.owner} is a "
                f"{type(value).__name__}, which has no attribute {self.method!r}"
            ) from None
        return bound(*args, **kwargs)

    def __getstate__(self) -> tuple[str, str]:
        return self.method, self.owner

    def __setstate__(self, state: tuple[str, str]) -> None:
        self.method, self.owner = state

    def __repr__(self) -> str:
        return f"<{self.owner}.{self.method}(...)>"


def _combine(function: Callable[..., Any], *args: Any, **kwargs: Any) -> MetricsLambda:
    from ember.metric.metrics_lambda import MetricsLambda

    return MetricsLambda(function, *args, **kwargs)


def _is_unrollable(output: Any) -> bool:
    """Whether ``output`` is a sequence of sequences of tensors or numbers (Ignite's rule)."""
    if not isinstance(output, Sequence) or isinstance(output, str):
        return False
    for item in output:
        if not isinstance(item, Sequence) or isinstance(item, str):
            return False
        for value in item:
            if not isinstance(value, (torch.Tensor, Number)):
                return False
    return True


def _as_batch(value: Any, device: torch.device | None) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.unsqueeze(0)
    return torch.tensor([value], device=device)


_LEAF_TYPES = (torch.Tensor, bool, int, float, str)


def _export_state(value: Any, where: str) -> Any:
    """Turn an attribute into checkpoint-safe data: nested metrics become their own state."""
    if isinstance(value, Metric):
        return value._state_dict_per_rank()
    if value is None or isinstance(value, _LEAF_TYPES):
        return value
    if isinstance(value, Mapping):
        return {key: _export_state(item, f"{where}[{key!r}]") for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        exported = [_export_state(item, f"{where}[{i}]") for i, item in enumerate(value)]
        return exported if isinstance(value, list) else tuple(exported)
    raise TypeError(
        f"{where} holds a {type(value).__name__}, which a metric state cannot contain; expected "
        f"tensors, numbers, strings, None, metrics, or lists, tuples and dicts of those"
    )


def _contains_metric(value: Any) -> bool:
    if isinstance(value, Metric):
        return True
    if isinstance(value, Mapping):
        return any(_contains_metric(item) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(_contains_metric(item) for item in value)
    return False


def _import_state(current: Any, saved: Any, where: str) -> Any:
    """Return the value an attribute takes from ``saved``; nested metrics are loaded in place."""
    if not _contains_metric(current):
        return _copy_structure(saved)
    if isinstance(current, Metric):
        current._load_state_dict_per_rank(saved)
        return current
    if isinstance(current, Mapping):
        if not isinstance(saved, Mapping):
            raise ValueError(
                f"{where}: the saved state is a {type(saved).__name__}, expected a mapping"
            )
        missing = [key for key in current if key not in saved]
        if missing:
            raise ValueError(f"{where}: the saved state lacks the key(s) {missing}")
        loaded = {
            key: _import_state(value, saved[key], f"{where}[{key!r}]")
            for key, value in current.items()
        }
        if isinstance(current, dict):
            current.update(loaded)
            return current
        return loaded
    # A list or tuple that holds metrics: they are loaded in place, element by element.
    if not isinstance(saved, Sequence) or len(saved) != len(current):
        received = len(saved) if isinstance(saved, Sequence) else type(saved).__name__
        raise ValueError(
            f"{where}: the saved state has {received} item(s), expected {len(current)}"
        )
    items = [
        _import_state(item, saved_item, f"{where}[{i}]")
        for i, (item, saved_item) in enumerate(zip(current, saved, strict=True))
    ]
    if isinstance(current, list):
        current[:] = items
        return current
    return tuple(items)


def _copy_structure(saved: Any) -> Any:
    # Containers are rebuilt so that the metric never shares a list or dict with the checkpoint.
    if isinstance(saved, Mapping):
        return {key: _copy_structure(item) for key, item in saved.items()}
    if isinstance(saved, list):
        return [_copy_structure(item) for item in saved]
    if isinstance(saved, tuple):
        return tuple(_copy_structure(item) for item in saved)
    return saved
