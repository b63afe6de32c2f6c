"""Base classes of every generated model, and the resource facts a model class carries.

Models are ``msgspec.Struct`` classes configured once here:

- ``kw_only``: fields are given by name, so required and optional fields can come in schema order;
- ``omit_defaults``: a field never set is not encoded, so the same classes serve as server-side-apply
  configurations and as merge patches;
- ``gc=False``: Kubernetes objects are trees, and keeping millions of decoded structs out of the cyclic
  garbage collector is most of the decode time on CPython 3.11 (see the benchmarks);
- ``repr_omit_defaults``: a repr shows what is set, not a hundred ``None``;
- ``forbid_unknown_fields``: msgspec's decoder says (at no cost) whether an object has fields its model
  does not know; kgen's codec then decodes that object again keeping them, so that an update writes them
  back (:mod:`kgen.runtime._preserve`). Types that are only ever read (lists, Status, discovery) set it
  off. Decode models through kgen (a client, ``scheme.decode``, ``kgen.runtime`` codecs), not with a
  bare ``msgspec.json.decode``, which would refuse such objects.

Top-level kinds derive from :class:`kgen.runtime._meta.KubernetesObject`, lists from
:class:`kgen.runtime._meta.KubernetesList`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import msgspec

__all__ = [
    "GroupVersionKind",
    "GroupVersionResource",
    "ResourceInfo",
    "Struct",
    "SubresourceInfo",
]


class Struct(
    msgspec.Struct,
    kw_only=True,
    omit_defaults=True,
    gc=False,
    repr_omit_defaults=True,
    forbid_unknown_fields=True,
):
    """Base of every generated model."""


@dataclass(frozen=True, slots=True)
class GroupVersionKind:
    group: str
    version: str
    kind: str

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def __str__(self) -> str:
        return f"{self.api_version}, Kind={self.kind}"


@dataclass(frozen=True, slots=True)
class GroupVersionResource:
    group: str
    version: str
    resource: str

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @classmethod
    def parse(cls, text: str) -> GroupVersionResource:
        """``"apps/v1/deployments"``, ``"v1/pods"`` or ``"deployments.v1.apps"``."""
        parts = text.split("/")
        if len(parts) == 3:
            return cls(parts[0], parts[1], parts[2])
        if len(parts) == 2:
            return cls("", parts[0], parts[1])
        dotted = text.split(".", 2)
        if len(dotted) >= 2:
            return cls(dotted[2] if len(dotted) == 3 else "", dotted[1], dotted[0])
        raise ValueError(f"not a group/version/resource: {text!r}")

    def __str__(self) -> str:
        return f"{self.api_version}/{self.resource}"


@dataclass(frozen=True, slots=True)
class SubresourceInfo:
    """A subresource such as ``status``, ``scale`` or ``eviction``.

    ``kind`` is the kind sent and returned, given as (apiVersion, kind); for ``status`` it is the parent's
    own kind. ``verbs`` are API verbs (get, update, patch, create). ``streaming`` is set for subresources
    that answer with a byte stream rather than an object (``log``).
    """

    name: str
    verbs: frozenset[str]
    api_version: str | None = None
    kind: str | None = None
    streaming: bool = False


@dataclass(frozen=True, slots=True)
class ResourceInfo:
    """What the API server says about one resource: where it lives and what it can do."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    singular: str = ""
    list_kind: str = ""
    verbs: frozenset[str] = frozenset()
    subresources: tuple[SubresourceInfo, ...] = ()
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    selectable_fields: tuple[str, ...] = ()
    # Whether the type declares x-kubernetes-patch-strategy anywhere: only built-in types accept
    # strategic merge patch; custom resources answer 415.
    strategic_merge_patch: bool = False
    _subresource_index: dict[str, SubresourceInfo] = field(
        default_factory=dict, compare=False, repr=False, hash=False
    )

    def __post_init__(self) -> None:
        self._subresource_index.update({sub.name: sub for sub in self.subresources})

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def gvr(self) -> GroupVersionResource:
        return GroupVersionResource(self.group, self.version, self.plural)

    @property
    def gvk(self) -> GroupVersionKind:
        return GroupVersionKind(self.group, self.version, self.kind)

    def subresource(self, name: str) -> SubresourceInfo | None:
        return self._subresource_index.get(name)
