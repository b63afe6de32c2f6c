"""Patch: JSON patch, merge patch, strategic merge patch and server-side apply, each ending in an update
(or, for apply, a create)."""

from __future__ import annotations

import copy
import json
from typing import Any

from kgen.runtime._patch import apply_merge_patch
from kgen.testing import errors, merging, schema
from kgen.testing.errors import FieldError, StatusError
from kgen.testing.objects import meta
from kgen.testing.options import WriteQuery
from kgen.testing.registry import ResourceType
from kgen.testing.response import Response
from kgen.testing.verbs.base import (
    APPLY_PATCH,
    JSON_PATCH,
    MERGE_PATCH,
    STRATEGIC_PATCH,
    serialized,
)
from kgen.testing.verbs import decode as decoding
from kgen.testing.verbs.create import CreateVerb
from kgen.testing.verbs.update import UpdateVerb

__all__ = ["PatchVerb"]


class PatchVerb(UpdateVerb, CreateVerb):
    @serialized
    def patch(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        patch_type: str,
        patch: bytes | str | Any,
        opts: WriteQuery | None = None,
        *,
        subresource: str | None = None,
    ) -> Response:
        opts = opts or WriteQuery()
        accepted = [JSON_PATCH, MERGE_PATCH] + (
            [STRATEGIC_PATCH] if rt.strategic_merge_patch else []
        )
        accepted.append(APPLY_PATCH)
        if patch_type not in accepted:
            raise errors.unsupported_media(accepted)
        if patch_type == APPLY_PATCH:
            if not opts.field_manager:
                raise errors.invalid(
                    "PatchOptions",
                    "meta.k8s.io",
                    "",
                    [FieldError.required("fieldManager", "is required for apply patch")],
                )
        elif opts.force is not None:
            raise errors.invalid(
                "PatchOptions",
                "meta.k8s.io",
                "",
                [FieldError.forbidden("force", "may not be specified for non-apply patch")],
            )
        if subresource is None and "patch" not in rt.verbs:
            raise errors.method_not_supported(rt.plural, rt.group, "patch")
        key_ns = self._key_ns(rt, namespace)
        existing = self.store.get(rt.gr, key_ns, name)
        if patch_type == APPLY_PATCH:
            config = merging.parse_apply_body(patch)
            if existing is None:
                if subresource is not None:
                    raise errors.not_found(rt.plural, rt.group, name)
                return self._apply_create(rt, namespace, name, config, opts)
            return self._apply(rt, existing, config, opts, subresource)
        if existing is None:
            raise errors.not_found(rt.plural, rt.group, name)
        current = self.present(rt, existing)
        document: Any = None
        if patch_type == JSON_PATCH:
            patched = merging.json_patch(current, patch)
        elif patch_type == MERGE_PATCH:
            document = merging.parse_merge_patch(patch)
            # A patch that is not an object replaces the whole document (RFC 7386).
            patched = (
                apply_merge_patch(current, document) if isinstance(document, dict) else document
            )
        else:
            document = merging.parse_json_body(patch)
            patched = merging.strategic_merge(self.registry.model, rt, current, document)
        if not isinstance(patched, dict):
            raise decoding.patch_invalid(
                _json_text(patched),
                "couldn't get version/kind; json parse error: json: cannot unmarshal "
                f"{decoding.json_kind(patched)} into Go value of type {decoding.TYPE_META}",
            )
        obj = self.decode(rt, patched)
        # The patched object is decoded into the kind's Go type: a value of the wrong type fails.
        if patch_type == STRATEGIC_PATCH:

            def typed(mistyped: schema.Mistyped) -> StatusError:
                message = decoding.converter_error(self.registry, rt, mistyped)
                return decoding.patch_invalid(decoding.go_format(document), message)

        else:

            def typed(mistyped: schema.Mistyped) -> StatusError:
                message = decoding.unmarshal_error(rt, mistyped)
                return decoding.patch_invalid(_json_text(patched), message)

        warnings, problems = self._schema(rt, obj, opts, typed_patch=typed)
        _check_name(meta(obj), name, key_ns if rt.namespaced else "")
        meta(obj)["name"] = name
        if rt.namespaced:
            meta(obj)["namespace"] = key_ns
        return self.write_update(
            rt, existing, obj, opts, warnings, problems, subresource=subresource
        )

    def _apply(
        self,
        rt: ResourceType,
        existing: dict[str, Any],
        config: dict[str, Any],
        opts: WriteQuery,
        subresource: str | None,
    ) -> Response:
        self._check_apply_config(rt, config, meta(existing).get("name") or "")
        merged = merging.server_side_apply(
            self.registry.model,
            rt,
            self.present(rt, existing),
            config,
            manager=opts.field_manager,
            force=bool(opts.force),
            subresource=subresource,
            now=self.now(),
        )
        obj = self.decode(rt, merged)

        def typed(mistyped: schema.Mistyped) -> StatusError:
            return decoding.patch_invalid(
                _json_text(merged), decoding.unmarshal_error(rt, mistyped)
            )

        warnings, problems = self._schema(rt, obj, opts, typed_patch=typed)
        return self.write_update(
            rt, existing, obj, opts, warnings, problems, subresource=subresource, manager_op="apply"
        )

    def _apply_create(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        config: dict[str, Any],
        opts: WriteQuery,
    ) -> Response:
        self._check_apply_config(rt, config, name)
        merged = merging.server_side_apply(
            self.registry.model,
            rt,
            None,
            config,
            manager=opts.field_manager,
            force=bool(opts.force),
            subresource=None,
            now=self.now(),
        )
        meta(merged)["name"] = name
        response = self._create_with_managed(rt, namespace, merged, opts)
        return response

    def _create_with_managed(
        self, rt: ResourceType, namespace: str | None, obj: dict[str, Any], opts: WriteQuery
    ) -> Response:
        # managedFields come from apply: creation must not replace them with an Update entry.
        keep = WriteQuery(
            dry_run=opts.dry_run,
            field_manager=opts.field_manager,
            field_validation=opts.field_validation,
            keep_managed=True,
        )
        return self.create(rt, namespace, obj, keep)

    def _check_apply_config(self, rt: ResourceType, config: dict[str, Any], name: str) -> None:
        if not config.get("apiVersion") or not config.get("kind"):
            raise errors.bad_request(
                "error decoding patch: Object 'Kind' is missing in "
                f"'{json.dumps(config, separators=(',', ':'))}'"
            )
        self._check_apply_types(rt, config)
        if (config.get("metadata") or {}).get("name") not in (None, name):
            raise errors.bad_request(
                f"the name of the object ({config['metadata']['name']}) does not match the name on "
                f"the URL ({name})"
            )

    def _check_apply_types(self, rt: ResourceType, config: dict[str, Any]) -> None:
        """The field manager converts the apply configuration to a typed value first: a value of the
        wrong type fails there, as a plain error (500, no reason), for built-in and custom kinds."""
        if rt.type_id is None or rt.type_id not in self.registry.model.types:
            return
        probe = copy.deepcopy(config)
        outcome = schema.process(self.registry.model, rt.type_id, probe, custom=rt.custom)
        # A null is an unset field for the field manager's typed value.
        mistyped = [m for m in outcome.mistyped if m.actual != "null"]
        if not mistyped:
            return
        lines = [
            f".{m.path}: expected {m.expected}, got &value.valueUnstructured{{Value:{_go_v(m.value)}}}"
            for m in mistyped
        ]
        detail = lines[0] if len(lines) == 1 else "errors:\n  " + "\n  ".join(lines)
        raw_meta = config.get("metadata")
        metadata: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
        # objectGVKNN: "namespace/name; gvk", with what the accessor reads (nothing if not text).
        namespace, name = (metadata.get(k) for k in ("namespace", "name"))
        where = "/".join(v if isinstance(v, str) else "" for v in (namespace, name))
        gvk = f"{rt.api_version}, Kind={rt.kind}"
        if not rt.group:
            gvk = f"/{gvk}"
        raise StatusError(
            {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Failure",
                "message": f"failed to create typed patch object ({where}; {gvk}): {detail}",
                "code": 500,
            }
        )


def _json_text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _check_name(metadata: dict[str, Any], name: str, namespace: str) -> None:
    """checkName: a patch may not rename the object or move it to another namespace."""
    found = metadata.get("name")
    found = found if isinstance(found, str) else ""
    if found != name:
        raise errors.bad_request(
            f"the name of the object ({found}) does not match the name on the URL ({name})"
        )
    found_ns = metadata.get("namespace")
    if namespace and isinstance(found_ns, str) and found_ns and found_ns != namespace:
        raise errors.bad_request(
            f"the namespace of the object ({found_ns}) does not match the namespace on the "
            f"request ({namespace})"
        )


def _go_v(value: Any) -> str:
    """Go's %v of a JSON value."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    return json.dumps(value, separators=(",", ":"))
