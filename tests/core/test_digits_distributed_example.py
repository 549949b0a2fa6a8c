"""examples/digits_distributed.py trains on two real gloo processes and learns."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "digits_distributed.py"


@pytest.mark.slow
def test_two_process_example_reports_each_epoch_once_and_learns() -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), "--epochs", "3", "--nproc", "2"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    pattern = r"Epoch (\d)  val loss: (\d\.\d{3})  val accuracy: (\d\.\d{3})  \(2 processes\)"
    epochs = [re.fullmatch(pattern, line) for line in result.stdout.splitlines()]
    assert all(epochs), result.stdout
    assert [int(m.group(1)) for m in epochs if m] == [1, 2, 3]
    accuracies = [float(m.group(3)) for m in epochs if m]
    assert accuracies[-1] > 0.8
    assert "Spawn function" in result.stderr
    assert "End of run" in result.stderr
