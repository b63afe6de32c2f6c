"""Request bodies in YAML, read the way kube-apiserver reads them.

The apiserver turns YAML into JSON with sigs.k8s.io/yaml, which parses with go-yaml v2: YAML 1.1 scalars
as Go resolves them. Compared with :mod:`kgen.runtime._yamlsafe` (kubectl's reading of manifests, which
already keeps timestamps, ``=`` and sexagesimal numbers as text):

- ``y``, ``Y``, ``n`` and ``N`` are booleans too (go-yaml v2's resolve table), so ``name: y`` is the
  boolean true, which a string field then refuses;
- mapping keys become JSON object keys: booleans, numbers and null are written out as text
  (``true``, ``1``, ``null``), as YAMLToJSON does.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

import kgen.runtime._yamlsafe as yamlsafe

__all__ = ["load"]


class _GoYAMLLoader(yamlsafe.KubernetesLoader):
    """yamlsafe's loader plus go-yaml v2's one-letter booleans."""

    bool_values = {**yaml.SafeLoader.bool_values, "y": True, "n": False}


_GoYAMLLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:y|Y|n|N)$"), list("yYnN")
)


def _json_key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def _to_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {_json_key(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    return value


def load(body: str | bytes) -> Any:
    """One YAML document as the JSON value the apiserver would decode."""
    return _to_json(yaml.load(body, Loader=_GoYAMLLoader))  # noqa: S506 - a safe loader
