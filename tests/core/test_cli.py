"""The ``ember`` command, run for real: plugins installed as ``*.dist-info`` directories on a
temporary site directory, and the CLI in a subprocess (``python -m ember``) with that directory
on ``PYTHONPATH`` and the working directory in ``tmp_path`` (so no project policy applies).

Each subprocess imports torch (about 1.5 s), so a test checks several things per invocation.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from plugin_dists import isolated_path, make_dist, simple_plugin

import ember
from ember.cli import main
from ember.plugins import reset_plugins


def run_ember(*args: str, site: Path, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -S -m ember *args`` seeing the plugins of ``site`` and no other, with ``env``."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("EMBER_") and key != "PYTHONPATH"
    }
    path = [str(site), *isolated_path(Path(tempfile.gettempdir()) / f"ember-shadow-{os.getpid()}")]
    environ.update(PYTHONPATH=os.pathsep.join(path), **env)
    return subprocess.run(
        [sys.executable, "-S", "-m", "ember", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def plugin(
    site: Path, dist: str, source: str, version: str = "1.0", requires: list[str] | None = None
) -> None:
    """Distribution ``dist`` whose plugin module (entry point ``plugin``) has ``source``."""
    module = dist.replace("-", "_")
    make_dist(
        site,
        dist,
        version,
        modules={f"{module}/plugin.py": source},
        entry_points={"plugin": f"{module}.plugin"},
        requires=requires,
    )


@pytest.fixture(scope="module")
def mixed_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two plugins that load, one to block, one whose import raises."""
    site = tmp_path_factory.mktemp("mixed") / "site"
    simple_plugin(site, "acme-loaded", "Half")
    simple_plugin(site, "Acme_Extra", "Double", version="2.1")
    simple_plugin(site, "acme-blocked", "Blocked")
    plugin(site, "acme-broken", "raise RuntimeError('broken on purpose')\n", version="2.0")
    return site


@pytest.fixture
def fresh_plugins() -> Iterator[None]:
    """In-process ``main`` installs its own plugin host: drop it afterwards."""
    yield
    reset_plugins(None)


def rows(stdout: str) -> dict[str, str]:
    """The table rows of ``ember plugins``, keyed by distribution (second column)."""
    found = {}
    for line in stdout.splitlines():
        cells = line.split()
        if len(cells) > 2 and cells[1].startswith("acme-"):
            found[cells[1]] = line
    return found


@pytest.mark.slow
def test_plugins_lists_loaded_blocked_and_failed_with_reasons_and_traces(
    mixed_site: Path, tmp_path: Path
) -> None:
    result = run_ember(
        "plugins",
        site=mixed_site,
        cwd=tmp_path,
        EMBER_DISABLE_PLUGINS="acme-blocked",
        EMBER_TRACE_PLUGINS="1",
    )
    assert result.returncode == 0, result.stderr
    table = rows(result.stdout)
    assert sorted(table) == ["acme-blocked", "acme-broken", "acme-extra", "acme-loaded"]
    assert table["acme-loaded"].split()[2:] == ["1.0", "loaded", "metrics:", "Half"]
    assert table["acme-extra"].split()[2:] == ["2.1", "loaded", "metrics:", "Double"]
    assert "blocked  denied by EMBER_DISABLE_PLUGINS" in table["acme-blocked"]
    assert "failed   RuntimeError: broken on purpose" in table["acme-broken"]
    assert "4 entry points: 2 loaded, 1 blocked, 1 failed" in result.stdout
    assert "policy: EMBER_DISABLE_PLUGINS=acme-blocked" in result.stdout
    trace = [line for line in result.stderr.splitlines() if line.startswith("ember.plugins.trace:")]
    assert any("loaded" in line and "acme-loaded" in line for line in trace), result.stderr
    assert any("blocked" in line and "acme-blocked" in line for line in trace), result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_plugins_json_lists_records_and_does_not_trace_by_default(
    mixed_site: Path, tmp_path: Path
) -> None:
    result = run_ember(
        "plugins", "--json", site=mixed_site, cwd=tmp_path, EMBER_DISABLE_PLUGINS="acme-blocked"
    )
    assert result.returncode == 0, result.stderr
    records = {record["dist"]: record for record in json.loads(result.stdout)}
    assert {dist: record["status"] for dist, record in records.items()} == {
        "acme-blocked": "blocked",
        "acme-broken": "failed",
        "acme-extra": "loaded",
        "acme-loaded": "loaded",
    }
    assert records["acme-loaded"]["provides"] == {"metrics": ["Half"]}
    assert records["acme-loaded"]["entry_point"] == "loaded"
    assert records["acme-broken"]["version"] == "2.0"
    assert records["acme-broken"]["reason"] == "RuntimeError: broken on purpose"
    assert "ember.plugins.trace" not in result.stderr


@pytest.mark.slow
def test_export_pins_ember_first_then_the_loaded_plugins_sorted(
    mixed_site: Path, tmp_path: Path
) -> None:
    result = run_ember(
        "plugins",
        "export",
        "--requirements",
        site=mixed_site,
        cwd=tmp_path,
        EMBER_DISABLE_PLUGINS="acme-blocked",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"ember=={ember.__version__}",
        "acme-extra==2.1",
        "acme-loaded==1.0",
    ]


@pytest.mark.slow
def test_check_passes_when_the_project_policy_is_satisfied(tmp_path: Path) -> None:
    site = tmp_path / "site"
    simple_plugin(site, "acme-good", "Good", version="1.5")
    # An ember requirement behind an extra is not required: it must not count.
    (site / "acme_good-1.5.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: acme-good\nVersion: 1.5\n"
        "Requires-Dist: ember>=0.1\nRequires-Dist: numpy>=1\n"
        'Requires-Dist: ember>=99; extra == "future"\n',
        encoding="utf-8",
    )
    (tmp_path / "pyproject.toml").write_text(
        "[tool.ember.plugins]\nautoload = false\n\n"
        '[[tool.ember.plugins.allow]]\ndist = "acme-good"\nversion = ">=1,<2"\nrequired = true\n',
        encoding="utf-8",
    )
    result = run_ember("plugins", "check", site=site, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok: 1 plugin distribution(s) satisfy the policy")
    assert str(tmp_path / "pyproject.toml") in result.stdout


@pytest.mark.slow
def test_check_prints_one_line_per_violation_naming_dist_rule_and_file(tmp_path: Path) -> None:
    site = tmp_path / "site"
    simple_plugin(site, "acme-allowed", "Allowed")
    simple_plugin(site, "acme-rogue", "Rogue")
    simple_plugin(site, "acme-old", "Old", version="0.5")
    plugin(site, "acme-future", "", requires=["ember>=99"])
    (tmp_path / "policy.toml").write_text(
        "autoload = false\n"
        '[[allow]]\ndist = "acme-allowed"\n'
        '[[allow]]\ndist = "acme-old"\nversion = ">=1.0"\n'
        '[[allow]]\ndist = "acme-future"\n'
        '[[allow]]\ndist = "acme-missing"\nrequired = true\n',
        encoding="utf-8",
    )
    result = run_ember("plugins", "check", "--policy", "policy.toml", site=site, cwd=tmp_path)
    assert result.returncode == 1
    lines = sorted(result.stdout.splitlines())
    metadata = site / "acme_future-1.0.dist-info" / "METADATA"
    assert lines == [
        f"acme-future 1.0: requires-ember: declares Requires-Dist 'ember>=99' but ember "
        f"{ember.__version__} is installed ({metadata})",
        "acme-missing: required: required by policy.toml but not installed",
        "acme-old 0.5: not-allowed: version 0.5 is outside >=1.0 (policy.toml) "
        f"(installed at {site / 'acme_old-0.5.dist-info'})",
        "acme-rogue 1.0: not-allowed: not in the allow list of policy.toml "
        f"(installed at {site / 'acme_rogue-1.0.dist-info'})",
    ]
    assert "4 violation(s)" in result.stderr

    as_json = run_ember(
        "plugins", "check", "--policy", "policy.toml", "--json", site=site, cwd=tmp_path
    )
    assert as_json.returncode == 1
    report = json.loads(as_json.stdout)
    assert report["ok"] is False
    assert sorted((v["dist"], v["rule"], v["file"]) for v in report["violations"]) == [
        ("acme-future", "requires-ember", str(metadata)),
        ("acme-missing", "required", "policy.toml"),
        ("acme-old", "not-allowed", "policy.toml"),
        ("acme-rogue", "not-allowed", "policy.toml"),
    ]


CRASHES = """
import os, sys
sys.stderr.write("native extension exploded\\n")
sys.stderr.flush()
os._exit(3)
"""

UNKNOWN_HOOK = """
from ember.plugins import hookimpl

@hookimpl
def ember_register_widgets(register):
    register("w", "acme_unknown.impl:W")
"""

EXTRA_ARGUMENT = """
from ember.plugins import hookimpl

@hookimpl
def ember_register_metrics(register, device):
    pass
"""


@pytest.mark.slow
def test_check_import_reports_crashing_plugins_and_hooks_that_match_no_spec(
    tmp_path: Path,
) -> None:
    site = tmp_path / "site"
    simple_plugin(site, "acme-fine", "Fine")
    plugin(site, "acme-crash", CRASHES)
    plugin(site, "acme-unknown", UNKNOWN_HOOK)
    plugin(site, "acme-extra-arg", EXTRA_ARGUMENT)
    result = run_ember("plugins", "check", "--import", site=site, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert sorted(lines) == ["acme-crash", "acme-extra-arg", "acme-unknown"]
    assert "import: entry point 'plugin' (acme_crash.plugin)" in lines["acme-crash"]
    assert "exited with status 3; stderr: native extension exploded" in lines["acme-crash"]
    assert "hooks:" in lines["acme-unknown"]
    assert "unknown hook 'ember_register_widgets'" in lines["acme-unknown"]
    assert "hooks:" in lines["acme-extra-arg"]
    assert "{'device'}" in lines["acme-extra-arg"]
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_malformed_policy_exits_2_with_file_and_line(tmp_path: Path) -> None:
    site = tmp_path / "site"
    simple_plugin(site, "acme-any", "Any")
    (tmp_path / "bad.toml").write_text('autoload = false\non_error = "loud"\n', encoding="utf-8")
    checked = run_ember("plugins", "check", "--policy", "bad.toml", site=site, cwd=tmp_path)
    assert checked.returncode == 2
    assert checked.stderr.startswith("ember: error: bad.toml:2: on_error should be")
    assert "Traceback" not in checked.stderr

    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.ember.plugins]\ndeny = "acme-any"\n', encoding="utf-8"
    )
    listed = run_ember("plugins", site=site, cwd=tmp_path)
    assert listed.returncode == 2
    assert f"ember: error: {tmp_path / 'pyproject.toml'}:4: deny should be" in listed.stderr
    assert "Traceback" not in listed.stderr


BACKEND = """
from ember.plugins import hookimpl

@hookimpl
def ember_register_backends(register):
    register("fake-backend", "acme_backend.impl:Model", summary="a test back-end")
"""


@pytest.mark.slow
def test_info_shows_versions_devices_and_registered_backends(tmp_path: Path) -> None:
    site = tmp_path / "site"
    plugin(site, "acme-backend", BACKEND, version="3.0")
    result = run_ember("info", site=site, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"ember     {ember.__version__}" in out
    assert f"torch     {torch.__version__}" in out
    assert "cpu" in out
    assert "cuda" in out
    assert "mps" in out
    assert "gloo" in out
    assert "fake-backend (acme-backend 3.0): a test back-end" in out


COMMANDS = """
from ember.plugins import hookimpl

def hello(args):
    print(f"hello {args.who}")
    return 3

@hookimpl
def ember_register_commands(cli):
    parser = cli.add_parser("hello", help="greet someone")
    parser.add_argument("who")
    parser.set_defaults(handler=hello)
"""

CLASHING_COMMAND = """
from ember.plugins import hookimpl

@hookimpl
def ember_register_commands(cli):
    cli.add_parser("info", help="takes a built-in name")
"""


@pytest.mark.slow
def test_plugin_commands_run_and_appear_in_the_help(tmp_path: Path) -> None:
    site = tmp_path / "site"
    plugin(site, "acme-hello", COMMANDS)
    plugin(site, "acme-clash", CLASHING_COMMAND)
    result = run_ember("hello", "world", site=site, cwd=tmp_path)
    assert result.returncode == 3, result.stderr
    assert result.stdout == "hello world\n"
    assert "plugin acme-clash:plugin could not add its commands" in result.stderr

    # No command: the help (with the plugin's command) on stdout, and the usage-error status.
    bare = run_ember(site=site, cwd=tmp_path)
    assert bare.returncode == 2
    assert bare.stdout.startswith("usage: ember")
    assert "greet someone" in bare.stdout


def test_usage_errors_exit_2_without_a_traceback(
    fresh_plugins: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["no-such-command"]) == 2
    assert "invalid choice: 'no-such-command'" in capsys.readouterr().err
    assert main(["plugins", "export"]) == 2
    assert "one of the arguments --requirements is required" in capsys.readouterr().err
    assert main(["plugins", "check", "--bogus"]) == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err
    assert main(["plugins", "check", "--policy", "missing.toml"]) == 2
    assert capsys.readouterr().err.startswith("ember: error: missing.toml: cannot read")


@pytest.mark.slow
def test_console_script_is_installed_and_prints_help() -> None:
    # The script sits next to the interpreter of the environment ember is installed in.
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    script = shutil.which("ember", path=search)
    if script is None:
        pytest.skip("no `ember` console script: run `pip install -e core` to create it")
    result = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: ember")
    assert "plugins" in result.stdout
