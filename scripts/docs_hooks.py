"""MkDocs hooks of the documentation site (mkdocs.yml ``hooks:``).

kgen's docstrings name other objects with Sphinx roles (``:class:`Config```); mkdocstrings renders
Markdown, where a role shows as its literal text next to the name. The role is dropped from the
rendered page, leaving the name in code; and the ``::`` that introduces a reStructuredText code block
(which Markdown renders as a code block too) loses its second colon. A role's ``~`` (show only the
last part of the dotted name) is applied.
"""

from __future__ import annotations

import re
from typing import Any

ROLE = re.compile(r":(?:attr|class|data|exc|func|meth|mod|obj):(<code>)")
LITERAL_BLOCK = re.compile(r"::(</p>)")
SHORT_NAME = re.compile(r"<code>~(?:[\w.]+\.)?(\w+)</code>")


def on_page_content(html: str, **kwargs: Any) -> str:
    html = ROLE.sub(r"\1", html)
    html = SHORT_NAME.sub(r"<code>\1</code>", html)
    return LITERAL_BLOCK.sub(r":\1", html)
