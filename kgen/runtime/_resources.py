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

Models are usable as fields of pydantic models (validated from JSON and Python, serialised, described
by a JSON schema) through ``__get_pydantic_core_schema__``: pydantic calls it when it meets one, and
kgen never imports pydantic otherwise.

Top-level kinds derive from :class:`kgen.runtime._meta.KubernetesObject`, lists from
:class:`kgen.runtime._meta.KubernetesList`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """How pydantic validates and serialises this model as a field (pydantic imports this)."""
        from pydantic_core import core_schema

        from kgen.runtime import _codec as codec

        def validate(value: Any) -> Any:
            if isinstance(value, cls):
                return value
            if isinstance(value, (bytes, bytearray, str)):
                return codec.decode(value, cls)
            try:
                return codec.from_builtins(value, cls)
            except msgspec.ValidationError as exc:
                raise ValueError(str(exc)) from None

        return core_schema.no_info_plain_validator_function(
            validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                codec.to_builtins, when_used="always"
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, core: Any, handler: Any) -> dict[str, Any]:
        """The model's JSON schema (msgspec's, with wire names), its references resolved inline."""
        schema = msgspec.json.schema(cls)
        inlined: dict[str, Any] = _inline(schema, schema.get("$defs", {}), frozenset())
        return inlined


def _inline(schema: Any, defs: dict[str, Any], seen: frozenset[str]) -> Any:
    """``schema`` with each ``$ref`` replaced by its definition (a recursive one by ``{}``, any JSON):
    pydantic puts a field's schema inside its own, where msgspec's ``$defs`` would not be found."""
    if isinstance(schema, list):
        return [_inline(item, defs, seen) for item in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        if name in seen or name not in defs:
            return {}
        return _inline(defs[name], defs, seen | {name})
    return {key: _inline(value, defs, seen) for key, value in schema.items() if key != "$defs"}


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
