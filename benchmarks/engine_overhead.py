"""Engine overhead per iteration: a bare Python loop, ember's Engine and PyTorch-Ignite's Engine.

The process function does nothing, so what is measured is the cost of the loop itself: the
iteration over the data, the state counters and the firing of events. It is measured with no
handlers and with five (two on every ITERATION_COMPLETED, three behind ``every=`` filters).

Each figure is the best of ``--repeats`` runs, measured with time.perf_counter and the garbage
collector off (as timeit does); implementations take turns inside every repeat, so that a slow
spell of the machine does not favour one of them.

    python benchmarks/engine_overhead.py            # 200 000 iterations per run
    python benchmarks/engine_overhead.py --quick    # 10 000 iterations, 2 repeats
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from typing import Any

from _report import header, optional_import, parse_args, ratio, silence_loggers, table, verdict

TARGET_BARE_US = 1.0  # ember, no handlers: at most this many microseconds per iteration
TARGET_FIVE_US = 2.0  # ember, five handlers
EVERY = (10, 100, 1000)  # the filtered handlers fire on multiples of these iterations


def process(engine: Any, batch: Any) -> None:
    return None


def make_handler() -> Callable[[Any], None]:
    def handler(engine: Any) -> None:
        return None

    return handler


def bare_loop(data: Sequence[int], max_epochs: int, with_handlers: bool) -> float:
    """The floor: the loop a user would write by hand, with the same handler calls inlined."""
    fn = process
    if not with_handlers:
        start = time.perf_counter()
        for _ in range(max_epochs):
            for batch in data:
                fn(None, batch)
        return time.perf_counter() - start

    h1, h2, h3, h4, h5 = (make_handler() for _ in range(5))
    every1, every2, every3 = EVERY
    iteration = 0
    start = time.perf_counter()
    for _ in range(max_epochs):
        for batch in data:
            iteration += 1
            fn(None, batch)
            h1(None)
            h2(None)
            if iteration % every1 == 0:
                h3(None)
            if iteration % every2 == 0:
                h4(None)
            if iteration % every3 == 0:
                h5(None)
    return time.perf_counter() - start


def engine_runner(module: Any) -> Callable[[Sequence[int], int, bool], float]:
    """A runner timing ``module.Engine`` (ember.engine or ignite.engine) on the same workload."""
    engine_cls, events = module.Engine, module.Events

    def run(data: Sequence[int], max_epochs: int, with_handlers: bool) -> float:
        engine = engine_cls(process)
        if with_handlers:
            engine.add_event_handler(events.ITERATION_COMPLETED, make_handler())
            engine.add_event_handler(events.ITERATION_COMPLETED, make_handler())
            for every in EVERY:
                engine.add_event_handler(events.ITERATION_COMPLETED(every=every), make_handler())
        start = time.perf_counter()
        engine.run(data, max_epochs=max_epochs)
        return time.perf_counter() - start

    return run


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    epochs = 10 if args.quick else 200
    repeats = args.repeats or (2 if args.quick else 5)
    data = list(range(1000))
    iterations = len(data) * epochs

    silence_loggers("ignite", "ember")
    runners: dict[str, Callable[[Sequence[int], int, bool], float]] = {"bare loop": bare_loop}
    ember_engine = optional_import("ember.engine")
    if ember_engine is not None:
        runners["ember"] = engine_runner(ember_engine)
    ignite_engine = optional_import("ignite.engine")
    if ignite_engine is not None:
        runners["ignite"] = engine_runner(ignite_engine)

    header(f"Engine overhead: no-op process function, {iterations:,} iterations per run")

    best: dict[tuple[str, bool], float] = {}
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeats):
            for with_handlers in (False, True):
                for name, run in runners.items():
                    seconds = run(data, epochs, with_handlers)
                    key = (name, with_handlers)
                    best[key] = min(best.get(key, float("inf")), seconds)
    finally:
        gc.enable()

    def us(name: str, with_handlers: bool) -> float | None:
        seconds = best.get((name, with_handlers))
        return None if seconds is None else seconds / iterations * 1e6

    rows = [
        [name, us(name, False), us(name, True)]
        for name in ("bare loop", "ember", "ignite")
        if name in runners
    ]
    print(f"microseconds per iteration, best of {repeats}:")
    table(["", "no handlers", "five handlers"], rows)

    comparisons = [
        ["ember / ignite", ratio(us("ember", False), us("ignite", False)),
         ratio(us("ember", True), us("ignite", True))],
        ["ember - bare loop (us)", _diff(us("ember", False), us("bare loop", False)),
         _diff(us("ember", True), us("bare loop", True))],
        ["ignite - bare loop (us)", _diff(us("ignite", False), us("bare loop", False)),
         _diff(us("ignite", True), us("bare loop", True))],
    ]  # fmt: skip
    table(["", "no handlers", "five handlers"], comparisons)

    targets = [
        ["ember, no handlers", us("ember", False), f"<= {TARGET_BARE_US}",
         verdict(us("ember", False), TARGET_BARE_US)],
        ["ember, five handlers", us("ember", True), f"<= {TARGET_FIVE_US}",
         verdict(us("ember", True), TARGET_FIVE_US)],
    ]  # fmt: skip
    print("targets (microseconds per iteration):")
    table(["", "measured", "target", ""], targets)


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


if __name__ == "__main__":
    main()
