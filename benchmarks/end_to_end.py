"""End to end: train a small MLP on scikit-learn's digits with a bare loop, ember and Ignite.

All three train the same model from the same seeded initialisation, on the same DataLoader
(batch size 64, shuffled by a seeded generator), with the same steps in the same order as
Ignite's supervised step (zero_grad, train mode, forward, loss, backward, step, loss.item()),
so they end with the same weights; the report shows how far each run's weights are from the
bare loop's as a check that the comparison is fair.

Each round runs every variant once, in a rotating order, after one untimed warm-up run of each;
the report gives the best and the median time over rounds and the ratios to the bare loop.
torch runs on one thread, which makes the timings far steadier on a small machine.

    python benchmarks/end_to_end.py            # 5 epochs, 20 rounds
    python benchmarks/end_to_end.py --quick    # 1 epoch, 2 rounds
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import torch
from _report import header, optional_import, parse_args, ratio, silence_loggers, table, verdict
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

TARGET_RATIO = 1.03  # ember's time over the bare loop's: at most this
BATCH_SIZE = 64
SEED = 0

Setup = tuple[nn.Module, torch.optim.Optimizer, nn.Module, DataLoader[Any]]
Runner = Callable[[Setup, int], float]


def digits() -> TensorDataset:
    from sklearn.datasets import load_digits

    features, targets = load_digits(return_X_y=True)
    x = torch.as_tensor(features / 16.0, dtype=torch.float32)
    y = torch.as_tensor(targets, dtype=torch.long)
    return TensorDataset(x, y)


def make_setup(dataset: TensorDataset) -> Setup:
    """A freshly initialised model, optimizer, loss and loader, identical on every call."""
    torch.manual_seed(SEED)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loader = DataLoader(
        dataset,
        batch_size=BATCH_SIZE,
        shuffle=True,
        generator=torch.Generator().manual_seed(SEED),
    )
    return model, optimizer, nn.CrossEntropyLoss(), loader


def bare_loop(setup: Setup, epochs: int) -> float:
    model, optimizer, loss_fn, loader = setup
    loss_value = float("nan")
    for _ in range(epochs):
        for x, y in loader:
            optimizer.zero_grad()
            model.train()
            y_pred = model(x)
            loss = loss_fn(y_pred, y)
            loss.backward()
            optimizer.step()
            loss_value = loss.item()
    return loss_value


def library_runner(module: Any) -> Runner:
    """Train with ``module.create_supervised_trainer`` (ember.engine or ignite.engine)."""

    def run(setup: Setup, epochs: int) -> float:
        model, optimizer, loss_fn, loader = setup
        trainer = module.create_supervised_trainer(model, optimizer, loss_fn)
        trainer.run(loader, max_epochs=epochs)
        return float(trainer.state.output)

    return run


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    epochs = 1 if args.quick else 5
    rounds = args.repeats or (2 if args.quick else 20)

    torch.set_num_threads(1)
    silence_loggers("ignite", "ember")
    runners: dict[str, Runner] = {"bare loop": bare_loop}
    for name, module_name in (("ember", "ember.engine"), ("ignite", "ignite.engine")):
        module = optional_import(module_name)
        if module is not None and not hasattr(module, "create_supervised_trainer"):
            print(f"note: {module_name} has no create_supervised_trainer; its row is skipped")
        elif module is not None:
            runners[name] = library_runner(module)

    dataset = digits()
    steps = epochs * -(-len(dataset) // BATCH_SIZE)
    header(
        f"End to end: MLP 64-128-10 on digits ({len(dataset)} samples), {epochs} epochs "
        f"({steps} steps), {rounds} rounds"
    )

    # Fairness check, untimed (also the warm-up): every variant ends with the bare loop's weights.
    final: dict[str, tuple[float, list[torch.Tensor]]] = {}
    for name, run in runners.items():
        setup = make_setup(dataset)
        loss = run(setup, epochs)
        final[name] = (loss, [p.detach().clone() for p in setup[0].parameters()])

    times: dict[str, list[float]] = {name: [] for name in runners}
    names = list(runners)
    for round_index in range(rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            setup = make_setup(dataset)
            start = time.perf_counter()
            runners[name](setup, epochs)
            times[name].append(time.perf_counter() - start)

    bare_best = min(times["bare loop"])
    bare_median = statistics.median(times["bare loop"])
    bare_params = final["bare loop"][1]
    rows = []
    for name in names:
        loss, params = final[name]
        distance = max((p - q).abs().max().item() for p, q in zip(params, bare_params, strict=True))
        best, median = min(times[name]), statistics.median(times[name])
        rows.append(
            [
                name,
                best * 1000,
                median * 1000,
                ratio(best, bare_best),
                ratio(median, bare_median),
                f"{loss:.6f}",
                f"{distance:.2g}",
            ]
        )
    table(
        ["", "best ms", "median ms", "best/bare", "median/bare", "final loss", "max |w - w_bare|"],
        rows,
    )

    ember_ratio = ratio(min(times["ember"]), bare_best) if "ember" in times else None
    print("target:")
    table(
        ["", "measured", "target", ""],
        [
            [
                "ember best / bare best",
                ember_ratio,
                f"<= {TARGET_RATIO}",
                verdict(ember_ratio, TARGET_RATIO),
            ]
        ],
    )


if __name__ == "__main__":
    main()
