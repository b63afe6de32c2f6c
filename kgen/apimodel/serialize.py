"""The API model as compact JSON, embedded in every generated package as ``apimodel.json``.

The test API server and the fake clientset need the facts the generated code does not spell out (patch
strategies and merge keys, list types and map keys, defaults, which fields are structs): a generated package
carries its model so that ``kgen.testing`` can serve exactly that package without the specs it came from.
Descriptions are left out (they are in the docstrings). The format is versioned; keys are sorted so the
file is byte-identical for the same model.
"""

from __future__ import annotations

import json
from dataclasses import fields as dataclass_fields
from typing import Any

from kgen.apimodel.ir import (
    NO_DEFAULT,
    APIModel,
    Array,
    EnumType,
    Extensions,
    Field,
    GroupVersion,
    Map,
    Origin,
    Primitive,
    PrinterColumn,
    Ref,
    Resource,
    Shared,
    Special,
    Subresource,
    TypeDef,
    TypeRef,
    UnionType,
    Validation,
)

__all__ = ["FORMAT", "FormatError", "dumps", "load_package_model", "loads"]

FORMAT = "kgen.apimodel/v1"


class FormatError(ValueError):
    """Not an API model document of this format, or a package without one."""


def _ref(ref: TypeRef) -> Any:
    if isinstance(ref, Primitive):
        return {"p": ref.name, **({"f": ref.format} if ref.format else {})}
    if isinstance(ref, Special):
        return {"s": ref.name}
    if isinstance(ref, Ref):
        return {"r": ref.type_id}
    if isinstance(ref, Shared):
        return {"shared": ref.name}
    if isinstance(ref, Array):
        return {"a": _ref(ref.items)}
    if isinstance(ref, Map):
        return {"m": _ref(ref.values)}
    if isinstance(ref, EnumType):
        return {"e": _ref(ref.base), "v": list(ref.values), "n": ref.name}
    if isinstance(ref, UnionType):
        return {"u": [_ref(o) for o in ref.options]}
    raise TypeError(ref)


def _unref(data: Any) -> TypeRef:
    if "p" in data:
        return Primitive(data["p"], data.get("f"))
    if "s" in data:
        return Special(data["s"])
    if "r" in data:
        return Ref(data["r"])
    if "shared" in data:
        return Shared(data["shared"])
    if "a" in data:
        return Array(_unref(data["a"]))
    if "m" in data:
        return Map(_unref(data["m"]))
    if "e" in data:
        base = _unref(data["e"])
        assert isinstance(base, Primitive)
        return EnumType(base, tuple(data["v"]), data.get("n", ""))
    if "u" in data:
        return UnionType(tuple(_unref(o) for o in data["u"]))
    raise ValueError(f"unknown type reference {data!r}")


def _extensions(ext: Extensions) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in dataclass_fields(Extensions):
        value = getattr(ext, item.name)
        if value in (None, False, ()):
            continue
        if item.name == "validations":
            value = [{k: v for k, v in vars_of(rule).items() if v is not None} for rule in value]
        elif isinstance(value, tuple):
            value = list(value)
        out[item.name] = value
    return out


def vars_of(obj: Any) -> dict[str, Any]:
    return {item.name: getattr(obj, item.name) for item in dataclass_fields(obj)}


def _unextensions(data: dict[str, Any] | None) -> Extensions:
    if not data:
        return Extensions()
    values = dict(data)
    if "validations" in values:
        values["validations"] = tuple(Validation(**rule) for rule in values["validations"])
    if "list_map_keys" in values:
        values["list_map_keys"] = tuple(values["list_map_keys"])
    return Extensions(**values)


def dumps(model: APIModel) -> str:
    types = {}
    for type_id, typedef in sorted(model.types.items()):
        entry: dict[str, Any] = {
            "group": typedef.group,
            "version": typedef.version,
            "name": typedef.name,
            "module": typedef.module,
            "fields": [_field(f) for f in typedef.fields],
        }
        if typedef.gvk is not None:
            entry["gvk"] = list(typedef.gvk)
        if typedef.list_item is not None:
            entry["list_item"] = typedef.list_item
        if typedef.structural:
            entry["structural"] = True
        if typedef.schema is not None:
            entry["schema"] = typedef.schema
        ext = _extensions(typedef.extensions)
        if ext:
            entry["ext"] = ext
        types[type_id] = entry
    group_versions = []
    for key in sorted(model.group_versions):
        gv = model.group_versions[key]
        group_versions.append(
            {
                "group": gv.group,
                "version": gv.version,
                "module": gv.module,
                "included": gv.included,
                "kinds": dict(sorted(gv.kinds.items())),
                "resources": [_resource(gv.resources[p]) for p in sorted(gv.resources)],
            }
        )
    payload = {"format": FORMAT, "group_versions": group_versions, "types": types}
    return json.dumps(payload, sort_keys=True, separators=(",", ":")) + "\n"


def _field(item: Field) -> dict[str, Any]:
    out: dict[str, Any] = {"json": item.json_name, "py": item.python_name, "type": _ref(item.type)}
    if item.required:
        out["required"] = True
    if item.nullable:
        out["nullable"] = True
    if item.has_default:
        out["default"] = item.default
    ext = _extensions(item.extensions)
    if ext:
        out["ext"] = ext
    if item.constraints:
        out["constraints"] = item.constraints
    return out


def _resource(resource: Resource) -> dict[str, Any]:
    out: dict[str, Any] = {
        "plural": resource.plural,
        "kind": resource.kind,
        "namespaced": resource.namespaced,
        "singular": resource.singular,
        "verbs": sorted(resource.verbs),
        "list_kind": resource.list_kind,
        "py": resource.python_name,
        "subresources": [
            {
                "name": sub.name,
                "verbs": sorted(sub.verbs),
                **({"kind": list(sub.kind)} if sub.kind else {}),
                **({"streaming": True} if sub.streaming else {}),
            }
            for _, sub in sorted(resource.subresources.items())
        ],
    }
    optional = {
        "short_names": list(resource.short_names),
        "categories": list(resource.categories),
        "selectable_fields": list(resource.selectable_fields),
        "printer_columns": [
            {k: v for k, v in vars_of(c).items() if v not in (None, 0)}
            for c in resource.printer_columns
        ],
        "type_id": resource.type_id,
        "list_type_id": resource.list_type_id,
        "strategic_merge_patch": resource.strategic_merge_patch,
    }
    out.update({k: v for k, v in optional.items() if v})
    return out


def loads(text: str | bytes) -> APIModel:
    data = json.loads(text)
    if data.get("format") != FORMAT:
        raise FormatError(f"not a {FORMAT} document (format {data.get('format')!r})")
    model = APIModel()
    origin = Origin("apimodel.json")
    for type_id, entry in data["types"].items():
        model.types[type_id] = TypeDef(
            id=type_id,
            group=entry["group"],
            version=entry["version"],
            description=None,
            fields=[
                Field(
                    json_name=f["json"],
                    type=_unref(f["type"]),
                    required=f.get("required", False),
                    nullable=f.get("nullable", False),
                    default=f["default"] if "default" in f else NO_DEFAULT,
                    extensions=_unextensions(f.get("ext")),
                    constraints=f.get("constraints", {}),
                    python_name=f["py"],
                )
                for f in entry["fields"]
            ],
            origin=origin,
            extensions=_unextensions(entry.get("ext")),
            gvk=tuple(entry["gvk"]) if "gvk" in entry else None,
            list_item=entry.get("list_item"),
            structural=bool(entry.get("structural")),
            schema=entry.get("schema"),
            name=entry["name"],
            module=entry["module"],
        )
    for entry in data["group_versions"]:
        gv = GroupVersion(
            entry["group"], entry["version"], included=entry["included"], module=entry["module"]
        )
        gv.kinds = dict(entry["kinds"])
        for r in entry["resources"]:
            gv.resources[r["plural"]] = Resource(
                group=gv.group,
                version=gv.version,
                plural=r["plural"],
                kind=r["kind"],
                namespaced=r["namespaced"],
                origin=origin,
                singular=r.get("singular", ""),
                verbs=set(r["verbs"]),
                subresources={
                    s["name"]: Subresource(
                        s["name"],
                        set(s["verbs"]),
                        tuple(s["kind"]) if "kind" in s else None,
                        s.get("streaming", False),
                    )
                    for s in r["subresources"]
                },
                list_kind=r.get("list_kind", ""),
                short_names=tuple(r.get("short_names", ())),
                categories=tuple(r.get("categories", ())),
                printer_columns=tuple(PrinterColumn(**c) for c in r.get("printer_columns", ())),
                selectable_fields=tuple(r.get("selectable_fields", ())),
                type_id=r.get("type_id"),
                list_type_id=r.get("list_type_id"),
                strategic_merge_patch=r.get("strategic_merge_patch", False),
                python_name=r.get("py", ""),
            )
        model.group_versions[gv.key] = gv
    return model


def load_package_model(package: str) -> APIModel:
    """The API model embedded in a generated package (``<package>/apimodel.json``)."""
    from importlib.resources import files

    resource = files(package).joinpath("apimodel.json")
    if not resource.is_file():
        raise FormatError(f"{package} is not a package kgen generated: it has no apimodel.json")
    return loads(resource.read_bytes())
