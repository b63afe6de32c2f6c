"""A YAML loader that reads Kubernetes manifests the way kubectl does.

PyYAML implements YAML 1.1, and its safe loader trips on things that Go's YAML library (behind kubectl and
the API server) reads as plain text:

- an unquoted ``=`` is YAML 1.1's "value" type, which the safe loader cannot construct at all
  (``- =`` in an enum of operators);
- unquoted dates and timestamps become ``datetime`` objects, which are not JSON;
- ``1:20`` is a sexagesimal integer (80) in YAML 1.1, but text for Go.

This loader reads all three as strings and is otherwise PyYAML's (C-accelerated where available) safe loader.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

import yaml

__all__ = ["load", "load_all"]

_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class KubernetesLoader(_Base):  # type: ignore[misc, valid-type]
    """PyYAML's safe loader without the YAML 1.1 resolvers that Go's YAML does not have."""


def _strip_resolvers(loader: type[yaml.SafeLoader]) -> None:
    dropped = {"tag:yaml.org,2002:value", "tag:yaml.org,2002:timestamp"}
    table: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items():
        kept = [(tag, regexp) for tag, regexp in resolvers if tag not in dropped]
        table[first] = kept
    loader.yaml_implicit_resolvers = table
    # Integers and floats without the sexagesimal (base 60) forms.
    int_re = re.compile(
        r"""^(?:[-+]?0b[0-1_]+
            |[-+]?0[0-7_]+
            |[-+]?(?:0|[1-9][0-9_]*)
            |[-+]?0x[0-9a-fA-F_]+)$""",
        re.X,
    )
    float_re = re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
            |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
            |[-+]?\.(?:inf|Inf|INF)
            |\.(?:nan|NaN|NAN))$""",
        re.X,
    )
    for first, resolvers in table.items():
        table[first] = [
            (
                tag,
                (
                    int_re
                    if tag == "tag:yaml.org,2002:int"
                    else float_re if tag == "tag:yaml.org,2002:float" else regexp
                ),
            )
            for tag, regexp in resolvers
        ]


_strip_resolvers(KubernetesLoader)


def load(stream: str | bytes | IO[str] | IO[bytes]) -> Any:
    """Load one YAML document."""
    return yaml.load(stream, Loader=KubernetesLoader)  # noqa: S506 - a safe loader


def load_all(stream: str | bytes | IO[str] | IO[bytes]) -> Iterator[Any]:
    """Load every document of a YAML stream."""
    return yaml.load_all(stream, Loader=KubernetesLoader)  # noqa: S506 - a safe loader
