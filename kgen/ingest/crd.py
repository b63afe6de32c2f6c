"""CustomResourceDefinitions (apiextensions.k8s.io/v1), checked for the structure the API server requires."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kgen.errors import SpecError, pointer_join

__all__ = ["CRDDocument", "read_crds"]

_SCHEMA_TYPES = {"object", "array", "string", "integer", "number", "boolean"}


@dataclass(slots=True)
class CRDDocument:
    file: str
    index: int | None
    pointer: str  # where the CRD object sits in the document ("" or "/items/3" for a List)
    crd: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.crd.get("metadata", {}).get("name", ""))

    def error(self, message: str, *parts: str | int) -> SpecError:
        return SpecError(
            message, file=self.file, pointer=pointer_join(self.pointer, *parts), document=self.index
        )


def read_crds(content: Any, *, file: str, index: int | None = None) -> Iterator[CRDDocument]:
    """The CRDs of one document: a CustomResourceDefinition, or a List of them."""
    if not isinstance(content, Mapping):
        raise SpecError("expected a CustomResourceDefinition object", file=file, document=index)
    if content.get("kind") == "List" and isinstance(content.get("items"), list):
        for position, item in enumerate(content["items"]):
            yield _check(CRDDocument(file, index, f"/items/{position}", item))
        return
    yield _check(CRDDocument(file, index, "", dict(content)))


def _check(doc: CRDDocument) -> CRDDocument:
    crd = doc.crd
    if not isinstance(crd, Mapping):
        raise doc.error("expected a CustomResourceDefinition object")
    api_version, kind = crd.get("apiVersion"), crd.get("kind")
    if kind != "CustomResourceDefinition" or not str(api_version).startswith(
        "apiextensions.k8s.io/"
    ):
        raise doc.error(
            f"not a CustomResourceDefinition (apiVersion: {api_version or 'none'}, "
            f"kind: {kind or 'none'})"
        )
    if api_version != "apiextensions.k8s.io/v1":
        raise doc.error(
            f"{api_version} CRDs are not supported (removed in Kubernetes 1.22); "
            "convert it to apiextensions.k8s.io/v1",
            "apiVersion",
        )
    spec = _object(doc, crd.get("spec"), "spec")
    group = spec.get("group")
    if not isinstance(group, str) or not group:
        raise doc.error("spec.group is required", "spec", "group")
    # The apiserver's own rules (apiextensions validation): a CRD breaking them cannot exist in a
    # cluster, and these names become module and attribute names here.
    if not _DNS1123_SUBDOMAIN.fullmatch(group) or len(group) > 253 or "." not in group:
        raise doc.error(
            f"spec.group {group!r} must be a lowercase DNS subdomain with at least one dot "
            "(e.g. example.com)",
            "spec",
            "group",
        )
    names = _object(doc, spec.get("names"), "spec", "names")
    for key in ("kind", "plural"):
        if not isinstance(names.get(key), str) or not names[key]:
            raise doc.error(f"spec.names.{key} is required", "spec", "names", key)
    for key in ("plural", "singular"):
        value = names.get(key)
        if isinstance(value, str) and value and not _DNS1035_LABEL.fullmatch(value):
            raise doc.error(
                f"spec.names.{key} {value!r} must be a lowercase DNS-1035 label "
                "(a-z, 0-9 and '-', starting with a letter, at most 63 characters)",
                "spec",
                "names",
                key,
            )
    for key in ("singular", "listKind"):
        if key in names and not isinstance(names[key], str):
            raise doc.error("must be a string", "spec", "names", key)
    for key in ("shortNames", "categories"):
        if key in names and not _string_list(names[key]):
            raise doc.error("must be a list of strings", "spec", "names", key)
    expected_name = f"{names['plural']}.{group}"
    actual_name = (
        crd.get("metadata", {}).get("name") if isinstance(crd.get("metadata"), Mapping) else None
    )
    if actual_name != expected_name:
        raise doc.error(
            f"metadata.name must be {expected_name!r} (spec.names.plural + '.' + spec.group), "
            f"not {actual_name!r}",
            "metadata",
            "name",
        )
    if spec.get("scope") not in ("Namespaced", "Cluster"):
        raise doc.error(
            f"spec.scope must be Namespaced or Cluster, not {spec.get('scope')!r}", "spec", "scope"
        )
    versions = spec.get("versions")
    if not isinstance(versions, list) or not versions:
        raise doc.error("spec.versions must be a non-empty list", "spec", "versions")
    seen: set[str] = set()
    storage = 0
    for position, version in enumerate(versions):
        where = ("spec", "versions", position)
        _object(doc, version, *where)
        name = version.get("name")
        if not isinstance(name, str) or not name:
            raise doc.error("a version needs a name", *where, "name")
        if not _DNS1035_LABEL.fullmatch(name):
            raise doc.error(
                f"version {name!r} must be a DNS-1035 label (e.g. v1, v1beta2)", *where, "name"
            )
        if name in seen:
            raise doc.error(f"version {name!r} is listed twice", *where, "name")
        seen.add(name)
        for flag in ("served", "storage"):
            if not isinstance(version.get(flag), bool):
                raise doc.error(f"{flag} must be true or false", *where, flag)
        storage += bool(version["storage"])
        schema = version.get("schema")
        if schema is None:
            raise doc.error("schema.openAPIV3Schema is required", *where)
        schema = _object(doc, schema, *where, "schema")
        root = _object(doc, schema.get("openAPIV3Schema"), *where, "schema", "openAPIV3Schema")
        _check_schema(doc, root, (*where, "schema", "openAPIV3Schema"))
        subresources = version.get("subresources")
        if subresources is not None:
            _object(doc, subresources, *where, "subresources")
        for key in ("additionalPrinterColumns", "selectableFields"):
            if key in version and not isinstance(version[key], list):
                raise doc.error("must be a list", *where, key)
    if storage != 1:
        raise doc.error("exactly one version must have storage: true", "spec", "versions")
    return doc


_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?")


def _object(doc: CRDDocument, value: Any, *where: str | int) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise doc.error("must be an object", *where)
    return dict(value)


def _string_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _check_schema(doc: CRDDocument, schema: Any, where: tuple[str | int, ...]) -> None:
    """The structural rules that matter for generating code (the API server checks the rest)."""
    if not isinstance(schema, Mapping):
        raise doc.error("a schema must be an object", *where)
    if "$ref" in schema:
        raise doc.error("$ref is not allowed in CRD schemas (they must be structural)", *where)
    kind = schema.get("type")
    if kind is not None and kind not in _SCHEMA_TYPES:
        raise doc.error(f"unknown type {kind!r}", *where, "type")
    properties = schema.get("properties")
    if properties is not None:
        if not isinstance(properties, Mapping):
            raise doc.error("properties must be an object", *where, "properties")
        for name, sub in properties.items():
            _check_schema(doc, sub, (*where, "properties", name))
    items = schema.get("items")
    if items is not None:
        _check_schema(doc, items, (*where, "items"))
    extra = schema.get("additionalProperties")
    if isinstance(extra, Mapping):
        _check_schema(doc, extra, (*where, "additionalProperties"))
    elif extra is not None and not isinstance(extra, bool):
        raise doc.error("must be a schema or a boolean", *where, "additionalProperties")
    for key in ("allOf", "anyOf", "oneOf"):
        branches = schema.get(key)
        if branches is None:
            continue
        if not isinstance(branches, list):
            raise doc.error("must be a list of schemas", *where, key)
        for position, branch in enumerate(branches):
            _check_schema(doc, branch, (*where, key, position))
    required = schema.get("required")
    if required is not None and not _string_list(required):
        raise doc.error("required must be a list of strings", *where, "required")
    enum = schema.get("enum")
    if enum is not None and not isinstance(enum, list):
        raise doc.error("enum must be a list", *where, "enum")
