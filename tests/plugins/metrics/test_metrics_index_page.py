"""docs/metrics/index.md lists every catalogue metric, and its example prints what it shows."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

from ember_metrics.catalogue import entries

PAGE = Path(__file__).resolve().parents[3] / "docs" / "metrics" / "index.md"
ROW = re.compile(r"^\| `(\w+)` \| `(\w+)` \|", re.M)


def test_every_metric_is_listed_once_with_its_registry_name():
    listed = ROW.findall(PAGE.read_text())
    expected = {(entry.cls, name) for name, entry in entries().items()}
    assert sorted(listed) == sorted(expected)


def test_every_family_page_it_links_exists():
    for link in re.findall(r"\]\((\S+\.md)\)", PAGE.read_text()):
        assert (PAGE.parent / link).is_file(), link


def test_the_example_prints_its_documented_output():
    code, expected = re.search(
        r"```python\n(.*?)```\n\s*```\n(.*?)```", PAGE.read_text(), re.S
    ).groups()
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "index.md example", "exec"), {})
    assert printed.getvalue() == expected
