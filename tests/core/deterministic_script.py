"""A seeded training-like run, executed in its own process by ``test_deterministic.py``.

``python deterministic_script.py full OUT`` records an uninterrupted run and, in the same
process, a run stopped after ``--stop`` iterations whose state dict is saved with ``torch.save``;
``python deterministic_script.py resume OUT`` loads that state dict in a fresh process and records
the rest of the run.
"""

from __future__ import annotations

import argparse
import random

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from ember.engine import DeterministicEngine, Engine, Events


class NoisyDigits(Dataset[tuple[int, torch.Tensor]]):
    """Returns its index and an "augmented" sample drawn from torch's global generator."""

    def __len__(self) -> int:
        return 40

    def __getitem__(self, index: int) -> tuple[int, torch.Tensor]:
        return index, torch.full((3,), float(index)) + torch.rand(3)


def make_loader(variant: str) -> DataLoader[tuple[int, torch.Tensor]]:
    if variant == "generator":
        generator = torch.Generator().manual_seed(99)
        return DataLoader(NoisyDigits(), batch_size=4, shuffle=True, generator=generator)
    return DataLoader(NoisyDigits(), batch_size=4, shuffle=True)


def make_engine(records: list[dict[str, object]]) -> DeterministicEngine:
    dropout = nn.Dropout(p=0.5)

    def step(engine: Engine, batch: tuple[torch.Tensor, torch.Tensor]) -> None:
        index, x = batch
        records.append(
            {
                "iteration": engine.state.iteration,
                "index": index.tolist(),
                "x": x.tolist(),
                "dropout": dropout(torch.ones(8)).tolist(),
                "python": random.random(),
                "numpy": float(np.random.rand()),
            }
        )

    return DeterministicEngine(step)


def run_options(variant: str) -> dict[str, int]:
    return {"max_epochs": 3, "epoch_length": 4} if variant == "generator" else {"max_epochs": 3}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["full", "resume"])
    parser.add_argument("out")
    parser.add_argument("--state", required=True)
    parser.add_argument("--stop", type=int, default=0)
    parser.add_argument("--variant", default="plain")
    args = parser.parse_args()
    options = run_options(args.variant)
    if args.mode == "full":
        full: list[dict[str, object]] = []
        make_engine(full).run(make_loader(args.variant), seed=1234, **options)
        head: list[dict[str, object]] = []
        engine = make_engine(head)

        @engine.on(Events.ITERATION_COMPLETED(once=args.stop))
        def save_and_stop(engine: Engine) -> None:
            torch.save(engine.state_dict(), args.state)
            engine.terminate()

        engine.run(make_loader(args.variant), seed=1234, **options)
        torch.save({"full": full, "head": head}, args.out)
    else:
        tail: list[dict[str, object]] = []
        engine = make_engine(tail)
        engine.load_state_dict(torch.load(args.state, weights_only=True))
        engine.run(make_loader(args.variant))
        torch.save({"tail": tail}, args.out)


if __name__ == "__main__":
    main()
