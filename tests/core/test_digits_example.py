"""Runs examples/digits.py as a user would and checks what it prints."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "digits.py"
LINE = re.compile(
    r"Epoch (?P<epoch>\d+)  train loss: (?P<train_loss>\d+\.\d{3})  "
    r"val loss: (?P<val_loss>\d+\.\d{3})  val accuracy: (?P<val_accuracy>[01]\.\d{3})"
)


@pytest.mark.slow
def test_digits_example_prints_one_line_per_epoch_and_accuracy_rises() -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), "--epochs", "2"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr

    lines = result.stdout.strip().splitlines()
    matches = [LINE.fullmatch(line) for line in lines]
    assert all(matches), f"unexpected output:\n{result.stdout}"
    epochs = [{key: float(value) for key, value in m.groupdict().items()} for m in matches if m]

    assert [e["epoch"] for e in epochs] == [1, 2]
    assert epochs[1]["val_accuracy"] > epochs[0]["val_accuracy"]
    assert epochs[1]["val_loss"] < epochs[0]["val_loss"]
    assert epochs[1]["train_loss"] < epochs[0]["train_loss"]
    assert epochs[1]["val_accuracy"] > 0.8
