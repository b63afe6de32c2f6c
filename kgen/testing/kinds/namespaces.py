"""Namespaces (pkg/registry/core/namespace): the ``kubernetes`` finalizer, the Active phase and the
``kubernetes.io/metadata.name`` label on create; ``spec.finalizers`` changed only through the
``finalize`` subresource; a delete that first marks the namespace Terminating."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from kgen.testing.finalizers import deletion_finalizers
from kgen.testing.kinds.base import Strategy
from kgen.testing.objects import meta
from kgen.testing.options import DeleteQuery
from kgen.testing.registry import ResourceType
from kgen.testing.response import Response

if TYPE_CHECKING:
    from kgen.testing.api import API

__all__ = ["NamespaceStrategy"]


class NamespaceStrategy(Strategy):
    def prepare_for_create(self, rt: ResourceType, obj: dict[str, Any]) -> None:
        spec = obj.setdefault("spec", {})
        finalizers = list(spec.get("finalizers") or [])
        if "kubernetes" not in finalizers:
            finalizers.append("kubernetes")
        spec["finalizers"] = finalizers
        obj["status"] = {"phase": "Active"}
        labels = meta(obj).setdefault("labels", {})
        labels["kubernetes.io/metadata.name"] = meta(obj).get("name") or ""

    def prepare_for_update(
        self, rt: ResourceType, obj: dict[str, Any], old: dict[str, Any]
    ) -> None:
        # spec.finalizers change only through the finalize subresource; status through status.
        obj["spec"] = copy.deepcopy(old.get("spec") or {})

    def should_delete_during_update(self, new: dict[str, Any], old: dict[str, Any]) -> bool:
        # A namespace goes when its spec.finalizers are gone too (ShouldDeleteNamespaceDuringUpdate).
        if (old.get("spec") or {}).get("finalizers"):
            return False
        return super().should_delete_during_update(new, old)

    def delete(
        self, api: API, rt: ResourceType, existing: dict[str, Any], opts: DeleteQuery
    ) -> Response | None:
        """The namespace registry's Delete: the first one only marks the namespace Terminating, even
        when finalized already (the namespace controller leaves such a one alone: it goes with its
        next update); later ones answer with the namespace while spec.finalizers remain, then
        delete it as the generic store does."""

        old_meta = meta(existing)
        spec_finalizers = (existing.get("spec") or {}).get("finalizers") or []
        if not old_meta.get("deletionTimestamp"):
            new = copy.deepcopy(existing)
            meta(new)["deletionTimestamp"] = api.timestamp()
            new.setdefault("status", {})["phase"] = "Terminating"
            finalizers = deletion_finalizers(old_meta.get("finalizers") or [], opts)
            if finalizers:
                meta(new)["finalizers"] = finalizers
            else:
                meta(new).pop("finalizers", None)
            return api.store_deleting(rt, existing, new, opts)
        if spec_finalizers or old_meta.get("finalizers"):
            return Response(200, api.present(rt, existing))
        return api.delete_now(rt, existing, opts)
