"""The Engine: runs a process function over batches of data and fires events along the way."""

from __future__ import annotations

import itertools
import logging
import math
import numbers
import time
import warnings
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from enum import Enum
from typing import Any, TypeVar

from ember.engine.binding import HandlerEntry, bind_handler, takes_engine
from ember.engine.events import CallableEventWithFilter, EventEnum, Events, EventsList
from ember.engine.handle import RemovableEventHandle
from ember.engine.state import State
from ember.exceptions import UnknownEventError

__all__ = ["Engine"]

F = TypeVar("F", bound=Callable[..., Any])

# A library never writes to stderr by itself: without this, logging's last-resort handler prints
# the engine's error message when the application has not configured logging.
logging.getLogger("ember.engine").addHandler(logging.NullHandler())

_ITERATION_EVENTS = (
    Events.GET_BATCH_STARTED,
    Events.GET_BATCH_COMPLETED,
    Events.ITERATION_STARTED,
    Events.ITERATION_COMPLETED,
)


# Extra arguments some events pass to their handlers, checked against signatures at registration.
_EVENT_ARGS: dict[Any, tuple[Any, ...]] = {
    Events.EXCEPTION_RAISED: (Exception(),),
    Events.TERMINATE_SINGLE_EPOCH: (0,),
}
# Events whose extra arguments a handler may leave out (the iteration within the epoch).
_OPTIONAL_EVENT_ARGS = frozenset({Events.TERMINATE_SINGLE_EPOCH})


class _Terminate(Exception):
    """Unwinds the run after :meth:`Engine.terminate`."""


class _TerminateEpoch(Exception):
    """Unwinds the current epoch after :meth:`Engine.terminate_epoch`."""


def _check_count(name: str, value: Any) -> None:
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1
    ):
        raise ValueError(f"Argument {name} should be a positive integer or None, got {value!r}")


def _data_length(data: Iterable[Any]) -> int | None:
    try:
        return len(data)  # type: ignore[arg-type]
    except TypeError:
        return None


def _hms(seconds: float) -> str:
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    return f"{hours:02d}:{minutes:02d}:{secs:06.3f}"


class Engine:
    """Runs ``process_function(engine, batch)`` over data for some epochs, firing events.

    What the process function returns is stored in ``engine.state.output``. Handlers attached to
    :class:`Events` (or custom events) run at each point of the loop; see
    :meth:`add_event_handler`.

    Args:
        process_function: called as ``process_function(engine, batch)`` for every batch.

    Example:
        >>> from ember.engine import Engine, Events
        >>> def train_step(engine, batch):
        ...     return batch * 10
        >>> trainer = Engine(train_step)
        >>> @trainer.on(Events.EPOCH_COMPLETED)
        ... def log(engine):
        ...     print(f"epoch {engine.state.epoch}: output {engine.state.output}")
        >>> _ = trainer.run([1, 2, 3], max_epochs=2)
        epoch 1: output 30
        epoch 2: output 30
    """

    interrupt_resume_enabled = True
    _state_dict_all_req_keys: tuple[str, ...] = ("epoch_length",)
    _state_dict_one_of_opt_keys: tuple[tuple[str, ...], ...] = (
        ("iteration", "epoch"),
        ("max_epochs", "max_iters"),
    )

    def __init__(self, process_function: Callable[[Engine, Any], Any]) -> None:
        if not callable(process_function):
            raise TypeError(
                f"Engine(process_function): expected a callable (engine, batch) -> output, "
                f"got {process_function!r}"
            )
        self._process_function = process_function
        self.logger = logging.getLogger(f"ember.engine.{type(self).__name__}")
        self.state = State()
        self.last_event_name: Any = None
        self._should_terminate: bool | str = False
        self._should_terminate_single_epoch: bool | str = False
        self._should_interrupt = False
        self._stop_requested = False
        self.state_dict_user_keys: list[str] = []
        self._allowed_events: set[Any] = set(Events)
        self._handlers: dict[Any, list[HandlerEntry]] = {}
        self._calls: dict[Any, tuple[Callable[..., Any], ...]] = {}
        self._iteration_calls: tuple[tuple[Callable[..., Any], ...], ...] = ((),) * 4
        self._data_iter: Iterator[Any] | None = None
        self._run_generator: Generator[None, None, None] | None = None
        # Plugins may attach to every engine; the first engine created loads the plugins.
        from ember.plugins.manager import notify_engine_created

        notify_engine_created(self)

    # ------------------------------------------------------------------ events and handlers

    def register_events(
        self, *event_names: Any, event_to_attr: Mapping[Any, str] | None = None
    ) -> None:
        """Allow custom events to be fired and handled on this engine.

        Args:
            *event_names: the events: members of an :class:`EventEnum` (which also take filters),
                other enum members or strings.
            event_to_attr: maps events to ``engine.state`` counter attributes (created at 0). The
                code firing the event updates its counter; filters such as ``every=`` read it.

        Example:
            >>> from ember.engine import Engine, EventEnum
            >>> class Custom(EventEnum):
            ...     FOO = "foo"
            >>> engine = Engine(lambda engine, batch: engine.fire_event(Custom.FOO))
            >>> engine.register_events(*Custom, event_to_attr={Custom.FOO: "foo_count"})
            >>> engine.state.foo_count
            0
        """
        if event_to_attr is not None and not isinstance(event_to_attr, Mapping):
            raise TypeError(
                f"register_events: event_to_attr should be a dict of event -> attribute name, "
                f"got {event_to_attr!r}"
            )
        for index, event in enumerate(event_names):
            if isinstance(event, (CallableEventWithFilter, EventsList)) and not isinstance(
                event, EventEnum
            ):
                raise TypeError(
                    f"register_events: event_names[{index}] is {event!r}; register plain events, "
                    f"filters are given when attaching handlers"
                )
            if not isinstance(event, (str, Enum)):
                raise TypeError(
                    f"register_events: event_names[{index}] should be a str or an enum member, "
                    f"got {event!r}"
                )
            self._allowed_events.add(event)
        if event_to_attr:
            unknown = [event for event in event_to_attr if event not in self._allowed_events]
            if unknown:
                raise ValueError(
                    f"register_events: event_to_attr names events that are not registered: "
                    f"{unknown!r}"
                )
            self.state.add_event_counters(event_to_attr)

    def add_event_handler(
        self, event_name: Any, handler: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> RemovableEventHandle:
        """Call ``handler`` each time ``event_name`` fires (and its filter, if any, passes).

        The handler gets the engine as first argument when its signature accepts it, then
        ``*args`` and ``**kwargs``. ``EXCEPTION_RAISED`` handlers also receive the exception.
        Handlers of one event run in the order they were added.

        Args:
            event_name: an event, a filtered event (``Events.EPOCH_COMPLETED(every=2)``) or a
                stacked list of events (``Events.STARTED | Events.COMPLETED``).
            handler: any callable.
            *args: extra positional arguments for the handler.
            **kwargs: extra keyword arguments for the handler.

        Returns:
            A handle whose ``remove()`` detaches the handler again.

        Raises:
            UnknownEventError: the event is not registered on this engine.
            ValueError: the handler's signature cannot accept the call.

        Example:
            >>> from ember.engine import Engine, Events
            >>> engine = Engine(lambda engine, batch: None)
            >>> def report(engine, prefix):
            ...     print(prefix, engine.state.epoch)
            >>> _ = engine.add_event_handler(Events.EPOCH_COMPLETED, report, "done epoch")
            >>> _ = engine.run([0], max_epochs=1)
            done epoch 1
        """
        if isinstance(event_name, EventsList):
            for event in event_name:
                self.add_event_handler(event, handler, *args, **kwargs)
            return RemovableEventHandle(event_name, handler, self)
        if not callable(handler):
            raise TypeError(f"add_event_handler: handler should be callable, got {handler!r}")
        event, event_filter = self._split_event(event_name)
        with_engine, with_event_args = takes_engine(
            handler,
            event,
            self,
            args,
            kwargs,
            event_args=_EVENT_ARGS.get(event, ()),
            optional_event_args=event in _OPTIONAL_EVENT_ARGS,
        )
        counter_attr = None
        if event_filter is not None:
            counter_attr = self.state.event_to_attr.get(event)
            if counter_attr is None:
                raise ValueError(
                    f"add_event_handler: {event!r} has no state counter to filter on; register "
                    f"it with register_events(..., event_to_attr={{{event!r}: 'counter_name'}})"
                )
        call = bind_handler(
            handler, with_engine, args, kwargs, counter_attr, event_filter, with_event_args
        )
        self._handlers.setdefault(event, []).append(HandlerEntry(handler, call, args, kwargs))
        self._rebuild_calls(event)
        self.logger.debug("added handler %r for event %r", handler, event)
        return RemovableEventHandle(event_name, handler, self)

    def on(self, event_name: Any, *args: Any, **kwargs: Any) -> Callable[[F], F]:
        """Decorator form of :meth:`add_event_handler`.

        Example:
            >>> from ember.engine import Engine, Events
            >>> engine = Engine(lambda engine, batch: None)
            >>> @engine.on(Events.STARTED)
            ... def start_message():
            ...     print("Start training!")
            >>> _ = engine.run([0])
            Start training!
        """

        def decorator(handler: F) -> F:
            self.add_event_handler(event_name, handler, *args, **kwargs)
            return handler

        return decorator

    def has_event_handler(self, handler: Callable[..., Any], event_name: Any = None) -> bool:
        """Whether ``handler`` is attached to ``event_name`` (to any event when ``None``).

        Example:
            >>> from ember.engine import Engine, Events
            >>> engine = Engine(lambda engine, batch: None)
            >>> def handler(engine): ...
            >>> _ = engine.add_event_handler(Events.STARTED, handler)
            >>> engine.has_event_handler(handler)
            True
            >>> engine.has_event_handler(handler, Events.COMPLETED)
            False
        """
        if event_name is None:
            entries = [entry for group in self._handlers.values() for entry in group]
        else:
            entries = self._handlers.get(self._split_event(event_name)[0], [])
        return any(entry.matches(handler) for entry in entries)

    def remove_event_handler(self, handler: Callable[..., Any], event_name: Any) -> None:
        """Detach every registration of ``handler`` from ``event_name``.

        Raises:
            ValueError: the handler is not attached to that event.

        Example:
            >>> from ember.engine import Engine, Events
            >>> engine = Engine(lambda engine, batch: None)
            >>> def handler(engine): ...
            >>> _ = engine.add_event_handler(Events.STARTED, handler)
            >>> engine.remove_event_handler(handler, Events.STARTED)
            >>> engine.has_event_handler(handler)
            False
        """
        event = self._split_event(event_name)[0]
        entries = self._handlers.get(event, [])
        kept = [entry for entry in entries if not entry.matches(handler)]
        if len(kept) == len(entries):
            raise ValueError(f"remove_event_handler: {handler!r} is not attached to {event!r}")
        self._handlers[event] = kept
        self._rebuild_calls(event)

    def fire_event(self, event_name: Any) -> None:
        """Run the handlers of a registered event now (typically a custom event).

        Raises:
            UnknownEventError: the event was never registered with :meth:`register_events`.

        Example:
            >>> from ember.engine import Engine
            >>> engine = Engine(lambda engine, batch: engine.fire_event("checkpoint_ready"))
            >>> engine.register_events("checkpoint_ready")
            >>> _ = engine.add_event_handler("checkpoint_ready", lambda: print("ready"))
            >>> _ = engine.run([0])
            ready
        """
        if event_name not in self._allowed_events:
            raise UnknownEventError(
                f"fire_event: {event_name!r} is not registered on this engine; call "
                f"engine.register_events({event_name!r}) first"
            )
        self._fire_event(event_name)

    def _fire_event(self, event_name: Any, *event_args: Any) -> None:
        self.last_event_name = event_name
        for call in self._calls.get(event_name, ()):
            call(self, *event_args)

    def _split_event(self, event_name: Any) -> tuple[Any, Any]:
        if isinstance(event_name, CallableEventWithFilter):
            event, event_filter = event_name.event, event_name.filter
        else:
            event, event_filter = event_name, None
        try:
            allowed = event in self._allowed_events
        except TypeError:
            allowed = False
        if not allowed:
            raise UnknownEventError(
                f"{event_name!r} is not a valid event for this Engine; use one of Events or "
                f"register it with engine.register_events(...)"
            )
        return event, event_filter

    def _rebuild_calls(self, event: Any) -> None:
        calls = tuple(entry.call for entry in self._handlers.get(event, ()))
        if calls:
            self._calls[event] = calls
        else:
            self._calls.pop(event, None)
        self._iteration_calls = tuple(self._calls.get(e, ()) for e in _ITERATION_EVENTS)

    # ------------------------------------------------------------------ control

    # The three request flags are properties so that the loop checks one combined flag.
    @property
    def should_terminate(self) -> bool | str:
        """Truthy once :meth:`terminate` was requested (``"skip_completed"`` to skip COMPLETED)."""
        return self._should_terminate

    @should_terminate.setter
    def should_terminate(self, value: bool | str) -> None:
        self._should_terminate = value
        self._refresh_stop_requested()

    @property
    def should_terminate_single_epoch(self) -> bool | str:
        """Truthy once :meth:`terminate_epoch` was requested for the current epoch."""
        return self._should_terminate_single_epoch

    @should_terminate_single_epoch.setter
    def should_terminate_single_epoch(self, value: bool | str) -> None:
        self._should_terminate_single_epoch = value
        self._refresh_stop_requested()

    @property
    def should_interrupt(self) -> bool:
        """True once :meth:`interrupt` was requested and the run has not paused yet."""
        return self._should_interrupt

    @should_interrupt.setter
    def should_interrupt(self, value: bool) -> None:
        self._should_interrupt = value
        self._refresh_stop_requested()

    def _refresh_stop_requested(self) -> None:
        self._stop_requested = bool(
            self._should_terminate or self._should_terminate_single_epoch or self._should_interrupt
        )

    def terminate(self, skip_completed: bool = False) -> None:
        """Stop the run after the current event; ``TERMINATE`` then ``COMPLETED`` fire.

        Args:
            skip_completed: do not fire ``COMPLETED`` after ``TERMINATE``.

        Example:
            >>> from ember.engine import Engine, Events
            >>> engine = Engine(lambda engine, batch: None)
            >>> stop = lambda engine: engine.terminate()
            >>> _ = engine.add_event_handler(Events.ITERATION_COMPLETED(once=3), stop)
            >>> engine.run(range(10), max_epochs=5).iteration
            3
        """
        self.logger.info("Terminate signaled; the run stops after the current event.")
        self.should_terminate = "skip_completed" if skip_completed else True

    def terminate_epoch(self, skip_epoch_completed: bool = False) -> None:
        """End the current epoch after the current event and go on with the next one.

        Args:
            skip_epoch_completed: do not fire ``EPOCH_COMPLETED`` for the cut epoch.

        Example:
            >>> from ember.engine import Engine, Events
            >>> engine = Engine(lambda engine, batch: None)
            >>> cut = lambda engine: engine.terminate_epoch()
            >>> _ = engine.add_event_handler(Events.ITERATION_COMPLETED(every=2), cut)
            >>> engine.run(range(10), max_epochs=3).iteration
            6
        """
        self.logger.info(
            "Terminate current epoch is signaled. Current epoch iteration will stop after "
            "current iteration is finished."
        )
        self.should_terminate_single_epoch = (
            "skip_epoch_completed" if skip_epoch_completed else True
        )

    def interrupt(self) -> None:
        """Pause the run after the current event; ``run()`` resumes it where it stopped.

        Example:
            >>> from ember.engine import Engine, Events
            >>> engine = Engine(lambda engine, batch: None)
            >>> pause = lambda engine: engine.interrupt()
            >>> _ = engine.add_event_handler(Events.ITERATION_COMPLETED(once=4), pause)
            >>> engine.run(range(3), max_epochs=2).iteration
            4
            >>> engine.run().iteration
            6
        """
        self.logger.info("Interrupt signaled. Engine will interrupt the run after current event.")
        self.should_interrupt = True

    def set_data(self, data: Iterable[Any]) -> None:
        """Replace the data; the next batch comes from the new data.

        Example:
            >>> from ember.engine import Engine, Events
            >>> engine = Engine(lambda engine, batch: print(batch))
            >>> swap = lambda engine: engine.set_data([7])
            >>> _ = engine.add_event_handler(Events.EPOCH_STARTED(once=2), swap)
            >>> _ = engine.run([1], max_epochs=2)
            1
            7
        """
        if not isinstance(data, Iterable):
            raise TypeError(f"set_data: data should be iterable, got {type(data).__name__}")
        self.state.dataloader = data
        self._data_iter = iter(data)

    # ------------------------------------------------------------------ state_dict

    def state_dict(self) -> dict[str, Any]:
        """The counters needed to resume this run, plus ``state_dict_user_keys`` attributes.

        Example:
            >>> from ember.engine import Engine
            >>> engine = Engine(lambda engine, batch: None)
            >>> _ = engine.run([0, 1, 2], max_epochs=2)
            >>> engine.state_dict()
            {'epoch_length': 3, 'iteration': 6, 'max_epochs': 2}
        """
        state = self.state
        # A max_iters run also has a max_epochs derived from it: saving that would overrun.
        bound = "max_iters" if state.max_iters is not None else "max_epochs"
        keys = [*self._state_dict_all_req_keys, "iteration", bound, *self.state_dict_user_keys]
        return {key: getattr(state, key) for key in keys}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Set the counters from :meth:`state_dict` so that the next ``run()`` resumes there.

        Example:
            >>> from ember.engine import Engine
            >>> engine = Engine(lambda engine, batch: None)
            >>> engine.load_state_dict({"epoch_length": 3, "iteration": 4, "max_epochs": 2})
            >>> engine.state.epoch, engine.run([0, 1, 2]).iteration
            (1, 6)
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict: expected a mapping, got {type(state_dict).__name__}")
        missing = [key for key in self._state_dict_all_req_keys if key not in state_dict]
        missing += [k for k in self.state_dict_user_keys if k not in state_dict]
        for group in self._state_dict_one_of_opt_keys:
            present = [key for key in group if key in state_dict]
            if len(present) != 1:
                raise ValueError(
                    f"load_state_dict: state_dict should contain exactly one of {group}, "
                    f"got keys {sorted(state_dict)}"
                )
        if missing:
            raise ValueError(
                f"load_state_dict: required keys {missing} are absent from state_dict "
                f"(keys: {sorted(state_dict)})"
            )
        state = self.state
        state.epoch_length = state_dict["epoch_length"]
        state.max_epochs = state_dict.get("max_epochs")
        state.max_iters = state_dict.get("max_iters")
        for key in self.state_dict_user_keys:
            setattr(state, key, state_dict[key])
        if "iteration" in state_dict:
            state.iteration = int(state_dict["iteration"])
            state.epoch = state.iteration // state.epoch_length if state.epoch_length else 0
        else:
            if state.epoch_length is None:
                raise ValueError(
                    "load_state_dict: a state_dict with 'epoch' needs a non-None 'epoch_length'"
                )
            state.epoch = int(state_dict["epoch"])
            state.iteration = state.epoch * state.epoch_length
        self._data_iter = None
        self._run_generator = None

    # ------------------------------------------------------------------ running

    @staticmethod
    def _is_done(state: State) -> bool:
        if state.max_iters is not None and state.iteration >= state.max_iters:
            return True
        if state.max_epochs is None:
            return False
        if (
            state.epoch_length is not None
            and state.iteration >= state.epoch_length * state.max_epochs
        ):
            return True
        return state.epoch >= state.max_epochs

    def run(
        self,
        data: Iterable[Any] | None = None,
        max_epochs: int | None = None,
        epoch_length: int | None = None,
        max_iters: int | None = None,
    ) -> State:
        """Run over ``data`` and return the state.

        A finished engine starts afresh; one that was interrupted, terminated, failed or loaded
        from a state dict resumes where it stopped (``max_epochs`` may be raised to go further).

        Args:
            data: any iterable (list, DataLoader, generator); may be ``None`` if the process
                function fetches data itself and ``epoch_length`` is given.
            max_epochs: epochs to run (default 1 for a new run).
            epoch_length: iterations per epoch (default ``len(data)``; required for iterators of
                unknown length that should restart each epoch).
            max_iters: total iterations to run, instead of ``max_epochs``.

        Example:
            >>> from ember.engine import Engine
            >>> engine = Engine(lambda engine, batch: batch)
            >>> state = engine.run(iter(range(100)), epoch_length=10, max_epochs=3)
            >>> state.iteration, state.epoch, state.output
            (30, 3, 29)
        """
        if data is not None and not isinstance(data, Iterable):
            raise TypeError(f"run: data should be iterable, got {type(data).__name__}")
        for name, value in (
            ("max_epochs", max_epochs),
            ("epoch_length", epoch_length),
            ("max_iters", max_iters),
        ):
            _check_count(name, value)
        # Checked first: a resumed run would otherwise apply max_epochs and drop max_iters silently.
        if max_iters is not None and max_epochs is not None:
            raise ValueError("run: max_iters and max_epochs are mutually exclusive; give one")
        state = self.state
        if state.max_epochs is not None or state.max_iters is not None:
            if max_epochs is not None:
                if max_epochs < state.epoch:
                    raise ValueError(
                        f"run: max_epochs should be >= the epoch the state is at: {max_epochs} vs "
                        f"{state.epoch}; set engine.state.max_epochs = None to start afresh"
                    )
                state.max_epochs = max_epochs
                state.max_iters = None
            if epoch_length is not None and epoch_length != state.epoch_length:
                raise ValueError(
                    f"run: epoch_length should be the same as in the state to resume, got "
                    f"{epoch_length} vs {state.epoch_length}"
                )

        fresh = (state.max_epochs is None and state.max_iters is None) or (
            self._is_done(state) and self._run_generator is None
        )
        if fresh:
            if epoch_length is None:
                if data is None:
                    raise ValueError("run: epoch_length should be given when data is None")
                epoch_length = _data_length(data)
                if epoch_length is not None and epoch_length < 1:
                    raise ValueError("run: data is empty; provide at least one batch")
            if max_iters is None and max_epochs is None:
                max_epochs = 1
            if max_iters is not None and epoch_length is not None:
                max_epochs = math.ceil(max_iters / epoch_length)
            state.iteration = 0
            state.epoch = 0
            state.max_epochs = max_epochs
            state.max_iters = max_iters
            state.epoch_length = epoch_length
            self._run_generator = None
            self._data_iter = None
            self.logger.info("Engine run starting with max_epochs=%s.", max_epochs)
        else:
            if state.epoch_length is None and data is None and self._data_iter is None:
                raise ValueError("run: epoch_length should be given when data is None")
            self.logger.info(
                "Engine run resuming from iteration %s, epoch %s until %s epochs",
                state.iteration,
                state.epoch,
                state.max_epochs,
            )
        if self._data_iter is None and data is not None:
            state.dataloader = data
        if self._run_generator is None:
            self._run_generator = self._run_as_generator()
        try:
            next(self._run_generator)
        except StopIteration:
            self._run_generator = None
        except BaseException:
            self._run_generator = None
            raise
        return state

    def _make_data_iter(self) -> Iterator[Any]:
        """A fresh iterator over the data; subclasses synchronise it with the state."""
        if self.state.dataloader is None:
            return itertools.repeat(None, self.state.epoch_length or 0)
        return iter(self.state.dataloader)

    def _check_stop(self, in_epoch: bool) -> Generator[None, None, None]:
        """Act on terminate/interrupt requests; yields once to pause on interrupt."""
        if self.should_terminate:
            raise _Terminate
        if self.should_terminate_single_epoch and in_epoch:
            raise _TerminateEpoch
        if self.should_interrupt:
            self._fire_event(Events.INTERRUPT)
            self.should_interrupt = False
            yield

    def _run_as_generator(self) -> Generator[None, None, None]:
        state = self.state
        self.should_terminate = self.should_terminate_single_epoch = self.should_interrupt = False
        counter = 0
        if state.epoch_length:
            state.epoch, counter = divmod(state.iteration, state.epoch_length)
        elif state.iteration:
            state.epoch = max(state.epoch - 1, 0)
        try:
            start = time.perf_counter()
            try:
                self._fire_event(Events.STARTED)
                yield from self._check_stop(in_epoch=False)
                while not self._is_done(state) and not self.should_terminate:
                    state.epoch += 1
                    epoch_start = time.perf_counter()
                    epoch_time = yield from self._run_epoch(counter)
                    counter = 0
                    state.times["EPOCH_COMPLETED"] = epoch_time
                    if self._should_terminate_single_epoch != "skip_epoch_completed":
                        self._fire_event(Events.EPOCH_COMPLETED)
                        state.times["EPOCH_COMPLETED"] = time.perf_counter() - epoch_start
                    self.should_terminate_single_epoch = False
                    yield from self._check_stop(in_epoch=False)
                    self.logger.info(
                        "Epoch[%s] Complete. Time taken: %s",
                        state.epoch,
                        _hms(time.perf_counter() - epoch_start),
                    )
            except _Terminate:
                self._fire_event(Events.TERMINATE)
            state.times["COMPLETED"] = time.perf_counter() - start
            if self._should_terminate != "skip_completed":
                self._fire_event(Events.COMPLETED)
                state.times["COMPLETED"] = time.perf_counter() - start
            self.logger.info(
                "Engine run finished. Time taken: %s", _hms(time.perf_counter() - start)
            )
        except (Exception, KeyboardInterrupt) as error:
            self._data_iter = None
            self.logger.error("Engine run is terminating due to exception: %s", error)
            if not self._calls.get(Events.EXCEPTION_RAISED):
                raise
            self._fire_event(Events.EXCEPTION_RAISED, error)
        self._data_iter = None

    def _run_epoch(self, counter: int) -> Generator[None, None, float]:
        """One epoch from ``counter`` iterations in; returns its time without EPOCH_COMPLETED."""
        state = self.state
        process = self._process_function
        epoch_length = state.epoch_length
        max_iters = state.max_iters
        get_batch_started, get_batch_completed, iteration_started, iteration_completed = (
            _ITERATION_EVENTS
        )
        start = time.perf_counter()
        restarted = False
        has_data = state.dataloader is not None
        try:
            self._fire_event(Events.EPOCH_STARTED)
            yield from self._check_stop(in_epoch=True)
            if self._data_iter is None:
                self._data_iter = self._make_data_iter()
            while True:
                gbs, gbc, its, itc = self._iteration_calls
                state.batch = None
                if not restarted and has_data:
                    self.last_event_name = get_batch_started
                    if gbs:
                        for call in gbs:
                            call(self)
                        if self._stop_requested:
                            yield from self._check_stop(in_epoch=True)
                try:
                    batch = next(self._data_iter)
                except StopIteration:
                    if epoch_length is None:
                        if counter == 0:
                            raise ValueError(
                                "run: data is empty; provide at least one batch"
                            ) from None
                        state.epoch_length = epoch_length = counter
                        if max_iters is not None:
                            state.max_epochs = math.ceil(max_iters / counter)
                        break
                    if restarted:
                        self._warn_exhausted()
                        self.should_terminate = True
                        break
                    if has_data:
                        self._fire_event(Events.DATALOADER_STOP_ITERATION)
                        yield from self._check_stop(in_epoch=True)
                    self._data_iter = self._make_data_iter()
                    restarted = True
                    continue
                restarted = False
                state.batch = batch
                state.output = None
                if has_data:
                    self.last_event_name = get_batch_completed
                if gbc and has_data:
                    for call in gbc:
                        call(self)
                    if self._stop_requested:
                        yield from self._check_stop(in_epoch=True)
                counter += 1
                state.iteration += 1
                self.last_event_name = iteration_started
                if its:
                    for call in its:
                        call(self)
                    if self._stop_requested:
                        yield from self._check_stop(in_epoch=True)
                try:
                    state.output = process(self, batch)
                except BaseException:
                    # This iteration did not happen: a run resumed from this state redoes it.
                    state.iteration -= 1
                    raise
                self.last_event_name = iteration_completed
                for call in itc:
                    call(self)
                if self._stop_requested:
                    yield from self._check_stop(in_epoch=True)
                if counter == epoch_length:
                    break
                if state.iteration == max_iters:
                    self.should_terminate = True
                    raise _Terminate
        except _TerminateEpoch:
            self._fire_event(Events.TERMINATE_SINGLE_EPOCH, counter)
            self._data_iter = None
        return time.perf_counter() - start

    def _warn_exhausted(self) -> None:
        state = self.state
        total = (
            state.max_iters
            if state.max_iters is not None
            else (state.epoch_length or 0) * (state.max_epochs or 0)
        )
        warnings.warn(
            f"Data iterator can not provide data anymore but required total number of iterations "
            f"to run is not reached. Current iteration: {state.iteration} vs Total iterations to "
            f"run : {total}",
            UserWarning,
            stacklevel=3,
        )
