"""The ``ember`` command: ``ember plugins``, ``ember plugins check``, ``ember info``, ...

Run it as ``ember`` (the console script) or ``python -m ember``. Every command returns its exit
status: 0 on success, 1 when a check finds violations, 2 for a usage error, a malformed plugin
policy or a plugin error (any :class:`~ember.exceptions.EmberError`: a message on stderr,
never a traceback). ``ember`` with no command prints the help on stdout and exits with 2, as
for an unknown command: a script that forgot its command fails rather than passes.

Example:
    >>> from ember.cli import main
    >>> main(["plugins", "export"])  # usage error: the format is missing
    2
"""

from __future__ import annotations

import os
import sys

from ember.exceptions import EmberError

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Run the ``ember`` command with ``argv`` (default ``sys.argv[1:]``); return the status.

    Example:
        >>> from ember.cli import main
        >>> main(["no-such-command"])
        2
    """
    from ember.cli.host import report_error
    from ember.cli.parser import BUILTIN_COMMANDS, build_parser

    arguments = sys.argv[1:] if argv is None else list(argv)
    # Plugins are loaded (for their commands) only when no built-in command is named.
    builtin = bool(arguments) and arguments[0] in (*BUILTIN_COMMANDS, "--version")
    try:
        parser = build_parser(with_plugins=not builtin)
        try:
            args = parser.parse_args(arguments)
        except SystemExit as exit_:
            return _status(exit_.code)
        if args.command is None:
            parser.print_help()
            return 2
        handler = getattr(args, "handler", None)
        if handler is None:
            report_error(
                f"command {args.command!r} has no handler: its plugin should call "
                "set_defaults(handler=...) on the parser it adds"
            )
            return 2
        return _status(handler(args))
    except EmberError as error:  # ember's own errors are the user's to fix: no traceback
        report_error(error)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``ember plugins | head``): stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1
