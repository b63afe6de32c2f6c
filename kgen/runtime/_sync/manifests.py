# Generated from the _async twin by scripts/unasync.py: edit the async source, not this file.
"""Applying a set of manifests: server-side apply in dependency order, dry runs with diffs, prune, delete.

    applier = Applier(cs, field_manager="deployer")
    results = applier.apply(load_manifests("deploy/"), prune="app.kubernetes.io/part-of=shop")
    for result in applier.diff(manifests):
        print(result.diff)
    applier.delete(manifests, wait=True)

Every object goes through the dynamic client (any kind, custom resources included), found by the
RESTMapper from its apiVersion and kind. The set is checked first (:mod:`kgen.runtime._manifests.check`:
nothing is sent if any object is wrong), then applied in order: Namespaces, CustomResourceDefinitions
(each waited for until Established, and discovery refreshed, before objects of its kinds), then the
rest. An object that fails does not stop the others: every object has its
:class:`~kgen.runtime._manifests.results.ApplyResult`, and
:class:`~kgen.runtime._errors.ApplyError` lists the failures after the set was sent, with every result.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from kgen.runtime._sync.discovery import DiscoveryClient, RESTMapper
from kgen.runtime._sync.dynamic import DynamicClient, DynamicResource
from kgen.runtime._sync.primitives import sleep
from kgen.runtime._sync.wait import wait_for
from kgen.runtime._errors import ApplyError, KubernetesError, ManifestError, NotFound
from kgen.runtime._manifests.check import manifest_problems
from kgen.runtime._manifests.conditions import ConditionLike, crd_established, object_deleted
from kgen.runtime._manifests.load import Manifest
from kgen.runtime._manifests.order import (
    CRD_KIND,
    apply_order,
    delete_order,
    diff_text,
    without_volatile,
)
from kgen.runtime._manifests.results import Action, ApplyResult
from kgen.runtime._resources import GroupVersionResource
from kgen.runtime._selectors import SelectorLike
from kgen.runtime._unstructured import Unstructured

__all__ = ["Applier"]

_FAILURES = (KubernetesError, LookupError, ValueError)


class Applier:
    """Apply, diff and delete sets of objects (manifests, models, Unstructured objects or dicts).

    ``client`` is a clientset (its dynamic client, discovery and RESTMapper are used) or a transport.
    Objects of namespaced kinds that name no namespace go to ``namespace``. ``package`` names the
    generated package whose schemas check unstructured objects before sending (models know theirs);
    ``progress`` is called with each result as it is known."""

    def __init__(
        self,
        client: Any,
        *,
        field_manager: str = "kgen",
        namespace: str = "default",
        package: str | None = None,
        wait_timeout: float = 60.0,
        progress: Callable[[ApplyResult], None] | None = None,
    ) -> None:
        if hasattr(client, "rest_mapper"):
            self.dynamic: DynamicClient = client.dynamic
            self.discovery: DiscoveryClient = client.discovery
            self.mapper: RESTMapper = client.rest_mapper
        else:
            self.dynamic = DynamicClient(client)
            self.discovery = DiscoveryClient(client)
            self.mapper = RESTMapper(self.discovery)
        self.field_manager = field_manager
        self.namespace = namespace
        self.package = package
        self.wait_timeout = wait_timeout
        self.progress = progress

    # --- the verbs --------------------------------------------------------------------------------

    def apply(
        self,
        objects: Iterable[Any],
        *,
        force: bool = False,
        dry_run: bool = False,
        prune: SelectorLike | None = None,
        prune_kinds: Iterable[str] = (),
        diff: bool = False,
    ) -> list[ApplyResult]:
        """Server-side apply of every object as the field manager, in dependency order.

        ``force`` takes over fields other managers own (instead of a conflict); ``dry_run`` sends
        everything as a server-side dry run (nothing is stored; results show what would be), and
        ``diff`` adds to each result what would change. ``prune``, a label selector, deletes the
        objects it selects, of the kinds in the set (in its namespaces), that the set no longer holds
        (not after a failure); ``prune_kinds`` adds resources to look in (kubectl's names:
        ``configmaps``, ``deployments.apps``), in the set's namespaces. Raises :class:`~kgen.runtime._errors.ManifestError` (nothing sent) if
        the set does not pass the check, and :class:`~kgen.runtime._errors.ApplyError` listing every
        failure after sending the rest."""
        manifests = self._checked(objects)
        crd_kinds = _crd_kinds(manifests)
        results: list[ApplyResult] = []
        applied: dict[tuple[str, str, str | None, str], GroupVersionResource] = {}
        new_namespaces: set[str] = set()  # of the set, created by this dry run (so not stored)
        for manifest in apply_order(manifests):
            result, gvr = self._apply_one(manifest, force, dry_run, diff, crd_kinds, new_namespaces)
            if (
                dry_run
                and result.action == "created"
                and (manifest.gvk.group, manifest.kind)
                == (
                    "",
                    "Namespace",
                )
            ):
                new_namespaces.add(manifest.name)
            if result.ok and gvr is not None:
                applied[(gvr.group, gvr.resource, result.manifest.namespace, manifest.name)] = gvr
                if (manifest.gvk.group, manifest.kind) == CRD_KIND and not dry_run:
                    self._established(result, gvr)
            self._report(result, results)
        if prune is not None and all(result.ok for result in results):
            self._prune(prune, prune_kinds, applied, dry_run, results)
        if not all(result.ok for result in results):
            raise ApplyError("apply", results)
        return results

    def diff(self, objects: Iterable[Any], *, force: bool = False) -> list[ApplyResult]:
        """What applying the set would change: a server-side dry run whose results carry a diff
        (empty for objects that would not change)."""
        return self.apply(objects, force=force, dry_run=True, diff=True)

    def delete(
        self,
        objects: Iterable[Any],
        *,
        dry_run: bool = False,
        wait: bool = False,
        timeout: float | None = None,
    ) -> list[ApplyResult]:
        """Delete every object, in the reverse of the apply order (the rest, then CRDs, then
        Namespaces). An object that is not there is ``not found``, not a failure. With ``wait``, each
        object is waited for until it is gone (finalizers run) before the next is deleted."""
        manifests = [Manifest.of(obj) for obj in objects]
        results: list[ApplyResult] = []
        for manifest in delete_order(manifests):
            try:
                resource, namespace = self._resource(manifest)
            except LookupError:
                self._report(ApplyResult(manifest, "not found", note="kind not served"), results)
                continue
            try:
                answer = resource.delete(manifest.name, dry_run=dry_run)
                result = ApplyResult(manifest, "deleted", answer, dry_run=dry_run)
                if wait and not dry_run:
                    wait_for(
                        resource,
                        manifest.name,
                        object_deleted(),
                        timeout=timeout or self.wait_timeout,
                    )
            except NotFound:
                result = ApplyResult(manifest, "not found", dry_run=dry_run)
            except _FAILURES as exc:
                result = ApplyResult(manifest, "failed", error=exc, dry_run=dry_run)
            self._report(result, results)
        if not all(result.ok for result in results):
            raise ApplyError("delete", results)
        return results

    def wait(self, obj: Any, condition: ConditionLike, *, timeout: float | None = None) -> Any:
        """Wait until ``obj`` (a manifest, model, Unstructured or dict naming the object) satisfies
        ``condition``; the object as last seen (an Unstructured), as :func:`wait_for`."""
        resource, _ = self._resource(Manifest.of(obj))
        name = Manifest.of(obj).name
        return wait_for(
            resource, name, condition, timeout=self.wait_timeout if timeout is None else timeout
        )

    # --- the parts --------------------------------------------------------------------------------

    def _checked(self, objects: Iterable[Any]) -> list[Manifest]:
        manifests = [Manifest.of(obj) for obj in objects]
        problems = manifest_problems(manifests, package=self.package)
        for manifest in manifests:
            if not manifest.name:
                problems.append(
                    manifest.problem("metadata.name", "Required value: apply needs a name")
                )
        if problems:
            raise ManifestError(sorted(set(problems), key=problems.index))
        return manifests

    def _report(self, result: ApplyResult, results: list[ApplyResult]) -> None:
        results.append(result)
        if self.progress is not None:
            self.progress(result)

    def _resource(
        self, manifest: Manifest, retry_until: float | None = None
    ) -> tuple[DynamicResource, str | None]:
        """The dynamic client of the manifest's resource (in its namespace, or the default one).
        Until ``retry_until`` (a CRD of the set just established), a kind not yet in discovery is
        looked up again."""
        while True:
            try:
                found = self.mapper.resource_for(manifest.gvk)
                break
            except LookupError:
                if retry_until is None or time.monotonic() >= retry_until:
                    raise
                sleep(0.2)
        resource = self.dynamic.resource(found.gvr)
        if not found.namespaced:
            return resource, None
        namespace = manifest.namespace or self.namespace
        return resource.namespace(namespace), namespace

    def _apply_one(
        self,
        manifest: Manifest,
        force: bool,
        dry_run: bool,
        diff: bool,
        crd_kinds: set[tuple[str, str]],
        new_namespaces: set[str],
    ) -> tuple[ApplyResult, GroupVersionResource | None]:
        from_set = (manifest.gvk.group, manifest.kind) in crd_kinds
        try:
            retry_until = time.monotonic() + self.wait_timeout if from_set and not dry_run else None
            resource, namespace = self._resource(manifest, retry_until)
        except LookupError as exc:
            if from_set and dry_run:
                note = "its CustomResourceDefinition is in the set, not yet created"
                return _skipped(manifest, note, diff), None
            return ApplyResult(manifest, "failed", error=exc, dry_run=dry_run), None
        body = manifest.body()
        metadata = body.setdefault("metadata", {})
        if namespace is None:
            metadata.pop("namespace", None)
        else:
            metadata["namespace"] = namespace
        placed = Manifest(Unstructured(body), manifest.source, manifest.document, manifest.item)
        if dry_run and namespace in new_namespaces:
            return _skipped(placed, "its Namespace is in the set, not yet created", diff), None
        try:
            try:
                live: Unstructured | None = resource.get(manifest.name)
            except NotFound:
                live = None
            answer = resource.apply(
                body, field_manager=self.field_manager, force=force, dry_run=dry_run
            )
        except _FAILURES as exc:
            return ApplyResult(placed, "failed", error=exc, dry_run=dry_run), resource.gvr
        action: Action
        if live is None:
            action = "created"
        else:
            # By content, not resourceVersion: a server may write a no-op apply (its managedFields'
            # timestamps), and a dry run never changes it.
            same = without_volatile(live) == without_volatile(answer)
            action = "unchanged" if same else "configured"
        text = diff_text(live, answer, _diff_name(resource.gvr, placed)) if diff else ""
        return ApplyResult(placed, action, answer, diff=text, dry_run=dry_run), resource.gvr

    def _established(self, result: ApplyResult, gvr: GroupVersionResource) -> None:
        """Wait until the CRD just applied is Established, then refresh discovery."""
        crds = self.dynamic.resource(gvr)
        try:
            result.object = wait_for(
                crds, result.manifest.name, crd_established(), timeout=self.wait_timeout
            )
        except KubernetesError as exc:
            result.action, result.error = "failed", exc
        self.discovery.invalidate()

    def _prune(
        self,
        selector: SelectorLike,
        kinds: Iterable[str],
        applied: dict[tuple[str, str, str | None, str], GroupVersionResource],
        dry_run: bool,
        results: list[ApplyResult],
    ) -> None:
        scopes: dict[tuple[str, str], tuple[GroupVersionResource, set[str | None]]] = {}
        namespaces_used: set[str | None] = set()
        for (group, plural, namespace, _), gvr in applied.items():
            scopes.setdefault((group, plural), (gvr, set()))[1].add(namespace)
            if namespace is not None:
                namespaces_used.add(namespace)
        for name in kinds:
            found = self.mapper.resolve(name)
            where = set(namespaces_used or {self.namespace}) if found.namespaced else {None}
            scopes.setdefault((found.group, found.resource), (found.gvr, set()))[1].update(where)
        for (group, plural), (gvr, namespaces) in sorted(scopes.items(), key=lambda item: item[0]):
            for namespace in sorted(namespaces, key=lambda n: n or ""):
                resource = self.dynamic.resource(gvr)
                if namespace is not None:
                    resource = resource.namespace(namespace)
                try:
                    listed = resource.list(label_selector=selector)
                except _FAILURES as exc:
                    what = Manifest.of(
                        {"apiVersion": gvr.api_version, "kind": plural, "metadata": {}},
                        source="<prune>",
                    )
                    self._report(ApplyResult(what, "failed", error=exc, dry_run=dry_run), results)
                    continue
                for item in listed.items:
                    if (group, plural, item.namespace, item.name) in applied:
                        continue
                    manifest = Manifest(item, "<cluster>")
                    try:
                        answer = resource.delete(item.name or "", dry_run=dry_run)
                        result = ApplyResult(manifest, "pruned", answer, dry_run=dry_run)
                    except NotFound:
                        continue  # gone meanwhile
                    except _FAILURES as exc:
                        result = ApplyResult(manifest, "failed", error=exc, dry_run=dry_run)
                    self._report(result, results)


def _skipped(manifest: Manifest, note: str, diff: bool) -> ApplyResult:
    """An object a dry run cannot send (its namespace or kind is created by the set): what the
    manifest says is what would be created."""
    text = diff_text(None, manifest.body(), _diff_name(None, manifest)) if diff else ""
    return ApplyResult(manifest, "skipped", diff=text, dry_run=True, note=note)


def _crd_kinds(manifests: list[Manifest]) -> set[tuple[str, str]]:
    """(group, kind) of the custom resources the set's CRDs define."""
    kinds = set()
    for manifest in manifests:
        if (manifest.gvk.group, manifest.kind) == CRD_KIND:
            spec = manifest.body().get("spec") or {}
            kind = (spec.get("names") or {}).get("kind")
            if isinstance(spec.get("group"), str) and isinstance(kind, str):
                kinds.add((spec["group"], kind))
    return kinds


def _diff_name(gvr: GroupVersionResource | None, manifest: Manifest) -> str:
    namespace = f"{manifest.namespace}/" if manifest.namespace else ""
    group = gvr.group if gvr is not None else manifest.gvk.group
    plural = gvr.resource if gvr is not None else manifest.kind.lower()
    return f"{plural}{'.' + group if group else ''}/{namespace}{manifest.name}"
