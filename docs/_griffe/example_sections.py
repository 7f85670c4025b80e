"""A Griffe extension for the API reference: read brickwork's ``Example:`` docstring sections as examples.

Griffe's Google-style parser knows ``Examples:`` as a section (whose ``>>>`` lines become code blocks) but
takes the singular ``Example:`` for an admonition, which renders as one run-on paragraph. brickwork's
docstrings say ``Example:`` (PyTorch's spelling); this extension, loaded by mkdocstrings in mkdocs.yml, renames
the heading in the docstring text Griffe parses. The source files are untouched.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_HEADING = re.compile(r"^(\s*)Example:[ \t]*$", re.MULTILINE)


class ExampleSections(griffe.Extension):
    """Rename each ``Example:`` heading to ``Examples:`` before the docstring is parsed."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = _HEADING.sub(r"\1Examples:", obj.docstring.value)
