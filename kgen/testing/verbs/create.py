"""Create (the generic store's Create, BeforeCreate and the kind's PrepareForCreate)."""

from __future__ import annotations

import builtins
from typing import Any

from kgen.testing import errors, jsonbody, schema
from kgen.testing.errors import FieldError, StatusError
from kgen.testing.objects import meta, new_uid, random_suffix
from kgen.testing.options import WriteQuery
from kgen.testing.registry import ResourceType
from kgen.testing.response import Response
from kgen.testing.store import KeyExists
from kgen.testing.validation import name_check, validate_object_meta
from kgen.testing.verbs.base import VerbBase, serialized, storage_errors

__all__ = ["CreateVerb"]

_CRDS = ("apiextensions.k8s.io", "customresourcedefinitions")


class CreateVerb(VerbBase):
    @serialized
    def create(
        self,
        rt: ResourceType,
        namespace: str | None,
        body: Any,
        opts: WriteQuery | None = None,
        *,
        shared: bool = False,
    ) -> Response:
        """``shared=True`` answers with the stored object itself (read-only: to encode it), and
        says whether it is plain JSON (:attr:`Response.plain`), as :meth:`ReadVerbs.list` does."""
        opts = opts or WriteQuery()
        if "create" not in rt.verbs:
            raise errors.method_not_supported(rt.plural, rt.group, "create")
        obj = self.decode(rt, body)
        warnings, problems = self._schema(rt, obj, opts, typed_decode=True)
        metadata = meta(obj)
        request_ns = self._key_ns(rt, namespace)
        self._check_namespace(rt, request_ns, metadata.get("name") or "")
        if rt.namespaced:
            if metadata.get("namespace") and metadata["namespace"] != request_ns:
                raise errors.bad_request(
                    "the namespace of the provided object does not match the namespace sent on the "
                    "request"
                )
            metadata["namespace"] = request_ns
        else:
            metadata.pop("namespace", None)
        if metadata.get("resourceVersion"):
            raise StatusError(
                {
                    "kind": "Status",
                    "apiVersion": "v1",
                    "metadata": {},
                    "status": "Failure",
                    "message": "resourceVersion should not be set on objects to be created",
                    "code": 500,
                }
            )
        generate = not metadata.get("name") and bool(metadata.get("generateName"))
        for attempt in range(8 if generate else 1):
            # A retry (with another generated name) starts again from the object as decoded.
            candidate = jsonbody.copy_json(obj) if generate else obj
            try:
                return self._create_once(rt, candidate, opts, warnings, problems, generate, shared)
            except StatusError as exc:
                if not (generate and exc.reason == "AlreadyExists" and attempt < 7):
                    raise
        raise AssertionError("unreachable")

    def _create_once(
        self,
        rt: ResourceType,
        obj: dict[str, Any],
        opts: WriteQuery,
        warnings: builtins.list[str],
        problems: builtins.list[FieldError],
        generate: bool,
        shared: bool = False,
    ) -> Response:
        metadata = meta(obj)
        if generate:
            metadata["name"] = metadata["generateName"] + random_suffix()
        # FillObjectMetaSystemFields and BeforeCreate: the server owns these.
        for key in ("deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"):
            metadata.pop(key, None)
        metadata["uid"] = new_uid()
        metadata["creationTimestamp"] = self.timestamp()
        # Registries that track generation start it at 1; BeforeCreate leaves it alone elsewhere,
        # so a ConfigMap keeps whatever generation the client sent.
        if rt.sets_generation:
            metadata["generation"] = 1
        self.strategy(rt).prepare_for_create(rt, obj)
        name = metadata.get("name") or ""
        all_problems = validate_object_meta(
            metadata, namespaced=rt.namespaced, check=name_check(rt.name_rule)
        )
        all_problems += problems
        all_problems += self.strategy(rt).validate(obj, None)
        all_problems += schema.validate(self.registry.model, rt, obj, None)
        if all_problems:
            raise self._invalid(rt, name, all_problems)
        if not opts.keep_managed:
            obj = self._managed(rt, None, obj, opts.manager, None)
        if opts.dry_run:
            existing = self.store.get(rt.gr, metadata.get("namespace") or "", name)
            if existing is not None:
                raise errors.already_exists(rt.plural, rt.group, name)
            return Response(201, self.present(rt, obj), warnings)
        # A CRD is read by the registry: it gets a copy. Other objects are served as stored (a
        # custom resource's schema defaults, if any apply, go into a copy: see present()).
        shared = shared and rt.gr != _CRDS
        try:
            with storage_errors():
                stored = self.store.create(rt.gr, obj, shared=shared)
        except KeyExists:
            existing = self.store.get(rt.gr, metadata.get("namespace") or "", name) or {}
            error = errors.already_exists(rt.plural, rt.group, name)
            if (existing.get("metadata") or {}).get("deletionTimestamp"):
                error.status["message"] = "object is being deleted: " + error.status["message"]
            raise error from None
        self.after_write(rt, "create", None, stored)
        body = self.present(rt, stored)
        plain = shared and body is stored and self.store.plain(rt.gr, (stored,))
        return Response(201, body, warnings, plain=plain)
