"""The clients emitter: per group-version client modules and the clientset, sync and async twins from one
template each (``templates/clients``).

A resource client is declarations only: the verb mixins its resource supports, over the runtime's generic
client, plus typed one-line methods for subresources with payloads of their own (eviction, binding, token,
ephemeralcontainers, resize, approval, finalize...). ``status``, ``scale`` and ``log`` are runtime mixins, and
so are the connect subresources (``exec``, ``attach``, ``portforward``, ``proxy``): streaming protocols
whose one implementation is the runtime's.
Every generated module imports what it uses and nothing else, and every class and method has a docstring.
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
# A streaming ``log`` subresource (pods/log) is a runtime mixin too, with PodLogOptions' parameters.
_LOG_MIXIN = "LogSubresource"
# The connect subresources (pods/exec, pods/attach, pods/portforward; pods, services and nodes/proxy).
_CONNECT_MIXINS = {
    "exec": "ExecSubresource",
    "attach": "AttachSubresource",
    "portforward": "PortForwardSubresource",
    "proxy": "ProxySubresource",
}
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


# (module, class name): what a generated module imports for one class.
_Import = tuple[str, str]


@dataclass(slots=True)
class _Method:
    op: str
    name: str
    sub: str
    result: str
    body: str = ""
    doc: str = ""
    stream_doc: str = ""
    # The payload class's import, when it is not the resource's own kind.
    imports: set[_Import] = field(default_factory=set)


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
    kind_import: _Import
    list_import: _Import | None  # None: the runtime's generic KubernetesList
    methods: list[_Method] = field(default_factory=list)
    # Listers and informers exist for resources that can be listed and watched (informer-gen's rule).
    informable: bool = False
    lister: str = ""
    lister_doc: str = ""
    namespace_doc: str = ""
    informer_doc: str = ""


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
            files[f"clients/{gv.module}.py"], files[f"clients/_async_{gv.module}.py"] = rendered
            views.append(
                {
                    "module": gv.module,
                    "class_name": _gv_class(gv),
                    "doc": docstring(f"The clients of {gv.api_version}."),
                }
            )
            informers = self._informers(gv)
            if informers is not None:
                files[f"listers/{gv.module}.py"], files[f"informers/{gv.module}.py"] = informers
                informer_views.append(
                    {
                        "module": gv.module,
                        "class_name": _gv_class(gv) + "Informers",
                        "doc": docstring(f"The informers of {gv.api_version}."),
                    }
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
        for flavour, name in (("", "clientset.py"), ("Async", "_async_clientset.py")):
            files[name] = self._env.get_template("clientset.py.jinja2").render(
                header=self.header,
                package=self.package,
                group_versions=views,
                example=example,
                flavours=[flavour],
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

    def _group(self, gv: GroupVersion) -> tuple[str, str] | None:
        """The module of a group-version's clients and the module of its async clients."""
        resources = []
        for plural in sorted(gv.resources):
            view = self._resource(gv.resources[plural])
            if view is not None:
                resources.append(view)
                module = self.model.types[gv.resources[plural].type_id or ""].module
                self._rendered.append((gv.module, module, view))
        if not resources:
            return None
        # Exactly what the module uses: ruff's F401 holds generated code to that too.
        ops = {m.op for r in resources for m in r.methods}
        mixins = {m for r in resources for m in (r.mixins or ["ResourceClient"])}
        runtime = mixins | {"GroupVersionClient"}
        if any(r.list_import is None for r in resources):
            runtime.add("KubernetesList")
        if ops & {"update_object", "update_body", "patch", "create", "apply"}:
            runtime.add("WriteOptions")
        if "update_object" in ops:
            runtime.add("FieldValidation")
        if "patch" in ops:
            runtime.add("PatchType")
        if "create" in ops:
            runtime.add("Status")
        imports: set[_Import] = set()
        for r in resources:
            imports.add(r.kind_import)
            if r.list_import is not None:
                imports.add(r.list_import)
            for m in r.methods:
                imports |= m.imports
        runtime |= {name for module, name in imports if module == "kgen.runtime"}
        async_runtime = {
            "Async" + name for name in runtime if name in mixins | {"GroupVersionClient"}
        }
        sync_exports = sorted({r.client for r in resources} | {_gv_class(gv)})
        async_exports = sorted("Async" + name for name in sync_exports)
        common = {
            "header": self.header,
            "group": gv.group,
            "version": gv.version,
            "gv_class": _gv_class(gv),
            "gv_doc": docstring(f"The resources of {gv.api_version}."),
            "resources": resources,
            "model_imports": _model_imports(imports),
        }
        # The sync clients, which name the async ones (imported on first use, see the template).
        sync = self._env.get_template("group.py.jinja2").render(
            **common,
            module_doc=docstring(f"Clients of {gv.api_version}."),
            flavours=[""],
            exports=sorted(sync_exports + async_exports),
            async_module=f"_async_{gv.module}",
            async_exports=async_exports,
            runtime_imports=sorted(runtime | {"lazy_getattr"}),
            abc_imports=["Iterator"] if "read" in ops else [],
            typing_imports=["TYPE_CHECKING", "Any"] if "patch" in ops else ["TYPE_CHECKING"],
        )
        asynchronous = self._env.get_template("group.py.jinja2").render(
            **common,
            module_doc=docstring(
                f"Async clients of {gv.api_version} (``.{gv.module}`` imports them on first use)."
            ),
            flavours=["Async"],
            exports=async_exports,
            async_module="",
            async_exports=[],
            runtime_imports=sorted(
                {name for name in runtime if name not in mixins | {"GroupVersionClient"}}
                | async_runtime
            ),
            abc_imports=["AsyncIterator"] if "read" in ops else [],
            typing_imports=["Any"] if "patch" in ops else [],
        )
        return sync, asynchronous

    def _informers(self, gv: GroupVersion) -> tuple[str, str] | None:
        resources = []
        for plural in sorted(gv.resources):
            view = self._resource(gv.resources[plural])
            if view is not None and view.informable:
                resources.append(view)
        if not resources:
            return None
        # Listers name the kinds; informers the kinds and their lists (informable: never generic).
        kinds = {r.kind_import for r in resources}
        lists = {r.list_import for r in resources if r.list_import is not None}
        model_doc = docstring(
            f"Listers of {gv.api_version}: reads of informer caches, never of the server."
        )
        listers = self._env.get_template("listers.py.jinja2").render(
            header=self.header,
            module_doc=model_doc,
            resources=resources,
            model_imports=_model_imports(kinds),
            namespaced=any(r.namespaced for r in resources),
            cluster_scoped=any(not r.namespaced for r in resources),
        )
        informers = self._env.get_template("informers.py.jinja2").render(
            header=self.header,
            module_doc=docstring(f"Informers of {gv.api_version}."),
            module=gv.module,
            gv_class=_gv_class(gv) + "Informers",
            gv_doc=docstring(f"The shared informers of {gv.api_version}."),
            resources=resources,
            listers=sorted(r.lister for r in resources),
            model_imports=_model_imports(kinds | lists),
        )
        return listers, informers

    @staticmethod
    def _import(typedef: TypeDef) -> _Import:
        return (f"..models.{typedef.module}", typedef.name)

    def _kind_ref(self, gvk: tuple[str, str, str]) -> _Import | None:
        typedef = self._by_gvk.get(gvk)
        if typedef is not None:
            return self._import(typedef)
        if gvk == ("autoscaling", "v1", "Scale"):
            return ("kgen.runtime", "Scale")
        return None

    def _resource(self, resource: Resource) -> _ResourceView | None:
        if resource.type_id is None or resource.type_id not in self.model.types:
            return None  # no schema for the kind: the dynamic client serves it
        kind = self.model.types[resource.type_id]
        kind_import = self._import(kind)
        kind_class = kind.name
        list_type = self.model.types.get(resource.list_type_id or "")
        list_import = self._import(list_type) if list_type is not None else None
        if list_type is not None:
            list_class = list_annotation = list_type.name
        else:
            list_class = "KubernetesList"
            list_annotation = f"KubernetesList[{kind_class}]"
        mixins = _verb_mixins(resource.verbs)
        methods: list[_Method] = []
        for name in sorted(resource.subresources):
            sub = resource.subresources[name]
            if name in _RUNTIME_SUBRESOURCES:
                mixins.append(_RUNTIME_SUBRESOURCES[name])
            elif name == "log" and sub.streaming:
                mixins.append(_LOG_MIXIN)
            elif "connect" in sub.verbs and name in _CONNECT_MIXINS:
                mixins.append(_CONNECT_MIXINS[name])
            else:
                methods.extend(self._subresource_methods(resource, sub, kind_class))
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
            kind_import=kind_import,
            list_import=list_import,
            methods=methods,
            informable={"list", "watch"} <= resource.verbs and list_type is not None,
            lister=f"{class_name(resource.kind)}Lister",
            lister_doc=docstring(
                f"Reads {resource.plural} ({resource.api_version}) from an informer's cache."
            ),
            namespace_doc=docstring(f"The {resource.plural} of one namespace."),
            informer_doc=docstring(
                f"The shared informer of {resource.plural} ({resource.api_version}) and its lister."
            ),
        )

    def _subresource_methods(
        self, resource: Resource, sub: Subresource, kind_class: str
    ) -> list[_Method]:
        if sub.verbs == {"connect"}:
            return []  # a connect subresource the runtime has no mixin for: the dynamic client
        name = _SUBRESOURCE_NAMES.get(sub.name) or snake_case(sub.name) or "subresource"
        path = f"{resource.plural}/{sub.name}"
        if sub.streaming:
            return [
                _Method(
                    "read",
                    name,
                    sub.name,
                    "str",
                    doc=docstring(
                        f"{path} of ``name``, read to its end (``params``: its query parameters)."
                    ),
                    stream_doc=docstring(f"{path} of ``name``, line by line as it is written."),
                )
            ]
        imports: set[_Import] = set()
        if sub.kind is None:
            result = kind_class
        else:
            payload = self._kind_ref(sub.kind)
            if payload is None:
                return []  # the payload kind is not in the inputs: the dynamic client serves it
            imports.add(payload)
            result = payload[1]
        own = sub.kind is None
        docs = {
            "get": f"Read {path} of ``name``.",
            "update_object": f"Write {path} of ``obj`` (optimistic concurrency, as ``update``).",
            "update_body": f"Write ``body`` to {path} of ``name``.",
            "patch": f"Patch {path} of ``name``.",
            "create": f"Create ``body`` in {path} of ``name``; the answer, or the server's Status.",
            "apply": f"Server-side apply of {path} of ``obj`` as ``field_manager`` (required).",
        }
        methods = []
        for verb in ("get", "update", "patch", "create", "apply"):
            if verb not in sub.verbs or (verb == "apply" and not own):
                continue
            op = ("update_object" if own else "update_body") if verb == "update" else verb
            methods.append(
                _Method(op, name, sub.name, result, result, docstring(docs[op]), imports=imports)
            )
        return methods


def _model_imports(imports: set[_Import]) -> list[tuple[str, list[str]]]:
    """``from module import names`` lines of the generated models (the runtime's are separate)."""
    modules: dict[str, set[str]] = {}
    for module, name in imports:
        if module != "kgen.runtime":
            modules.setdefault(module, set()).add(name)
    return [(module, sorted(names)) for module, names in sorted(modules.items())]


def _gv_class(gv: GroupVersion) -> str:
    return class_name(snake_to_camel(gv.module))
