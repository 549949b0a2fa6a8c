"""The examples of docs/metrics/{classification,segmentation,aggregation}.md print what they say.

Each page's ``python`` blocks run in order in one namespace; a plain block right after a
``python`` block is the output that block must print.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[3] / "docs" / "metrics"
EXAMPLE = re.compile(r"```python\n(.*?)```\n(?:\s*\n```\n(.*?)```\n)?", re.S)


@pytest.mark.parametrize("page", ["classification.md", "segmentation.md", "aggregation.md"])
def test_every_example_prints_its_documented_output(page):
    text = (DOCS / page).read_text()
    namespace: dict[str, object] = {}
    examples = list(EXAMPLE.finditer(text))
    assert examples, f"{page} has no examples"
    for number, example in enumerate(examples, 1):
        code, expected = example.group(1), example.group(2)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, f"{page} example {number}", "exec"), namespace)
        if expected is not None:
            assert printed.getvalue() == expected, f"{page} example {number}"
