# Generated from the _async twin by scripts/unasync.py: edit the async source, not this file.
"""Discovery (what the server serves) and the RESTMapper (kinds to resources and back).

Aggregated discovery is used where the server offers it (one request for every group, Kubernetes 1.26+);
otherwise ``/api``, ``/apis`` and one request per group-version, as older servers need. Answers are cached
until :meth:`DiscoveryClient.invalidate`; the RESTMapper invalidates and asks again once when a lookup
misses (a CRD installed since), like client-go's deferred discovery RESTMapper.
"""

from __future__ import annotations

from kgen.runtime._sync.primitives import Lock
from kgen.runtime._sync.rest import RESTClient
from kgen.runtime._sync.transport import Transport
from kgen.runtime._discovery_types import (
    AGGREGATED_ACCEPT,
    APIGroupDiscoveryList,
    DiscoveredResource,
    from_aggregated,
    from_resource_list,
    preferred_version,
)
from kgen.runtime._errors import NotFound
from kgen.runtime._meta import (
    APIGroup,
    APIGroupList,
    APIResourceList,
    APIVersions,
    GroupVersionForDiscovery,
    VersionInfo,
)
from kgen.runtime._resources import GroupVersionKind, GroupVersionResource

__all__ = ["DiscoveryClient", "RESTMapper"]


class DiscoveryClient:
    def __init__(self, transport: Transport) -> None:
        self.rest = RESTClient(transport)
        self._resources: list[DiscoveredResource] | None = None
        self._lock = Lock()
        self.aggregated: bool | None = None  # what the last full discovery used

    def server_version(self) -> VersionInfo:
        return (self.rest.get().abs_path("/version").do()).into(VersionInfo)

    def server_groups(self) -> APIGroupList:
        """Every group (the legacy core group first, as kubectl shows it)."""
        core = (self.rest.get().abs_path("/api").do()).into(APIVersions)
        groups = (self.rest.get().abs_path("/apis").do()).into(APIGroupList)
        versions = [GroupVersionForDiscovery(group_version=v, version=v) for v in core.versions]
        legacy = APIGroup(
            name="", versions=versions, preferred_version=versions[0] if versions else None
        )
        return APIGroupList(groups=[legacy, *groups.groups])

    def server_resources(self, group_version: str) -> APIResourceList:
        path = f"/api/{group_version}" if "/" not in group_version else f"/apis/{group_version}"
        return (self.rest.get().abs_path(path).do()).into(APIResourceList)

    def resources(self) -> list[DiscoveredResource]:
        """Every resource of every served version (cached)."""
        with self._lock:
            if self._resources is None:
                self._resources = self._discover()
            return self._resources

    def invalidate(self) -> None:
        self._resources = None

    def _discover(self) -> list[DiscoveredResource]:
        aggregated = self._aggregated()
        if aggregated is not None:
            self.aggregated = True
            return aggregated
        self.aggregated = False
        out: list[DiscoveredResource] = []
        for group in (self.server_groups()).groups:
            preferred = preferred_version(group)
            for version in group.versions:
                try:
                    listed = self.server_resources(version.group_version)
                except NotFound:
                    continue  # a group-version that went away between the two requests
                out.extend(from_resource_list(listed, preferred=version.version == preferred))
        return out

    def _aggregated(self) -> list[DiscoveredResource] | None:
        out: list[DiscoveredResource] = []
        for path in ("/api", "/apis"):
            result = self.rest.get().abs_path(path).accept(AGGREGATED_ACCEPT).do()
            content_type = result.headers.get("Content-Type", "")
            if "g=apidiscovery.k8s.io" not in content_type:
                return None
            out.extend(from_aggregated(result.into(APIGroupDiscoveryList)))
        return out


class RESTMapper:
    """Kinds to resources and back, scope, and kubectl-style names (``deploy``, ``deployments.apps``)."""

    def __init__(self, discovery: DiscoveryClient) -> None:
        self.discovery = discovery

    def _find(self, match: object) -> DiscoveredResource | None:
        for attempt in range(2):
            found = [r for r in self.discovery.resources() if _matches(r, match)]
            if found:
                found.sort(key=lambda r: (not r.preferred, r.group, r.version))
                return found[0]
            if attempt == 0:
                self.discovery.invalidate()  # maybe a CRD appeared since the last discovery
        return None

    def resource_for(self, gvk: GroupVersionKind) -> DiscoveredResource:
        found = self._find(gvk)
        if found is None:
            raise LookupError(f"no resource serves {gvk}")
        return found

    def kind_for(self, gvr: GroupVersionResource) -> GroupVersionKind:
        found = self._find(gvr)
        if found is None:
            raise LookupError(f"the server does not serve {gvr}")
        return found.gvk

    def is_namespaced(self, gvr: GroupVersionResource) -> bool:
        found = self._find(gvr)
        if found is None:
            raise LookupError(f"the server does not serve {gvr}")
        return found.namespaced

    def resolve(self, name: str) -> DiscoveredResource:
        """kubectl's resource names: ``pods``, ``pod``, ``po``, ``Pod``, ``deployments.apps``,
        ``deployments.v1.apps``. The preferred version wins."""
        found = self._find(_Name(name))
        if found is None:
            raise LookupError(f'the server does not have a resource type "{name}"')
        return found


class _Name:
    def __init__(self, text: str) -> None:
        head, _, rest = text.partition(".")
        self.name = head.lower()
        self.version: str | None = None
        self.group: str | None = None
        if rest:
            version, _, group = rest.partition(".")
            if group and version[:1] == "v" and version[1:2].isdigit():
                self.version, self.group = version, group
            else:
                self.group = rest


def _matches(resource: DiscoveredResource, match: object) -> bool:
    if isinstance(match, GroupVersionKind):
        return (resource.group, resource.version, resource.kind) == (
            match.group,
            match.version,
            match.kind,
        )
    if isinstance(match, GroupVersionResource):
        return resource.gvr == match
    if isinstance(match, _Name):
        names = {resource.resource, resource.singular, resource.kind.lower(), *resource.short_names}
        if match.name not in names:
            return False
        if match.group is not None and resource.group != match.group:
            return False
        if match.version is not None and resource.version != match.version:
            return False
        return True
    return False
