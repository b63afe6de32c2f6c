"""MkDocs hooks of the documentation site (mkdocs.yml ``hooks:``).

kgen's docstrings name other objects with Sphinx roles (``:class:`Config```); mkdocstrings renders
Markdown, where a role shows as its literal text next to the name. The role is dropped from the
rendered page, leaving the name in code.
"""

from __future__ import annotations

import re
from typing import Any

ROLE = re.compile(r":(?:attr|class|data|exc|func|meth|mod|obj):(<code>)")


def on_page_content(html: str, **kwargs: Any) -> str:
    return ROLE.sub(r"\1", html)
