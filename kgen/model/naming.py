"""Python names for everything in the API model: modules, classes, enum aliases, attributes, accessors.

All names are decided here, deterministically: the same inputs give the same names whatever their order.
Names from specs are untrusted text, so every name is reduced to ASCII letters, digits and underscores and
checked against keywords and against the names a generated module itself uses.
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Iterable

from kgen.model.ir import APIModel, Array, EnumType, Field, Map, TypeDef, TypeRef, UnionType
from kgen.model.shared import SHARED_TYPES

__all__ = ["assign_names", "group_module_base", "snake_case"]

# Names a generated models module imports or uses in annotations: a class, alias or attribute with one of
# these names would shadow it (annotations are resolved in the module and class namespaces).
_MODULE_NAMES = frozenset(
    {
        "Any",
        "ClassVar",
        "Literal",
        "TYPE_CHECKING",
        "TypeAlias",
        "annotations",
        "datetime",
        "field",
        "msgspec",
        "Struct",
        "KubernetesObject",
        "KubernetesList",
        "MicroTime",
        "ResourceInfo",
        "SubresourceInfo",
        "GroupVersionKind",
        "frozenset",
        *SHARED_TYPES,
    }
)
# Names the other generated modules (clients, listers, informers, fake, clientset) import next to the
# models they use: a kind with one of these names would replace the runtime's class in that module.
_CLIENT_MODULE_NAMES = frozenset(
    {
        prefix + name
        for prefix in ("", "Async")
        for name in (
            "AllVerbs",
            "Apply",
            "Clientset",
            "ClientsetBase",
            "Create",
            "Delete",
            "DeleteCollection",
            "FakeClientsetBase",
            "Get",
            "GroupInformers",
            "GroupVersionClient",
            "Iterator",
            "List",
            "LogSubresource",
            "Patch",
            "ReadVerbs",
            "ResourceClient",
            "ResourceInformer",
            "ScaleSubresource",
            "StatusSubresource",
            "Transport",
            "Update",
            "Watch",
        )
    }
    | {"FakeCluster", "FieldValidation", "PatchType", "Scheme", "Scale", "Status", "WriteOptions"}
)
_ATTRIBUTE_RESERVED = (
    frozenset(
        {
            "bool",
            "bytes",
            "dict",
            "float",
            "int",
            "list",
            "str",
            "tuple",
            "None",
            "True",
            "False",
        }
    )
    | _MODULE_NAMES
)

_ACRONYM_PLURAL = re.compile(r"([A-Z]{2,})s(?=[A-Z_\-.\d]|$)")
_ACRONYM_VERSION = re.compile(r"([A-Z]{2,})v(?=\d)")
_UPPER_RUN = re.compile(r"([A-Z]+)([A-Z][a-z])")
_LOWER_UPPER = re.compile(r"([a-z\d])([A-Z])")
_NON_WORD = re.compile(r"[^0-9A-Za-z]+")


def snake_case(name: str) -> str:
    """``podIPs`` -> ``pod_ips``, ``serverAddressByClientCIDRs`` -> ``server_address_by_client_cidrs``,
    ``openAPIV3Schema`` -> ``open_apiv3_schema``, ``x-kubernetes-list-type`` -> ``x_kubernetes_list_type``.

    An upper-case run followed by a lower-case ``s`` is an acronym plural (IPs, CIDRs, URLs): the ``s``
    belongs to it, so it does not start a new word.
    """
    text = _ACRONYM_VERSION.sub(lambda m: m.group(1).capitalize() + "v", name)
    text = _ACRONYM_PLURAL.sub(lambda m: m.group(1).capitalize() + "s", text)
    text = _UPPER_RUN.sub(r"\1_\2", text)
    text = _LOWER_UPPER.sub(r"\1_\2", text)
    text = _NON_WORD.sub("_", text).strip("_").lower()
    return re.sub(r"_+", "_", text)


def _identifier(text: str, *, fallback: str) -> str:
    cleaned = _NON_WORD.sub("_", text).strip("_")
    if not cleaned:
        cleaned = fallback
    if cleaned[0].isdigit():
        cleaned = f"{fallback}_{cleaned}"
    return cleaned


def attribute_name(json_name: str) -> str:
    """The attribute for one wire name, before collisions within a class are settled."""
    name = snake_case(json_name)
    if not name:
        name = "field"
    if name[0].isdigit():
        name = f"f_{name}"
    if keyword.iskeyword(name) or name in _ATTRIBUTE_RESERVED:
        name += "_"
    return name


def class_name(text: str) -> str:
    """A class name for ``text``; one that would shadow a keyword, a builtin or a name the generated
    modules import gets the suffix ``Model`` (datamodel-code-generator drops a trailing underscore and
    uses that suffix itself), so that a kind called ``Status`` or ``Update`` is ``StatusModel``."""
    # No underscores: datamodel-code-generator joins the parts of a class name itself.
    parts = _identifier(text, fallback="Type").split("_")
    name = "".join(part[:1].upper() + part[1:] for part in parts if part)
    if (
        keyword.iskeyword(name)
        or name in _MODULE_NAMES
        or name in _CLIENT_MODULE_NAMES
        or hasattr(builtins, name)
    ):
        name += "Model"
    return name


def group_module_base(group: str) -> str:
    """``""`` -> ``core``; ``apps`` -> ``apps``; ``rbac.authorization.k8s.io`` -> ``rbac_authorization``;
    ``cert-manager.io`` -> ``cert_manager_io``."""
    if not group:
        return "core"
    if group.endswith(".k8s.io"):
        group = group[: -len(".k8s.io")]
    return _identifier(group.lower(), fallback="g")


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


def snake_to_camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.strip("_").split("_"))


def _module_names(model: APIModel) -> None:
    wanted: dict[tuple[str, str], str] = {}
    for (group, version), gv in model.group_versions.items():
        wanted[(group, version)] = (
            f"{group_module_base(group)}_{_identifier(version.lower(), fallback='v')}"
        )
    counts: dict[str, int] = {}
    for name in wanted.values():
        counts[name] = counts.get(name, 0) + 1
    taken: set[str] = set()
    for key in sorted(wanted, key=lambda k: (counts[wanted[k]] > 1, k)):
        name = wanted[key]
        if counts[name] > 1 and key[0]:
            # Two groups that only differ by the .k8s.io suffix: spell both out in full.
            name = f"{_identifier(key[0].lower(), fallback='g')}_{_identifier(key[1].lower(), fallback='v')}"
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
