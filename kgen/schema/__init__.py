"""kgen.schema: the one schema engine, shared by the client, the fake clientset and kgen.testing.

A structural schema (a CRD version's ``openAPIV3Schema``, or a kind of the API model) is compiled once
into a :class:`Schema`, which does to an object what kube-apiserver does to a custom resource::

    schema = Schema(crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"])
    unknown, mistyped = schema.prune(obj)       # unknown fields dropped (and where they were)
    schema.default(obj)                         # non-nullable nulls dropped, defaults applied
    violations = schema.validate(obj, old)      # every keyword, embedded resources, list types, CEL

``validate`` returns every :class:`~kgen.runtime._violation.Violation` with its path and the
apiserver's message; ``rule_errors`` lists what the apiserver refuses a CRD for (CEL rules that do not
compile or exceed the cost limits; patterns Go cannot compile). :class:`ModelSchemas` gives the
compiled schema of each kind of a model, built on first use and kept; :func:`package_schemas` that of
a generated package (its ``apimodel.json``).

Layers: kgen.schema imports :mod:`kgen.apimodel`, :mod:`kgen.cel` and the runtime's pure value
modules (:mod:`kgen.runtime._violation`, :mod:`kgen.runtime._validation`); the runtime reaches it only
through :mod:`kgen.runtime._schemacheck`, imported when a program asks for validation.
"""

from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kgen.runtime._violation import Violation
from kgen.schema._mutate import Mistyped, default, mark_defaults, needs_default, prune, prune_nulls
from kgen.schema._node import Node, compile_node
from kgen.schema._regex import PatternError, compile_pattern, has_re2
from kgen.schema._structure import validate_embedded, validate_list_types
from kgen.schema._validate import validate_value

if TYPE_CHECKING:
    from kgen.apimodel.ir import APIModel, TypeDef
    from kgen.cel.schema import CompiledSchema
    from kgen.schema._model import ModelNodes

__all__ = [
    "Mistyped",
    "ModelSchemas",
    "PatternError",
    "Schema",
    "Violation",
    "compile_pattern",
    "has_re2",
    "package_schemas",
]


def _has_rules(schema: Any) -> bool:
    if isinstance(schema, Mapping):
        if schema.get("x-kubernetes-validations"):
            return True
        for key in ("properties", "patternProperties"):
            sub = schema.get(key)
            if isinstance(sub, Mapping) and any(_has_rules(v) for v in sub.values()):
                return True
        for key in ("additionalProperties", "items"):
            if _has_rules(schema.get(key)):
                return True
    return False


class Schema:
    """One structural schema, compiled once: pruning, defaulting, validation (keywords and CEL).

    ``schema`` is the dict (``openAPIV3Schema``); ``node`` a tree already compiled from it (the API
    model's kinds give both). ``root``: the schema of a resource (apiVersion, kind and metadata are the
    apiserver's), as opposed to the schema of a part of one."""

    def __init__(
        self,
        schema: Mapping[str, Any],
        *,
        node: Node | None = None,
        root: bool = True,
    ) -> None:
        self.schema = schema
        self.root = root
        self.node = node if node is not None else compile_node(schema, root=root)
        self._has_rules = _has_rules(schema)
        self._rules: CompiledSchema | None = None
        self._defaults = mark_defaults(self.node)
        self._lock = threading.Lock()

    @property
    def rules(self) -> CompiledSchema | None:
        """The compiled ``x-kubernetes-validations`` rules (None when the schema has none)."""
        if not self._has_rules:
            return None
        if self._rules is None:
            with self._lock:
                if self._rules is None:
                    from kgen.cel.schema import CompiledSchema

                    self._rules = CompiledSchema(self.schema, is_resource_root=self.root)
        return self._rules

    @property
    def rule_errors(self) -> list[str]:
        """Why kube-apiserver would refuse this schema's rules (``<path>: Invalid value: ...``)."""
        rules = self.rules
        return list(rules.errors) if rules is not None else []

    @property
    def has_defaults(self) -> bool:
        return self._defaults

    def prune(self, obj: Any, *, path: str = "") -> tuple[list[str], list[Mistyped]]:
        """Drop the fields the schema does not know, in place: their paths, and mistyped values."""
        return prune(self.node, obj, path=path)

    def default(self, obj: Any) -> None:
        """Drop nulls the schema does not allow, then apply its defaults, in place."""
        prune_nulls(self.node, obj)
        if self._defaults:
            default(self.node, obj)

    def needs_defaults(self, obj: Any) -> bool:
        """Whether :meth:`default` would add anything to ``obj`` (which is left alone)."""
        return self._defaults and needs_default(self.node, obj)

    def with_defaults(self, obj: Any) -> Any:
        """A copy of ``obj`` as the server would store it: pruned, nulls dropped, defaults applied."""
        out = copy.deepcopy(obj)
        self.prune(out)
        self.default(out)
        return out

    def validate(
        self, obj: Any, old: Any = None, *, partial: bool = False, path: str = ""
    ) -> list[Violation]:
        """Every violation of the schema by ``obj`` (its transition rules against ``old``).

        ``partial``: ``obj`` is a patch or an apply configuration; only what its values say about
        themselves is checked (types, formats, patterns, lengths, ranges, enums), not what needs the
        whole object (``required``, counts, composition, list types, CEL rules)."""
        if partial:
            return validate_value(self.node, obj, path, partial=True)
        errs = validate_value(self.node, obj, path)
        validate_embedded(self.node, obj, path, errs)
        validate_list_types(self.node, obj, path, errs)
        rules = self.rules
        if rules is not None:
            for v in rules.validate(obj, old, path=path):
                errs.append(Violation(v.type, v.field, v.bad_value, v.detail))
        return errs


class ModelSchemas:
    """The compiled schema of each kind of an API model, built on first use and kept. A kind whose
    type the model replaces (a CRD updated at run time) is compiled again."""

    def __init__(self, model: APIModel) -> None:
        self.model = model
        self._nodes: ModelNodes | None = None
        self._by_type: dict[str, tuple[TypeDef, Schema]] = {}
        self._lock = threading.Lock()

    def for_type(self, type_id: str) -> Schema | None:
        """The schema of the kind whose type is ``type_id`` (None if the model has no such type)."""
        typedef = self.model.types.get(type_id)
        if typedef is None:
            return None
        found = self._by_type.get(type_id)
        if found is not None and found[0] is typedef:
            return found[1]
        from kgen.schema._model import ModelNodes, render

        with self._lock:
            found = self._by_type.get(type_id)
            if found is not None and found[0] is typedef:
                return found[1]
            if found is not None or self._nodes is None:
                self._nodes = ModelNodes(self.model)  # types changed: nothing built is reused
            schema = Schema(render(self.model, type_id), node=self._nodes.kind(type_id))
            self._by_type[type_id] = (typedef, schema)
        return schema

    def for_kind(self, api_version: str, kind: str) -> Schema | None:
        """The schema of ``kind`` at ``api_version`` (None if the model does not have it)."""
        group, _, version = api_version.rpartition("/")
        gv = self.model.group_versions.get((group, version))
        if gv is None:
            return None
        type_id = gv.kinds.get(kind)
        return self.for_type(type_id) if type_id is not None else None


@functools.lru_cache(maxsize=64)
def package_schemas(package: str) -> ModelSchemas:
    """The schemas of a generated package's kinds (its embedded ``apimodel.json``, read once)."""
    from kgen.apimodel.serialize import load_package_model

    return ModelSchemas(load_package_model(package))
