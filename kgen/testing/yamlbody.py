"""Request bodies in YAML, read the way kube-apiserver reads them.

The apiserver turns YAML into JSON with sigs.k8s.io/yaml, which parses with go-yaml v2: YAML 1.1 scalars
as Go resolves them. Compared with :mod:`kgen.runtime._yamlsafe` (kubectl's reading of manifests, which
already keeps timestamps, ``=`` and sexagesimal numbers as text, and refuses go-yaml's "excessive
aliasing"):

- ``y``, ``Y``, ``n`` and ``N`` are booleans too (go-yaml v2's resolve table), so ``name: y`` is the
  boolean true, which a string field then refuses;
- mapping keys become JSON object keys: booleans, numbers and null are written out as text
  (``true``, ``1``, ``null``), as YAMLToJSON does;
- tags become what go-yaml makes of them: ``!!binary`` the decoded bytes (as text), ``!!set`` a map
  of nulls, ``!!omap`` and ``!!pairs`` a list of one-key maps, ``!!timestamp`` its text, and any tag go-yaml
  does not know the plain value;
- what JSON cannot hold is refused as YAMLToJSON refuses it: ``.nan`` and ``.inf`` (``json:
  unsupported value: NaN``), surrogate escapes (``found invalid Unicode character escape code``),
  nesting deeper than :data:`~kgen.testing.limits.MAX_DEPTH`;
- alias expansion is bounded as go-yaml v2 bounds it ("yaml: document contains excessive aliasing"),
  by :func:`kgen.runtime._yamlsafe.check_aliases` on the composed document before anything expands;
- only the first document of a stream is read.

Errors are :class:`~kgen.testing.jsonbody.DocumentError` with go-yaml's messages (``yaml: line 3:
...``).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from typing import Any

import yaml

import kgen.runtime._yamlsafe as yamlsafe
from kgen.testing.jsonbody import DocumentError, utf8
from kgen.testing.limits import MAX_DEPTH

__all__ = ["load"]

_SURROGATE = re.compile("[\ud800-\udfff]")


class _GoYAMLLoader(yamlsafe.KubernetesLoader):
    """yamlsafe's loader plus go-yaml v2's one-letter booleans and its handling of tags."""

    bool_values = {**yaml.SafeLoader.bool_values, "y": True, "n": False}

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[str, Any]:
        # Keys become JSON keys at once: 1, 1.0 and true are different keys for Go, not for a dict.
        self.flatten_mapping(node)  # merge keys (<<), which go-yaml v2 supports
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, (dict, list, set)):
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    "found unhashable key",
                    key_node.start_mark,
                )
            mapping[_json_key(key)] = self.construct_object(value_node, deep=deep)
        return mapping


_GoYAMLLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:y|Y|n|N)$"), list("yYnN")
)


def _plain(loader: _GoYAMLLoader, node: yaml.Node) -> Any:
    """A node whose tag go-yaml does not resolve: its value as if untagged."""
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_scalar(node)


def _plain_multi(loader: _GoYAMLLoader, suffix: str, node: yaml.Node) -> Any:
    return _plain(loader, node)


def _binary(loader: _GoYAMLLoader, node: yaml.Node) -> str:
    text = loader.construct_scalar(node)
    try:
        data = base64.b64decode("".join(str(text).split()), validate=True)
    except (binascii.Error, ValueError):
        # go-yaml's failf: no line number
        raise DocumentError("yaml: !!binary value contains invalid base64 data") from None
    return utf8(data)


def _set(loader: _GoYAMLLoader, node: yaml.Node) -> dict[Any, Any]:
    if not isinstance(node, yaml.MappingNode):
        return _plain(loader, node)  # type: ignore[no-any-return]
    return {key: None for key in loader.construct_mapping(node)}


def _pairs(loader: _GoYAMLLoader, node: yaml.Node) -> Any:
    # go-yaml does not know !!omap or !!pairs: the sequence of one-key maps is read as it is.
    return _plain(loader, node)


_GoYAMLLoader.add_constructor("tag:yaml.org,2002:binary", _binary)
_GoYAMLLoader.add_constructor("tag:yaml.org,2002:set", _set)
_GoYAMLLoader.add_constructor("tag:yaml.org,2002:omap", _pairs)
_GoYAMLLoader.add_constructor("tag:yaml.org,2002:pairs", _pairs)
_GoYAMLLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
)
_GoYAMLLoader.add_constructor(None, _plain)
_GoYAMLLoader.add_multi_constructor("!", _plain_multi)
_GoYAMLLoader.add_multi_constructor("tag:", _plain_multi)


def _json_key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, float):
        if math.isnan(key) or math.isinf(key):
            return {True: "+Inf", False: "-Inf"}[key > 0] if math.isinf(key) else "NaN"
        if key.is_integer() and abs(key) < 1e21:
            return str(int(key))
    return str(key)


_CONTAINERS = (dict, list)


def _to_json(value: Any) -> Any:
    """The JSON value of a constructed document, built iteratively (aliases expand: go-yaml's alias
    limit bounds how much), checked as YAMLToJSON checks it."""
    root: list[Any] = [None]
    # (value, the container to put it in, the key or index there, depth)
    stack: list[tuple[Any, Any, Any, int]] = [(value, root, 0, 0)]
    while stack:
        node, parent, slot, depth = stack.pop()
        if isinstance(node, dict):
            if depth >= MAX_DEPTH:
                raise DocumentError(f"yaml: exceeded max depth of {MAX_DEPTH}", depth=True)
            out: dict[str, Any] = {}
            parent[slot] = out
            for key, item in node.items():
                name = _json_key(key)
                _check_string(name)
                out[name] = None
                stack.append((item, out, name, depth + 1))
        elif isinstance(node, list):
            if depth >= MAX_DEPTH:
                raise DocumentError(f"yaml: exceeded max depth of {MAX_DEPTH}", depth=True)
            items: list[Any] = [None] * len(node)
            parent[slot] = items
            for index, item in enumerate(node):
                stack.append((item, items, index, depth + 1))
        else:
            if isinstance(node, float) and (math.isnan(node) or math.isinf(node)):
                shown = "NaN" if math.isnan(node) else ("+Inf" if node > 0 else "-Inf")
                raise DocumentError(f"json: unsupported value: {shown}")
            if isinstance(node, str):
                _check_string(node)
            elif not (node is None or isinstance(node, (bool, int, float))):
                node = str(node)
            parent[slot] = node
    return root[0]


def _check_string(text: str) -> None:
    if _SURROGATE.search(text):
        raise DocumentError("yaml: found invalid Unicode character escape code")


def load(body: str | bytes) -> Any:
    """The first YAML document of ``body`` as the JSON value the apiserver would decode."""
    loader = _GoYAMLLoader(body)
    try:
        node = loader.get_node() if loader.check_node() else None
        if node is None:
            return None
        # yamlsafe.KubernetesLoader bounds alias expansion as go-yaml does before anything expands.
        document = loader.construct_document(node)
    except DocumentError:
        raise
    except RecursionError:
        raise DocumentError(f"yaml: exceeded max depth of {MAX_DEPTH}", depth=True) from None
    except yaml.MarkedYAMLError as exc:
        raise DocumentError(_go_message(exc)) from None
    except yaml.reader.ReaderError as exc:
        if isinstance(exc.character, str):
            raise DocumentError("yaml: control characters are not allowed") from None
        raise DocumentError("yaml: invalid leading UTF-8 octet") from None
    except (yaml.YAMLError, ValueError, TypeError) as exc:  # TypeError: an unhashable key
        raise DocumentError(f"yaml: {exc}") from None
    finally:
        loader.dispose()
    return _to_json(document)


def _go_message(exc: yaml.MarkedYAMLError) -> str:
    problem = str(exc.problem or exc.context or "invalid YAML").strip()
    if "excessive aliasing" in problem or exc.problem_mark is None:
        return f"yaml: {problem}"
    return f"yaml: line {exc.problem_mark.line + 1}: {problem}"
