"""The plugin policy: parsing (failing closed with file and line), decisions and lookup."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet

from ember.exceptions import PolicyError
from ember.plugins.policy import (
    AllowRule,
    Policy,
    PolicyFile,
    load_policy,
    parse_policy,
    site_policy_path,
)


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


# ------------------------------------------------------------------------- parsing


def test_parse_policy_reads_every_key() -> None:
    text = dedent(
        """
        autoload = false
        on_error = "fail"
        locked = true
        deny = ["Bad_Plugin", "evil-*"]

        [[allow]]
        dist = "Ember_*"

        [[allow]]
        dist = "Acme.Metrics"
        version = ">=1.2,<2"
        required = true
        """
    )
    policy = parse_policy(text, source="company.toml")
    assert policy == PolicyFile(
        source="company.toml",
        autoload=False,
        on_error="fail",
        locked=True,
        deny=("bad-plugin", "evil-*"),
        allow=(
            AllowRule("ember-*"),
            AllowRule("acme-metrics", SpecifierSet(">=1.2,<2"), required=True),
        ),
    )
    assert policy.rule_for("ember-metrics") == AllowRule("ember-*")
    assert policy.rule_for("acme-metrics") is not None
    assert policy.rule_for("other") is None


def test_empty_policy_has_the_defaults() -> None:
    assert parse_policy("", source="empty.toml") == PolicyFile(
        source="empty.toml", autoload=True, on_error="warn", locked=False, deny=(), allow=()
    )


def test_inline_allow_tables_are_accepted() -> None:
    policy = parse_policy('allow = [{dist = "acme", version = "==1.0"}]\n', source="p.toml")
    assert policy.allow == (AllowRule("acme", SpecifierSet("==1.0")),)


MALFORMED = [
    pytest.param("autoload = true\nlocked = tru\n", 2, "not valid TOML", id="invalid-toml"),
    pytest.param(
        'autoload = true\nlocked = false\ndeny = ["a",\n', 3, "not valid TOML", id="toml-at-eof"
    ),
    pytest.param(
        "autoload = true\nauto_load = false\n",
        2,
        "unknown key 'auto_load'; expected one of ['allow', 'autoload', 'deny', 'locked', "
        "'on_error']",
        id="unknown-top-level-key",
    ),
    pytest.param(
        'locked = true\n\non_error = "loud"\n',
        3,
        'on_error should be "warn" or "fail", got \'loud\'',
        id="on-error-value",
    ),
    pytest.param(
        'on_error = "warn"\nautoload = "no"\n',
        2,
        "autoload should be true or false, got 'no'",
        id="autoload-not-bool",
    ),
    pytest.param(
        "autoload = false\nlocked = 1\n", 2, "locked should be true or false", id="locked-not-bool"
    ),
    pytest.param(
        'locked = true\ndeny = "acme"\n',
        2,
        "deny should be a list of distribution names, got 'acme'",
        id="deny-not-a-list",
    ),
    pytest.param(
        'locked = true\ndeny = ["acme", 3]\n', 2, "deny should be a list", id="deny-not-strings"
    ),
    pytest.param(
        'locked = true\nallow = ["acme"]\n',
        2,
        "allow should be an array of tables",
        id="allow-list-of-strings",
    ),
    pytest.param(
        'locked = true\nallow = "acme"\n', 2, "allow should be an array of tables", id="allow-str"
    ),
    pytest.param(
        'locked = true\n\n[allow]\ndist = "acme"\n',
        3,
        "allow should be an array of tables",
        id="allow-single-table",
    ),
    pytest.param(
        '[[allow]]\ndist = "a"\n\n[[allow]]\nversion = ">=1"\n',
        4,
        'an allow entry needs dist = "<distribution name>", got None',
        id="allow-without-dist",
    ),
    pytest.param(
        'locked = true\nallow = [{version = ">=1"}]\n',
        2,
        "an allow entry needs dist",
        id="inline-allow-without-dist",
    ),
    pytest.param(
        '[[allow]]\ndist = "  "\n', 1, "an allow entry needs dist", id="allow-with-blank-dist"
    ),
    pytest.param(
        '[[allow]]\ndist = "a"\n[[allow]]\ndist = "b"\nverison = ">=1"\n',
        5,
        "unknown key 'verison' in an allow entry; expected ['dist', 'required', 'version']",
        id="unknown-key-in-allow",
    ),
    pytest.param(
        '[[allow]]\ndist = "a"\nrequired = true\nversion = "about one"\n',
        4,
        "version should be a PEP 440 specifier such as \">=0.1,<1\", got 'about one'",
        id="bad-version-specifier",
    ),
    pytest.param(
        '[[allow]]\ndist = "a"\nversion = 1\n',
        3,
        "version should be a PEP 440 specifier",
        id="version-not-a-string",
    ),
    pytest.param(
        '[[allow]]\ndist = "a"\n\n[[allow]]\ndist = "b"\nversion = ">=1"\nrequired = "yes"\n',
        7,
        "required should be true or false, got 'yes'",
        id="required-not-bool",
    ),
]


@pytest.mark.parametrize(("text", "line", "expected"), MALFORMED)
def test_malformed_policy_names_file_line_and_what_was_expected(
    text: str, line: int, expected: str
) -> None:
    with pytest.raises(PolicyError) as raised:
        parse_policy(text, source="policy.toml")
    message = str(raised.value)
    assert message.startswith(f"policy.toml:{line}:"), message
    assert expected in message


PYPROJECT = """
[project]
name = "demo"
version = "1.0"
dependencies = ["ember"]

[tool.ruff]
line-length = 100

[tool.ember.plugins]
autoload = false
on_error = "fail"

[[tool.ember.plugins.allow]]
dist = "ember-*"

[[tool.ember.plugins.allow]]
dist = "acme"
version = ">=1"
required = true
"""


def test_pyproject_table_is_read() -> None:
    policy = parse_policy(dedent(PYPROJECT), "pyproject.toml", ("tool", "ember", "plugins"))
    assert (policy.autoload, policy.on_error, policy.locked) == (False, "fail", False)
    assert policy.allow == (
        AllowRule("ember-*"),
        AllowRule("acme", SpecifierSet(">=1"), required=True),
    )


@pytest.mark.parametrize(
    ("old", "new", "line", "expected"),
    [
        ('on_error = "fail"', 'on_error = "never"', 11, "on_error should be"),
        ('on_error = "fail"', 'name = "x"', 11, "unknown key 'name'"),
        ('on_error = "fail"', 'version = "1"', 11, "unknown key 'version'"),
        ("autoload = false", "autoload = 0", 10, "autoload should be true or false"),
        ('version = ">=1"', 'version = ">>1"', 18, "PEP 440"),
        ("required = true", 'required = "y"', 19, "required should be"),
        ('dist = "acme"', 'name = "acme"', 17, "unknown key 'name' in an allow entry"),
        ('on_error = "fail"', 'on_error = "fail"\ndeny = "x"', 12, "deny should be a list"),
        ('dist = "ember-*"', "", 13, "an allow entry needs dist"),
        ("[tool.ember.plugins]", "[tool.ember.plugins]\nline-length = 1", 10, "'line-length'"),
    ],
)
def test_pyproject_errors_give_line_numbers_in_the_pyproject_file(
    old: str, new: str, line: int, expected: str
) -> None:
    text = dedent(PYPROJECT)
    assert old in text
    text = text.replace(old, new, 1)
    with pytest.raises(PolicyError) as raised:
        parse_policy(text, "pyproject.toml", ("tool", "ember", "plugins"))
    message = str(raised.value)
    assert message.startswith(f"pyproject.toml:{line}:"), message
    assert expected in message


def test_pyproject_policy_that_is_not_valid_toml_fails_closed(layout: dict[str, Path]) -> None:
    pyproject = layout["project"] / "pyproject.toml"
    pyproject.write_text(PROJECT_POLICY + "autoload = \n", encoding="utf-8")
    with pytest.raises(PolicyError, match=rf"^{pyproject}:6: not valid TOML"):
        load_policy(environ={}, cwd=layout["project"], site=layout["site"])


def test_pyproject_with_plugins_not_a_table_is_malformed() -> None:
    with pytest.raises(PolicyError, match=r"^pyproject.toml:\d+: .*should be a table"):
        parse_policy(
            '[tool.ember]\nplugins = "all"\n', "pyproject.toml", ("tool", "ember", "plugins")
        )


# ------------------------------------------------------------------------- decisions

LOCKED = parse_policy(
    'locked = true\nautoload = false\n[[allow]]\ndist = "ember-*"\n', source="site.toml"
)
UNLOCKED = dataclasses.replace(LOCKED, locked=False, source="project.toml")
DENY = parse_policy('deny = ["Evil_*", "Bad.Plugin"]\n', source="deny.toml")
ALLOW_ONLY = parse_policy(
    'autoload = false\n[[allow]]\ndist = "Ember_Metrics"\n[[allow]]\ndist = "acme-*"\n',
    source="allow.toml",
)
VERSIONED = parse_policy(
    '[[allow]]\ndist = "acme"\nversion = ">=1.0,<2"\nrequired = true\n', source="versions.toml"
)
EXPLICIT = parse_policy('[[allow]]\ndist = "acme"\n', source="explicit.toml")


def make_policy(files: tuple[PolicyFile, ...], environ: dict[str, str], tmp_path: Path) -> Policy:
    """The environment variables read by load_policy, with ``files`` in force."""
    base = load_policy(environ=environ, cwd=tmp_path, site=tmp_path / "no-site.toml")
    assert base.files == ()
    return dataclasses.replace(base, files=files)


Files = tuple[PolicyFile, ...]


def allowed(
    id_: str,
    files: Files,
    environ: dict[str, str],
    dist: str,
    version: str | None = "1",
    *,
    required: bool = False,
) -> Any:
    return pytest.param(files, environ, dist, version, True, "", required, id=id_)


def blocked(
    id_: str,
    files: Files,
    environ: dict[str, str],
    dist: str,
    reason: str,
    version: str = "1",
    *,
    required: bool = False,
) -> Any:
    return pytest.param(files, environ, dist, version, False, reason, required, id=id_)


NO_AUTOLOAD = {"EMBER_DISABLE_PLUGIN_AUTOLOAD": "1"}
OUTSIDE = f"version 2.0 is outside {SpecifierSet('>=1.0,<2')} (versions.toml)"

DECISIONS = [
    allowed("default-allows-everything", (), {}, "anything"),
    allowed("default-allows-unknown-version", (), {}, "anything", None),
    blocked("deny-glob", (DENY,), {}, "evil-metrics", "denied by deny.toml"),
    blocked("deny-glob-canonical", (DENY,), {}, "EVIL.Metrics", "denied by deny.toml"),
    blocked("deny-canonical-name", (DENY,), {}, "bad_plugin", "denied by deny.toml"),
    allowed("deny-others-allowed", (DENY,), {}, "good-plugin"),
    allowed("autoload-false-allows-listed", (ALLOW_ONLY,), {}, "ember-metrics"),
    allowed("autoload-false-allows-glob", (ALLOW_ONLY,), {}, "Acme_Loggers"),
    blocked(
        "autoload-false-blocks-unlisted",
        (ALLOW_ONLY,),
        {},
        "ember-loggers",
        "not in the allow list of allow.toml",
    ),
    allowed("version-in-range", (VERSIONED,), {}, "acme", "1.5", required=True),
    allowed("version-lower-bound", (VERSIONED,), {}, "acme", "1.0", required=True),
    blocked("version-above-range", (VERSIONED,), {}, "acme", OUTSIDE, "2.0", required=True),
    blocked(
        "version-below-range",
        (VERSIONED,),
        {},
        "acme",
        "version 0.9 is outside",
        "0.9",
        required=True,
    ),
    allowed("version-other-dist", (VERSIONED,), {}, "other", "0.1"),
    allowed(
        "env-allowlist-allows-listed",
        (),
        {"EMBER_PLUGINS": "Acme_Metrics, ember-loggers"},
        "acme.metrics",
    ),
    blocked(
        "env-allowlist-blocks-others",
        (),
        {"EMBER_PLUGINS": "acme-metrics"},
        "ember-loggers",
        "not in EMBER_PLUGINS",
    ),
    blocked(
        "env-empty-allowlist-allows-none",
        (),
        {"EMBER_PLUGINS": ""},
        "acme-metrics",
        "not in EMBER_PLUGINS",
    ),
    blocked(
        "env-blank-allowlist-allows-none",
        (),
        {"EMBER_PLUGINS": " , "},
        "acme-metrics",
        "not in EMBER_PLUGINS",
    ),
    blocked(
        "env-denylist",
        (),
        {"EMBER_DISABLE_PLUGINS": "Acme_Metrics,other"},
        "acme-metrics",
        "denied by EMBER_DISABLE_PLUGINS",
    ),
    allowed("env-denylist-others-allowed", (), {"EMBER_DISABLE_PLUGINS": "other"}, "acme"),
    blocked(
        "env-deny-beats-env-allow",
        (),
        {"EMBER_PLUGINS": "acme", "EMBER_DISABLE_PLUGINS": "acme"},
        "acme",
        "denied by EMBER_DISABLE_PLUGINS",
    ),
    blocked(
        "no-autoload-blocks-unlisted",
        (),
        NO_AUTOLOAD,
        "acme",
        "EMBER_DISABLE_PLUGIN_AUTOLOAD=1 and not explicitly allowed",
    ),
    allowed("no-autoload-allows-env-listed", (), {**NO_AUTOLOAD, "EMBER_PLUGINS": "acme"}, "acme"),
    allowed("no-autoload-allows-file-listed", (EXPLICIT,), NO_AUTOLOAD, "acme"),
    blocked(
        "no-autoload-blocks-file-unlisted",
        (EXPLICIT,),
        NO_AUTOLOAD,
        "other",
        "EMBER_DISABLE_PLUGIN_AUTOLOAD=1",
    ),
    allowed("no-autoload-zero-means-autoload", (), {"EMBER_DISABLE_PLUGIN_AUTOLOAD": "0"}, "acme"),
    blocked(
        "locked-env-never-widens",
        (LOCKED,),
        {"EMBER_PLUGINS": "acme-metrics"},
        "acme-metrics",
        "not in the allow list of site.toml",
    ),
    blocked(
        "locked-env-narrows",
        (LOCKED,),
        {"EMBER_PLUGINS": "acme-metrics"},
        "ember-metrics",
        "not in EMBER_PLUGINS",
    ),
    allowed(
        "locked-env-within-allow-list",
        (LOCKED,),
        {"EMBER_PLUGINS": "ember-metrics"},
        "ember-metrics",
    ),
    blocked(
        "locked-env-deny-narrows",
        (LOCKED,),
        {"EMBER_DISABLE_PLUGINS": "ember-metrics"},
        "ember-metrics",
        "denied by EMBER_DISABLE_PLUGINS",
    ),
    allowed("unlocked-env-widens", (UNLOCKED,), {"EMBER_PLUGINS": "acme-metrics"}, "acme-metrics"),
    blocked(
        "unlocked-without-env",
        (UNLOCKED,),
        {},
        "acme-metrics",
        "not in the allow list of project.toml",
    ),
    blocked(
        "locked-file-among-others-never-widened",
        (LOCKED, UNLOCKED),
        {"EMBER_PLUGINS": "acme-metrics"},
        "acme-metrics",
        "not in the allow list of site.toml",
    ),
    blocked(
        "env-allow-never-overrides-file-deny",
        (DENY,),
        {"EMBER_PLUGINS": "evil-x"},
        "evil-x",
        "denied by deny.toml",
    ),
]


@pytest.mark.parametrize(
    ("files", "environ", "dist", "version", "allowed", "reason", "required"), DECISIONS
)
def test_policy_decides(
    files: Files,
    environ: dict[str, str],
    dist: str,
    version: str | None,
    allowed: bool,
    reason: str,
    required: bool,
    tmp_path: Path,
) -> None:
    decision = make_policy(files, environ, tmp_path).decide(dist, version)
    assert decision.allowed is allowed
    assert reason in decision.reason
    assert bool(decision.reason) is not allowed
    assert decision.required is required


def test_every_file_must_allow_a_plugin() -> None:
    narrower = parse_policy('autoload = false\n[[allow]]\ndist = "ember-metrics"\n', "team.toml")
    policy = Policy(files=(LOCKED, narrower))
    assert policy.decide("ember-metrics", "1").allowed
    assert policy.decide("ember-loggers", "1").reason == "not in the allow list of team.toml"
    assert policy.decide("acme", "1").reason == "not in the allow list of site.toml"


def test_policy_summary_properties() -> None:
    strict = parse_policy('on_error = "fail"\n', "strict.toml")
    policy = Policy(files=(LOCKED, strict, VERSIONED))
    assert policy.locked
    assert policy.strict
    assert [(f.source, rule.dist) for f, rule in policy.required_rules()] == [
        ("versions.toml", "acme")
    ]
    assert not Policy().locked
    assert not Policy().strict
    assert Policy().required_rules() == []


@pytest.mark.parametrize(
    ("environ", "env_allow", "env_deny", "autoload_disabled"),
    [
        ({}, None, frozenset(), False),
        ({"EMBER_PLUGINS": ""}, frozenset(), frozenset(), False),
        ({"EMBER_PLUGINS": "Ember_Metrics, ACME.x,"}, {"ember-metrics", "acme-x"}, set(), False),
        ({"EMBER_DISABLE_PLUGINS": "Evil_One"}, None, {"evil-one"}, False),
        ({"EMBER_DISABLE_PLUGIN_AUTOLOAD": "1"}, None, set(), True),
        ({"EMBER_DISABLE_PLUGIN_AUTOLOAD": "true"}, None, set(), True),
        ({"EMBER_DISABLE_PLUGIN_AUTOLOAD": "0"}, None, set(), False),
        ({"EMBER_DISABLE_PLUGIN_AUTOLOAD": ""}, None, set(), False),
    ],
)
def test_load_policy_reads_environment_variables(
    environ: dict[str, str],
    env_allow: set[str] | None,
    env_deny: set[str],
    autoload_disabled: bool,
    tmp_path: Path,
) -> None:
    policy = load_policy(environ=environ, cwd=tmp_path, site=tmp_path / "no-site.toml")
    assert policy.env_allow == (None if env_allow is None else frozenset(env_allow))
    assert policy.env_deny == frozenset(env_deny)
    assert policy.autoload_disabled is autoload_disabled


# ------------------------------------------------------------------------- lookup

ENV_POLICY = 'autoload = false\n[[allow]]\ndist = "from-env"\n'
PROJECT_POLICY = '[project]\nname = "p"\n\n[tool.ember.plugins]\ndeny = ["from-project"]\n'
SITE_POLICY = 'deny = ["from-site"]\n'


@pytest.fixture
def layout(tmp_path: Path) -> dict[str, Path]:
    """An env policy file, a project with a policy in its pyproject, and a site-wide file."""
    env_file = tmp_path / "env-policy.toml"
    env_file.write_text(ENV_POLICY, encoding="utf-8")
    project = tmp_path / "project"
    (project / "src" / "pkg").mkdir(parents=True)
    (project / "pyproject.toml").write_text(PROJECT_POLICY, encoding="utf-8")
    site = tmp_path / "etc" / "ember" / "plugins.toml"
    site.parent.mkdir(parents=True)
    site.write_text(SITE_POLICY, encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    return {"env": env_file, "project": project, "site": site, "elsewhere": elsewhere}


def sources(policy: Policy) -> list[str]:
    return [policy_file.source for policy_file in policy.files]


def test_env_policy_file_beats_pyproject_and_site(layout: dict[str, Path]) -> None:
    policy = load_policy(
        environ={"EMBER_PLUGIN_POLICY": str(layout["env"])},
        cwd=layout["project"],
        site=layout["site"],
    )
    assert sources(policy) == [str(layout["env"])]
    assert policy.decide("from-env", "1").allowed
    assert not policy.decide("other", "1").allowed


def test_pyproject_beats_site(layout: dict[str, Path]) -> None:
    policy = load_policy(environ={}, cwd=layout["project"], site=layout["site"])
    assert sources(policy) == [str(layout["project"] / "pyproject.toml")]
    assert policy.decide("from-project", "1").reason.startswith("denied by ")
    assert policy.decide("from-site", "1").allowed


def test_site_file_applies_when_there_is_no_project_policy(layout: dict[str, Path]) -> None:
    policy = load_policy(environ={}, cwd=layout["elsewhere"], site=layout["site"])
    assert sources(policy) == [str(layout["site"])]
    assert not policy.decide("from-site", "1").allowed


def test_no_policy_file_anywhere_gives_an_empty_policy(layout: dict[str, Path]) -> None:
    policy = load_policy(environ={}, cwd=layout["elsewhere"], site=layout["site"].with_name("x"))
    assert policy == Policy()


def test_pyproject_is_found_from_a_subdirectory_upward(layout: dict[str, Path]) -> None:
    policy = load_policy(environ={}, cwd=layout["project"] / "src" / "pkg", site=layout["site"])
    assert sources(policy) == [str(layout["project"] / "pyproject.toml")]


def test_pyproject_without_the_table_is_ignored(layout: dict[str, Path]) -> None:
    (layout["project"] / "pyproject.toml").write_text(
        '[project]\nname = "p"\n\n[tool.ember]\nseed = 1\n\n[tool.ruff]\nline-length = 100\n',
        encoding="utf-8",
    )
    policy = load_policy(environ={}, cwd=layout["project"] / "src", site=layout["site"])
    assert sources(policy) == [str(layout["site"])]


def test_pyproject_with_a_similarly_named_table_is_ignored(layout: dict[str, Path]) -> None:
    (layout["project"] / "pyproject.toml").write_text(
        '[project]\nname = "p"\n\n[tool.ember.plugins_cache]\ndir = "x"\n', encoding="utf-8"
    )
    policy = load_policy(environ={}, cwd=layout["project"], site=layout["site"])
    assert sources(policy) == [str(layout["site"])]


@pytest.mark.parametrize(
    "table",
    [
        '[tool.ember]\nplugins.deny = ["from-project"]\n',
        '[tool.ember]\nplugins = { deny = ["from-project"] }\n',
        '[tool]\nember.plugins.deny = ["from-project"]\n',
    ],
)
def test_pyproject_policy_written_with_dotted_keys_is_read(
    layout: dict[str, Path], table: str
) -> None:
    (layout["project"] / "pyproject.toml").write_text(
        f'[project]\nname = "p"\n\n{table}', encoding="utf-8"
    )
    policy = load_policy(environ={}, cwd=layout["project"], site=layout["site"])
    assert sources(policy) == [str(layout["project"] / "pyproject.toml")]
    assert not policy.decide("from-project", "1").allowed


def test_malformed_pyproject_policy_fails_closed_with_its_line(layout: dict[str, Path]) -> None:
    pyproject = layout["project"] / "pyproject.toml"
    pyproject.write_text(PROJECT_POLICY + "autoload = 1\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=rf"^{pyproject}:6: autoload should be true or false"):
        load_policy(environ={}, cwd=layout["project"] / "src", site=layout["site"])


def test_locked_site_file_applies_on_top_of_the_env_policy_file(layout: dict[str, Path]) -> None:
    layout["site"].write_text(
        'locked = true\nautoload = false\n[[allow]]\ndist = "ember-*"\n', encoding="utf-8"
    )
    layout["env"].write_text(
        'autoload = false\n[[allow]]\ndist = "ember-metrics"\n[[allow]]\ndist = "acme"\n',
        encoding="utf-8",
    )
    policy = load_policy(
        environ={"EMBER_PLUGIN_POLICY": str(layout["env"])},
        cwd=layout["project"],
        site=layout["site"],
    )
    assert sources(policy) == [str(layout["site"]), str(layout["env"])]
    assert policy.locked
    assert policy.decide("ember-metrics", "1").allowed
    assert policy.decide("acme", "1").reason == f"not in the allow list of {layout['site']}"
    assert policy.decide("ember-loggers", "1").reason == f"not in the allow list of {layout['env']}"


def test_locked_site_file_applies_on_top_of_the_pyproject(layout: dict[str, Path]) -> None:
    layout["site"].write_text('locked = true\ndeny = ["acme"]\n', encoding="utf-8")
    policy = load_policy(
        environ={"EMBER_PLUGINS": "acme,other"}, cwd=layout["project"], site=layout["site"]
    )
    assert sources(policy) == [str(layout["site"]), str(layout["project"] / "pyproject.toml")]
    assert policy.decide("acme", "1").reason == f"denied by {layout['site']}"
    assert policy.decide("from-project", "1").reason.startswith("denied by ")
    assert policy.decide("other", "1").allowed


def test_locked_site_file_is_listed_once_when_it_is_also_the_chosen_file(
    layout: dict[str, Path],
) -> None:
    layout["site"].write_text('locked = true\ndeny = ["acme"]\n', encoding="utf-8")
    policy = load_policy(environ={}, cwd=layout["elsewhere"], site=layout["site"])
    assert sources(policy) == [str(layout["site"])]


def test_unreadable_env_policy_path_is_a_policy_error(layout: dict[str, Path]) -> None:
    missing = layout["env"].with_name("missing.toml")
    with pytest.raises(PolicyError, match=r"cannot read the plugin policy"):
        load_policy(
            environ={"EMBER_PLUGIN_POLICY": str(missing)},
            cwd=layout["project"],
            site=layout["site"],
        )
    with pytest.raises(PolicyError, match=r"cannot read the plugin policy"):
        load_policy(
            environ={"EMBER_PLUGIN_POLICY": str(layout["project"])},
            cwd=layout["project"],
            site=layout["site"],
        )


def test_malformed_env_policy_file_names_that_file(layout: dict[str, Path]) -> None:
    layout["env"].write_text('autoload = true\non_error = "sometimes"\n', encoding="utf-8")
    with pytest.raises(PolicyError, match=rf"^{layout['env']}:2: on_error should be"):
        load_policy(
            environ={"EMBER_PLUGIN_POLICY": str(layout["env"])},
            cwd=layout["project"],
            site=layout["site"],
        )


def test_site_policy_path_is_under_the_prefix() -> None:
    path = site_policy_path()
    assert path.parts[-3:] == ("etc", "ember", "plugins.toml")
