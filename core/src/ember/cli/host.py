"""The plugin host as the ``ember`` command sees it: loaded once, errors kept, warnings shown.

The command loads the plugins itself (rather than through :func:`ember.plugins.get_host`) so
that when loading stops on an error, the records made so far are still there to be listed.

Example:
    >>> from ember.plugins import Policy
    >>> from ember.cli.host import describe_policy
    >>> describe_policy(Policy(env_deny=frozenset({"acme-tools"})))
    'EMBER_DISABLE_PLUGINS=acme-tools'
"""

from __future__ import annotations

import sys
import warnings

from ember.exceptions import EmberError, PluginError, PolicyError
from ember.plugins import PluginHost, PluginLoadWarning, Policy, reset_plugins

__all__ = ["describe_policy", "load_host", "report_error", "warn"]


def warn(message: str) -> None:
    """Print ``ember: warning: <message>`` on stderr."""
    print(f"ember: warning: {message}", file=sys.stderr)


def report_error(error: BaseException | str) -> None:
    """Print ``ember: error: <error>`` on stderr (a user error: no traceback)."""
    print(f"ember: error: {error}", file=sys.stderr)


def load_host(*, quiet: bool = False) -> tuple[PluginHost, EmberError | None]:
    """Load the plugins into a fresh process-wide host; return it and the error that stopped it.

    A malformed policy (:class:`~ember.exceptions.PolicyError`) or a required or strict plugin
    that failed (:class:`~ember.exceptions.PluginError`) is returned, not raised, so that the
    caller can still show what was recorded. Warnings raised while loading are printed as
    ``ember: warning: ...`` lines; ``quiet=True`` leaves out those about plugins that failed
    (for a listing that shows them anyway).

    Example:
        >>> from ember.cli.host import load_host
        >>> host, error = load_host()
        >>> host.loaded, error is None or str(error) != ""
        (True, True)
    """
    host = PluginHost()
    reset_plugins(host)
    error: EmberError | None = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PluginLoadWarning)
        try:
            host.load()
        except (PolicyError, PluginError) as exc:
            error = exc
    for warning in caught:
        if not (quiet and issubclass(warning.category, PluginLoadWarning)):
            warn(str(warning.message))
    return host, error


def describe_policy(policy: Policy | None) -> str:
    """Where the policy in force comes from, in one line (files, then environment variables).

    Example:
        >>> from ember.plugins import Policy
        >>> from ember.cli.host import describe_policy
        >>> describe_policy(Policy())
        'none (every installed plugin may load)'
    """
    if policy is None:
        return "not loaded"
    parts = [policy_file.source for policy_file in policy.files]
    if policy.env_allow is not None:
        parts.append(f"EMBER_PLUGINS={','.join(sorted(policy.env_allow))}")
    if policy.env_deny:
        parts.append(f"EMBER_DISABLE_PLUGINS={','.join(sorted(policy.env_deny))}")
    if policy.autoload_disabled:
        parts.append("EMBER_DISABLE_PLUGIN_AUTOLOAD=1")
    return "; ".join(parts) or "none (every installed plugin may load)"
