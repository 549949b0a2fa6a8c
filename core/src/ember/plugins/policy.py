"""Which installed plugins may load: policy files and environment variables.

The policy is decided on canonical distribution names before any plugin is imported. Sources:

- a TOML policy file: ``EMBER_PLUGIN_POLICY``, else ``[tool.ember.plugins]`` in the nearest
  ``pyproject.toml`` from the working directory up, else the site-wide
  ``<sys.prefix>/etc/ember/plugins.toml``. A site-wide file with ``locked = true`` always applies,
  on top of any other file, so that other sources can only narrow it;
- ``EMBER_PLUGINS`` (allowlist; empty allows none), ``EMBER_DISABLE_PLUGINS`` (denylist),
  ``EMBER_DISABLE_PLUGIN_AUTOLOAD=1`` (load only what is explicitly allowed). They narrow a
  locked policy and never widen it.

A malformed policy raises :class:`ember.exceptions.PolicyError` naming the file, the line and
what was expected: the plugin system then loads nothing (it fails closed).

Example:
    >>> from ember.plugins.policy import Policy, parse_policy
    >>> site = parse_policy('locked = true\\nautoload = false\\n[[allow]]\\ndist = "ember-*"\\n',
    ...                     source="site.toml")
    >>> policy = Policy(files=(site,))
    >>> policy.decide("Ember_Metrics", "0.1.0").allowed
    True
    >>> policy.decide("acme-metrics", "1.0").reason
    'not in the allow list of site.toml'
"""

from __future__ import annotations

import fnmatch
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ember.exceptions import PolicyError
from ember.plugins.discovery import canonical_name

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet


__all__ = [
    "AllowRule",
    "Decision",
    "Policy",
    "PolicyFile",
    "load_policy",
    "parse_policy",
    "site_policy_path",
]

_KEYS = {"autoload", "on_error", "locked", "deny", "allow"}
_ALLOW_KEYS = {"dist", "version", "required"}


def canonical(name: str) -> str:
    """The canonical form of a distribution name or glob (``Ember_Metrics`` → ``ember-metrics``)."""
    return canonical_name(name)


def matches(pattern: str, dist: str) -> bool:
    """Whether canonical ``dist`` matches the canonical name or glob ``pattern``."""
    return fnmatch.fnmatchcase(dist, pattern)


@dataclass(frozen=True)
class AllowRule:
    """One ``[[allow]]`` entry: a distribution name or glob, a version range, ``required``."""

    dist: str
    version: SpecifierSet | None = None
    required: bool = False


@dataclass(frozen=True)
class PolicyFile:
    """A parsed policy file (or ``[tool.ember.plugins]`` table)."""

    source: str
    autoload: bool = True
    on_error: str = "warn"
    locked: bool = False
    deny: tuple[str, ...] = ()
    allow: tuple[AllowRule, ...] = ()

    def rule_for(self, dist: str) -> AllowRule | None:
        """The first allow rule whose pattern matches the canonical ``dist``."""
        return next((rule for rule in self.allow if matches(rule.dist, dist)), None)


@dataclass(frozen=True)
class Decision:
    """Whether a distribution may load, why not, and whether the policy requires it."""

    allowed: bool
    reason: str = ""
    required: bool = False


def _names(value: str) -> frozenset[str]:
    return frozenset(canonical(part) for part in value.split(",") if part.strip())


@dataclass(frozen=True)
class Policy:
    """The policy in force: the applicable files plus the environment variables.

    Args:
        files: the policy files that apply (a plugin must be allowed by each).
        env_allow: ``EMBER_PLUGINS`` as canonical names, or ``None`` when unset.
        env_deny: ``EMBER_DISABLE_PLUGINS`` as canonical names.
        autoload_disabled: ``EMBER_DISABLE_PLUGIN_AUTOLOAD=1``.
    """

    files: tuple[PolicyFile, ...] = ()
    env_allow: frozenset[str] | None = None
    env_deny: frozenset[str] = frozenset()
    autoload_disabled: bool = False

    @property
    def locked(self) -> bool:
        """Whether any file is locked (environment variables may then only narrow)."""
        return any(f.locked for f in self.files)

    @property
    def strict(self) -> bool:
        """Whether a failing plugin is an error (``on_error = "fail"`` in any file)."""
        return any(f.on_error == "fail" for f in self.files)

    def required_rules(self) -> list[tuple[PolicyFile, AllowRule]]:
        """Every ``required = true`` allow rule, with the file it comes from."""
        return [(f, rule) for f in self.files for rule in f.allow if rule.required]

    def decide(self, dist: str, version: str | None) -> Decision:
        """Whether distribution ``dist`` at ``version`` may be imported, and if not why."""
        dist = canonical(dist)
        required = False
        explicit = self.env_allow is not None and any(matches(p, dist) for p in self.env_allow)
        for policy_file in self.files:
            if any(matches(pattern, dist) for pattern in policy_file.deny):
                return Decision(False, f"denied by {policy_file.source}")
            rule = policy_file.rule_for(dist)
            if rule is None:
                widened = explicit and not self.locked
                if not policy_file.autoload and not widened:
                    return Decision(False, f"not in the allow list of {policy_file.source}")
                continue
            explicit = True
            required = required or rule.required
            if rule.version is not None and not rule.version.contains(
                version or "0", prereleases=True
            ):
                return Decision(
                    False,
                    f"version {version or 'unknown'} is outside {rule.version} "
                    f"({policy_file.source})",
                    required,
                )
        if any(matches(pattern, dist) for pattern in self.env_deny):
            return Decision(False, "denied by EMBER_DISABLE_PLUGINS", required)
        if self.env_allow is not None and not any(matches(p, dist) for p in self.env_allow):
            return Decision(False, "not in EMBER_PLUGINS", required)
        if self.autoload_disabled and not explicit:
            return Decision(
                False, "EMBER_DISABLE_PLUGIN_AUTOLOAD=1 and not explicitly allowed", required
            )
        return Decision(True, "", required)


# ---------------------------------------------------------------------------- parsing


def _line_of(text: str, key: str, start: int = 0, end: int | None = None) -> int:
    """The 1-based line of ``key = ...`` between lines ``start`` and ``end`` (0-based)."""
    lines = text.splitlines()
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for number in range(start, len(lines) if end is None else end):
        if pattern.match(lines[number]):
            return number + 1
    return start + 1


def _header(name: str, double: bool) -> re.Pattern[str]:
    """A line that opens table ``name`` (``[name]``, or ``[[name]]`` when ``double``)."""
    dotted = r"\s*\.\s*".join(re.escape(part) for part in name.split("."))
    brackets = (r"\[\[", r"\]\]") if double else (r"\[(?!\[)", r"\](?!\])")
    return re.compile(rf"^\s*{brackets[0]}\s*{dotted}\s*{brackets[1]}")


def _allow_blocks(text: str, prefix: str = "") -> list[tuple[int, int]]:
    """(start, end) line ranges of each ``[[<prefix>allow]]`` array-of-tables entry."""
    lines = text.splitlines()
    pattern = _header(f"{prefix}allow", double=True)
    headers = [i for i, line in enumerate(lines) if pattern.match(line)]
    tables = [i for i, line in enumerate(lines) if re.match(r"^\s*\[", line)]
    blocks = []
    for header in headers:
        following = [t for t in tables if t > header]
        blocks.append((header, following[0] if following else len(lines)))
    return blocks


def _table_region(text: str, table_path: tuple[str, ...]) -> tuple[int, int]:
    """(start, end) lines holding the keys of the policy table itself (not its sub-tables)."""
    lines = text.splitlines()
    tables = [i for i, line in enumerate(lines) if re.match(r"^\s*\[", line)]
    if not table_path:
        return 0, tables[0] if tables else len(lines)
    pattern = _header(".".join(table_path), double=False)
    header = next((i for i in tables if pattern.match(lines[i])), None)
    if header is None:  # written with dotted keys or an inline table: search the whole file
        return 0, len(lines)
    following = [t for t in tables if t > header]
    return header, following[0] if following else len(lines)


class _Reader:
    """Validates a policy table, raising PolicyError with file and line."""

    def __init__(self, text: str, source: str, table_path: tuple[str, ...] = ()) -> None:
        self.text = text
        self.source = source
        self.prefix = "".join(f"{part}." for part in table_path)
        self.region = _table_region(text, table_path)

    def line(self, key: str) -> int:
        """The line of the policy table's own ``key`` (``key = ...``, or a ``[key]`` header)."""
        start, end = self.region
        lines = self.text.splitlines()
        assignment = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number in range(start, end):
            if assignment.match(lines[number]):
                return number + 1
        for double in (False, True):
            header = _header(f"{self.prefix}{key}", double)
            for number, text in enumerate(lines):
                if header.match(text):
                    return number + 1
        return start + 1

    def fail(self, line: int, message: str) -> PolicyError:
        return PolicyError(f"{self.source}:{line}: {message}")

    def bool_(
        self, table: Mapping[str, Any], key: str, default: bool, block: tuple[int, int] | None
    ) -> bool:
        value = table.get(key, default)
        if not isinstance(value, bool):
            line = self.line(key) if block is None else _line_of(self.text, key, *block)
            raise self.fail(line, f"{key} should be true or false, got {value!r}")
        return value

    def read(self, table: Mapping[str, Any]) -> PolicyFile:
        unknown = sorted(set(table) - _KEYS)
        if unknown:
            raise self.fail(
                self.line(unknown[0]),
                f"unknown key {unknown[0]!r}; expected one of {sorted(_KEYS)}",
            )
        on_error = table.get("on_error", "warn")
        if on_error not in ("warn", "fail"):
            raise self.fail(
                self.line("on_error"),
                f'on_error should be "warn" or "fail", got {on_error!r}',
            )
        deny = table.get("deny", [])
        if not isinstance(deny, list) or not all(isinstance(d, str) and d for d in deny):
            raise self.fail(
                self.line("deny"),
                f"deny should be a list of distribution names, got {deny!r}",
            )
        allow = table.get("allow", [])
        if not isinstance(allow, list) or not all(isinstance(a, dict) for a in allow):
            raise self.fail(
                self.line("allow"),
                "allow should be an array of tables ([[allow]] entries with dist = ...)",
            )
        blocks = _allow_blocks(self.text, self.prefix)
        if len(blocks) != len(allow):  # inline tables: errors point at the allow = line
            blocks = [(self.line("allow") - 1, self.region[1])] * len(allow)
        rules = tuple(self.rule(entry, block) for entry, block in zip(allow, blocks, strict=True))
        return PolicyFile(
            source=self.source,
            autoload=self.bool_(table, "autoload", True, None),
            on_error=on_error,
            locked=self.bool_(table, "locked", False, None),
            deny=tuple(canonical(d) for d in deny),
            allow=rules,
        )

    def rule(self, entry: Mapping[str, Any], block: tuple[int, int]) -> AllowRule:
        unknown = sorted(set(entry) - _ALLOW_KEYS)
        if unknown:
            raise self.fail(
                _line_of(self.text, unknown[0], *block),
                f"unknown key {unknown[0]!r} in an allow entry; expected {sorted(_ALLOW_KEYS)}",
            )
        dist = entry.get("dist")
        if not isinstance(dist, str) or not dist.strip():
            raise self.fail(
                block[0] + 1, f'an allow entry needs dist = "<distribution name>", got {dist!r}'
            )
        version = entry.get("version")
        specifier = None
        if version is not None:
            try:
                if not isinstance(version, str):
                    raise TypeError(repr(version))
                specifier = _specifier_set(version)
            except (TypeError, ValueError):
                raise self.fail(
                    _line_of(self.text, "version", *block),
                    f'version should be a PEP 440 specifier such as ">=0.1,<1", got {version!r}',
                ) from None
        required = self.bool_(entry, "required", False, block)
        return AllowRule(canonical(dist), specifier, required)


def _toml() -> Any:
    """The TOML parser, imported only when a policy file exists."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]
    return tomllib


def _specifier_set(text: str) -> SpecifierSet:
    """A PEP 440 specifier set; packaging is imported only when a policy holds a version."""
    from packaging.specifiers import SpecifierSet

    return SpecifierSet(text)


def parse_policy(text: str, source: str, table_path: tuple[str, ...] = ()) -> PolicyFile:
    """Parse a policy from TOML ``text``; ``table_path`` locates it (``("tool", "ember", ...)``).

    Example:
        >>> from ember.plugins.policy import parse_policy
        >>> parse_policy('on_error = "loud"', source="p.toml")
        Traceback (most recent call last):
        ...
        ember.exceptions.PolicyError: p.toml:1: on_error should be "warn" or "fail", got 'loud'
    """
    try:
        document: Any = _toml().loads(text)
    except _toml().TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        # "at end of document": the error is on the last line
        line = match.group(1) if match else str(max(len(text.splitlines()), 1))
        raise PolicyError(f"{source}:{line}: not valid TOML: {error}") from None
    for key in table_path:
        document = document.get(key, {}) if isinstance(document, dict) else None
    if not isinstance(document, dict):
        raise PolicyError(f"{source}:1: [{'.'.join(table_path)}] should be a table")
    return _Reader(text, source, table_path).read(document)


def site_policy_path() -> Path:
    """Where a site-wide policy lives: ``<sys.prefix>/etc/ember/plugins.toml``."""
    return Path(sys.prefix) / "etc" / "ember" / "plugins.toml"


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyError(f"{path}: cannot read the plugin policy: {error}") from None


def _read_file(path: Path, table_path: tuple[str, ...] = ()) -> PolicyFile:
    return parse_policy(_read_text(path), str(path), table_path)


_PROJECT_TABLE = ("tool", "ember", "plugins")


def _has_project_table(text: str) -> bool:
    """Whether a pyproject defines ``tool.ember.plugins`` (a header, dotted keys or inline)."""
    if "ember" not in text or "plugins" not in text:
        return False
    try:
        document = _toml().loads(text)
    except _toml().TOMLDecodeError:
        return True  # it may hold a policy: parse_policy fails closed with the TOML error
    tool = document.get("tool")
    ember = tool.get("ember") if isinstance(tool, dict) else None
    return isinstance(ember, dict) and "plugins" in ember


def _project_policy(cwd: Path) -> PolicyFile | None:
    for directory in (cwd, *cwd.parents):
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            text = _read_text(pyproject)
            if _has_project_table(text):
                return parse_policy(text, str(pyproject), _PROJECT_TABLE)
            return None
    return None


def load_policy(
    environ: Mapping[str, str] | None = None, cwd: Path | None = None, site: Path | None = None
) -> Policy:
    """The policy in force for ``environ`` (default ``os.environ``) and ``cwd``.

    Example:
        >>> from ember.plugins.policy import load_policy
        >>> sorted(load_policy({"EMBER_PLUGINS": "Ember_Metrics, ember-loggers"}).env_allow)
        ['ember-loggers', 'ember-metrics']
    """
    environ = os.environ if environ is None else environ
    cwd = Path.cwd() if cwd is None else cwd
    site = site_policy_path() if site is None else site
    files: list[PolicyFile] = []
    site_file = _read_file(site) if site.is_file() else None
    if site_file is not None and site_file.locked:
        files.append(site_file)
    explicit = environ.get("EMBER_PLUGIN_POLICY")
    chosen = (
        _read_file(Path(explicit))
        if explicit
        else _project_policy(cwd) or (site_file if site_file is not None else None)
    )
    if chosen is not None and chosen not in files:
        files.append(chosen)
    allow = environ.get("EMBER_PLUGINS")
    autoload = environ.get("EMBER_DISABLE_PLUGIN_AUTOLOAD", "").strip().lower()
    return Policy(
        files=tuple(files),
        env_allow=None if allow is None else _names(allow),
        env_deny=_names(environ.get("EMBER_DISABLE_PLUGINS", "")),
        autoload_disabled=autoload not in ("", "0", "false", "no"),
    )
