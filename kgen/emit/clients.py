"""The clients emitter: per group-version client modules and the clientset, sync and async twins from one
template each (``templates/clients``).

A resource client is declarations only: the verb mixins its resource supports, over the runtime's generic
client, plus one-line methods for subresources with payloads of their own (eviction, binding, token, log,
ephemeralcontainers, resize, approval, finalize...). ``status`` and ``scale`` are runtime mixins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import jinja2

from kgen.emit.pysource import docstring, literal
from kgen.emit.templates import templates_dir
from kgen.apimodel.ir import APIModel, GroupVersion, Resource, Subresource, TypeDef
from kgen.apimodel.names import class_name, snake_case, snake_to_camel

__all__ = ["ClientsEmitter"]

# Verb -> mixin of kgen.runtime._sync.resource (the async ones are prefixed with Async).
_VERB_MIXINS = [
    ("get", "Get"),
    ("list", "List"),
    ("watch", "Watch"),
    ("create", "Create"),
    ("update", "Update"),
    ("patch", "Patch"),
    ("apply", "Apply"),
    ("delete", "Delete"),
    ("deletecollection", "DeleteCollection"),
]
_RUNTIME_SUBRESOURCES = {"status": "StatusSubresource", "scale": "ScaleSubresource"}
# The runtime's bases for the usual verb sets (fewer generic subscriptions to import).
_ALL_VERBS = frozenset(verb for verb, _ in _VERB_MIXINS)
_READ_VERBS = frozenset({"get", "list", "watch"})


def _verb_mixins(verbs: set[str] | frozenset[str]) -> list[str]:
    if _ALL_VERBS <= verbs:
        return ["AllVerbs"]
    if _READ_VERBS <= verbs:
        return ["ReadVerbs"] + [m for v, m in _VERB_MIXINS if v in verbs and v not in _READ_VERBS]
    return [mixin for verb, mixin in _VERB_MIXINS if verb in verbs]


_SUBRESOURCE_NAMES = {"ephemeralcontainers": "ephemeral_containers"}


@dataclass(slots=True)
class _Method:
    op: str
    name: str
    sub: str
    result: str
    body: str = ""


@dataclass(slots=True)
class _ResourceView:
    accessor: str
    client: str
    kind_class: str
    list_class: str
    list_type: str
    namespaced: bool
    mixins: list[str]
    doc: str
    accessor_doc: str
    methods: list[_Method] = field(default_factory=list)
    # Listers and informers exist for resources that can be listed and watched (informer-gen's rule).
    informable: bool = False
    lister: str = ""
    lister_doc: str = ""
    namespace_doc: str = ""


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir() / "clients")),
        autoescape=False,  # noqa: S701 - Python source, escaped by kgen.emit.pysource
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals["lit"] = literal
    return env


class ClientsEmitter:
    def __init__(self, model: APIModel, package: str, header: str) -> None:
        self.model = model
        self.package = package
        self.header = header
        self._env = _environment()
        self._by_gvk = {t.gvk: t for t in model.types.values() if t.gvk is not None}
        # (group-version module, model module, resource view) of every resource with a client.
        self._rendered: list[tuple[str, str, _ResourceView]] = []

    def render_all(self) -> dict[str, str]:
        files = {
            "clients/__init__.py": f'{self.header}\n"""Clients, one module per group-version."""\n',
            "listers/__init__.py": f'{self.header}\n"""Typed listers (reads of informer caches), one module per group-version."""\n',
        }
        views = []
        informer_views = []
        for key in sorted(self.model.group_versions):
            gv = self.model.group_versions[key]
            if not gv.included:
                continue
            rendered = self._group(gv)
            if rendered is None:
                continue
            files[f"clients/{gv.module}.py"] = rendered
            views.append({"module": gv.module, "class_name": _gv_class(gv)})
            informers = self._informers(gv)
            if informers is not None:
                files[f"listers/{gv.module}.py"], files[f"informers/{gv.module}.py"] = informers
                informer_views.append(
                    {"module": gv.module, "class_name": _gv_class(gv) + "Informers"}
                )
        example = self._example()
        files["informers/__init__.py"] = self._env.get_template(
            "informer_factory.py.jinja2"
        ).render(
            header=self.header,
            package=self.package,
            group_versions=informer_views,
            example=example,
        )
        files["clientset.py"] = self._env.get_template("clientset.py.jinja2").render(
            header=self.header, package=self.package, group_versions=views, example=example
        )
        files["fake.py"] = self._env.get_template("fake.py.jinja2").render(
            header=self.header, package=self.package, example=example
        )
        return files

    def _example(self) -> dict[str, Any] | None:
        """The resource the module docstrings show: pods where the package has them, else the first
        namespaced resource that informers cover, so that every example is code that runs."""
        candidates = sorted(
            self._rendered,
            key=lambda item: (
                (item[0], item[2].accessor) != ("core_v1", "pods"),
                not item[2].informable,
                not item[2].namespaced,
                item[0],
                item[2].accessor,
            ),
        )
        if not candidates:
            return None
        gv_module, model_module, view = candidates[0]
        return {
            "gv": gv_module,
            "accessor": view.accessor,
            "kind": view.kind_class,
            "model_module": model_module,
            "namespaced": view.namespaced,
            "informable": view.informable,
        }

    def _group(self, gv: GroupVersion) -> str | None:
        imports: dict[str, set[str]] = {}
        resources = []
        for plural in sorted(gv.resources):
            view = self._resource(gv.resources[plural], imports)
            if view is not None:
                resources.append(view)
                module = self.model.types[gv.resources[plural].type_id or ""].module
                self._rendered.append((gv.module, module, view))
        if not resources:
            return None
        exports = sorted(
            {r.client for r in resources}
            | {"Async" + r.client for r in resources}
            | {_gv_class(gv), "Async" + _gv_class(gv)}
        )
        bare = {"ResourceClient"} if any(not r.mixins for r in resources) else set()
        mixins = sorted({m for r in resources for m in r.mixins} | bare)
        model_imports = [
            (module, sorted(names))
            for module, names in sorted(imports.items())
            if module != "kgen.runtime"
        ]
        runtime_imports = sorted(
            imports.get("kgen.runtime", set())
            | {"KubernetesList", "Status", "FieldValidation", "PatchType"}
            | {"GroupVersionClient", "AsyncGroupVersionClient"}
            | set(mixins)
            | {"Async" + m for m in mixins}
        )
        return self._env.get_template("group.py.jinja2").render(
            header=self.header,
            module_doc=docstring(f"Clients of {gv.api_version}."),
            group=gv.group,
            version=gv.version,
            gv_class=_gv_class(gv),
            gv_doc=docstring(f"The resources of {gv.api_version}."),
            resources=resources,
            exports=exports,
            runtime_imports=runtime_imports,
            model_imports=model_imports,
            uses_log=any(m.op == "log" for r in resources for m in r.methods),
        )

    def _informers(self, gv: GroupVersion) -> tuple[str, str] | None:
        imports: dict[str, set[str]] = {}
        resources = []
        for plural in sorted(gv.resources):
            view = self._resource(gv.resources[plural], imports)
            if view is not None and view.informable:
                resources.append(view)
        if not resources:
            return None
        model_imports = [(m, sorted(n)) for m, n in sorted(imports.items()) if m != "kgen.runtime"]
        model_doc = docstring(
            f"Listers of {gv.api_version}: reads of informer caches, never of the server."
        )
        listers = self._env.get_template("listers.py.jinja2").render(
            header=self.header,
            module_doc=model_doc,
            resources=resources,
            model_imports=model_imports,
        )
        informers = self._env.get_template("informers.py.jinja2").render(
            header=self.header,
            module_doc=docstring(f"Informers of {gv.api_version}."),
            module=gv.module,
            gv_class=_gv_class(gv) + "Informers",
            gv_doc=docstring(f"The shared informers of {gv.api_version}."),
            resources=resources,
            listers=sorted(r.lister for r in resources),
            model_imports=model_imports,
        )
        return listers, informers

    def _class_ref(self, typedef: TypeDef, imports: dict[str, set[str]]) -> str:
        imports.setdefault(f"..models.{typedef.module}", set()).add(typedef.name)
        return typedef.name

    def _kind_ref(self, gvk: tuple[str, str, str], imports: dict[str, set[str]]) -> str | None:
        typedef = self._by_gvk.get(gvk)
        if typedef is not None:
            return self._class_ref(typedef, imports)
        if gvk == ("autoscaling", "v1", "Scale"):
            imports.setdefault("kgen.runtime", set()).add("Scale")
            return "Scale"
        return None

    def _resource(self, resource: Resource, imports: dict[str, set[str]]) -> _ResourceView | None:
        if resource.type_id is None or resource.type_id not in self.model.types:
            return None  # no schema for the kind: the dynamic client serves it
        kind = self.model.types[resource.type_id]
        kind_class = self._class_ref(kind, imports)
        list_type = self.model.types.get(resource.list_type_id or "")
        if list_type is not None:
            list_class = self._class_ref(list_type, imports)
            list_annotation = list_class
        else:
            list_class = "KubernetesList"
            list_annotation = f"KubernetesList[{kind_class}]"
        mixins = _verb_mixins(resource.verbs)
        methods: list[_Method] = []
        for name in sorted(resource.subresources):
            sub = resource.subresources[name]
            if name in _RUNTIME_SUBRESOURCES:
                mixins.append(_RUNTIME_SUBRESOURCES[name])
                continue
            methods.extend(self._subresource_methods(sub, kind_class, imports))
        scope = "namespaced" if resource.namespaced else "cluster-scoped"
        client = f"{class_name(resource.kind)}Client"
        return _ResourceView(
            accessor=resource.python_name,
            client=client,
            kind_class=kind_class,
            list_class=list_class,
            list_type=list_annotation,
            namespaced=resource.namespaced,
            mixins=mixins,
            doc=docstring(
                f"{resource.plural} ({resource.api_version}, kind {resource.kind}, {scope}); "
                f"verbs: {', '.join(sorted(resource.verbs))}."
            ),
            accessor_doc=docstring(
                f"The client of {resource.plural} in ``namespace`` (None: every namespace, for list and "
                "watch)."
                if resource.namespaced
                else f"The client of {resource.plural}."
            ),
            methods=methods,
            informable={"list", "watch"} <= resource.verbs and list_type is not None,
            lister=f"{class_name(resource.kind)}Lister",
            lister_doc=docstring(
                f"Reads {resource.plural} ({resource.api_version}) from an informer's cache."
            ),
            namespace_doc=docstring(f"The {resource.plural} of one namespace."),
        )

    def _subresource_methods(
        self, sub: Subresource, kind_class: str, imports: dict[str, set[str]]
    ) -> list[_Method]:
        if sub.verbs == {"connect"}:
            return []  # exec, attach, portforward, proxy: streaming protocols, not in this client
        name = _SUBRESOURCE_NAMES.get(sub.name) or snake_case(sub.name) or "subresource"
        if sub.streaming:
            return [_Method("log" if sub.name == "log" else "read", name, sub.name, "str")]
        own = sub.kind is None
        result = kind_class if own else self._kind_ref(sub.kind, imports)  # type: ignore[arg-type]
        if result is None:
            return []  # the payload kind is not in the inputs: the dynamic client serves it
        methods = []
        for verb in ("get", "update", "patch", "create", "apply"):
            if verb not in sub.verbs:
                continue
            if verb == "update":
                methods.append(
                    _Method(
                        "update_object" if own else "update_body", name, sub.name, result, result
                    )
                )
            elif verb == "apply" and not own:
                continue
            else:
                methods.append(_Method(verb, name, sub.name, result, result))
        return methods


def _gv_class(gv: GroupVersion) -> str:
    return class_name(snake_to_camel(gv.module))
