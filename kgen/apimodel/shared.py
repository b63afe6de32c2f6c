"""The shared ``meta/v1`` types of :mod:`kgen.runtime._meta`, and how inline copies of them are recognised.

CRDs cannot ``$ref`` anything, so controller-gen inlines a full copy of ``metav1.Condition`` or
``metav1.LabelSelector`` wherever a Go type embeds one. Generating a class per copy would give every CRD
package its own ``Condition``; instead an inline object whose properties are exactly those of a shared type,
with the same types and at least its required properties, is the shared type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kgen.apimodel.ir import Shared

__all__ = ["RUNTIME_MODELS", "SHARED_TYPES", "SharedShape", "match_shared"]


@dataclass(frozen=True, slots=True)
class SharedShape:
    properties: Mapping[str, str]  # wire name -> shape (see _shape_of)
    required: frozenset[str] = frozenset()
    # Kinds (apiVersion, kind) a shared top-level type registers in schemes.
    kind: tuple[str, str] | None = None


_S, _I, _B, _T = "string", "integer", "boolean", "time"

SHARED_TYPES: dict[str, SharedShape] = {
    "ObjectMeta": SharedShape(
        {
            "annotations": "map:string",
            "creationTimestamp": _T,
            "deletionGracePeriodSeconds": _I,
            "deletionTimestamp": _T,
            "finalizers": "array:string",
            "generateName": _S,
            "generation": _I,
            "labels": "map:string",
            "managedFields": "array:ManagedFieldsEntry",
            "name": _S,
            "namespace": _S,
            "ownerReferences": "array:OwnerReference",
            "resourceVersion": _S,
            "selfLink": _S,
            "uid": _S,
        }
    ),
    "ListMeta": SharedShape(
        {
            "continue": _S,
            "remainingItemCount": _I,
            "resourceVersion": _S,
            "selfLink": _S,
            "shardInfo": "ShardInfo",
        }
    ),
    "ShardInfo": SharedShape({"selector": _S}, frozenset({"selector"})),
    "ManagedFieldsEntry": SharedShape(
        {
            "apiVersion": _S,
            "fieldsType": _S,
            "fieldsV1": "object",
            "manager": _S,
            "operation": _S,
            "subresource": _S,
            "time": _T,
        }
    ),
    "OwnerReference": SharedShape(
        {
            "apiVersion": _S,
            "blockOwnerDeletion": _B,
            "controller": _B,
            "kind": _S,
            "name": _S,
            "uid": _S,
        },
        frozenset({"apiVersion", "kind", "name", "uid"}),
    ),
    "Condition": SharedShape(
        {
            "lastTransitionTime": _T,
            "message": _S,
            "observedGeneration": _I,
            "reason": _S,
            "status": _S,
            "type": _S,
        },
        frozenset({"lastTransitionTime", "message", "reason", "status", "type"}),
    ),
    "LabelSelectorRequirement": SharedShape(
        {"key": _S, "operator": _S, "values": "array:string"}, frozenset({"key", "operator"})
    ),
    "LabelSelector": SharedShape(
        {"matchExpressions": "array:LabelSelectorRequirement", "matchLabels": "map:string"}
    ),
    "FieldSelectorRequirement": SharedShape(
        {"key": _S, "operator": _S, "values": "array:string"}, frozenset({"key", "operator"})
    ),
    "Preconditions": SharedShape({"resourceVersion": _S, "uid": _S}),
    "DeleteOptions": SharedShape(
        {
            "apiVersion": _S,
            "dryRun": "array:string",
            "gracePeriodSeconds": _I,
            "ignoreStoreReadErrorWithClusterBreakingPotential": _B,
            "kind": _S,
            "orphanDependents": _B,
            "preconditions": "Preconditions",
            "propagationPolicy": _S,
        },
        kind=("v1", "DeleteOptions"),
    ),
    "StatusCause": SharedShape({"field": _S, "message": _S, "reason": _S}),
    "StatusDetails": SharedShape(
        {
            "causes": "array:StatusCause",
            "group": _S,
            "kind": _S,
            "name": _S,
            "retryAfterSeconds": _I,
            "uid": _S,
        }
    ),
    "Status": SharedShape(
        {
            "apiVersion": _S,
            "code": _I,
            "details": "StatusDetails",
            "kind": _S,
            "message": _S,
            "metadata": "ListMeta",
            "reason": _S,
            "status": _S,
        },
        kind=("v1", "Status"),
    ),
    "WatchEvent": SharedShape({"object": "object", "type": _S}, frozenset({"object", "type"})),
    "GroupResource": SharedShape({"group": _S, "resource": _S}, frozenset({"group", "resource"})),
    "GroupVersionForDiscovery": SharedShape(
        {"groupVersion": _S, "version": _S}, frozenset({"groupVersion", "version"})
    ),
    "ServerAddressByClientCIDR": SharedShape(
        {"clientCIDR": _S, "serverAddress": _S}, frozenset({"clientCIDR", "serverAddress"})
    ),
    "APIGroup": SharedShape(
        {
            "apiVersion": _S,
            "kind": _S,
            "name": _S,
            "preferredVersion": "GroupVersionForDiscovery",
            "serverAddressByClientCIDRs": "array:ServerAddressByClientCIDR",
            "versions": "array:GroupVersionForDiscovery",
        },
        frozenset({"name", "versions"}),
        kind=("v1", "APIGroup"),
    ),
    "APIGroupList": SharedShape(
        {"apiVersion": _S, "groups": "array:APIGroup", "kind": _S},
        frozenset({"groups"}),
        kind=("v1", "APIGroupList"),
    ),
    "APIResource": SharedShape(
        {
            "categories": "array:string",
            "group": _S,
            "kind": _S,
            "name": _S,
            "namespaced": _B,
            "shortNames": "array:string",
            "singularName": _S,
            "storageVersionHash": _S,
            "verbs": "array:string",
            "version": _S,
        },
        frozenset({"name", "singularName", "namespaced", "kind", "verbs"}),
    ),
    "APIResourceList": SharedShape(
        {
            "apiVersion": _S,
            "groupVersion": _S,
            "kind": _S,
            "resources": "array:APIResource",
        },
        frozenset({"groupVersion", "resources"}),
        kind=("v1", "APIResourceList"),
    ),
    "APIVersions": SharedShape(
        {
            "apiVersion": _S,
            "kind": _S,
            "serverAddressByClientCIDRs": "array:ServerAddressByClientCIDR",
            "versions": "array:string",
        },
        frozenset({"versions", "serverAddressByClientCIDRs"}),
        kind=("v1", "APIVersions"),
    ),
    "Scale": SharedShape(
        {
            "apiVersion": _S,
            "kind": _S,
            "metadata": "ObjectMeta",
            "spec": "ScaleSpec",
            "status": "ScaleStatus",
        },
        kind=("autoscaling/v1", "Scale"),
    ),
    "ScaleSpec": SharedShape({"replicas": _I}),
    "ScaleStatus": SharedShape({"replicas": _I, "selector": _S}, frozenset({"replicas"})),
    "VersionInfo": SharedShape(
        {
            "buildDate": _S,
            "compiler": _S,
            "emulationMajor": _S,
            "emulationMinor": _S,
            "gitCommit": _S,
            "gitTreeState": _S,
            "gitVersion": _S,
            "goVersion": _S,
            "major": _S,
            "minCompatibilityMajor": _S,
            "minCompatibilityMinor": _S,
            "minor": _S,
            "platform": _S,
        },
        frozenset({"major", "minor", "gitVersion"}),
    ),
}

#: Definitions whose classes kgen.runtime ships because the runtime itself reads and writes them (leader
#: election's Lease, kgen/runtime/_coordination.py): they stay in the model like any kind, but a
#: generated package re-exports the runtime's classes instead of generating its own.
RUNTIME_MODELS: dict[str, str] = {
    "io.k8s.api.coordination.v1.Lease": "Lease",
    "io.k8s.api.coordination.v1.LeaseList": "LeaseList",
    "io.k8s.api.coordination.v1.LeaseSpec": "LeaseSpec",
}

# Inline objects recognised by shape. Others (ObjectMeta aside) are only reached through $ref.
_MATCHED_BY_SHAPE = (
    "Condition",
    "LabelSelector",
    "LabelSelectorRequirement",
    "OwnerReference",
    "ManagedFieldsEntry",
)


def match_shared(field_name: str, schema: Mapping[str, Any]) -> Shared | None:
    """The shared type an inline object schema is a copy of, if any."""
    properties = schema.get("properties")
    if not isinstance(properties, Mapping) or not properties:
        return None
    shapes = {name: _shape_of(sub) for name, sub in properties.items() if isinstance(sub, Mapping)}
    if len(shapes) != len(properties):
        return None
    required = set(schema.get("required") or [])
    if field_name == "metadata":
        meta = SHARED_TYPES["ObjectMeta"].properties
        if all(meta.get(name) == shape for name, shape in shapes.items()):
            return Shared("ObjectMeta")
    for name in _MATCHED_BY_SHAPE:
        shape = SHARED_TYPES[name]
        if dict(shape.properties) == shapes and shape.required <= required:
            return Shared(name)
    return None


def _shape_of(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if kind == "string":
        return _T if schema.get("format") == "date-time" else _S
    if kind in (_I, _B):
        return str(kind)
    if kind == "array":
        items = schema.get("items")
        if not isinstance(items, Mapping):
            return "array:?"
        inner = _shape_of(items)
        return f"array:{inner}"
    if kind == "object":
        extra = schema.get("additionalProperties")
        if isinstance(extra, Mapping) and not schema.get("properties"):
            return f"map:{_shape_of(extra)}"
        if schema.get("properties"):
            match = match_shared("", schema)
            return match.name if match is not None else "object:?"
        return "object"
    return "?"
