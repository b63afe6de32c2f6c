"""The apply configurations emitter: ``apply/<module>.py``, one partial class per model.

A model's required fields stay required (it describes a whole object), yet a server-side apply names
only the fields its manager owns. As client-go generates ``applyconfigurations``, kgen generates next to
each models module an ``apply`` module: for every model ``X`` a class ``XApply`` with the same fields
under the same names, every one optional (``None`` by default, and not encoded), nested objects being
apply configurations too. A kind's is an :class:`kgen.runtime.ApplyConfiguration` of its model, which
the typed clients' ``apply`` takes, with ``apiVersion`` and ``kind`` filled in and ``metadata`` an
:class:`kgen.runtime.ObjectMetaApply`. Lists have none (nothing applies a list).

Written directly (no datamodel-code-generator): every field is ``<type> | None = None``, the types come
from the API model as the models emitter's do.
"""

from __future__ import annotations

from kgen.apimodel.ir import (
    APIModel,
    Array,
    EnumType,
    Map,
    Primitive,
    Ref,
    Shared,
    Special,
    TypeDef,
    TypeRef,
    UnionType,
)
from kgen.apimodel.shared import SHARED_TYPES
from kgen.emit.models import base_class, inherited_fields
from kgen.emit.pysource import docstring, literal

__all__ = ["ApplyEmitter", "SHARED_APPLY"]

#: The shared meta/v1 shapes with required fields: the runtime has an apply configuration of each
#: (kgen/runtime/_apply.py). The others are all-optional already and are used as they are.
SHARED_APPLY = frozenset(
    {
        "Condition",
        "FieldSelectorRequirement",
        "GroupResource",
        "LabelSelector",
        "LabelSelectorRequirement",
        "ObjectMeta",
        "OwnerReference",
    }
)

_PRIMITIVES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}
_SPECIALS = {
    "int-or-string": "IntOrString",
    "quantity": "Quantity",
    "micro-time": "MicroTime",
    "bytes": "bytes",
    "time": "datetime",
    "json": "Any",
    "object": "dict[str, Any]",
}
_RUNTIME_SPECIALS = {"IntOrString", "Quantity", "MicroTime"}


def apply_name(name: str) -> str:
    return f"{name}Apply"


class ApplyEmitter:
    def __init__(self, model: APIModel, package: str, header: str) -> None:
        self.model = model
        self.package = package
        self.header = header

    def render_all(self) -> dict[str, str]:
        modules: dict[str, list[TypeDef]] = {}
        for typedef in self.model.types.values():
            if typedef.list_item is None:
                modules.setdefault(typedef.module, []).append(typedef)
        files = {
            "apply/__init__.py": (
                f"{self.header}\n"
                '"""Apply configurations: one module per group-version, every field optional."""\n'
            )
        }
        for module, types in sorted(modules.items()):
            files[f"apply/{module}.py"] = self.render_module(
                module, sorted(types, key=lambda t: t.name)
            )
        return files

    def render_module(self, module: str, types: list[TypeDef]) -> str:
        runtime: set[str] = set()
        models: set[str] = set()
        others: dict[str, set[str]] = {}
        typing_names: set[str] = set()
        body: list[str] = []
        names: list[str] = []
        for typedef in types:
            kind = base_class(typedef) == "KubernetesObject"
            name = apply_name(typedef.name)
            names.append(name)
            if kind:
                runtime.update({"ApplyConfiguration", "GroupVersionKind"})
                models.add(typedef.name)
                head = f"class {name}(ApplyConfiguration[{typedef.name}], kw_only=True):"
            else:
                runtime.add("Struct")
                head = f"class {name}(Struct, kw_only=True):"
            gv = f"{typedef.group}/{typedef.version}" if typedef.group else typedef.version
            lines = [
                head,
                "    "
                + docstring(
                    f"The apply configuration of {typedef.name} ({gv}): every field optional.",
                    indent=4,
                ),
            ]
            if kind:
                assert typedef.gvk is not None
                group, version, kind_name = typedef.gvk
                lines.append(
                    f"    GVK = GroupVersionKind({literal(group)}, {literal(version)}, "
                    f"{literal(kind_name)})"
                )
            skip = inherited_fields(typedef)
            for item in typedef.fields:
                if item.json_name in skip:
                    continue
                hint = self._hint(item.type, module, runtime, models, others, typing_names)
                if item.python_name != item.json_name:
                    value = f"field(name={literal(item.json_name)}, default=None)"
                else:
                    value = "None"
                lines.append(f"    {item.python_name}: {hint} | None = {value}")
            body.append("\n".join(lines))
        imports = ["from __future__ import annotations", ""]
        if any("datetime" in b for b in body):
            imports.append("from datetime import datetime")
        if typing_names:
            imports.append(f"from typing import {', '.join(sorted(typing_names))}")
        if any("field(name=" in b for b in body):
            imports.append("from msgspec import field")
        imports.append(f"from kgen.runtime import {', '.join(sorted(runtime))}")
        if models:
            imports.append(f"from ..models.{module} import {', '.join(sorted(models))}")
        for other, imported in sorted(others.items()):
            imports.append(f"from {other} import {', '.join(sorted(imported))}")
        title = module
        for group_version in self.model.group_versions.values():
            if group_version.module == module:
                title = group_version.api_version
        exports = "__all__ = [" + ", ".join(literal(n) for n in sorted(names)) + "]"
        parts = [
            self.header,
            f'"""Apply configurations of {title}: partial objects for server-side apply."""',
            "",
            "\n".join(imports),
            "",
            "",
            "\n\n\n".join(body),
            "",
            "",
            exports,
            "",
        ]
        return "\n".join(parts)

    def _hint(
        self,
        ref: TypeRef,
        module: str,
        runtime: set[str],
        models: set[str],
        others: dict[str, set[str]],
        typing_names: set[str],
    ) -> str:
        def hint(r: TypeRef) -> str:
            return self._hint(r, module, runtime, models, others, typing_names)

        if isinstance(ref, Primitive):
            return _PRIMITIVES[ref.name]
        if isinstance(ref, Special):
            text = _SPECIALS[ref.name]
            if text in _RUNTIME_SPECIALS:
                runtime.add(text)
            if "Any" in text:
                typing_names.add("Any")
            return text
        if isinstance(ref, Shared):
            name = apply_name(ref.name) if ref.name in SHARED_APPLY else ref.name
            runtime.add(name)
            return name
        if isinstance(ref, Ref):
            target = self.model.types[ref.type_id]
            name = apply_name(target.name)
            if target.module != module:
                others.setdefault(f".{target.module}", set()).add(name)
            return name
        if isinstance(ref, Array):
            return f"list[{hint(ref.items)}]"
        if isinstance(ref, Map):
            return f"dict[str, {hint(ref.values)}]"
        if isinstance(ref, EnumType):
            models.add(ref.name)
            return ref.name
        if isinstance(ref, UnionType):
            return " | ".join(hint(option) for option in ref.options)
        raise TypeError(f"unknown type reference {ref!r}")


# The shapes of SHARED_APPLY are the runtime's: checked here so that a new required field is seen.
assert all(name in SHARED_TYPES for name in SHARED_APPLY)
