"""Discovery of ``ember`` entry points, checked against importlib.metadata as an oracle."""

from __future__ import annotations

import importlib.metadata
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.utils import canonicalize_name
from plugin_dists import make_dist

from ember.plugins.discovery import GROUP, Candidate, discover

Row = tuple[str, str, str, str | None]


def rows(candidates: Iterable[Candidate]) -> list[Row]:
    return [(c.dist, c.name, c.value, c.version) for c in candidates]


def oracle(path: list[str]) -> list[Row]:
    """What importlib.metadata sees on ``path``: first distribution of each name wins."""
    seen: set[str] = set()
    found: list[Row] = []
    for dist in importlib.metadata.distributions(path=path):
        name = canonicalize_name(dist.metadata["Name"])
        if name in seen:
            continue
        seen.add(name)
        found.extend(
            (name, ep.name, ep.value, dist.version) for ep in dist.entry_points if ep.group == GROUP
        )
    return sorted(found, key=lambda row: (row[0], row[1]))


def write_entry_points(info: Path, text: str) -> None:
    (info / "entry_points.txt").write_text(text, encoding="utf-8")


def test_discover_returns_candidates_sorted_by_canonical_dist_then_entry_point(
    tmp_path: Path,
) -> None:
    site = tmp_path / "site"
    make_dist(site, "zeta-plugin", "0.2", entry_points={"b": "zeta.b", "a": "zeta.a:hooks"})
    make_dist(site, "Alpha_Plugin", "1.0", entry_points={"only": "alpha.plugin"})
    make_dist(site, "middle", "3.1", entry_points={"z": "middle.z", "m": "middle.m"})

    found = discover(path=[str(site)])

    assert [(c.dist, c.name) for c in found] == [
        ("alpha-plugin", "only"),
        ("middle", "m"),
        ("middle", "z"),
        ("zeta-plugin", "a"),
        ("zeta-plugin", "b"),
    ]
    assert rows(found) == oracle([str(site)])


def test_candidate_records_value_module_version_and_location(tmp_path: Path) -> None:
    site = tmp_path / "site"
    info = make_dist(site, "acme-metrics", "1.2.3", entry_points={"metrics": "acme.plugin:hooks"})
    (candidate,) = discover(path=[str(site)])
    assert candidate == Candidate(
        name="metrics",
        value="acme.plugin:hooks",
        dist="acme-metrics",
        version="1.2.3",
        location=str(info),
    )
    assert candidate.module == "acme.plugin"


def test_discover_matches_importlib_metadata_entry_points_on_sys_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    make_dist(first, "Acme_Metrics", "2.0", entry_points={"metrics": "acme_metrics.plugin"})
    make_dist(first, "tools", "1.0")
    make_dist(second, "acme-metrics", "1.0", entry_points={"old": "acme_metrics.old"})
    make_dist(second, "ember.loggers", "0.4", entry_points={"loggers": "ember_loggers.plugin"})
    monkeypatch.setattr(sys, "path", [str(first), str(second)])

    expected = sorted(
        (str(canonicalize_name(ep.dist.name)), ep.name, ep.value, ep.dist.version)
        for ep in importlib.metadata.entry_points(group=GROUP)
        if ep.dist is not None
    )

    assert rows(discover()) == expected
    assert expected == [
        ("acme-metrics", "metrics", "acme_metrics.plugin", "2.0"),
        ("ember-loggers", "loggers", "ember_loggers.plugin", "0.4"),
    ]


def test_distribution_without_an_ember_group_is_ignored(tmp_path: Path) -> None:
    site = tmp_path / "site"
    tool = make_dist(site, "some-tool", "1.0")
    write_entry_points(tool, "[console_scripts]\nsome-tool = some_tool.cli:main\n")
    make_dist(site, "no-entry-points", "1.0")
    make_dist(site, "acme", "1.0", entry_points={"acme": "acme.plugin"})

    assert [c.dist for c in discover(path=[str(site)])] == ["acme"]
    assert rows(discover(path=[str(site)])) == oracle([str(site)])


def test_only_the_ember_section_of_entry_points_is_read(tmp_path: Path) -> None:
    site = tmp_path / "site"
    info = make_dist(site, "mixed", "1.0")
    write_entry_points(
        info,
        "[console_scripts]\nmixed = mixed.cli:main\n\n"
        "# a comment\n[ember]\nmetrics = mixed.metrics\n  loggers   =   mixed.loggers:hooks  \n\n"
        "[ember.extra]\nnot_me = mixed.other\n[pytest11]\nmixed = mixed.pytest_plugin\n",
    )
    assert rows(discover(path=[str(site)])) == [
        ("mixed", "loggers", "mixed.loggers:hooks", "1.0"),
        ("mixed", "metrics", "mixed.metrics", "1.0"),
    ]
    assert rows(discover(path=[str(site)])) == oracle([str(site)])


def test_distribution_present_in_two_path_entries_first_wins(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    make_dist(first, "acme-metrics", "2.0", entry_points={"new": "acme.new"})
    make_dist(second, "acme-metrics", "1.0", entry_points={"old": "acme.old"})
    path = [str(first), str(second)]

    assert rows(discover(path=path)) == [("acme-metrics", "new", "acme.new", "2.0")]
    assert rows(discover(path=path[::-1])) == [("acme-metrics", "old", "acme.old", "1.0")]
    assert rows(discover(path=path)) == oracle(path)


def test_first_copy_without_ember_entry_points_shadows_a_later_copy(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    make_dist(first, "acme-metrics", "2.0")  # the plugin was removed in the newer version
    make_dist(second, "acme-metrics", "1.0", entry_points={"old": "acme.old"})
    path = [str(first), str(second)]

    assert discover(path=path) == []
    assert oracle(path) == []


def test_same_distribution_spelled_differently_is_one_distribution(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    make_dist(first, "Acme.Metrics", "2.0", entry_points={"new": "acme.new"})
    make_dist(second, "acme_metrics", "1.0", entry_points={"old": "acme.old"})
    path = [str(first), str(second)]
    assert rows(discover(path=path)) == [("acme-metrics", "new", "acme.new", "2.0")]
    assert rows(discover(path=path)) == oracle(path)


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("Acme_Metrics", "acme-metrics"),
        ("ACME-Metrics", "acme-metrics"),
        ("acme.metrics", "acme-metrics"),
        ("Acme__Metrics", "acme-metrics"),
        ("plain", "plain"),
    ],
)
def test_distribution_names_are_canonicalised(tmp_path: Path, written: str, canonical: str) -> None:
    make_dist(tmp_path, written, "1.0", entry_points={"metrics": "acme.plugin"})
    (candidate,) = discover(path=[str(tmp_path)])
    assert candidate.dist == canonical


def test_version_is_taken_from_the_directory_name(tmp_path: Path) -> None:
    info = make_dist(tmp_path, "acme", "1.0", entry_points={"acme": "acme.plugin"})
    # METADATA disagrees: the directory name is what discovery reads (it never parses METADATA
    # when the name carries a version).
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme\nVersion: 9.9\n")
    (candidate,) = discover(path=[str(tmp_path)])
    assert candidate.version == "1.0"


def test_egg_info_with_version_in_its_name(tmp_path: Path) -> None:
    info = tmp_path / "Acme_Legacy-2.5-py3.11.egg-info"
    info.mkdir()
    (info / "PKG-INFO").write_text("Metadata-Version: 1.1\nName: Acme-Legacy\nVersion: 2.5\n")
    write_entry_points(info, "[ember]\nlegacy = acme_legacy.plugin\n")

    assert rows(discover(path=[str(tmp_path)])) == [
        ("acme-legacy", "legacy", "acme_legacy.plugin", "2.5")
    ]
    assert rows(discover(path=[str(tmp_path)])) == oracle([str(tmp_path)])


def test_egg_info_without_version_in_its_name_reads_pkg_info(tmp_path: Path) -> None:
    info = tmp_path / "acme_legacy.egg-info"
    info.mkdir()
    (info / "PKG-INFO").write_text(
        "Metadata-Version: 1.1\nName: acme-legacy\nVersion: 0.7.1\nSummary: old\n\n"
        "Version: 99 (in the description, not a header)\n"
    )
    write_entry_points(info, "[ember]\nlegacy = acme_legacy.plugin\n")

    assert rows(discover(path=[str(tmp_path)])) == [
        ("acme-legacy", "legacy", "acme_legacy.plugin", "0.7.1")
    ]
    assert rows(discover(path=[str(tmp_path)])) == oracle([str(tmp_path)])


def test_egg_info_without_any_version_has_version_none(tmp_path: Path) -> None:
    info = tmp_path / "acme_legacy.egg-info"
    info.mkdir()
    write_entry_points(info, "[ember]\nlegacy = acme_legacy.plugin\n")
    (candidate,) = discover(path=[str(tmp_path)])
    assert candidate.version is None


def test_missing_and_non_directory_path_entries_are_skipped(tmp_path: Path) -> None:
    site = tmp_path / "site"
    make_dist(site, "acme", "1.0", entry_points={"acme": "acme.plugin"})
    a_file = tmp_path / "archive.zip"
    a_file.write_bytes(b"not a zip")
    path = [str(tmp_path / "missing"), str(a_file), str(site)]
    assert [c.dist for c in discover(path=path)] == ["acme"]


def test_discover_without_path_scans_sys_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_dist(tmp_path, "acme", "1.0", entry_points={"acme": "acme.plugin"})
    monkeypatch.setattr(sys, "path", [str(tmp_path / "nothing-here"), str(tmp_path)])
    assert [c.dist for c in discover()] == ["acme"]


# ------------------------------------------------------------------------- property

_dist_name = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,5}([-_.][A-Za-z0-9]{1,4}){0,2}", fullmatch=True)
_ep_name = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,8}", fullmatch=True)
_ep_value = st.from_regex(
    r"[a-z_][a-z0-9_]{0,5}(\.[a-z_][a-z0-9_]{0,5}){0,2}(:[A-Za-z_]\w{0,5})?", fullmatch=True
)
_version = st.from_regex(r"[0-9]{1,2}(\.[0-9]{1,2}){0,2}", fullmatch=True)
_dist = st.tuples(
    _dist_name, _version, st.dictionaries(_ep_name, _ep_value, max_size=3), st.booleans()
)


def _unique_by_canonical(
    dists: list[tuple[str, str, dict[str, str], bool]],
) -> list[tuple[str, str, dict[str, str], bool]]:
    seen: set[str] = set()
    unique = []
    for dist in dists:
        if canonicalize_name(dist[0]) not in seen:
            seen.add(canonicalize_name(dist[0]))
            unique.append(dist)
    return unique


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    first=st.lists(_dist, max_size=5).map(_unique_by_canonical),
    second=st.lists(_dist, max_size=5).map(_unique_by_canonical),
)
def test_discover_equals_the_importlib_metadata_oracle(
    first: list[tuple[str, str, dict[str, str], bool]],
    second: list[tuple[str, str, dict[str, str], bool]],
) -> None:
    with tempfile.TemporaryDirectory() as root:
        path = []
        for index, dists in enumerate((first, second)):
            site = Path(root) / f"site{index}"
            site.mkdir()
            path.append(str(site))
            for name, version, entry_points, with_scripts in dists:
                info = make_dist(site, name, version, entry_points=entry_points or None)
                if with_scripts:
                    lines = [f"{key} = {value}" for key, value in entry_points.items()]
                    text = "[console_scripts]\ntool = tool:main\n\n[ember]\n" + "\n".join(lines)
                    write_entry_points(info, text + "\n")

        found = discover(path=path)

        assert rows(found) == oracle(path)
        assert found == sorted(found, key=lambda c: (c.dist, c.name))
