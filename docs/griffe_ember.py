"""Griffe extension for the API reference: renders docstrings written with Sphinx habits.

The docstrings are Google style, but two habits from Sphinx/napoleon would render badly with
mkdocstrings, so this extension rewrites them when the docs are built (the sources stay as they
are, and ``help()`` shows them unchanged):

- an ``Example:`` section becomes ``Examples:``, the section griffe parses into code blocks
  (griffe reads ``Example:`` as an admonition, and the ``>>>`` lines as nested block quotes);
- a role such as ``:class:`State``` or ``:meth:`Engine.run``` becomes inline code, and a role
  naming a full ``ember...`` path, such as ``:class:`ember.engine.State```, a cross-reference
  (a reference to a name that does not exist then fails ``mkdocs build --strict``).

Registered in mkdocs.yml under the python handler's ``extensions``.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_EXAMPLE_HEADER = re.compile(r"^(?P<indent>[ \t]*)Example:[ \t]*$", re.MULTILINE)
_ROLE = re.compile(
    r":(?:py:)?(?:class|meth|func|attr|mod|obj|exc|data|const|ref):`(?P<tilde>~?)(?P<target>[^`]+)`"
)


def _role_to_markdown(match: re.Match[str]) -> str:
    target = match["target"].strip()
    shown = target.rsplit(".", 1)[-1] if match["tilde"] else target
    if target.startswith("ember") and "." in target:
        return f"[`{shown}`][{target}]"
    return f"`{shown}`"


def rewrite(docstring: str) -> str:
    """The docstring with ``Example:`` headers and Sphinx roles rewritten for mkdocstrings."""
    docstring = _EXAMPLE_HEADER.sub(r"\g<indent>Examples:", docstring)
    return _ROLE.sub(_role_to_markdown, docstring)


class EmberDocstrings(griffe.Extension):
    """Rewrite each object's docstring as it is loaded, before griffe parses it."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = rewrite(obj.docstring.value)
