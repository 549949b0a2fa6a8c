"""``ember plugins check``: does the installed plugin set satisfy the policy? The CI gate.

Exits 0 when it does; otherwise 1, with one line per violation on stdout, naming the
distribution, the rule and the file it comes from:

- ``not-allowed``: an installed plugin distribution the policy does not allow (denied, not in
  an allow list, or at a version outside its allowed range);
- ``required``: a ``required = true`` distribution that is not installed;
- ``requires-ember``: a plugin whose ``Requires-Dist: ember...`` excludes the installed ember;
- with ``--import``, ``import`` and ``hooks``: an allowed plugin that fails or crashes when
  imported (each in its own subprocess), or whose hooks do not match ember's hookspecs.

A malformed policy exits with 2 and its ``file:line: ...`` message. Only the metadata of
distributions that declare ``ember`` entry points is read.

Example:
    >>> from ember.plugins import Policy
    >>> from ember.plugins.discovery import Candidate
    >>> from ember.cli.check import static_violations
    >>> candidate = Candidate("tools", "acme_tools.plugin", "acme-tools", "1.0", "/nowhere")
    >>> [v.line() for v in static_violations(
    ...     Policy(env_deny=frozenset({"acme-tools"})), [candidate], "0.1.0")]
    ['acme-tools 1.0: not-allowed: denied by EMBER_DISABLE_PLUGINS (installed at /nowhere)']
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from email.parser import HeaderParser
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from ember._version import __version__
from ember.cli.host import describe_policy
from ember.cli.probe import MARKER
from ember.plugins import Policy, load_policy
from ember.plugins.discovery import Candidate, discover
from ember.plugins.policy import matches

__all__ = [
    "IMPORT_TIMEOUT_S",
    "Violation",
    "ember_requirements",
    "import_violations",
    "policy_for",
    "run_check",
    "static_violations",
]

IMPORT_TIMEOUT_S = 120.0

_PROBE = "import sys; from ember.cli.probe import main; sys.exit(main(sys.argv[1:]))"


@dataclass(frozen=True)
class Violation:
    """One way the environment fails the policy: which dist, which rule, which file."""

    dist: str
    version: str | None
    rule: str
    file: str
    message: str

    def line(self) -> str:
        """The one-line human form: ``dist version: rule: message``."""
        who = f"{self.dist} {self.version}" if self.version else self.dist
        return f"{who}: {self.rule}: {self.message}"


def policy_for(path: str | None) -> Policy:
    """The policy to check against: file ``path`` if given, else the usual lookup.

    The environment variables (and a locked site-wide policy) apply either way.

    Example:
        >>> from ember.cli.check import policy_for
        >>> policy_for("no/such/policy.toml")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ember.exceptions.PolicyError: no/such/policy.toml: cannot read the plugin policy: ...
    """
    environ = dict(os.environ)
    if path is not None:
        environ["EMBER_PLUGIN_POLICY"] = path
    return load_policy(environ)


def ember_requirements(location: str) -> tuple[str, list[str]]:
    """The metadata file of the dist-info (or egg-info) at ``location`` and its requirements.

    Example:
        >>> from ember.cli.check import ember_requirements
        >>> ember_requirements("/nowhere")
        ('', [])
    """
    for name in ("METADATA", "PKG-INFO"):
        path = os.path.join(location, name)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError:
            continue
        requires = HeaderParser().parsestr(text).get_all("Requires-Dist") or []
        if requires or not location.endswith(".egg-info"):
            return path, [str(line) for line in requires]
    path = os.path.join(location, "requires.txt")
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return "", []
    unconditional = []
    for line in lines:
        if line.strip().startswith("["):  # extras and markers sections: not always required
            break
        if line.strip():
            unconditional.append(line.strip())
    return path, unconditional


def _requires_ember(candidate: Candidate, ember_version: str) -> list[Violation]:
    path, requires = ember_requirements(candidate.location)
    found = []
    for line in requires:
        try:
            requirement = Requirement(line)
        except InvalidRequirement as error:
            message = f"cannot parse Requires-Dist {line!r}: {error} ({path})"
            found.append(Violation(candidate.dist, candidate.version, "metadata", path, message))
            continue
        if canonicalize_name(requirement.name) != "ember":
            continue
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        if not requirement.specifier.contains(ember_version, prereleases=True):
            message = (
                f"declares Requires-Dist {line.strip()!r} but ember {ember_version} is "
                f"installed ({path})"
            )
            found.append(
                Violation(candidate.dist, candidate.version, "requires-ember", path, message)
            )
    return found


def static_violations(
    policy: Policy, candidates: Sequence[Candidate], ember_version: str = __version__
) -> list[Violation]:
    """Violations found from metadata alone, without importing any plugin (module example)."""
    found: list[Violation] = []
    by_dist = {c.dist: c for c in candidates}  # one check per distribution, not entry point
    for dist, candidate in by_dist.items():
        decision = policy.decide(dist, candidate.version)
        if decision.allowed:
            found += _requires_ember(candidate, ember_version)
            continue
        source = next((f.source for f in policy.files if f.source in decision.reason), "env")
        message = f"{decision.reason} (installed at {candidate.location})"
        if decision.required:
            message += "; the policy requires it"
        found.append(Violation(dist, candidate.version, "not-allowed", source, message))
    for policy_file, rule in policy.required_rules():
        if not any(matches(rule.dist, dist) for dist in by_dist):
            message = f"required by {policy_file.source} but not installed"
            found.append(Violation(rule.dist, None, "required", policy_file.source, message))
    return found


def _tail(stderr: str, lines: int = 3, width: int = 500) -> str:
    kept = [line.strip() for line in stderr.splitlines() if line.strip()][-lines:]
    text = " | ".join(kept)
    return (text if len(text) <= width else "..." + text[-width:]) or "(nothing on stderr)"


def _probe_one(candidate: Candidate, timeout: float) -> list[Violation]:
    where = os.path.join(candidate.location, "entry_points.txt")
    what = f"entry point {candidate.name!r} ({candidate.value})"

    def violation(rule: str, message: str) -> Violation:
        return Violation(candidate.dist, candidate.version, rule, where, f"{what}: {message}")

    command = [sys.executable, "-c", _PROBE, candidate.dist, candidate.version or ""]
    command += [candidate.name, candidate.value]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return [violation("import", f"importing it took more than {timeout:.0f} s")]
    if done.returncode != 0 or MARKER not in done.stdout:
        code = done.returncode
        how = (
            f"was killed by signal {signal.Signals(-code).name}"
            if code < 0 and -code in signal.valid_signals()
            else f"exited with status {code}"
        )
        return [violation("import", f"the import subprocess {how}; stderr: {_tail(done.stderr)}")]
    problems = json.loads(done.stdout.rpartition(MARKER)[2].splitlines()[0])
    return [violation(p["rule"], p["message"]) for p in problems]


def import_violations(
    candidates: Sequence[Candidate], timeout: float = IMPORT_TIMEOUT_S
) -> list[Violation]:
    """Import each candidate in its own subprocess (in parallel) and validate its hooks.

    Example:
        >>> from ember.cli.check import import_violations
        >>> import_violations([])
        []
    """
    if not candidates:
        return []
    workers = min(len(candidates), os.cpu_count() or 1, 8)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = pool.map(lambda c: _probe_one(c, timeout), candidates)
        return [violation for found in results for violation in found]


def run_check(args: argparse.Namespace) -> int:
    """``ember plugins check``: 0 when the environment satisfies the policy, else 1.

    A malformed policy raises :class:`~ember.exceptions.PolicyError` (exit 2 from ``main``).
    """
    policy = policy_for(args.policy)
    candidates = discover()
    violations = static_violations(policy, candidates)
    if args.import_:
        allowed = [c for c in candidates if policy.decide(c.dist, c.version).allowed]
        violations += import_violations(allowed)
    violations.sort(key=lambda violation: violation.dist)  # stable: a dist's lines stay in order
    dists = sorted({(c.dist, c.version or "") for c in candidates})
    if args.json:
        result = {
            "ok": not violations,
            "policy": describe_policy(policy),
            "installed": [{"dist": d, "version": v or None} for d, v in dists],
            "violations": [asdict(v) for v in violations],
        }
        print(json.dumps(result, indent=2))
    elif violations:
        print("\n".join(v.line() for v in violations))
        print(
            f"ember plugins check: {len(violations)} violation(s) of the plugin policy "
            f"({describe_policy(policy)})",
            file=sys.stderr,
        )
    else:
        imported = " (imported and validated)" if args.import_ else ""
        print(
            f"ok: {len(dists)} plugin distribution(s) satisfy the policy{imported}; "
            f"policy: {describe_policy(policy)}"
        )
    return 1 if violations else 0
