"""A YAML loader that reads Kubernetes manifests the way kubectl does.

PyYAML implements YAML 1.1, and its safe loader trips on things that Go's YAML library (behind kubectl and
the API server) reads as plain text:

- an unquoted ``=`` is YAML 1.1's "value" type, which the safe loader cannot construct at all
  (``- =`` in an enum of operators);
- unquoted dates and timestamps become ``datetime`` objects, which are not JSON;
- ``1:20`` is a sexagesimal integer (80) in YAML 1.1, but text for Go.

This loader reads all three as strings and is otherwise PyYAML's (C-accelerated where available) safe loader,
with go-yaml's limit on aliases (:func:`check_aliases`): a small document whose aliases expand to a huge
value ("billion laughs") is refused as the API server and kubectl refuse it, with *document contains
excessive aliasing*, and so is an anchor whose value contains itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

import yaml

from kgen.runtime._yamlblock import number_patterns

__all__ = ["load", "load_all"]

_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class KubernetesLoader(_Base):  # type: ignore[misc, valid-type]
    """PyYAML's safe loader without the YAML 1.1 resolvers that Go's YAML does not have, and with
    go-yaml's limit on alias expansion."""

    def construct_document(self, node: yaml.Node) -> Any:
        check_aliases(node)
        return super().construct_document(node)


# go-yaml (v2, behind sigs.k8s.io/yaml and so kube-apiserver and kubectl, and v3) counts every node it
# decodes, and those it decodes inside an alias's expansion; past 1000 nodes and 100 of them through
# aliases, the share that aliases may make up falls from 99% (documents up to 400,000 nodes) to 10%
# (4,000,000 and more), and beyond it decoding stops. PyYAML shares an alias's value instead of copying
# it, so the load itself is cheap, but everything that walks the value afterwards pays for the expansion.
_RATIO_RANGE_LOW = 400_000
_RATIO_RANGE_HIGH = 4_000_000


def _allowed_alias_ratio(decoded: int) -> float:
    if decoded <= _RATIO_RANGE_LOW:
        return 0.99
    if decoded >= _RATIO_RANGE_HIGH:
        return 0.10
    return 0.99 - 0.89 * (decoded - _RATIO_RANGE_LOW) / (_RATIO_RANGE_HIGH - _RATIO_RANGE_LOW)


def check_aliases(root: yaml.Node) -> None:
    """Refuse a composed document as go-yaml's decoder would: an anchor whose value contains itself,
    or aliases that expand to too large a share of the document.

    PyYAML composes an alias as the anchored node itself, so an alias is a node met again in document
    order (an anchor comes before its aliases); those edges are remembered, to be known as aliases
    inside the expansions too. The count is go-yaml's: each node once, and an alias's node plus its
    whole target each time it is met (counted as aliased). The walk stops as soon as the ratio is
    exceeded, so its cost is bounded by the document's size whatever the expansion would be.
    """
    seen: set[int] = set()
    aliases: set[tuple[int, int]] = set()  # (parent's id, position): the edges that are aliases
    decoded = aliased = 0
    # (node, its parent's id and position, depth of alias expansion, the anchors being expanded)
    stack: list[tuple[yaml.Node, tuple[int, int], int, frozenset[int]]] = [
        (root, (0, 0), 0, frozenset())
    ]
    while stack:
        node, edge, depth, expanding = stack.pop()
        if depth == 0 and id(node) in seen:
            aliases.add(edge)
        if edge in aliases:
            decoded += 1  # the alias node itself
            aliased += 1 if depth else 0
            if id(node) in expanding:
                raise _error("an anchor's value contains itself", node)
            expanding = expanding | {id(node)}
            depth += 1
        elif depth == 0:
            seen.add(id(node))
        decoded += 1
        aliased += 1 if depth else 0
        if aliased > 100 and decoded > 1000 and aliased / decoded > _allowed_alias_ratio(decoded):
            raise _error("document contains excessive aliasing", node)
        if isinstance(node, yaml.MappingNode):
            children = [item for pair in node.value for item in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            continue
        for position in range(len(children) - 1, -1, -1):  # popped in document order
            stack.append((children[position], (id(node), position), depth, expanding))


def _error(problem: str, node: yaml.Node) -> yaml.constructor.ConstructorError:
    return yaml.constructor.ConstructorError(None, None, problem, node.start_mark)


def _strip_resolvers(loader: type[yaml.SafeLoader]) -> None:
    dropped = {"tag:yaml.org,2002:value", "tag:yaml.org,2002:timestamp"}
    table: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items():
        kept = [(tag, regexp) for tag, regexp in resolvers if tag not in dropped]
        table[first] = kept
    loader.yaml_implicit_resolvers = table
    # Integers and floats without the sexagesimal (base 60) forms.
    int_re, float_re = number_patterns()
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
