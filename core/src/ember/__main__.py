"""``python -m ember``: the ``ember`` command (see :mod:`ember.cli`)."""

from ember.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
