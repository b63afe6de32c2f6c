"""The models emitter: one msgspec module per group-version, rendered by datamodel-code-generator.

Why datamodel-code-generator's parser with kgen's own templates, rather than post-processing its output:
the Kubernetes rules (IntOrString, Quantity, MicroTime, nullable optionals, shared meta/v1 types, nested
names, names that collide after snake_case) are settled once in the API model, so what reaches
datamodel-code-generator is a plain OpenAPI document in which every object is already a named component,
every special type a ``customTypePath`` and every attribute an explicit alias. It then does what it is good
at (type hints, imports, literals, required-versus-optional) and the templates in ``templates/models``
decide the class shape: the base class, the ``GVK``/``RESOURCE`` class variables and docstrings, all of it
pre-escaped by :mod:`kgen.emit.pysource`. Post-processing is limited to the file header and making imports
between generated modules relative (so a vendored package still imports).
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from kgen.apimodel.ir import (
    APIModel,
    Array,
    EnumType,
    Field,
    Map,
    Primitive,
    Ref,
    Resource,
    Shared,
    Special,
    TypeDef,
    TypeRef,
    UnionType,
)
from kgen.emit.pysource import docstring, literal
from kgen.emit.templates import templates_dir
from kgen.apimodel.shared import RUNTIME_MODELS

__all__ = ["ModelsEmitter", "base_class", "inherited_fields", "module_import_path"]

_SPECIAL_PATHS = {
    "int-or-string": "kgen.runtime.IntOrString",
    "quantity": "kgen.runtime.Quantity",
    "micro-time": "kgen.runtime.MicroTime",
    "bytes": "builtins.bytes",
}


def module_import_path(package: str, module: str) -> str:
    return f"{package}.models.{module}"


@dataclass(slots=True)
class _ModuleDocument:
    document: dict[str, Any]
    aliases: dict[str, str]
    extra: dict[str, dict[str, Any]]
    imports: set[str]
    classes: list[str]


class ModelsEmitter:
    def __init__(self, model: APIModel, package: str, header: str) -> None:
        self.model = model
        self.package = package
        self.header = header
        self._resources_by_type: dict[str, Resource] = {}
        for resource in sorted(model.resources(), key=lambda r: r.plural):
            if resource.type_id is not None:
                self._resources_by_type.setdefault(resource.type_id, resource)

    def modules(self) -> dict[str, list[TypeDef]]:
        out: dict[str, list[TypeDef]] = {}
        for typedef in self.model.types.values():
            out.setdefault(typedef.module, []).append(typedef)
        return {name: sorted(types, key=lambda t: t.name) for name, types in sorted(out.items())}

    def render_all(self) -> dict[str, str]:
        """``models/<module>.py`` -> unformatted source, for every group-version with types."""
        files = {"models/__init__.py": self._package_init()}
        for module, types in self.modules().items():
            files[f"models/{module}.py"] = self.render_module(module, types)
        return files

    def _package_init(self) -> str:
        return (
            f"{self.header}\n"
            '"""Models: one module per group-version, msgspec Structs over kgen.runtime."""\n'
        )

    # --- one module ---------------------------------------------------------------------------------

    def render_module(self, module: str, types: list[TypeDef]) -> str:
        # Kinds the runtime ships (RUNTIME_MODELS) are its classes, re-exported, not generated.
        shipped = {t.name: RUNTIME_MODELS[t.id] for t in types if t.id in RUNTIME_MODELS}
        types = [t for t in types if t.id not in RUNTIME_MODELS]
        if not types:
            return self._finish(module, "\n", [], shipped)
        from collections import defaultdict

        from datamodel_code_generator import generate
        from datamodel_code_generator import LiteralType
        from datamodel_code_generator.enums import DataModelType, InputFileType
        from datamodel_code_generator.format import DatetimeClassType, PythonVersion

        doc = self._document(module, types)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            output = generate(
                json.dumps(doc.document),
                input_file_type=InputFileType.OpenAPI,
                output_model_type=DataModelType.MsgspecStruct,
                target_python_version=PythonVersion.PY_310,
                disable_timestamp=True,
                formatters=[],
                strict_nullable=True,
                output_datetime_class=DatetimeClassType.Datetime,
                enum_field_as_literal=LiteralType.All,
                use_exact_imports=True,
                base_class="kgen.runtime.Struct",
                custom_template_dir=templates_dir() / "models",
                aliases=doc.aliases,
                extra_template_data=defaultdict(dict, doc.extra),
                additional_imports=sorted(doc.imports),
            )
        if not isinstance(output, str):
            raise RuntimeError(f"datamodel-code-generator returned several modules for {module}")
        return self._post_process(module, output, doc.classes, shipped)

    def _post_process(
        self, module: str, source: str, classes: list[str], shipped: dict[str, str]
    ) -> str:
        lines = source.splitlines()
        body = [
            line
            for line in lines
            if not line.startswith("# generated by datamodel-codegen")
            and not line.startswith("#   filename:")
            and line != "from builtins import bytes"
        ]
        text = "\n".join(body).strip() + "\n"
        defined = set(re.findall(r"^class (\w+)\(", text, re.M)) | set(
            re.findall(r"^\s*(\w+): TypeAlias = ", text, re.M)
        )
        missing = [name for name in classes if name not in defined]
        if missing:
            raise RuntimeError(
                f"datamodel-code-generator did not emit {', '.join(missing)} in {module}"
            )
        return self._finish(module, eager_annotations(text), classes, shipped)

    def _finish(self, module: str, text: str, classes: list[str], shipped: dict[str, str]) -> str:
        imports = [
            f"from kgen.runtime import {runtime}" + (f" as {name}" if name != runtime else "")
            for name, runtime in sorted(shipped.items())
        ]
        head, _, rest = text.partition("\n")
        text = _merge_imports("\n".join([head, *imports, rest]), keep=shipped)
        text = text.replace(f"from {self.package}.models.", "from .")
        doc = f'"""Models of {self._module_title(module)}."""'
        # What the module defines, so that a star import brings the models and not its imports
        # (``datetime``, ``field``, the runtime's base classes).
        names = sorted([*classes, *shipped])
        exports = "__all__ = [" + ", ".join(f'"{name}"' for name in names) + "]\n"
        return f"{self.header}\n{doc}\n\n{text}\n\n{exports}"

    def _module_title(self, module: str) -> str:
        for gv in self.model.group_versions.values():
            if gv.module == module:
                return gv.api_version
        return module

    def _document(self, module: str, types: list[TypeDef]) -> _ModuleDocument:
        schemas: dict[str, Any] = {}
        aliases: dict[str, str] = {}
        extra: dict[str, dict[str, Any]] = {}
        imports = {"kgen.runtime.Struct"}
        classes: list[str] = []
        enums: dict[str, EnumType] = {}
        for typedef in types:
            properties: dict[str, Any] = {}
            required: list[str] = []
            field_docs: dict[str, str] = {}
            # A kind's apiVersion, kind and metadata are its base class's: ``metadata`` is always there
            # (an ObjectMeta, or a list's ListMeta), typed so, and not sent when left empty.
            inherited = inherited_fields(typedef)
            for item in typedef.fields:
                if item.json_name in inherited:
                    continue
                schema = self._schema(item.type, module, enums, imports)
                if not item.required or item.nullable or _go_sends_null(typedef, item):
                    schema = {**schema, "nullable": True}
                properties[item.json_name] = schema
                if item.required:
                    required.append(item.json_name)
                if item.python_name != item.json_name:
                    aliases[f"{typedef.name}.{item.json_name}"] = item.python_name
                if item.description:
                    field_docs[item.python_name] = docstring(item.description, indent=4)
            schema_obj: dict[str, Any] = {"type": "object", "properties": properties}
            if required:
                schema_obj["required"] = required
            schemas[typedef.name] = schema_obj
            classes.append(typedef.name)
            extra[typedef.name] = {"kgen": self._class_extra(typedef, field_docs, imports)}
        for name, enum in sorted(enums.items()):
            base = "string" if enum.base.name == "string" else "integer"
            schemas[name] = {"type": base, "enum": list(enum.values)}
            extra[name] = {"kgen": {"runtime_type": "str" if base == "string" else "int"}}
            imports.add("typing.TYPE_CHECKING")
            classes.append(name)
        document = {
            "openapi": "3.0.3",
            "info": {"title": module, "version": "generated"},
            "paths": {},
            "components": {"schemas": schemas},
        }
        return _ModuleDocument(document, aliases, extra, imports, classes)

    def _class_extra(
        self, typedef: TypeDef, field_docs: dict[str, str], imports: set[str]
    ) -> dict[str, Any]:
        extra: dict[str, Any] = {"field_docs": field_docs}
        # Every generated class has a docstring, if only to say where it comes from.
        gv = f"{typedef.group}/{typedef.version}" if typedef.group else typedef.version
        text = typedef.description or f"{typedef.name} ({gv}; the schema describes it no further)."
        extra["docstring"] = docstring(text, indent=4)
        if typedef.gvk is None:
            return extra
        base = base_class(typedef)
        if base != "Struct":
            imports.add(f"kgen.runtime.{base}")
        extra["base"] = base
        if base == "KubernetesList":
            assert typedef.list_item is not None
            item = self.model.types[typedef.list_item]
            if item.module == typedef.module:
                extra["base"] = f"KubernetesList[{item.name}]"
            else:
                extra["base"] = "KubernetesList[KubernetesObject]"
                imports.add("kgen.runtime.KubernetesObject")
        imports.add("kgen.runtime.GroupVersionKind")
        group, version, kind = typedef.gvk
        classvars = [
            f"GVK = GroupVersionKind({literal(group)}, {literal(version)}, {literal(kind)})"
        ]
        resource = self._resources_by_type.get(typedef.id)
        if resource is not None and base == "KubernetesObject":
            imports.add("kgen.runtime.ResourceInfo")
            if resource.subresources:
                imports.add("kgen.runtime.SubresourceInfo")
            classvars.append(f"RESOURCE = {self._resource_info(resource)}")
        extra["classvars"] = classvars
        return extra

    def _resource_info(self, resource: Resource) -> str:
        subresources = []
        for name in sorted(resource.subresources):
            sub = resource.subresources[name]
            args = [f"name={literal(name)}", f"verbs={literal(frozenset(sub.verbs))}"]
            if sub.kind is not None:
                group, version, kind = sub.kind
                api_version = f"{group}/{version}" if group else version
                args += [f"api_version={literal(api_version)}", f"kind={literal(kind)}"]
            if sub.streaming:
                args.append("streaming=True")
            subresources.append(f"SubresourceInfo({', '.join(args)})")
        args = [
            f"group={literal(resource.group)}",
            f"version={literal(resource.version)}",
            f"kind={literal(resource.kind)}",
            f"plural={literal(resource.plural)}",
            f"namespaced={literal(resource.namespaced)}",
            f"singular={literal(resource.singular)}",
            f"list_kind={literal(resource.list_kind)}",
            f"verbs={literal(frozenset(resource.verbs))}",
        ]
        if subresources:
            args.append(f"subresources=({', '.join(subresources)},)")
        if resource.short_names:
            args.append(f"short_names={literal(resource.short_names)}")
        if resource.categories:
            args.append(f"categories={literal(resource.categories)}")
        if resource.selectable_fields:
            args.append(f"selectable_fields={literal(resource.selectable_fields)}")
        if resource.strategic_merge_patch:
            args.append("strategic_merge_patch=True")
        return f"ResourceInfo({', '.join(args)})"

    def _schema(
        self, ref: TypeRef, module: str, enums: dict[str, EnumType], imports: set[str]
    ) -> dict[str, Any]:
        if isinstance(ref, Primitive):
            # int | float: Go writes a float64 that holds a whole number without ".0" (minimum: 0).
            if ref.name == "number":
                return {"anyOf": [{"type": "integer"}, {"type": "number"}]}
            return {"type": ref.name}
        if isinstance(ref, Special):
            if ref.name == "time":
                return {"type": "string", "format": "date-time"}
            if ref.name == "json":
                return {}
            if ref.name == "object":
                return {"type": "object"}
            return {"customTypePath": _SPECIAL_PATHS[ref.name]}
        if isinstance(ref, Shared):
            return {"customTypePath": f"kgen.runtime.{ref.name}"}
        if isinstance(ref, Ref):
            target = self.model.types[ref.type_id]
            if target.id in RUNTIME_MODELS:
                return {"customTypePath": f"kgen.runtime.{RUNTIME_MODELS[target.id]}"}
            if target.module == module:
                return {"$ref": f"#/components/schemas/{target.name}"}
            return {
                "customTypePath": f"{module_import_path(self.package, target.module)}.{target.name}"
            }
        if isinstance(ref, Array):
            return {"type": "array", "items": self._schema(ref.items, module, enums, imports)}
        if isinstance(ref, Map):
            return {
                "type": "object",
                "additionalProperties": self._schema(ref.values, module, enums, imports),
            }
        if isinstance(ref, EnumType):
            enums[ref.name] = ref
            return {"$ref": f"#/components/schemas/{ref.name}"}
        if isinstance(ref, UnionType):
            return {"anyOf": [self._schema(o, module, enums, imports) for o in ref.options]}
        raise TypeError(f"unknown type reference {ref!r}")


def _go_sends_null(typedef: TypeDef, item: Field) -> bool:
    """Whether the server may send null for this required field: a Go struct's field without
    omitempty is "required" in the schema, yet a nil slice or map and a zero Time are written as null
    (Event.eventTime, EndpointSlice.endpoints, Role.rules). The field stays required when building an
    object; decoding takes the null. Not so for a CRD's schema (the apiserver prunes such nulls), nor
    for a list's items (the apiserver always sends a list)."""
    if typedef.structural or typedef.list_item is not None:
        return False
    kind = item.type
    return isinstance(kind, (Array, Map)) or (
        isinstance(kind, Special) and kind.name in ("time", "micro-time", "bytes")
    )


def eager_annotations(text: str) -> str:
    """A models module whose annotations are evaluated when its classes are made, not strings.

    With ``from __future__ import annotations`` every annotation is a string, which msgspec evaluates
    when it builds the first decoder of a model (a ``compile`` and an ``eval`` per field: most of the
    cost of decoding the first pod list). Without it, the annotation is the type itself, made once at
    import for about what a string costs to load. For that, a class comes after the classes its fields
    and base name (the classes keep their order where they can); a field that names a class defined
    later (a recursive type, or a cycle) keeps a quoted annotation.
    """
    tree = ast.parse(text)
    lines = text.split("\n")
    future = [
        node
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module == "__future__"
    ]
    movable = [node for node in tree.body if not isinstance(node, (ast.Import, ast.ImportFrom))]
    if not movable:
        return _drop_lines(lines, future)
    defined: dict[str, int] = {}
    for index, node in enumerate(movable):
        for name in _defines(node):
            defined.setdefault(name, index)
    uses = [sorted({defined[name] for name in _uses(node) if name in defined}) for node in movable]
    order: list[int] = []
    state: dict[int, bool] = {}  # False: being visited; True: placed

    def visit(index: int) -> None:
        state[index] = False
        for dep in uses[index]:
            if dep not in state:
                visit(dep)
        state[index] = True
        order.append(index)

    for index in range(len(movable)):
        if index not in state:
            visit(index)
    position = {index: place for place, index in enumerate(order)}
    later = {name: position[index] for name, index in defined.items()}
    blocks = []
    for place, index in enumerate(order):
        node = movable[index]
        block = lines[node.lineno - 1 : node.end_lineno]
        start = node.lineno
        for field in reversed(_annotated_fields(node)):  # bottom up: a quote may join lines
            names = {n.id for n in ast.walk(field.annotation) if isinstance(n, ast.Name)}
            if any(later.get(name, -1) >= place for name in names) or names & _bound_before(
                node, field
            ):
                _quote(block, start, field.annotation)
        blocks.append("\n".join(block))
    head_end = movable[0].lineno - 1
    head = [
        line
        for number, line in enumerate(lines[:head_end], 1)
        if not any(node.lineno <= number <= (node.end_lineno or node.lineno) for node in future)
    ]
    tail = lines[(movable[-1].end_lineno or 0) :]
    return "\n".join(head).rstrip() + "\n\n\n" + "\n\n\n".join(blocks) + "\n" + "\n".join(tail)


def _drop_lines(lines: list[str], nodes: list[ast.ImportFrom]) -> str:
    drop = {n for node in nodes for n in range(node.lineno, (node.end_lineno or node.lineno) + 1)}
    return "\n".join(line for number, line in enumerate(lines, 1) if number not in drop)


def _defines(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.ClassDef):
        return [node.name]
    names = []
    for item in ast.walk(node):
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            names.append(item.target.id)
        elif isinstance(item, ast.Assign):
            names += [t.id for t in item.targets if isinstance(t, ast.Name)]
    return names


def _uses(node: ast.stmt) -> set[str]:
    """The names a statement needs when it runs: a class's bases and its fields' annotations; an
    alias's value."""
    parts: list[ast.AST]
    if isinstance(node, ast.ClassDef):
        parts = [*node.bases, *node.keywords, *(f.annotation for f in _annotated_fields(node))]
    else:
        parts = [node]
    return {n.id for part in parts for n in ast.walk(part) if isinstance(n, ast.Name)}


def _bound_before(node: ast.stmt, field: ast.AnnAssign) -> set[str]:
    """The names a class body binds before ``field`` (fields with a default, such as a field named
    ``bytes``): an annotation evaluated in the body would see them instead of the module's."""
    assert isinstance(node, ast.ClassDef)
    names: set[str] = set()
    for item in node.body:
        if item is field:
            break
        if isinstance(item, ast.AnnAssign) and item.value is not None:
            names |= {n.id for n in ast.walk(item.target) if isinstance(n, ast.Name)}
        elif isinstance(item, ast.Assign):
            names |= {n.id for t in item.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(item.name)
    return names


def _annotated_fields(node: ast.stmt) -> list[ast.AnnAssign]:
    if not isinstance(node, ast.ClassDef):
        return []
    return [item for item in node.body if isinstance(item, ast.AnnAssign)]


def _quote(block: list[str], start: int, annotation: ast.expr) -> None:
    """Replace ``annotation`` (in ``block``, whose first line is line ``start``) by a string of it."""
    first, last = annotation.lineno - start, (annotation.end_lineno or annotation.lineno) - start
    # ast's columns count UTF-8 bytes.
    before = block[first].encode()[: annotation.col_offset].decode()
    after = block[last].encode()[annotation.end_col_offset :].decode()
    text = ast.unparse(annotation)
    quoted = f'"{text}"' if '"' not in text else repr(text)
    block[first : last + 1] = [before + quoted + after]


_INHERITED = frozenset({"apiVersion", "kind", "metadata"})


def inherited_fields(typedef: TypeDef) -> frozenset[str]:
    """The fields a kind's class has from its base class (KubernetesObject or KubernetesList), not
    generated: ``apiVersion``, ``kind`` and ``metadata``, which is always there (typed so) and not
    sent when left empty."""
    return _INHERITED if base_class(typedef) != "Struct" else frozenset()


def base_class(typedef: TypeDef) -> str:
    """The runtime base class of a model: KubernetesObject, KubernetesList or Struct."""
    if typedef.gvk is None:
        return "Struct"
    metadata = typedef.field_named("metadata")
    meta_type = metadata.type if metadata is not None else None
    if typedef.list_item is not None and meta_type in (None, Shared("ListMeta")):
        return "KubernetesList"
    if meta_type in (None, Shared("ObjectMeta")):
        return "KubernetesObject"
    return "Struct"


_IMPORT = re.compile(r"^from ([\w.]+) import (.+)$")


def _merge_imports(text: str, keep: Collection[str] = ()) -> str:
    """One sorted ``from X import a, b`` line per module: datamodel-code-generator repeats modules, and
    imports its base class even where every class has another (a module of kinds alone): names the
    module never mentions are dropped, except ``keep`` (re-exported)."""
    lines = text.split("\n")
    imports: dict[str, set[str]] = {}
    end = 0
    for index, line in enumerate(lines):
        match = _IMPORT.match(line)
        if match:
            imports.setdefault(match.group(1), set()).update(
                name.strip() for name in match.group(2).split(",")
            )
            end = index + 1
        elif line.strip() and not line.startswith("#"):
            break
    future = imports.pop("__future__", set())
    used = set(re.findall(r"\w+", "\n".join(lines[end:]))) | set(keep)
    head = [f"from __future__ import {', '.join(sorted(future))}"] if future else []
    for module, names in sorted(imports.items()):
        kept = sorted(name for name in names if name.split(" as ")[-1] in used)
        if kept:
            head.append(f"from {module} import {', '.join(kept)}")
    return "\n".join(head + [""] + lines[end:])
