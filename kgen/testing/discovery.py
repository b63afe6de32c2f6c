"""Discovery documents: /version, /api, /apis, /apis/{group}, the APIResourceLists, and aggregated
discovery (``apidiscovery.k8s.io`` v2 and v2beta1 ``APIGroupDiscoveryList``) as 1.30+ servers serve it.
"""

from __future__ import annotations

import base64
import hashlib
import platform
from typing import Any

from kgen.testing.openapi import GIT_VERSION
from kgen.testing.registry import Registry, ResourceType

__all__ = [
    "aggregated",
    "api_group",
    "api_group_list",
    "api_versions",
    "resource_list",
    "version_info",
]

# Short names and categories of built-ins, which no OpenAPI document carries.
_SHORT_NAMES = {
    ("", "configmaps"): ["cm"],
    ("", "endpoints"): ["ep"],
    ("", "events"): ["ev"],
    ("", "limitranges"): ["limits"],
    ("", "namespaces"): ["ns"],
    ("", "nodes"): ["no"],
    ("", "persistentvolumeclaims"): ["pvc"],
    ("", "persistentvolumes"): ["pv"],
    ("", "pods"): ["po"],
    ("", "replicationcontrollers"): ["rc"],
    ("", "resourcequotas"): ["quota"],
    ("", "serviceaccounts"): ["sa"],
    ("", "services"): ["svc"],
    ("apps", "daemonsets"): ["ds"],
    ("apps", "deployments"): ["deploy"],
    ("apps", "replicasets"): ["rs"],
    ("apps", "statefulsets"): ["sts"],
    ("batch", "cronjobs"): ["cj"],
    ("policy", "poddisruptionbudgets"): ["pdb"],
    ("networking.k8s.io", "ingresses"): ["ing"],
    ("networking.k8s.io", "networkpolicies"): ["netpol"],
    ("apiextensions.k8s.io", "customresourcedefinitions"): ["crd", "crds"],
}
_CATEGORIES = {
    ("", "pods"): ["all"],
    ("", "services"): ["all"],
    ("", "replicationcontrollers"): ["all"],
    ("apps", "deployments"): ["all"],
    ("apps", "daemonsets"): ["all"],
    ("apps", "replicasets"): ["all"],
    ("apps", "statefulsets"): ["all"],
    ("batch", "jobs"): ["all"],
    ("batch", "cronjobs"): ["all"],
    ("apiextensions.k8s.io", "customresourcedefinitions"): ["api-extensions"],
}
_SUB_VERBS = {"get": "get", "update": "update", "patch": "patch", "create": "create"}


def version_info() -> dict[str, Any]:
    major, minor = GIT_VERSION[1:].split(".")[:2]
    return {
        "major": major,
        "minor": minor,
        "emulationMajor": major,
        "emulationMinor": minor,
        "minCompatibilityMajor": major,
        "minCompatibilityMinor": str(int(minor) - 1),
        "gitVersion": GIT_VERSION,
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": f"python{platform.python_version()}",
        "compiler": "kgen",
        "platform": f"{platform.system().lower()}/{platform.machine().lower()}",
    }


def _short_names(rt: ResourceType) -> list[str]:
    return list(rt.short_names) or _SHORT_NAMES.get(rt.gr, [])


def _categories(rt: ResourceType) -> list[str]:
    return list(rt.categories) or _CATEGORIES.get(rt.gr, [])


def _storage_hash(rt: ResourceType) -> str:
    digest = hashlib.sha256(f"{rt.group}/{rt.version}/{rt.kind}".encode()).digest()
    return base64.b64encode(digest[:8]).decode()


def api_versions(server_address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ],
    }


def _group(registry: Registry, group: str, versions: list[str]) -> dict[str, Any]:
    entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": entries, "preferredVersion": entries[0]}


def api_group_list(registry: Registry) -> dict[str, Any]:
    groups = [
        _group(registry, group, versions)
        for group, versions in registry.group_versions().items()
        if group
    ]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(registry: Registry, group: str) -> dict[str, Any] | None:
    versions = registry.group_versions().get(group)
    if not group or not versions:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(registry, group, versions)}


def resource_list(registry: Registry, group: str, version: str) -> dict[str, Any] | None:
    resources = registry.resources_in(group, version)
    if not resources:
        return None
    entries: list[dict[str, Any]] = []
    for rt in resources:
        entry: dict[str, Any] = {
            "name": rt.plural,
            "singularName": rt.singular,
            "namespaced": rt.namespaced,
            "kind": rt.kind,
            "verbs": sorted(rt.verbs),
        }
        short = _short_names(rt)
        if short:
            entry["shortNames"] = short
        categories = _categories(rt)
        if categories:
            entry["categories"] = categories
        entry["storageVersionHash"] = _storage_hash(rt)
        entries.append(entry)
        for sub in sorted(rt.subresources.values(), key=lambda s: s.name):
            verbs = sorted(_SUB_VERBS[v] for v in sub.verbs if v in _SUB_VERBS)
            if "connect" in sub.verbs:
                continue
            sub_entry: dict[str, Any] = {
                "name": f"{rt.plural}/{sub.name}",
                "singularName": "",
                "namespaced": rt.namespaced,
            }
            if sub.kind is not None:
                sub_group, sub_version, sub_kind = sub.kind
                sub_entry.update({"group": sub_group, "version": sub_version, "kind": sub_kind})
            else:
                sub_entry["kind"] = rt.kind
            sub_entry["verbs"] = verbs
            entries.append(sub_entry)
    out: dict[str, Any] = {"kind": "APIResourceList"}
    if group:
        out["apiVersion"] = "v1"
    out["groupVersion"] = f"{group}/{version}" if group else version
    out["resources"] = entries
    return out


def aggregated(registry: Registry, *, legacy: bool, version: str = "v2") -> dict[str, Any]:
    """APIGroupDiscoveryList of /api (legacy) or /apis."""
    items = []
    for group, versions in registry.group_versions().items():
        if legacy != (group == ""):
            continue
        version_entries = []
        for v in versions:
            resources = []
            for rt in registry.resources_in(group, v):
                entry: dict[str, Any] = {
                    "resource": rt.plural,
                    "responseKind": {"group": rt.group, "version": rt.version, "kind": rt.kind},
                    "scope": "Namespaced" if rt.namespaced else "Cluster",
                    "singularResource": rt.singular,
                    "verbs": sorted(rt.verbs),
                }
                if _short_names(rt):
                    entry["shortNames"] = _short_names(rt)
                if _categories(rt):
                    entry["categories"] = _categories(rt)
                subs = []
                for sub in sorted(rt.subresources.values(), key=lambda s: s.name):
                    if "connect" in sub.verbs:
                        continue
                    kind = sub.kind or (rt.group, rt.version, rt.kind)
                    subs.append(
                        {
                            "subresource": sub.name,
                            "responseKind": {"group": kind[0], "version": kind[1], "kind": kind[2]},
                            "verbs": sorted(_SUB_VERBS[x] for x in sub.verbs if x in _SUB_VERBS),
                        }
                    )
                if subs:
                    entry["subresources"] = subs
                resources.append(entry)
            version_entries.append({"version": v, "resources": resources, "freshness": "Current"})
        items.append(
            {"metadata": {"name": group, "creationTimestamp": None}, "versions": version_entries}
        )
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": f"apidiscovery.k8s.io/{version}",
        "metadata": {},
        "items": items,
    }
