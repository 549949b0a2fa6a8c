"""An engine whose runs replay exactly, also when resumed mid-epoch in a new process.

Example:
    >>> import torch
    >>> from ember.engine import DeterministicEngine, Events
    >>> def draws(seed):
    ...     engine = DeterministicEngine(lambda engine, batch: torch.rand(1).item())
    ...     seen = []
    ...     record = lambda e: seen.append(e.state.output)
    ...     engine.add_event_handler(Events.ITERATION_COMPLETED, record)
    ...     engine.run(range(3), max_epochs=2, seed=seed)
    ...     return seen
    >>> draws(7) == draws(7)
    True
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import torch
from torch.utils.data import DataLoader, IterableDataset, Sampler

from ember.engine.engine import Engine, _data_length
from ember.engine.rng_states import get_rng_states, set_rng_states
from ember.engine.state import State
from ember.utils.seeding import manual_seed

__all__ = ["DeterministicEngine"]

# Odd multiplier that spreads consecutive passes of one seed far apart in seed space.
_PASS_STRIDE = 1_000_003


def _pass_seed(seed: int, pass_index: int) -> int:
    return (seed * _PASS_STRIDE + pass_index) % 2**63


class _ReplayBatchSampler(Sampler[list[int]]):
    """Yields a batch plan fixed in advance; reports the length of the sampler it replaces."""

    def __init__(self, source: Iterable[list[int]]) -> None:
        self.source = source
        self.plan: list[list[int]] = []

    def __iter__(self) -> Iterator[list[int]]:
        return iter(self.plan)

    def __len__(self) -> int:
        return len(self.source)  # type: ignore[arg-type]


def _replay_loader(source: DataLoader[Any], sampler: _ReplayBatchSampler) -> DataLoader[Any]:
    """A copy of ``source`` (same workers, collate, pinning, generator) batching by ``sampler``."""
    options: dict[str, Any] = {
        "num_workers": source.num_workers,
        "collate_fn": source.collate_fn,
        "pin_memory": source.pin_memory,
        "timeout": source.timeout,
        "worker_init_fn": source.worker_init_fn,
        "multiprocessing_context": source.multiprocessing_context,
        "generator": source.generator,
        "persistent_workers": source.persistent_workers,
        "pin_memory_device": source.pin_memory_device,
    }
    if source.num_workers > 0:
        options["prefetch_factor"] = source.prefetch_factor
    if hasattr(source, "in_order"):
        options["in_order"] = source.in_order
    return DataLoader(source.dataset, batch_sampler=sampler, **options)


def _is_replayable(data: Any) -> bool:
    return (
        isinstance(data, DataLoader)
        and data.batch_sampler is not None
        and not isinstance(data.dataset, IterableDataset)
    )


class DeterministicEngine(Engine):
    """An :class:`Engine` whose batches and random numbers depend only on the seed and position.

    Every pass over the data starts by seeding torch, Python's ``random`` and numpy from
    ``(state.seed, pass)``; a ``DataLoader``'s shuffle order for the pass is drawn right then, so
    it is fixed by the seed too. ``state_dict()`` adds the seed and the random-number states, so a
    run saved mid-epoch and resumed in a new process skips the batches already seen (without
    loading them) and continues with the same batches and random numbers as a run that never
    stopped. The state dict holds only tensors, ints and lists: it loads with
    ``torch.load(..., weights_only=True)``.

    Data without ``len`` is taken to be one pass per epoch. With ``num_workers > 0``, the
    randomness drawn inside DataLoader workers is seeded per pass, but after a mid-epoch resume
    the remaining batches are dealt to the workers in a different order, so only main-process
    randomness (dropout, augmentation with ``num_workers=0``) replays exactly.

    Example:
        >>> import torch
        >>> from torch.utils.data import DataLoader
        >>> from ember.engine import DeterministicEngine, Engine, Events
        >>> loader = DataLoader(range(6), batch_size=2, shuffle=True)
        >>> def run(stop_at=None, state_dict=None):
        ...     engine = DeterministicEngine(lambda engine, batch: batch.tolist())
        ...     seen = []
        ...     record = lambda e: seen.append(e.state.output)
        ...     engine.add_event_handler(Events.ITERATION_COMPLETED, record)
        ...     if stop_at:
        ...         stop = Events.ITERATION_COMPLETED(once=stop_at)
        ...         engine.add_event_handler(stop, Engine.terminate)
        ...     if state_dict:
        ...         engine.load_state_dict(state_dict)
        ...     engine.run(loader, max_epochs=2, seed=3)
        ...     return seen, engine.state_dict()
        >>> full, _ = run()
        >>> head, saved = run(stop_at=4)
        >>> tail, _ = run(state_dict=saved)
        >>> head + tail == full
        True
    """

    def __init__(self, process_function: Any) -> None:
        super().__init__(process_function)
        self._saved_rng_states: dict[str, Any] | None = None
        self._replay: tuple[DataLoader[Any], DataLoader[Any], _ReplayBatchSampler] | None = None

    def run(
        self,
        data: Iterable[Any] | None = None,
        max_epochs: int | None = None,
        epoch_length: int | None = None,
        max_iters: int | None = None,
        seed: int | None = None,
    ) -> State:
        """Like :meth:`Engine.run`, with the ``seed`` of the run.

        Args:
            data: as for :meth:`Engine.run`.
            max_epochs: as for :meth:`Engine.run`.
            epoch_length: as for :meth:`Engine.run`.
            max_iters: as for :meth:`Engine.run`.
            seed: the seed every random stream of the run derives from; ``None`` keeps
                ``state.seed``, or draws one from torch's generator when that is unset too.

        Example:
            >>> from ember.engine import DeterministicEngine
            >>> engine = DeterministicEngine(lambda engine, batch: batch)
            >>> engine.run([1, 2], seed=12).seed
            12
        """
        if seed is not None:
            if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
                raise ValueError(f"run: seed should be a non-negative int, got {seed!r}")
            self.state.seed = seed
        return super().run(
            data, max_epochs=max_epochs, epoch_length=epoch_length, max_iters=max_iters
        )

    def state_dict(self) -> dict[str, Any]:
        """:meth:`Engine.state_dict` plus ``seed`` and ``rng_states`` (the random states now).

        Example:
            >>> from ember.engine import DeterministicEngine
            >>> engine = DeterministicEngine(lambda engine, batch: None)
            >>> sorted(engine.run([0, 1], seed=5).seed and engine.state_dict())
            ['epoch_length', 'iteration', 'max_epochs', 'rng_states', 'seed']
        """
        return {**super().state_dict(), "seed": self.state.seed, "rng_states": get_rng_states()}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """:meth:`Engine.load_state_dict`, also restoring ``seed`` and the random states.

        The random states are applied when the run resumes, after the skipped batches.

        Example:
            >>> from ember.engine import DeterministicEngine
            >>> engine = DeterministicEngine(lambda engine, batch: None)
            >>> engine.load_state_dict({"epoch_length": 2, "iteration": 1, "max_epochs": 1,
            ...                         "seed": 4})
            >>> engine.state.seed
            4
        """
        super().load_state_dict(state_dict)
        self.state.seed = state_dict.get("seed", self.state.seed)
        self._saved_rng_states = state_dict.get("rng_states")

    def _make_data_iter(self) -> Iterator[Any]:
        state = self.state
        if state.seed is None:
            state.seed = int(torch.randint(0, 2**31 - 1, (1,)).item())
        data = state.dataloader
        length = (_data_length(data) if data is not None else None) or state.epoch_length
        pass_index, skip = divmod(state.iteration, length) if length else (0, state.iteration)
        seed = _pass_seed(state.seed, pass_index)
        manual_seed(seed)
        if data is not None and _is_replayable(data):
            iterator = self._replay_iter(data, seed, skip)  # type: ignore[arg-type]
        else:
            iterator = super()._make_data_iter()
            next(itertools.islice(iterator, skip, skip), None)
        saved, self._saved_rng_states = self._saved_rng_states, None
        # A resume at a pass boundary is fully determined by the seed; mid-pass it continues
        # from the random state the interrupted run had.
        if skip and saved is not None:
            set_rng_states(saved)
        return iterator

    def _replay_iter(self, data: DataLoader[Any], seed: int, skip: int) -> Iterator[Any]:
        if self._replay is None or self._replay[0] is not data:
            sampler = _ReplayBatchSampler(data.batch_sampler)  # type: ignore[arg-type]
            self._replay = (data, _replay_loader(data, sampler), sampler)
        _, loader, sampler = self._replay
        generators = {
            id(gen): gen
            for gen in (
                data.generator,
                getattr(data.batch_sampler, "generator", None),
                getattr(getattr(data.batch_sampler, "sampler", None), "generator", None),
            )
            if isinstance(gen, torch.Generator)
        }
        for generator in generators.values():
            generator.manual_seed(seed)
        sampler.plan = [list(batch) for batch in data.batch_sampler][skip:]  # type: ignore[union-attr]
        return iter(loader)
