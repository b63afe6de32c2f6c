"""The naming pass of the builder: every module, class, enum alias, attribute and accessor of a model
gets its final Python name, by the rules of :mod:`kgen.apimodel.names`.

All names are decided here, deterministically: the same inputs give the same names whatever their order.
"""

from __future__ import annotations

import keyword
from collections.abc import Iterable

from kgen.apimodel.ir import APIModel, Array, EnumType, Field, Map, TypeDef, TypeRef, UnionType
from kgen.apimodel.names import (
    attribute_name,
    class_name,
    group_module_base,
    identifier,
    snake_to_camel,
)

__all__ = ["assign_names"]


def _unique(base: str, taken: set[str]) -> str:
    if base not in taken:
        taken.add(base)
        return base
    counter = 2
    while f"{base}{counter}" in taken:
        counter += 1
    name = f"{base}{counter}"
    taken.add(name)
    return name


def assign_names(model: APIModel, hints: dict[str, str]) -> None:
    """Give every group-version, type, field, enum and resource of ``model`` its final Python name."""
    _module_names(model)
    modules = {key: gv.module for key, gv in model.group_versions.items()}
    by_module: dict[str, list[TypeDef]] = {}
    for typedef in model.types.values():
        typedef.module = modules[(typedef.group, typedef.version)]
        by_module.setdefault(typedef.module, []).append(typedef)
    for types in by_module.values():
        _class_names(types, hints)
    for typedef in model.types.values():
        _field_names(typedef.fields)
    for types in by_module.values():
        taken = {t.name for t in types}
        for typedef in sorted(types, key=lambda t: t.name):
            for item in typedef.fields:
                # The whole name is checked (class_name), not the field's part: "status" alone is
                # a reserved name, FooConditionsStatus is not.
                camel = snake_to_camel(item.python_name)
                item.type = _name_enums(
                    item.type, typedef.name + camel[:1].upper() + camel[1:], taken
                )
    for gv in model.group_versions.values():
        accessors: set[str] = set()
        for plural in sorted(gv.resources):
            resource = gv.resources[plural]
            base = attribute_name(plural.replace(".", "_"))
            resource.python_name = _unique(base, accessors)


def _module_names(model: APIModel) -> None:
    wanted: dict[tuple[str, str], str] = {}
    for (group, version), gv in model.group_versions.items():
        wanted[(group, version)] = (
            f"{group_module_base(group)}_{identifier(version.lower(), fallback='v')}"
        )
    counts: dict[str, int] = {}
    for name in wanted.values():
        counts[name] = counts.get(name, 0) + 1
    taken: set[str] = set()
    for key in sorted(wanted, key=lambda k: (counts[wanted[k]] > 1, k)):
        name = wanted[key]
        if counts[name] > 1 and key[0]:
            # Two groups that only differ by the .k8s.io suffix: spell both out in full.
            name = f"{identifier(key[0].lower(), fallback='g')}_{identifier(key[1].lower(), fallback='v')}"
        if keyword.iskeyword(name) or name in {
            "scheme",
            "clientset",
            "informers",
            "listers",
            "fake",
        }:
            name += "_"
        model.group_versions[key].module = _unique(name, taken)


def _class_names(types: list[TypeDef], hints: dict[str, str]) -> None:
    taken: set[str] = set()

    def order(t: TypeDef) -> tuple[int, str, str]:
        if t.gvk is not None:
            return (0, t.gvk[2], t.id)  # top-level kinds keep their exact kind name
        if t.id in hints:
            return (2, hints[t.id], t.id)
        return (1, t.id.rsplit(".", 1)[-1], t.id)

    for typedef in sorted(types, key=order):
        if typedef.gvk is not None:
            wanted = typedef.gvk[2]
        elif typedef.id in hints:
            wanted = hints[typedef.id]
        else:
            wanted = typedef.id.rsplit(".", 1)[-1]
        typedef.name = _unique(class_name(wanted), taken)


def _field_names(fields: Iterable[Field]) -> None:
    items = list(fields)
    wanted = {id(f): attribute_name(f.json_name) for f in items}
    taken: set[str] = set()
    # The field whose wire name already is the attribute name keeps it; then wire-name order decides.
    for item in sorted(items, key=lambda f: (f.json_name != wanted[id(f)], f.json_name)):
        item.python_name = _unique_attr(wanted[id(item)], taken)


def _unique_attr(base: str, taken: set[str]) -> str:
    if base not in taken:
        taken.add(base)
        return base
    counter = 2
    while f"{base}_{counter}" in taken:
        counter += 1
    name = f"{base}_{counter}"
    taken.add(name)
    return name


def _name_enums(ref: TypeRef, wanted: str, taken: set[str]) -> TypeRef:
    if isinstance(ref, EnumType):
        return EnumType(ref.base, ref.values, _unique(class_name(wanted), taken))
    if isinstance(ref, Array):
        return Array(_name_enums(ref.items, wanted, taken))
    if isinstance(ref, Map):
        return Map(_name_enums(ref.values, wanted, taken))
    if isinstance(ref, UnionType):
        return UnionType(tuple(_name_enums(o, wanted, taken) for o in ref.options))
    return ref
