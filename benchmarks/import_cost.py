"""Import cost of ``import ember`` after torch is imported, next to ``import ignite.engine``.

torch is imported first in each measurement because every user of either library has imported
it anyway; what is left is the library's own cost. Each import runs in a fresh interpreter (a
second import in the same process is free), and the figure is the median over ``--repeats`` runs.
The modules each import brings in beyond torch are listed from ``python -X importtime``, the
slowest first, to show where the time goes.

    python benchmarks/import_cost.py            # 7 fresh interpreters per library
    python benchmarks/import_cost.py --quick    # 3
"""

from __future__ import annotations

import importlib.util
import statistics
import subprocess
import sys

from _report import header, parse_args, table, verdict

TARGET_MS = 50.0  # import ember after torch: at most this many milliseconds

SUBJECTS = {"ember": "ember", "ignite": "ignite.engine"}

TIMER = (
    "import torch, time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
)


def time_import(module: str) -> float:
    """Seconds to import ``module`` in a fresh interpreter that has imported torch already."""
    result = subprocess.run(
        [sys.executable, "-c", TIMER.format(module=module)],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(result.stdout.strip().splitlines()[-1])


def slowest_modules(module: str, count: int) -> list[tuple[str, float, float]]:
    """Modules that ``import module`` brings in after torch: (name, self ms, cumulative ms).

    The ``count`` with the largest self time, from one ``python -X importtime`` run.
    """
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import torch; import {module}"],
        check=True,
        capture_output=True,
        text=True,
    )
    lines = [line for line in result.stderr.splitlines() if line.startswith("import time:")]
    # Lines come in completion order: everything after torch's own line is the library's part.
    last_torch = max(i for i, line in enumerate(lines) if line.rstrip().endswith("| torch"))
    entries: dict[str, tuple[str, float, float]] = {}
    for line in lines[last_torch + 1 :]:
        own, cumulative, name = (part.strip() for part in line.split(":", 1)[1].split("|"))
        entries[name] = (name, int(own) / 1000, int(cumulative) / 1000)
    return sorted(entries.values(), key=lambda entry: entry[1], reverse=True)[:count]


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    repeats = args.repeats or (3 if args.quick else 7)

    available = {
        name: module
        for name, module in SUBJECTS.items()
        if importlib.util.find_spec(module.split(".")[0]) is not None
    }
    for name in SUBJECTS.keys() - available.keys():
        print(f"note: {name} is not installed; its row is skipped")

    header(f"Import cost after torch: median of {repeats} fresh interpreters")

    medians: dict[str, float] = {}
    samples: dict[str, list[float]] = {name: [] for name in available}
    failed: set[str] = set()
    for _ in range(repeats):  # alternate, so that a slow spell does not favour one library
        for name, module in available.items():
            if name in failed:
                continue
            try:
                samples[name].append(time_import(module) * 1000)
            except subprocess.CalledProcessError as error:
                print(f"note: import {module} failed; its row is skipped:\n{error.stderr}")
                failed.add(name)
    for name, values in samples.items():
        if values:
            medians[name] = statistics.median(values)

    rows = [
        [f"import {available[name]}", value, min(samples[name]), max(samples[name])]
        for name, value in medians.items()
    ]
    table(["milliseconds", "median", "min", "max"], rows)

    ember_ms = medians.get("ember")
    print("target:")
    table(
        ["", "measured", "target", ""],
        [["import ember (ms)", ember_ms, f"<= {TARGET_MS:g}", verdict(ember_ms, TARGET_MS)]],
    )

    for name in medians:
        module = available[name]
        print(f"slowest modules under `import {module}` (ms, one run):")
        table(["module", "self", "cumulative"], slowest_modules(module, 8))


if __name__ == "__main__":
    main()
