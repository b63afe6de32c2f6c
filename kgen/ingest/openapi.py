"""Swagger 2.0 and OpenAPI 3.0 documents, as a kube-apiserver serves them at /openapi/v2 and /openapi/v3."""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kgen.errors import SpecError, pointer_join

__all__ = ["OpenAPIDocument", "read_openapi"]


@dataclass(slots=True)
class OpenAPIDocument:
    file: str
    index: int | None
    openapi_version: int  # 2 or 3
    schemas: dict[str, Any]
    schemas_pointer: str  # "/definitions" or "/components/schemas"
    ref_prefix: str  # "#/definitions/" or "#/components/schemas/"
    paths: dict[str, Any]

    def schema_pointer(self, schema_id: str) -> str:
        return pointer_join(self.schemas_pointer, schema_id)

    def error(self, message: str, pointer: str = "") -> SpecError:
        return SpecError(message, file=self.file, pointer=pointer, document=self.index)


def read_openapi(
    content: Any, *, file: str, index: int | None = None, validate: bool = True
) -> OpenAPIDocument:
    """Check the shape of one document and return its schemas and paths."""
    if not isinstance(content, Mapping):
        raise SpecError(
            "not an OpenAPI document (expected a JSON object)", file=file, document=index
        )
    if content.get("swagger") == "2.0":
        version, pointer, prefix = 2, "/definitions", "#/definitions/"
        schemas = content.get("definitions", {})
    elif isinstance(content.get("openapi"), str) and content["openapi"].startswith("3."):
        version, pointer, prefix = 3, "/components/schemas", "#/components/schemas/"
        components = content.get("components", {})
        schemas = components.get("schemas", {}) if isinstance(components, Mapping) else None
    else:
        raise SpecError(
            'neither "swagger": "2.0" nor "openapi": "3.x" is set: not an OpenAPI document',
            file=file,
            document=index,
        )
    if not isinstance(schemas, Mapping):
        raise SpecError("must be an object", file=file, pointer=pointer, document=index)
    paths = content.get("paths", {})
    if not isinstance(paths, Mapping):
        raise SpecError("must be an object", file=file, pointer="/paths", document=index)
    _check_refs(content, file=file, index=index)
    if validate:
        _validate(content, version, file=file, index=index)
    return OpenAPIDocument(file, index, version, dict(schemas), pointer, prefix, dict(paths))


def _check_refs(content: Mapping[str, Any], *, file: str, index: int | None) -> None:
    """Every ``$ref`` must point inside the document, at something that exists, and no schema may be
    its own reference through ``$ref`` and ``allOf`` alone (``A: {$ref: B}``, ``B: {allOf: [{$ref:
    A}]}``): such a schema describes no value, and the OpenAPI validator recurses on it forever.

    Done before the validator, which cannot say where a broken reference is."""
    # (node, pointer, whether the node is a map of names such as "properties", where "$ref" is a name)
    stack: list[tuple[Any, str, bool]] = [(content, "", False)]
    # Schema pointer -> the schema pointers it is made of: its $ref's target, its allOf branches.
    made_of: dict[str, list[str]] = {}
    while stack:
        node, where, names = stack.pop()
        if isinstance(node, Mapping):
            ref = None if names else node.get("$ref")
            if ref is not None:
                _resolve_local(
                    content, ref, file=file, index=index, where=pointer_join(where, "$ref")
                )
                made_of.setdefault(where, []).append(ref[1:])
            all_of = None if names else node.get("allOf")
            if isinstance(all_of, list):
                made_of.setdefault(where, []).extend(
                    pointer_join(where, "allOf", i) for i in range(len(all_of))
                )
            for key, value in node.items():
                if isinstance(value, (Mapping, list)):
                    is_names = not names and key in ("properties", "patternProperties")
                    stack.append((value, pointer_join(where, str(key)), is_names))
        elif isinstance(node, list):
            for position, value in enumerate(node):
                if isinstance(value, (Mapping, list)):
                    stack.append((value, pointer_join(where, position), False))
    loop = _loop(made_of)
    if loop is not None:
        shown = " -> ".join(f"#{pointer}" for pointer in loop)
        raise SpecError(
            f"$ref loop: {shown}: a schema that is only a reference to itself describes no value",
            file=file,
            pointer=pointer_join(loop[0], "$ref") if "$ref" in _at(content, loop[0]) else loop[0],
            document=index,
        )


def _loop(made_of: Mapping[str, list[str]]) -> list[str] | None:
    """A cycle of the graph (its nodes, the first one repeated at the end), or None."""
    done: set[str] = set()
    for start in sorted(made_of):
        if start in done:
            continue
        # Iterative depth-first search: ``path`` is the stack, ``pending`` each one's unfollowed edges.
        path: list[str] = [start]
        pending: list[list[str]] = [sorted(made_of.get(start, ()), reverse=True)]
        while path:
            if not pending[-1]:
                done.add(path.pop())
                pending.pop()
                continue
            successor = pending[-1].pop()
            if successor in path:
                return path[path.index(successor) :] + [successor]
            if successor not in done:
                path.append(successor)
                pending.append(sorted(made_of.get(successor, ()), reverse=True))
    return None


def _at(root: Any, pointer: str) -> Any:
    node = root
    for part in pointer.split("/")[1:]:
        key = part.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def _resolve_local(root: Any, ref: Any, *, file: str, index: int | None, where: str) -> None:
    if not isinstance(ref, str) or not ref.startswith("#"):
        raise SpecError(
            f"only references inside the document are supported, not {ref!r}",
            file=file,
            pointer=where,
            document=index,
        )
    node = root
    for part in ref[1:].split("/")[1:]:
        key = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            raise SpecError(
                f"broken $ref: {ref!r} points at nothing", file=file, pointer=where, document=index
            )


# --- validation ------------------------------------------------------------------------------------


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kgen" / "validated"


def _validate(content: Mapping[str, Any], version: int, *, file: str, index: int | None) -> None:
    """Validate with openapi-spec-validator, remembering documents that passed.

    Validating the whole Kubernetes API takes seconds, and pipelines run ``kgen verify`` on the same inputs
    again and again, so a document that passed is recorded by the SHA-256 of its canonical JSON (and the
    validator's version) and not validated twice. ``KGEN_NO_VALIDATION_CACHE=1`` turns the record off.
    """
    import openapi_spec_validator

    canonical = json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256(canonical).hexdigest()
    stamp = _cache_dir() / f"{openapi_spec_validator.__version__}-{digest}"
    use_cache = os.environ.get("KGEN_NO_VALIDATION_CACHE") != "1"
    if use_cache and stamp.exists():
        return
    try:
        errors = list(_errors(content, version))
    except Exception as exc:  # the validator gives up on some documents instead of reporting them
        raise SpecError(
            f"invalid OpenAPI {version} document: {type(exc).__name__}: {exc}"[:600],
            file=file,
            document=index,
        ) from exc
    if errors:
        error = _best(errors)
        pointer = pointer_join("", *error.absolute_path) if error.absolute_path else ""
        raise SpecError(
            f"invalid OpenAPI {version} document: {error.message}",
            file=file,
            pointer=pointer,
            document=index,
        )
    if use_cache:
        try:
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.touch()
        except OSError:
            pass  # a cache we cannot write is only slower


def _best(errors: list[Any]) -> Any:
    """The error to report: a schema check's (precise, placed by :func:`_errors`) before the whole
    document's, the one nearest the root, and inside an "any of" the branch that nearly matched."""
    best_match = importlib.import_module("jsonschema.exceptions").best_match

    located = [e for e in errors if getattr(e, "_kgen_located", False)]
    error = min(located or errors, key=lambda e: (len(e.absolute_path), str(e.message)))
    try:
        return best_match([error]) or error
    except Exception:  # best_match needs a type checker, which not every error carries
        return error


def _errors(content: Mapping[str, Any], version: int) -> Iterator[Any]:
    from collections import deque

    from openapi_spec_validator import OpenAPIV2SpecValidator, OpenAPIV30SpecValidator
    from openapi_spec_validator.validation import keywords

    class _NoDefaultCheck(keywords.ValueValidator):
        """Kubernetes documents put ``default: {}`` on every struct-typed field, including structs with
        required properties: kube-apiserver's own /openapi/v3 output fails that check, so it is not an
        error here. Everything else is validated."""

        def __call__(self, schema: Any, value: Any) -> Iterator[Any]:
            return iter(())

    base = OpenAPIV2SpecValidator if version == 2 else OpenAPIV30SpecValidator
    schema_base: Any = base.keyword_validators["schema"]
    places = _schema_places(content)

    class _LocatedSchemaCheck(schema_base):  # type: ignore[misc]
        """The schema checker, with each error placed in the document: the checker reports them
        relative to the schema it checks (``/properties/a/type``), which may have been reached through
        a ``$ref``; the place is the schema's own, under the definitions where it has one."""

        def __call__(self, schema: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
            for error in super().__call__(schema, *args, **kwargs):
                if not getattr(error, "_kgen_located", False):
                    value = schema.read_value()
                    where = places.get(id(value), tuple(schema.parts))
                    error.path = error.relative_path = deque([*where, *error.relative_path])
                    error._kgen_located = True
                yield error

    validator_cls = type(
        "KubernetesSpecValidator",
        (base,),
        {
            "keyword_validators": {
                **base.keyword_validators,
                "default": _NoDefaultCheck,
                "schema": _LocatedSchemaCheck,
            }
        },
    )
    yield from validator_cls(content).iter_errors()


def _schema_places(content: Mapping[str, Any]) -> dict[int, tuple[str | int, ...]]:
    """Where each object of the document is, by identity: the definitions first, so that a schema
    reached through a ``$ref`` is named where it is defined."""
    places: dict[int, tuple[str | int, ...]] = {}
    roots: list[tuple[Any, tuple[str | int, ...]]] = []
    components = content.get("components")
    if isinstance(components, Mapping) and isinstance(components.get("schemas"), Mapping):
        roots.append((components["schemas"], ("components", "schemas")))
    if isinstance(content.get("definitions"), Mapping):
        roots.append((content["definitions"], ("definitions",)))
    roots.append((content, ()))
    for root, prefix in roots:
        stack = [(root, prefix)]
        while stack:
            node, where = stack.pop()
            if id(node) in places:
                continue
            places[id(node)] = where
            if isinstance(node, Mapping):
                stack.extend((value, (*where, key)) for key, value in node.items())
            elif isinstance(node, list):
                stack.extend((value, (*where, i)) for i, value in enumerate(node))
    return places
