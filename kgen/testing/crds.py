"""CustomResourceDefinitions at run time: check them, serve their resources, clean up after them.

Creating an ``apiextensions.k8s.io/v1`` CustomResourceDefinition registers its served versions (built
into the API model through :mod:`kgen.testing.inputs`, as for ``--crd`` inputs), and the
apiextensions controllers' status follows at once: ``NamesAccepted`` and ``Established`` true,
``acceptedNames`` and ``storedVersions``. Deleting one deletes its custom resources, then stops serving
them. CRDs of the initial model are stored as CRD objects too, rebuilt from the model.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from kgen.apimodel.ir import APIModel
from kgen.testing import schema
from kgen.testing.api import API
from kgen.testing.definitions import crd_schema
from kgen.testing.errors import FieldError
from kgen.testing.inputs import crd_model, crd_problem
from kgen.testing.kinds import Strategy
from kgen.testing.options import DeleteQuery
from kgen.testing.registry import CRD_GROUP, ResourceType, ScalePaths, version_priority
from kgen.testing.response import Response

__all__ = ["CRDStrategy", "CRDs", "crd_from_model"]

logger = logging.getLogger(__name__)

_CRDS = (CRD_GROUP, "customresourcedefinitions")
CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"


class CRDStrategy(Strategy):
    """The CustomResourceDefinition registry (apiextensions-apiserver): defaults and status on
    create, names that must be unique in a group, an immutable group, and a delete that marks the
    CRD Terminating with the cleanup finalizer while :class:`CRDs` deletes its custom resources."""

    def __init__(self, api: API) -> None:
        self.api = api

    def delete(
        self, api: API, rt: ResourceType, existing: dict[str, Any], opts: DeleteQuery
    ) -> Response | None:
        """The CRD registry's Delete: mark Terminating with the cleanup finalizer; cleanup follows."""
        metadata = existing["metadata"]
        if metadata.get("deletionTimestamp"):
            return api.store_deleting(rt, existing, existing, opts)
        new = copy.deepcopy(existing)
        new["metadata"]["deletionTimestamp"] = api.timestamp()
        finalizers = list(metadata.get("finalizers") or [])
        if CLEANUP_FINALIZER not in finalizers:
            finalizers.append(CLEANUP_FINALIZER)
        new["metadata"]["finalizers"] = finalizers
        conditions = [
            c
            for c in (new.get("status") or {}).get("conditions") or []
            if c.get("type") != "Terminating"
        ]
        conditions.append(
            {
                "type": "Terminating",
                "status": "True",
                "lastTransitionTime": api.timestamp(),
                "reason": "InstanceDeletionInProgress",
                "message": "CustomResource deletion is in progress",
            }
        )
        new.setdefault("status", {})["conditions"] = conditions
        return api.store_deleting(rt, existing, new, opts)

    def validate(self, obj: dict[str, Any], old: dict[str, Any] | None) -> list[FieldError]:
        # apiextensions' own checks first, with its messages; then what makes the CRD unusable to
        # the generator's reader (which refuses some of the same things in its own words).
        problems = schema.crd_problems(obj)
        if problems:
            return problems
        problem = crd_problem(obj)
        if problem is not None:
            pointer, message = problem
            path = ".".join(p for p in pointer.strip("/").split("/") if p) or "spec"
            return [FieldError.invalid(path, _value_at(obj, pointer), message)]
        spec = obj["spec"]
        for other in self.api.store.list(_CRDS)[0]:
            if (other.get("metadata") or {}).get("name") == obj["metadata"]["name"]:
                continue
            other_spec = other.get("spec") or {}
            if (
                other_spec.get("group") == spec["group"]
                and (other_spec.get("names") or {}).get("kind") == spec["names"]["kind"]
            ):
                problems.append(
                    FieldError.invalid(
                        "spec.names.kind",
                        spec["names"]["kind"],
                        f"kind is already in use by {other['metadata']['name']}",
                    )
                )
        if old is not None:
            if (old.get("spec") or {}).get("group") != spec.get("group"):
                problems.append(
                    FieldError.invalid("spec.group", spec.get("group"), "field is immutable")
                )
        return problems

    def prepare_for_create(self, rt: ResourceType, obj: dict[str, Any]) -> None:
        self._prepare(obj, None)

    def prepare_for_update(
        self, rt: ResourceType, obj: dict[str, Any], old: dict[str, Any]
    ) -> None:
        self._prepare(obj, old)

    def _prepare(self, obj: dict[str, Any], old: dict[str, Any] | None) -> None:
        spec = obj.setdefault("spec", {})
        names = spec.setdefault("names", {})
        if isinstance(names, dict) and isinstance(names.get("kind"), str):
            names.setdefault("singular", names["kind"].lower())
            names.setdefault("listKind", names["kind"] + "List")
        spec.setdefault("conversion", {"strategy": "None"})
        if old is None:
            # The strategy's PrepareForCreate: an empty status (conditions is not omitempty, so it
            # reads null until the controllers accept the names) whose storedVersions already holds
            # the storage version.
            versions = spec.get("versions") if isinstance(spec.get("versions"), list) else []
            storage = [
                v["name"]
                for v in versions
                if isinstance(v, dict) and v.get("storage") and isinstance(v.get("name"), str)
            ]
            obj["status"] = {
                "conditions": None,
                "acceptedNames": {"plural": "", "kind": ""},
                "storedVersions": storage[:1],
            }


class CRDs:
    """Keeps the registry in step with the stored CustomResourceDefinitions of one :class:`API`."""

    def __init__(self, api: API) -> None:
        self.api = api

    def attach(self) -> CRDs:
        self.api.hooks.append(self._on_write)
        self.api.strategies[_CRDS] = CRDStrategy(self.api)
        return self

    # --- lifecycle ----------------------------------------------------------------------------------

    def _on_write(
        self,
        api: API,
        rt: ResourceType,
        verb: str,
        old: dict[str, Any] | None,
        new: dict[str, Any] | None,
    ) -> None:
        if rt.gr != _CRDS:
            return
        if new is None:
            if old is not None:
                self.api.registry.remove_crd(old["metadata"]["name"])
            return
        if (new.get("metadata") or {}).get("deletionTimestamp"):
            self._cleanup(new)
            return
        if old is None or old.get("spec") != new.get("spec"):
            self.serve(new)
            self._establish(rt, new)

    def serve(self, crd: dict[str, Any]) -> list[ResourceType]:
        """Register (or re-register) the resources of a CRD."""
        name = crd["metadata"]["name"]
        self.api.registry.remove_crd(name)
        added = self.api.registry.add_model(crd_model(crd, name), crd_name=name)
        self.configure(crd)
        conversion = (crd["spec"].get("conversion") or {}).get("strategy")
        served = [v["name"] for v in crd["spec"]["versions"] if v.get("served")]
        if conversion == "Webhook" and len(served) > 1:
            # There is no webhook to call here: say so, instead of serving unconverted objects quietly.
            logger.warning(
                "%s: conversion webhooks are not called by kgen.testing; objects are served at every "
                "version (%s) as stored, with only apiVersion changed",
                name,
                ", ".join(served),
            )
        return added

    def configure(self, crd: dict[str, Any]) -> None:
        """Storage version and scale paths of the served versions."""
        name = crd["metadata"]["name"]
        for version in crd["spec"]["versions"]:
            if version.get("storage"):
                self.api.registry.set_storage_version(name, version["name"])
            scale = (version.get("subresources") or {}).get("scale")
            if isinstance(scale, dict):
                self.api.registry.set_scale_paths(
                    name,
                    version["name"],
                    ScalePaths(
                        spec_replicas=scale.get("specReplicasPath", ".spec.replicas"),
                        status_replicas=scale.get("statusReplicasPath", ".status.replicas"),
                        label_selector=scale.get("labelSelectorPath"),
                    ),
                )

    def _establish(self, rt: ResourceType, crd: dict[str, Any]) -> None:
        """What the apiextensions controllers write to status once the names are accepted."""
        now = self.api.timestamp()
        new = copy.deepcopy(crd)
        names = copy.deepcopy(crd["spec"]["names"])
        storage = [v["name"] for v in crd["spec"]["versions"] if v.get("storage")]
        stored = list((crd.get("status") or {}).get("storedVersions") or [])
        for version in storage:
            if version not in stored:
                stored.append(version)
        new["status"] = {
            "acceptedNames": names,
            "conditions": [
                {
                    "type": "NamesAccepted",
                    "status": "True",
                    "lastTransitionTime": now,
                    "reason": "NoConflicts",
                    "message": "no conflicts found",
                },
                {
                    "type": "Established",
                    "status": "True",
                    "lastTransitionTime": now,
                    "reason": "InitialNamesAccepted",
                    "message": "the initial names have been accepted",
                },
            ],
            "storedVersions": stored,
        }
        if new.get("status") == crd.get("status"):
            return
        stored_obj, changed = self.api.store.update(rt.gr, new)
        if changed:
            self.api.after_write(rt, "status", crd, stored_obj)

    def _cleanup(self, crd: dict[str, Any]) -> None:
        """A deleted CRD: delete its custom resources, then let the CRD go."""
        name = crd["metadata"]["name"]
        group, plural = crd["spec"]["group"], crd["spec"]["names"]["plural"]
        served = self.api.registry.versions_of(group, plural)
        if served:
            rt = served[0]
            for obj in self.api.store.list(rt.gr)[0]:
                metadata = obj.get("metadata") or {}
                if metadata.get("finalizers"):
                    new = copy.deepcopy(obj)
                    new["metadata"].pop("finalizers", None)
                    self.api.store.update(rt.gr, new)
                try:
                    self.api.delete(
                        rt, metadata.get("namespace"), metadata.get("name") or "", DeleteQuery()
                    )
                except Exception:  # noqa: BLE001 - gone meanwhile
                    pass
        for watcher in self.api.store.watchers():
            if watcher.gr == (group, plural):
                watcher.stop()
        crd_type = self.api.registry.get(CRD_GROUP, "v1", "customresourcedefinitions")
        current = self.api.store.get(_CRDS, "", name)
        if crd_type is None or current is None:
            return
        finalizers = current["metadata"].get("finalizers") or []
        if CLEANUP_FINALIZER not in finalizers:
            return
        rest = [f for f in finalizers if f != CLEANUP_FINALIZER]
        if rest:
            new = copy.deepcopy(current)
            new["metadata"]["finalizers"] = rest
            stored, _ = self.api.store.update(_CRDS, new)
            self.api.after_write(crd_type, "update", current, stored)
            return
        self.api.store.delete(_CRDS, "", name)
        self.api.after_write(crd_type, "delete", current, None)

    # --- CRDs of the initial model ------------------------------------------------------------------

    def seed(self, crds: list[dict[str, Any]]) -> None:
        """Store CRD objects for custom resources the initial model already serves."""
        crd_type = self.api.registry.get(CRD_GROUP, "v1", "customresourcedefinitions")
        assert crd_type is not None
        for crd in crds:
            name = crd["metadata"]["name"]
            if self.api.store.get(_CRDS, "", name) is not None:
                continue
            created = self.api.create(crd_type, None, crd).body
            del created


def _value_at(obj: Any, pointer: str) -> Any:
    current = obj
    for part in pointer.strip("/").split("/"):
        if not part:
            continue
        if isinstance(current, dict):
            current = current.get(part.replace("~1", "/").replace("~0", "~"))
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current if isinstance(current, (str, int, float, bool)) else ""


def _version_schema(model: APIModel, type_id: str | None) -> dict[str, Any]:
    """A served version's openAPIV3Schema: the CRD's own where the model kept it (with the
    descriptions of the model's types put back), else rendered from the model's types."""
    rendered = crd_schema(model, type_id)
    typedef = model.types.get(type_id or "")
    if typedef is None or typedef.schema is None:
        return rendered
    described: dict[str, Any] = _described(copy.deepcopy(typedef.schema), rendered)
    return described


def _described(raw: Any, rendered: Any) -> Any:
    if not isinstance(raw, dict) or not isinstance(rendered, dict):
        return raw
    if "description" in rendered and "description" not in raw:
        raw = {"description": rendered["description"], **raw}
    for name, sub in (raw.get("properties") or {}).items():
        raw["properties"][name] = _described(sub, (rendered.get("properties") or {}).get(name))
    for key in ("items", "additionalProperties"):
        if key in raw:
            raw[key] = _described(raw[key], rendered.get(key))
    return raw


def crd_from_model(model: APIModel, group: str, plural: str) -> dict[str, Any] | None:
    """A CustomResourceDefinition equivalent to the custom resource ``group/plural`` of a model."""
    served = [
        gv.resources[plural]
        for gv in model.group_versions.values()
        if gv.group == group and plural in gv.resources
    ]
    if not served:
        return None
    served.sort(key=lambda r: version_priority(r.version))
    first = served[0]
    names: dict[str, Any] = {
        "plural": plural,
        "singular": first.singular or first.kind.lower(),
        "kind": first.kind,
        "listKind": first.list_kind or f"{first.kind}List",
    }
    if first.short_names:
        names["shortNames"] = list(first.short_names)
    if first.categories:
        names["categories"] = list(first.categories)
    versions = []
    for position, resource in enumerate(served):
        version: dict[str, Any] = {
            "name": resource.version,
            "served": True,
            "storage": position == 0,
            "schema": {"openAPIV3Schema": _version_schema(model, resource.type_id)},
        }
        subresources: dict[str, Any] = {}
        if "status" in resource.subresources:
            subresources["status"] = {}
        if "scale" in resource.subresources:
            subresources["scale"] = {
                "specReplicasPath": ".spec.replicas",
                "statusReplicasPath": ".status.replicas",
                "labelSelectorPath": ".status.selector",
            }
        if subresources:
            version["subresources"] = subresources
        if resource.selectable_fields:
            version["selectableFields"] = [
                {"jsonPath": "." + p} for p in resource.selectable_fields
            ]
        if resource.printer_columns:
            version["additionalPrinterColumns"] = [
                {
                    k: v
                    for k, v in {
                        "name": c.name,
                        "type": c.type,
                        "jsonPath": c.json_path,
                        "description": c.description,
                        "format": c.format,
                        "priority": c.priority or None,
                    }.items()
                    if v is not None
                }
                for c in resource.printer_columns
            ]
        versions.append(version)
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "names": names,
            "scope": "Namespaced" if first.namespaced else "Cluster",
            "versions": versions,
        },
    }
