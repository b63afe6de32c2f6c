"""What discovery answers, and the resource facts drawn from it (no I/O: shared by both twins)."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from kgen.runtime._meta import APIGroup, APIResource, APIResourceList
from kgen.runtime._resources import GroupVersionKind, GroupVersionResource, Struct

__all__ = [
    "AGGREGATED_ACCEPT",
    "APIGroupDiscoveryList",
    "DiscoveredResource",
    "from_aggregated",
    "from_resource_list",
]

# Aggregated discovery (Kubernetes 1.26+, GA in 1.30): one request answers for every group.
AGGREGATED_ACCEPT = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
    "application/json"
)


# What discovery answers is only read, and only in part: keys not described here are ignored.


class _GVK(Struct, kw_only=True, forbid_unknown_fields=False):
    group: str = ""
    version: str = ""
    kind: str = ""


class _SubresourceDiscovery(Struct, kw_only=True, forbid_unknown_fields=False):
    subresource: str
    response_kind: _GVK | None = msgspec.field(name="responseKind", default=None)
    verbs: list[str] = msgspec.field(default_factory=list)


class _ResourceDiscovery(Struct, kw_only=True, forbid_unknown_fields=False):
    resource: str
    response_kind: _GVK | None = msgspec.field(name="responseKind", default=None)
    scope: str = "Namespaced"
    singular_resource: str = msgspec.field(name="singularResource", default="")
    verbs: list[str] = msgspec.field(default_factory=list)
    short_names: list[str] | None = msgspec.field(name="shortNames", default=None)
    categories: list[str] | None = None
    subresources: list[_SubresourceDiscovery] | None = None


class _VersionDiscovery(Struct, kw_only=True, forbid_unknown_fields=False):
    version: str
    resources: list[_ResourceDiscovery] | None = None
    freshness: str | None = None


class _Name(Struct, kw_only=True, forbid_unknown_fields=False):
    name: str = ""


class _GroupDiscovery(Struct, kw_only=True, forbid_unknown_fields=False):
    metadata: _Name | None = None
    versions: list[_VersionDiscovery] | None = None


class APIGroupDiscoveryList(Struct, kw_only=True, forbid_unknown_fields=False):
    kind: str | None = None
    api_version: str | None = msgspec.field(name="apiVersion", default=None)
    items: list[_GroupDiscovery] = msgspec.field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DiscoveredResource:
    """One resource as the server describes it."""

    group: str
    version: str
    resource: str
    kind: str
    namespaced: bool
    verbs: frozenset[str]
    singular: str = ""
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    preferred: bool = False

    @property
    def gvr(self) -> GroupVersionResource:
        return GroupVersionResource(self.group, self.version, self.resource)

    @property
    def gvk(self) -> GroupVersionKind:
        return GroupVersionKind(self.group, self.version, self.kind)


def from_resource_list(resources: APIResourceList, *, preferred: bool) -> list[DiscoveredResource]:
    group, _, version = resources.group_version.rpartition("/")
    subs: dict[str, list[str]] = {}
    for item in resources.resources:
        if "/" in item.name:
            parent, _, sub = item.name.partition("/")
            subs.setdefault(parent, []).append(sub)
    out = []
    for item in resources.resources:
        if "/" in item.name:
            continue
        out.append(_from_api_resource(item, group, version, subs.get(item.name, []), preferred))
    return out


def _from_api_resource(
    item: APIResource, group: str, version: str, subresources: list[str], preferred: bool
) -> DiscoveredResource:
    return DiscoveredResource(
        group=item.group if item.group is not None else group,
        version=item.version or version,
        resource=item.name,
        kind=item.kind,
        namespaced=item.namespaced,
        verbs=frozenset(item.verbs),
        singular=item.singular_name or item.kind.lower(),
        short_names=tuple(item.short_names or ()),
        categories=tuple(item.categories or ()),
        subresources=tuple(sorted(subresources)),
        preferred=preferred,
    )


def from_aggregated(discovery: APIGroupDiscoveryList) -> list[DiscoveredResource]:
    out = []
    for group_entry in discovery.items:
        group = group_entry.metadata.name if group_entry.metadata else ""
        for position, version_entry in enumerate(group_entry.versions or []):
            for item in version_entry.resources or []:
                kind = item.response_kind.kind if item.response_kind else ""
                out.append(
                    DiscoveredResource(
                        group=group,
                        version=version_entry.version,
                        resource=item.resource,
                        kind=kind,
                        namespaced=item.scope == "Namespaced",
                        verbs=frozenset(item.verbs),
                        singular=item.singular_resource or kind.lower(),
                        short_names=tuple(item.short_names or ()),
                        categories=tuple(item.categories or ()),
                        subresources=tuple(sorted(s.subresource for s in item.subresources or [])),
                        # The server lists versions in preference order.
                        preferred=position == 0,
                    )
                )
    return out


def preferred_version(group: APIGroup) -> str | None:
    if group.preferred_version is not None:
        return group.preferred_version.version
    return group.versions[0].version if group.versions else None
