"""Owner references: controller-runtime's ``controllerutil.SetControllerReference``.

    set_controller_reference(widget, configmap)   # configmap now has widget as its controller

The reference is read from the owner's model (``apiVersion`` and ``kind`` from its class, ``name`` and
``uid`` from its metadata), with ``controller`` and ``blockOwnerDeletion`` true, so that the garbage
collector deletes the object with its owner and the controller's ``owns`` enqueues the owner when the
object changes. An object has at most one controller: another one raises
:class:`~kgen.runtime._errors.AlreadyOwnedError`. A namespaced owner must be in the object's namespace
(the garbage collector would delete the object at once otherwise), and a cluster-scoped object cannot
have a namespaced owner.
"""

from __future__ import annotations

from typing import Any

from kgen.runtime._errors import AlreadyOwnedError
from kgen.runtime._meta import ObjectMeta, OwnerReference
from kgen.runtime._unstructured import Unstructured

__all__ = ["controller_of", "owner_reference", "set_controller_reference", "set_owner_reference"]


def _group(api_version: str) -> str:
    return api_version.rpartition("/")[0] if "/" in api_version else ""


def owner_reference(owner: Any, *, controller: bool = False) -> OwnerReference:
    """A reference to ``owner`` (a generated model, or Unstructured) with its uid."""
    if isinstance(owner, Unstructured):
        api_version, kind = owner.api_version or "", owner.kind or ""
        name, uid = owner.name, owner.metadata.get("uid")
    else:
        gvk = getattr(type(owner), "GVK", None)
        meta = getattr(owner, "metadata", None)
        if gvk is None or meta is None:
            raise TypeError(f"a {type(owner).__name__} cannot own objects (no GVK or metadata)")
        api_version, kind, name, uid = gvk.api_version, gvk.kind, meta.name, meta.uid
    if not name or not uid:
        raise ValueError(f"the owner {kind} {name!r} has no uid yet: read it from the server first")
    return OwnerReference(
        api_version=api_version,
        kind=kind,
        name=name,
        uid=uid,
        controller=True if controller else None,
        block_owner_deletion=True if controller else None,
    )


def controller_of(obj: Any) -> OwnerReference | None:
    """The owner reference of ``obj`` marked ``controller``, or None."""
    meta = getattr(obj, "metadata", None)
    for ref in getattr(meta, "owner_references", None) or ():
        if ref.controller:
            return ref  # type: ignore[no-any-return]
    return None


def _same(a: OwnerReference, b: OwnerReference) -> bool:
    return (_group(a.api_version), a.kind, a.name) == (_group(b.api_version), b.kind, b.name)


def _set(owner: Any, obj: Any, *, controller: bool) -> None:
    ref = owner_reference(owner, controller=controller)
    owner_namespace = getattr(getattr(owner, "metadata", None), "namespace", None)
    if obj.metadata is None:
        obj.metadata = ObjectMeta()
    meta = obj.metadata
    if owner_namespace:
        if not meta.namespace:
            raise ValueError(
                f"cluster-scoped {type(obj).__name__} {meta.name!r} cannot have the namespaced "
                f"owner {ref.kind} {owner_namespace}/{ref.name}"
            )
        if meta.namespace != owner_namespace:
            raise ValueError(
                f"{type(obj).__name__} {meta.namespace}/{meta.name} cannot be owned by {ref.kind} "
                f"{owner_namespace}/{ref.name}: owners must be in the same namespace"
            )
    refs = list(meta.owner_references or [])
    if controller:
        current = controller_of(obj)
        if current is not None and not _same(current, ref):
            raise AlreadyOwnedError(
                f"{type(obj).__name__} {meta.name!r} is already controlled by {current.kind} "
                f"{current.name!r}: it cannot also be controlled by {ref.kind} {ref.name!r}"
            )
    for index, existing in enumerate(refs):
        if _same(existing, ref):
            refs[index] = ref
            break
    else:
        refs.append(ref)
    meta.owner_references = refs


def set_controller_reference(owner: Any, obj: Any) -> None:
    """Make ``owner`` the controller of ``obj`` (in place); see the module docstring."""
    _set(owner, obj, controller=True)


def set_owner_reference(owner: Any, obj: Any) -> None:
    """Add ``owner`` as a (non-controller) owner of ``obj`` (in place), or update its reference."""
    _set(owner, obj, controller=False)
