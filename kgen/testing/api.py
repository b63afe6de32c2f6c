"""REST semantics of kube-apiserver over the storage engine, without HTTP.

:class:`API` implements the verbs (create, get, list, update, patch, delete, deletecollection, watch) and
the subresources, with the generic registry's rules: generateName, uid and timestamps, one global
resourceVersion, optimistic concurrency, the status-subresource split, generation bumps, finalizers and
deletion, garbage collection through ownerReferences, namespace lifecycle, dry runs, schema pruning,
defaulting and validation, selectors and paging. Every failure raises
:class:`~kgen.testing.errors.StatusError` carrying the Status the apiserver would send.

The HTTP server (:mod:`kgen.testing.http`) only parses requests and calls this; an in-process fake
clientset can call it directly. The verbs live in :mod:`kgen.testing.verbs`, one module each, over what
they share (:mod:`kgen.testing.verbs.base`); what a kind does differently (namespaces, pods, CRDs...)
is its strategy (:mod:`kgen.testing.kinds`), as kube-apiserver keeps it in the kind's registry.
"""

from __future__ import annotations

from kgen.testing.response import Response
from kgen.testing.verbs.delete import DeleteVerbs
from kgen.testing.verbs.patch import PatchVerb

__all__ = ["API", "Response"]


class API(PatchVerb, DeleteVerbs):
    """The verbs of every served resource, over one :class:`~kgen.testing.store.Store`: create, get,
    list, watch, update, patch (and apply), delete and deletecollection."""
