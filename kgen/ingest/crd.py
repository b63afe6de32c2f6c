"""CustomResourceDefinitions (apiextensions.k8s.io/v1), checked for the structure the API server requires."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from kgen.errors import SpecError, pointer_join
from kgen.ingest.names import group_problem, kind_problem, label_problem, subdomain_problem

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
    if group_problem(group, crd=True) is not None:
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
    for key in ("singular", "listKind"):
        if key in names and not isinstance(names[key], str):
            raise doc.error("must be a string", "spec", "names", key)
    for key in ("shortNames", "categories"):
        if key in names and not _string_list(names[key]):
            raise doc.error("must be a list of strings", "spec", "names", key)
    for key in ("plural", "singular"):
        value = names.get(key)
        if isinstance(value, str) and value and label_problem(value) is not None:
            raise doc.error(
                f"spec.names.{key} {value!r} must be a lowercase DNS-1035 label "
                "(a-z, 0-9 and '-', starting with a letter, at most 63 characters)",
                "spec",
                "names",
                key,
            )
    # As the apiserver defaults them (SetDefaults_CustomResourceDefinitionSpec) before validating.
    list_kind = names.get("listKind") or f"{names['kind']}List"
    for key, value in (("kind", names["kind"]), ("listKind", list_kind)):
        problem = kind_problem(value)
        if problem is not None:
            raise doc.error(f"spec.names.{key} {value!r} {problem}", "spec", "names", key)
    if names["kind"] == list_kind:
        raise doc.error("kind and listKind may not be the same", "spec", "names", "listKind")
    singular = names.get("singular") or names["kind"].lower()
    if label_problem(singular) is not None:  # the default, from the kind, may still be too long
        raise doc.error(
            f"spec.names.singular {singular!r} (defaulted from the kind) "
            f"{label_problem(singular)}",
            "spec",
            "names",
            "kind",
        )
    for key in ("shortNames", "categories"):
        for position, item in enumerate(names.get(key) or ()):
            problem = label_problem(item)
            if problem is not None:
                raise doc.error(
                    f"spec.names.{key} {item!r}: {problem}", "spec", "names", key, position
                )
    expected_name = f"{names['plural']}.{group}"
    actual_name = (
        crd.get("metadata", {}).get("name") if isinstance(crd.get("metadata"), Mapping) else None
    )
    if actual_name == expected_name and subdomain_problem(expected_name) is not None:
        raise doc.error(
            f"metadata.name {expected_name!r}: {subdomain_problem(expected_name)}",
            "metadata",
            "name",
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
        if label_problem(name) is not None:
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
        _check_defaults(doc, root, (*where, "schema", "openAPIV3Schema"))
        subresources = version.get("subresources")
        if subresources is not None:
            _object(doc, subresources, *where, "subresources")
        for key in ("additionalPrinterColumns", "selectableFields"):
            if key in version and not isinstance(version[key], list):
                raise doc.error("must be a list", *where, key)
    if storage != 1:
        raise doc.error("exactly one version must have storage: true", "spec", "versions")
    return doc


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
    if schema.get("uniqueItems") is True:
        raise doc.error(
            "uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
            *where,
            "uniqueItems",
        )


# --- defaults ------------------------------------------------------------------------------------


def _check_defaults(
    doc: CRDDocument, root: Mapping[str, Any], where: tuple[str | int, ...]
) -> None:
    """Every ``default`` must validate against the schema it sits in, and be pruned (no field the
    schema does not know), as apiextensions' ValidateDefaults requires: the apiserver refuses the CRD
    otherwise. Defaults are looked for where the apiserver looks (properties and items; it forbids
    them elsewhere). Checked here: types, nullable, enum, bounds, lengths, sizes, required, the
    structure below and allOf/anyOf/oneOf/not; not ``pattern`` (the apiserver's RE2 runs in linear
    time, Python's re does not, and a hostile pattern would hang the generator), ``format`` nor CEL.
    """
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(root, where)]
    while stack:
        schema, at = stack.pop()
        if not isinstance(schema, Mapping):
            continue
        if "default" in schema:
            value = schema["default"]
            problem = _value_problem(schema, value, "") or _unknown_field(schema, value, "")
            if problem is not None:
                shown = json.dumps(value, ensure_ascii=False)
                shown = shown if len(shown) <= 60 else shown[:57] + "..."
                raise doc.error(
                    f"default {shown} is refused by its own schema: {problem}", *at, "default"
                )
        properties = schema.get("properties")
        if isinstance(properties, Mapping):
            for name, sub in properties.items():
                stack.append((sub, (*at, "properties", name)))
        if isinstance(schema.get("items"), Mapping):
            stack.append((schema["items"], (*at, "items")))


_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    # Go reads every JSON number as a float64: 1.0 is an integer.
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool))
    or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
}


def _go_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "string" if isinstance(value, str) else type(value).__name__


def _number(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _value_problem(schema: Mapping[str, Any], value: Any, path: str) -> str | None:
    """Why ``value`` does not validate against ``schema`` (kube-openapi's wording), or None."""
    at = f"{path} in body " if path else ""
    if value is None:
        if schema.get("nullable") is True or (
            "type" not in schema and schema.get("x-kubernetes-preserve-unknown-fields") is True
        ):
            return None
        kind = schema.get("type")
        return f'{at}must be of type {kind}: "null"' if kind else f"{at}must not be null"
    kind = schema.get("type")
    if schema.get("x-kubernetes-int-or-string") is True and kind is None:
        if not (_TYPES["integer"](value) or isinstance(value, str)):
            return f'{at}must be of type integer or string: "{_go_type(value)}"'
    elif isinstance(kind, str) and kind in _TYPES and not _TYPES[kind](value):
        return f'{at}must be of type {kind}: "{_go_type(value)}"'
    enum = schema.get("enum")
    if isinstance(enum, list) and _canonical(value) not in {_canonical(e) for e in enum}:
        allowed = ", ".join(json.dumps(e, ensure_ascii=False) for e in enum[:10])
        shown = json.dumps(value, ensure_ascii=False)
        return (
            f"{path + ': ' if path else ''}Unsupported value: {shown}: supported values: {allowed}"
        )
    if _number(value):
        problem = _number_problem(schema, value, at)
        if problem is not None:
            return problem
    if isinstance(value, str):
        problem = _size_problem(schema, len(value), at, "maxLength", "minLength")
        if problem is not None:
            return problem
    if isinstance(value, list):
        problem = _size_problem(schema, len(value), at, "maxItems", "minItems")
        if problem is not None:
            return problem
        items = schema.get("items")
        if isinstance(items, Mapping):
            for position, item in enumerate(value):
                problem = _value_problem(items, item, f"{path}[{position}]")
                if problem is not None:
                    return problem
    if isinstance(value, dict):
        problem = _size_problem(schema, len(value), at, "maxProperties", "minProperties")
        if problem is not None:
            return problem
        required = schema.get("required")
        if isinstance(required, list):
            for name in required:
                if isinstance(name, str) and name not in value:
                    return f"{_join(path, name)}: Required value"
        properties = schema.get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        extra = schema.get("additionalProperties")
        for name, item in value.items():
            sub = properties.get(name)
            if sub is None and isinstance(extra, Mapping):
                sub = extra
            if isinstance(sub, Mapping):
                problem = _value_problem(sub, item, _join(path, name))
                if problem is not None:
                    return problem
    for key in ("allOf", "anyOf", "oneOf"):
        branches = [b for b in schema.get(key) or () if isinstance(b, Mapping)]
        if not branches:
            continue
        problems = [_value_problem(branch, value, path) for branch in branches]
        passed = sum(problem is None for problem in problems)
        if key == "allOf" and passed < len(branches):
            return next(problem for problem in problems if problem is not None)
        if key == "anyOf" and passed == 0:
            return f"{at}must be valid against at least one of anyOf: {problems[0]}"
        if key == "oneOf" and passed != 1:
            return f"{at}must validate one and only one schema (oneOf); it validates {passed}"
    negated = schema.get("not")
    if isinstance(negated, Mapping) and _value_problem(negated, value, path) is None:
        return f"{at}must not validate the schema (not)"
    return None


_SIZES = {
    "maxLength": "should be at most {} chars long",
    "minLength": "should be at least {} chars long",
    "maxItems": "must have at most {} items",
    "minItems": "should have at least {} items",
    "maxProperties": "must have at most {} properties",
    "minProperties": "should have at least {} properties",
}


def _size_problem(
    schema: Mapping[str, Any], size: int, at: str, most: str, least: str
) -> str | None:
    for key in (most, least):
        limit = schema.get(key)
        if not isinstance(limit, int) or isinstance(limit, bool):
            continue
        if (size > limit) if key == most else (size < limit):
            return f"{at}{_SIZES[key].format(limit)}"
    return None


def _number_problem(schema: Mapping[str, Any], value: float, at: str) -> str | None:
    maximum, minimum = schema.get("maximum"), schema.get("minimum")
    if _number(maximum):
        if schema.get("exclusiveMaximum") is True and not value < maximum:
            return f"{at}should be less than {maximum}"
        if not value <= maximum:
            return f"{at}should be less than or equal to {maximum}"
    if _number(minimum):
        if schema.get("exclusiveMinimum") is True and not value > minimum:
            return f"{at}should be greater than {minimum}"
        if not value >= minimum:
            return f"{at}should be greater than or equal to {minimum}"
    factor = schema.get("multipleOf")
    if _number(factor) and factor > 0:
        if isinstance(value, int) and isinstance(factor, int):
            holds = value % factor == 0
        else:
            quotient = value / factor
            holds = math.isfinite(quotient) and quotient == math.trunc(quotient)
        if not holds:
            return f"{at}should be a multiple of {factor}"
    return None


def _unknown_field(schema: Mapping[str, Any], value: Any, path: str) -> str | None:
    """The first field of ``value`` that pruning would drop, or None."""
    if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for position, item in enumerate(value):
            found = _unknown_field(schema["items"], item, f"{path}[{position}]")
            if found is not None:
                return found
    if not isinstance(value, dict):
        return None
    properties = schema.get("properties")
    properties = properties if isinstance(properties, Mapping) else {}
    extra = schema.get("additionalProperties")
    preserve = schema.get("x-kubernetes-preserve-unknown-fields") is True
    embedded = schema.get("x-kubernetes-embedded-resource") is True
    for name, item in value.items():
        sub = properties.get(name)
        if sub is None and isinstance(extra, Mapping):
            sub = extra
        if isinstance(sub, Mapping):
            found = _unknown_field(sub, item, _join(path, name))
            if found is not None:
                return found
        elif not (
            preserve or extra is True or (embedded and name in ("apiVersion", "kind", "metadata"))
        ):
            return f"{_join(path, name)}: must not have unknown fields"
    return None


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
