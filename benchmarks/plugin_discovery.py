"""Plugin discovery and loading: first use of the registry, and the cost per installed package.

Two figures, each in fresh interpreters (discovery runs once per process):

- ``registry("metrics")`` on first use in this environment: the sys.path scan, the policy, the
  import of each allowed plugin module and its registrations (the first-party plugins, when
  installed in the benchmark's environment);
- the scan alone over a directory of 0, 200 and 1 000 synthetic unrelated distributions (half
  of them with an ``entry_points.txt`` holding console scripts, as real ones often do), next to
  ``importlib.metadata.entry_points(group="ember")`` over the same directory. The cost per
  unrelated distribution is the slope between 0 and 1 000.

    python benchmarks/plugin_discovery.py            # median of 7
    python benchmarks/plugin_discovery.py --quick    # median of 3
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _report import header, parse_args, table, verdict

TARGET_LOAD_MS = 30.0  # first registry use, first-party plugins installed
TARGET_SCAN_US = 25.0  # per unrelated installed distribution

FIRST_USE = (
    "import time, ember, warnings; warnings.simplefilter('ignore')\n"
    "t = time.perf_counter()\n"
    "from ember.plugins import registry, plugin_records\n"
    "registry('metrics')\n"
    "print(time.perf_counter() - t, len(plugin_records()))\n"
)

SCAN = (
    "import sys, time\n"
    "if sys.argv[2] == 'ember':\n"
    "    from ember.plugins.discovery import discover\n"
    "    t = time.perf_counter(); found = discover([sys.argv[1]])\n"
    "else:\n"
    "    import importlib.metadata as md\n"
    "    t = time.perf_counter()\n"
    "    found = [ep for d in md.distributions(path=[sys.argv[1]])\n"
    "             for ep in d.entry_points if ep.group == 'ember']\n"
    "print(time.perf_counter() - t, len(found))\n"
)


def populate(directory: Path, count: int) -> None:
    """``count`` unrelated dist-info directories; every other one with console scripts."""
    for index in range(count):
        info = directory / f"unrelated_pkg_{index}-1.{index}.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: unrelated-pkg-{index}\nVersion: 1.{index}.0\n"
        )
        if index % 2:
            (info / "entry_points.txt").write_text(
                f"[console_scripts]\ntool-{index} = unrelated_pkg_{index}.cli:main\n"
            )


def median_run(code: str, args: list[str], repeats: int) -> tuple[float, int]:
    times, found = [], 0
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True
        ).stdout.split()
        times.append(float(out[0]))
        found = int(out[1])
    return statistics.median(times), found


def main() -> None:
    args = parse_args(__doc__ or "")
    repeats = args.repeats or (3 if args.quick else 7)
    import ember  # noqa: F401  (for the versions in the header)

    header("Plugin discovery and loading")
    seconds, plugins = median_run(FIRST_USE, [], repeats)
    table(
        ["first registry use", "ms", "entry points", "target"],
        [
            [
                "discover + policy + load",
                seconds * 1e3,
                plugins,
                verdict(seconds * 1e3, TARGET_LOAD_MS) + f" (≤ {TARGET_LOAD_MS:g} ms)",
            ]
        ],
    )
    rows = []
    scans: dict[tuple[str, int], float] = {}
    with tempfile.TemporaryDirectory() as root:
        for count in (0, 200, 1000):
            directory = Path(root) / str(count)
            directory.mkdir()
            populate(directory, count)
            for peer in ("ember", "importlib.metadata"):
                seconds, _ = median_run(SCAN, [str(directory), peer], repeats)
                scans[peer, count] = seconds
                rows.append([f"{peer}, {count} distributions", seconds * 1e3])
    table(["scan", "ms"], rows)
    slope = {
        peer: (scans[peer, 1000] - scans[peer, 0]) / 1000 * 1e6
        for peer in ("ember", "importlib.metadata")
    }
    table(
        ["per unrelated distribution", "µs", "target"],
        [
            [
                "ember",
                slope["ember"],
                verdict(slope["ember"], TARGET_SCAN_US) + f" (≤ {TARGET_SCAN_US:g} µs)",
            ],
            ["importlib.metadata", slope["importlib.metadata"], ""],
        ],
    )


if __name__ == "__main__":
    main()
